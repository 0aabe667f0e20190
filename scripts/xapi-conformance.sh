#!/usr/bin/env bash
# Run the ADL LRS conformance test suite against a fresh Pathwise LRS.
#
#   scripts/xapi-conformance.sh /path/to/lrs-conformance-test-suite [2.0.0|1.0.3] [extra suite args...]
#
# Starts `pathwise serve` on a free port with a new, empty database, creates an xAPI
# credential through the CLI, runs the suite (`npm install` first if needed), reads
# the JSON log it writes and prints the passed/failed counts. The suite's own exit code
# is its failure count modulo 256, so it is ignored: the counts come from the log, both
# from its summary and by counting the individual tests in it.
#
# The database is a new SQLite file by default. With XAPI_CONFORMANCE_POSTGRES set to a
# PostgreSQL server URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres) a new
# database is created on that server for the run and dropped afterwards.
#
# Exit status: 0 when every test passed, 1 when any failed, 2 when the run did not finish.
# The suite lives outside this repository and is never committed.
set -euo pipefail

SUITE=${1:?usage: $0 SUITE_PATH [VERSION] [extra suite args]}
VERSION=${2:-2.0.0}
shift $(( $# >= 2 ? 2 : 1 ))
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
PATHWISE=${PATHWISE:-$ROOT/.venv/bin/pathwise}
SUITE=$(cd "$SUITE" && pwd)

WORK=$(mktemp -d /tmp/pathwise-xapi-conformance.XXXXXX)
export PATHWISE_MODE=${PATHWISE_MODE:-local}
PG_ADMIN=${XAPI_CONFORMANCE_POSTGRES:-}
PG_DB=""
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  if [ -n "$PG_DB" ]; then
    "$PY" - "$PG_ADMIN" "$PG_DB" <<'PY' || true
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
PY
  fi
}
trap cleanup EXIT

if [ -n "$PG_ADMIN" ]; then
  PG_DB="pw_xapi_conformance_$(basename "$WORK" | tr -dc 'a-zA-Z0-9' | tr 'A-Z' 'a-z')"
  PG_URL=$("$PY" - "$PG_ADMIN" "$PG_DB" <<'PY'
import sys, psycopg
from sqlalchemy.engine import make_url
admin, name = sys.argv[1:3]
with psycopg.connect(admin, autocommit=True) as conn:
    conn.execute(f'CREATE DATABASE "{name}"')
print(make_url(admin).set(database=name).render_as_string(hide_password=False))
PY
)
  export PATHWISE_DATABASE_URL=$PG_URL
  DB_KIND=postgresql
else
  export PATHWISE_DATABASE_URL="sqlite:///$WORK/lrs.sqlite"
  DB_KIND=sqlite
fi
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

"$PATHWISE" db upgrade >/dev/null
CRED=$("$PATHWISE" xapi credentials create conformance-suite --scope all --json)
KEY=$(printf '%s' "$CRED" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["key"])')
SECRET=$(printf '%s' "$CRED" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["secret"])')

"$PATHWISE" serve --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$PORT/xapi/about" >/dev/null 2>&1; then break; fi
  sleep 0.2
done

if [ ! -d "$SUITE/node_modules" ]; then (cd "$SUITE" && npm install --no-audit --no-fund >/dev/null); fi

mkdir -p "$SUITE/logs"
BEFORE=$(ls -1 "$SUITE/logs" | sort)
set +e
(cd "$SUITE" && node bin/console_runner.js -e "http://127.0.0.1:$PORT/xapi" -a -u "$KEY" -p "$SECRET" \
   -x "$VERSION" "$@" >"$WORK/suite.out" 2>&1)
set -e
LOG=$(comm -13 <(printf '%s\n' "$BEFORE") <(ls -1 "$SUITE/logs" | sort) | tail -1)
if [ -z "$LOG" ]; then
  echo "the suite wrote no log; its output is in $WORK/suite.out" >&2
  exit 2
fi
cp "$SUITE/logs/$LOG" "$WORK/result.json"
set +e
"$PY" - "$WORK/result.json" "$VERSION" "$SUITE" "$DB_KIND" <<'PY'
import json, subprocess, sys
from collections import Counter

path, version, suite, db = sys.argv[1:5]
log = json.load(open(path))
summary = log.get("summary", {})
try:
    commit = open(f"{suite}/SUITE_COMMIT").read().strip()
except OSError:
    commit = subprocess.run(["git", "-C", suite, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip() or "unknown"


def leaves(node):
    children = node.get("tests") or []
    if not children:
        yield node
    for child in children:
        yield from leaves(child)


tests = list(leaves(log.get("log") or {}))
status = Counter(t.get("status", "unknown") for t in tests)
total, passed, failed = summary.get("total", 0), summary.get("passed", 0), summary.get("failed", 0)
print(f"xAPI {version} on {db}: passed {passed}/{total}, failed {failed} "
      f"(tests in the log: {len(tests)}, by status {dict(status)}; suite commit {commit}; log {path})")
for t in tests:
    if t.get("status") != "passed":
        print(f"  FAILED: {t.get('title') or t.get('name')}: {str(t.get('error', ''))[:300]}")
ok = total > 0 and passed == total and failed == 0 and status.get("passed", 0) == len(tests) == total
sys.exit(0 if ok else 1)
PY
RC=$?
set -e
echo "server log: $WORK/server.log"
exit $RC
