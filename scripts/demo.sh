#!/usr/bin/env bash
# Prepare the database and demo data, then serve Arraigo on http://127.0.0.1:8000 with its
# background worker. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

# Demo logins have no second factor; a real deployment keeps this on.
export ARRAIGO_REQUIRE_ADMIN_MFA=false
PYTHON=.venv/bin/python

$PYTHON manage.py migrate --noinput
# Collecting compresses every file (about 20 s), so do it only when a static file or a dependency
# changed since the last time.
manifest=${ARRAIGO_STATIC_ROOT:-${ARRAIGO_VAR_DIR:-var}/staticfiles}/staticfiles.json
if [ ! -f "$manifest" ] || [ -n "$(find static arraigo uv.lock -newer "$manifest" -type f \
        \( -path 'static/*' -o -path '*/static/*' -o -name uv.lock \) -print -quit)" ]; then
    $PYTHON manage.py collectstatic --noinput -v0
fi
$PYTHON manage.py load_demo      # prints the demo logins

# The worker runs queued tasks (imports, reports); it must not outlive the server.
$PYTHON manage.py db_worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

echo "Arraigo: http://127.0.0.1:8000  (Ctrl-C to stop)"
# The access log leaves out the query string, the referrer and the client address: a search term or
# a filter can be a person's name, and nothing personal may reach a log. Imports are checked and
# imported by the worker, not in a request: what a request still does is read and store the file
# (about 2 s for 10,000 rows), well inside the 120 s even on a busy machine.
.venv/bin/gunicorn config.wsgi -b 127.0.0.1:8000 --workers 2 --timeout 120 \
    --access-logfile - --access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
