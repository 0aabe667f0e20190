#!/usr/bin/env bash
# Run the ADL LRS conformance test suite against a fresh Pathwise LRS.
#
#   scripts/xapi-conformance.sh /path/to/lrs-conformance-test-suite [2.0.0|1.0.3] [extra suite args...]
#
# Starts `pathwise serve` on a free port with a new SQLite database, creates an xAPI
# credential through the CLI, runs the suite (`npm install` first if needed), reads
# the JSON log it writes and prints the passed/failed counts. The suite lives outside
# this repository and is never committed.
set -euo pipefail

SUITE=${1:?usage: $0 SUITE_PATH [VERSION] [extra suite args]}
VERSION=${2:-2.0.0}
shift $(( $# >= 2 ? 2 : 1 ))
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
PATHWISE=${PATHWISE:-$ROOT/.venv/bin/pathwise}
SUITE=$(cd "$SUITE" && pwd)

WORK=$(mktemp -d /tmp/pathwise-xapi-conformance.XXXXXX)
export PATHWISE_DATABASE_URL="sqlite:///$WORK/lrs.sqlite"
export PATHWISE_MODE=${PATHWISE_MODE:-local}
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

"$PATHWISE" db upgrade >/dev/null
CRED=$("$PATHWISE" xapi credentials create conformance-suite --scope all --json)
KEY=$(printf '%s' "$CRED" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["key"])')
SECRET=$(printf '%s' "$CRED" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["secret"])')

"$PATHWISE" serve --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
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
"$PY" - "$WORK/result.json" "$VERSION" "$SUITE" <<'PY'
import json, subprocess, sys
path, version, suite = sys.argv[1:4]
log = json.load(open(path))
summary = log.get("summary", {})
try:
    commit = open(f"{suite}/SUITE_COMMIT").read().strip()
except OSError:
    commit = subprocess.run(["git", "-C", suite, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip() or "unknown"
total = summary.get("total", 0)
passed = summary.get("passed", 0)
failed = summary.get("failed", 0)
print(f"xAPI {version}: passed {passed}/{total}, failed {failed} (suite commit {commit}; log {path})")
PY
echo "server log: $WORK/server.log"
