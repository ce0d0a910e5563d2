#!/usr/bin/env bash
# One command: install the test dependencies (Python packages, and Debian's Chromium for the
# browser tests when it is missing) and run the whole suite.
# SQLite by default; set TEST_DATABASE_URL=postgresql://user:pass@127.0.0.1:5432/db for PostgreSQL
# (the test database is wiped and migrated from empty).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[test]"
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y chromium || { $SUDO apt-get update && $SUDO apt-get install -y chromium; }
fi
# axe-core for the accessibility test (tests/e2e/test_accessibility.py injects it into the pages), from npm.
if [ ! -f .cache/npm/node_modules/axe-core/axe.min.js ]; then
  command -v npm >/dev/null || { SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y npm || { $SUDO apt-get update && $SUDO apt-get install -y npm; }; }
  npm install --silent --no-audit --no-fund --prefix .cache/npm "axe-core@^4.10"
fi
.venv/bin/ruff check .
# The layering: adapters → domain → core (the contracts are in pyproject.toml, [tool.importlinter]).
.venv/bin/lint-imports
exec .venv/bin/pytest "$@"
