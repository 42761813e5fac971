#!/usr/bin/env bash
# Make .venv match uv.lock exactly (runtime and dev dependencies), installing uv first if needed.
#
# uv is called as `python3 -m uv`: inside the repository `python3` is the 3.13 named in
# .python-version, whereas a `uv` found on PATH may be a pyenv shim of another Python that fails.
# `uv sync --frozen` takes well under a second when nothing changed, so it runs every time and a
# pull that changes uv.lock is picked up without thinking about it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -m uv --version >/dev/null 2>&1; then
    echo "Installing uv"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore uv
fi
# Only PyPI is reachable from CI and offices, so never try to download a Python build.
UV_PYTHON_DOWNLOADS=never python3 -m uv sync --frozen --quiet
