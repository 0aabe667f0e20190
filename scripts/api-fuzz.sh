#!/usr/bin/env bash
# Fuzz the REST API, served for real, from its own OpenAPI description with every check.
#
#   scripts/api-fuzz.sh [MAX_EXAMPLES]
#
# The test suite already runs schemathesis in-process on a small school, deterministically
# (tests/security/test_api_schema.py, every role and anonymous). This is the manual, wider
# run: it seeds the demo school into a new SQLite file, serves it with `pathwise serve` on a
# free port, signs in as the demo admin, a teacher and a student (bearer tokens through
# /api/v1/auth/token), and runs schemathesis against /api/v1/openapi.json once per role with
# all its checks (`--checks all`: status codes, content types, headers and bodies as
# documented, invalid data refused, valid data accepted, no server error, ...) and a new
# random seed each time, so each run looks somewhere new. Real ids go into the path
# parameters (the student's own id, their class, a skill of the framework) so that requests
# reach past the 404s. The one exception to the checks is the test suite's
# (tests/security/api_schema_rules.py, loaded through scripts/api_fuzz_hooks.py). The
# learner record deletion is left out here (one case would erase the learner the rest
# depend on); the test suite runs it on a learner of its own.
#
# schemathesis comes with the `test` extra (./dev installs it into .venv); SCHEMATHESIS
# names another one.
#
# Exit status: 0 when every check passed, 1 otherwise, 2 when the run could not start.
set -euo pipefail

MAX=${1:-40}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
PATHWISE=${PATHWISE:-$ROOT/.venv/bin/pathwise}
ST=${SCHEMATHESIS:-$ROOT/.venv/bin/schemathesis}
command -v "$ST" >/dev/null || { echo "schemathesis not found (set SCHEMATHESIS)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/pathwise-api-fuzz.XXXXXX)
SERVER=""
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export PATHWISE_MODE=demo
export PATHWISE_DATABASE_URL="sqlite:///$WORK/demo.sqlite"
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
echo "seeding the demo school into $WORK ..."
"$PATHWISE" demo --no-serve >"$WORK/demo.log" 2>&1 || { cat "$WORK/demo.log" >&2; exit 2; }
"$PATHWISE" serve --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
  curl -sf "$BASE/api/v1/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf "$BASE/api/v1/health" >/dev/null || { echo "the server did not start" >&2; cat "$WORK/server.log" >&2; exit 2; }

# Sign in as one account of each role the demo prints, and find real ids for the paths.
"$PY" - "$BASE" "$WORK" "$WORK/demo.log" <<'PY' || exit 2
import json, re, sys, urllib.request
base, work, demo_log = sys.argv[1:4]
logins = {}
for line in open(demo_log):
    m = re.match(r"\s+(admin|teacher|student)\s+(\S+)\s+(\S+)\s*$", line)
    if m and m.group(1) not in logins:
        logins[m.group(1)] = (m.group(2), m.group(3))
def call(path, token=None, body=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body else None,
                                 headers={"content-type": "application/json",
                                          **({"authorization": f"Bearer {token}"} if token else {})})
    return json.load(urllib.request.urlopen(req))
tokens = {role: call("/api/v1/auth/token", body={"username": u, "password": p, "name": "api-fuzz"})["token"]
          for role, (u, p) in logins.items()}
me = call("/api/v1/me", tokens["student"])["id"]
cls = call("/api/v1/classes", tokens["teacher"])[0]
def first(node, key):
    if isinstance(node, dict):
        if isinstance(node.get(key), str):
            return node[key]
        node = list(node.values())
    for v in node if isinstance(node, list) else ():
        found = first(v, key)
        if found:
            return found
    return None
code = first(call(f"/api/v1/learners/{me}/skill-map", tokens["student"]), "skill_id") or "none"
for role, tok in tokens.items():
    open(f"{work}/token.{role}", "w").write(tok)
open(f"{work}/schemathesis.toml", "w").write(
    "[parameters]\n"
    f'learner_id = "{me}"\nclass_id = "{cls["id"]}"\nskill_id = "{code}"\nframework_id = "{cls["framework_id"]}"\n')
print(f"roles: {', '.join(tokens)}; learner {me}, class {cls['id']}, skill {code}")
PY

status=0
cd "$WORK"
export PYTHONPATH="$ROOT:$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=api_fuzz_hooks
for role in admin teacher student; do
  echo "== $role"
  failed=0
  "$ST" run "$BASE/api/v1/openapi.json" -H "Authorization: Bearer $(cat "token.$role")" \
      --checks all --max-examples "$MAX" --exclude-path-regex 'record$' \
      --no-color >"fuzz.$role.log" 2>&1 || failed=1
  grep -E "^Seed|test cases|[0-9]+ (passed|failed)|No issues found" "fuzz.$role.log" || true
  if [ $failed -ne 0 ]; then
    status=1
    sed -n '/FAILURES/,/SUMMARY/p' "fuzz.$role.log" | head -120
    cp "fuzz.$role.log" "/tmp/pathwise-api-fuzz.$role.log" && echo "(whole log: /tmp/pathwise-api-fuzz.$role.log)"
  fi
done
exit $status
