# The few commands people need. Each works on a fresh Debian machine: it first installs what is
# missing (uv, .venv, system packages when run as root) and is quick when everything is there.
# The longer shell logic lives in scripts/.

PYTHON := .venv/bin/python
MANAGE := $(PYTHON) manage.py

# Debian packages: WeasyPrint's libraries and a font to render PDFs; Chromium for the end-to-end
# tests; PostgreSQL (with contrib, for pg_trgm) for scripts/with-postgres.sh; gettext for catalogues.
RUNTIME_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_PACKAGES := $(RUNTIME_PACKAGES) chromium postgresql gettext

.PHONY: help venv system-packages demo test lint bench-registry bench-dedup messages

help:
	@echo "make demo            serve the demo on http://127.0.0.1:8000 with the background worker"
	@echo "make test            run the whole test suite (PostgreSQL when DATABASE_URL is set)"
	@echo "make lint            ruff, ruff format, mypy and the migrations check"
	@echo "make bench-registry  run bench/registry.py against a throwaway PostgreSQL"
	@echo "make bench-dedup     duplicate detection, our engine against Splink (bench/dedup.py)"
	@echo "make messages        update the Spanish catalogues and compile them"

venv:
	@scripts/venv.sh

system-packages:
	@scripts/system-packages.sh $(TEST_PACKAGES)

demo: venv
	@scripts/system-packages.sh $(RUNTIME_PACKAGES)
	scripts/demo.sh

# One pytest process per core (pytest-xdist); PYTEST_WORKERS=0 runs in one process, easier to debug.
PYTEST_WORKERS ?= auto

test: venv
	@scripts/system-packages.sh $(TEST_PACKAGES)
	.venv/bin/pytest -n $(PYTEST_WORKERS) $(ARGS)

lint: venv
	@scripts/system-packages.sh $(RUNTIME_PACKAGES)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy arraigo
	$(MANAGE) makemigrations --check --dry-run

bench-registry: venv
	@scripts/system-packages.sh $(TEST_PACKAGES)
	ARRAIGO_PG_DURABLE=1 PYTHONPATH=. DJANGO_SETTINGS_MODULE=config.settings \
		scripts/with-postgres.sh \
		sh -c '$(MANAGE) migrate --noinput -v0 && $(PYTHON) bench/registry.py $(ARGS)'

# Splink is a benchmark-only dependency (the "bench" group): it goes into its own environment,
# .venv-bench, so that `make test` (which syncs .venv to the lock without it) never removes it
# from under a running benchmark.
bench-dedup: venv
	@scripts/system-packages.sh $(TEST_PACKAGES)
	UV_PROJECT_ENVIRONMENT=.venv-bench python3 -m uv sync --frozen --group bench
	ARRAIGO_PG_DURABLE=1 scripts/with-postgres.sh .venv-bench/bin/python bench/dedup.py $(ARGS)

# Static files and the virtualenv carry their own catalogues or copies of other projects' code.
MESSAGES_IGNORE := --ignore=.venv --ignore=.venv-bench --ignore=var --ignore=static/vendor --ignore=tests/e2e/vendor

messages: venv
	@scripts/system-packages.sh gettext
	$(MANAGE) makemessages -l es -d django --add-location=file $(MESSAGES_IGNORE)
	$(MANAGE) makemessages -l es -d djangojs --add-location=file $(MESSAGES_IGNORE)
	$(MANAGE) compilemessages -l es $(MESSAGES_IGNORE)
