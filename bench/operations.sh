#!/usr/bin/env bash
# Issue 14's figures in one run: the public verification (granian vs uvicorn; rate limit off; CPU inside the app), /health, the dashboard and
# /me, and 30 concurrent writers, on SQLite and (when BENCH_DATABASE_URL names a PostgreSQL database, which
# is wiped) on PostgreSQL. Prints each benchmark's output; the summary lines end with OK or MISSED.
#   bash bench/operations.sh
#   BENCH_DATABASE_URL=postgresql://training:training@127.0.0.1:5432/training_bench bash bench/operations.sh
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
pg=${BENCH_DATABASE_URL:-}
run() {  # run NAME ARGS...: on SQLite, then on PostgreSQL if asked
  echo "=== $1 on SQLite (load $(cut -d' ' -f1 /proc/loadavg)) ==="
  env -u BENCH_DATABASE_URL "$py" "${@:2}"
  if [ -n "$pg" ]; then
    echo "=== $1 on PostgreSQL (load $(cut -d' ' -f1 /proc/loadavg)) ==="
    BENCH_DATABASE_URL=$pg "$py" "${@:2}"
  fi
}
run "verify" bench/verify_load.py --certificates 10000 --duration 10
run "health" bench/health.py --duration 10
run "dashboard and /me, 1 worker" bench/read_pages.py
run "dashboard and /me, 2 workers" bench/read_pages.py --workers 2
run "verify, rate limit off" bench/verify_load.py --certificates 10000 --duration 10 --servers granian --no-rate-limit
run "verify, CPU inside the app" bench/verify_cpu.py
run "30 writers" bench/sqlite_writers.py
