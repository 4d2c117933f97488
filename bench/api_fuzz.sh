#!/usr/bin/env bash
# Generated requests against the served OpenAPI spec (schemathesis from PyPI): every operation,
# as anonymous and as each demo role, with valid and invalid bodies, paths and queries. The only
# check is the one that matters here: no 5xx, ever. Prints the request count and the failures.
#
#   bash bench/api_fuzz.sh                # ≈ 10,000+ requests; MAX_EXAMPLES=60 for more
#
# Needs: pip install schemathesis (4.x). Uses target/release/gongyi if built, else debug.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXAMPLES=${MAX_EXAMPLES:-20}
# admin last: its run may deactivate other demo users.
ROLES=${ROLES:-"anonymous staff shenxiang finance expert1 xinyu admin"}
command -v st >/dev/null || pip install -q schemathesis
BIN=target/release/gongyi
[ -x "$BIN" ] || { cargo build -q; BIN=target/debug/gongyi; }
DIR=$(mktemp -d /tmp/gongyi-fuzz.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
(cd "$DIR" && GONGYI_BIND="127.0.0.1:$PORT" GONGYI_DATABASE_URL="sqlite://$DIR/gongyi.db" \
   GONGYI_DATA_DIR="$DIR/data" GONGYI_LOG=info exec "$OLDPWD/$BIN" demo >"$DIR/server.log" 2>&1) &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

total=0; failed=0
for role in $ROLES; do
  headers=()
  if [ "$role" != anonymous ]; then
    cookie=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
      -d "{\"login\":\"$role\",\"password\":\"demo2026\"}" "$BASE/api/v1/session" |
      sed -n 's/^[Ss]et-[Cc]ookie: \(gongyi_session=[0-9a-f]*\).*/\1/p')
    [ -n "$cookie" ] || { echo "login $role failed"; exit 1; }
    headers=(-H "Cookie: $cookie")
  fi
  echo "== $role"
  # Logging out would end the run's own session: leave DELETE /session out.
  out=$(st run "$BASE/api/v1/openapi.json" "${headers[@]}" --checks not_a_server_error \
        --max-examples "$MAX_EXAMPLES" --workers 2 --seed 2026 --no-shrink --continue-on-failure \
        --exclude-path /api/v1/session --exclude-method DELETE \
        --report ndjson --report-ndjson-path "$DIR/$role.ndjson" 2>&1) || true
  echo "$out" | tail -n 25
  req=$(python3 - "$DIR/$role.ndjson" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    ev = json.loads(line)
    for k, v in ev.items():
        if k == "ScenarioFinished":
            for case in (v.get("recorder") or {}).get("interactions", {}).values():
                n += 1
print(n)
PY
)
  total=$((total + req))
  if echo "$out" | grep -q "not_a_server_error\|Server error"; then failed=$((failed + 1)); fi
done
echo
echo "requests: $total; roles with server errors: $failed"
grep -c '" 5[0-9][0-9] ' "$DIR/server.log" | sed 's/^/5xx lines in the server log: /' || true
