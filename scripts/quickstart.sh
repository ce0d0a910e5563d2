#!/usr/bin/env bash
# One command: install, load the demo data, start the service on SQLite at http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e .
.venv/bin/training seed-demo
exec .venv/bin/training serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
