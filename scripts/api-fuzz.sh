#!/usr/bin/env bash
# Fuzz the REST API from its own OpenAPI description: no request may get a server error.
#
#   scripts/api-fuzz.sh [MAX_EXAMPLES]
#
# Seeds the demo school into a new SQLite file, serves it on a free port, signs in as
# the demo admin, a teacher and a student (bearer tokens through /api/v1/auth/token),
# and runs schemathesis against /api/v1/openapi.json once per role with the
# `not_a_server_error` check: generated and mutated requests, valid and invalid, for
# every operation, with real ids for the path parameters (the student's own id, their
# class, a skill of the framework) so that requests reach past the 404s. The learner
# record deletion is left out (one case would erase the learner the rest depend on).
#
# schemathesis is not a dependency of Pathwise: install it apart, e.g.
#   python3 -m venv /tmp/st-venv && /tmp/st-venv/bin/pip install schemathesis
# and point SCHEMATHESIS at it (default: `schemathesis` on PATH).
#
# Exit status: 0 when no request got a server error, 1 otherwise, 2 when the run could
# not start.
set -euo pipefail

MAX=${1:-40}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
PATHWISE=${PATHWISE:-$ROOT/.venv/bin/pathwise}
ST=${SCHEMATHESIS:-schemathesis}
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
for role in admin teacher student; do
  echo "== $role"
  if ! "$ST" run "$BASE/api/v1/openapi.json" -H "Authorization: Bearer $(cat "token.$role")" \
      --checks not_a_server_error --max-examples "$MAX" --exclude-path-regex 'record$' \
      --no-color >"fuzz.$role.log" 2>&1; then
    status=1
  fi
  grep -E "^ *[0-9]+ generated|Server error|^Seed" "fuzz.$role.log" || true
  [ $status -eq 0 ] || sed -n '/FAILURES/,/SUMMARY/p' "fuzz.$role.log" | head -80
done
exit $status
