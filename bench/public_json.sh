#!/usr/bin/env bash
# Throughput, p99 latency and memory of the public endpoints on the embedded SQLite database, each
# beside /healthz on the same server in one run (goal: ≥ 0.6 × the /healthz rate, p99 < 20 ms at
# 64 clients, RSS < 150 MB).
# Usage: bash bench/public_json.sh   (builds release, needs `wrk`: apt-get install wrk)
# With target/e2e/gongyi.db present (left by tests/browser/year.py) it serves that year, which has
# a published results notice; otherwise the demo data (no notice yet).
# Loopback only; each run is bounded (DURATION seconds per endpoint).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
cargo build --release -q
DIR=$(mktemp -d /tmp/gongyi-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/gongyi"
PATHS="/healthz /api/v1/calls / /api/v1/regions"
if [ -f target/e2e/gongyi.db ]; then
  cp target/e2e/gongyi.db "$DIR/gongyi.db"; cp -r target/e2e/data "$DIR/data"
  CMD=serve; PATHS="$PATHS /notices/1 /api/v1/notices/1"
else
  CMD=demo
fi
(cd "$DIR" && GONGYI_BIND="127.0.0.1:$PORT" GONGYI_DATABASE_URL="sqlite://$DIR/gongyi.db" \
   GONGYI_DATA_DIR="$DIR/data" GONGYI_LOG=warn exec "$BIN" "$CMD" >"$DIR/server.log" 2>&1) &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB; gongyi $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $CMD; wrk -t2 -c$CONNS ${DURATION}s"
base_rate=""
for path in $PATHS; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$path")
  [ "$code" = 200 ] || { echo "$path answers $code"; exit 1; }
  out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$path")
  rate=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/{print}' | tr '\n' ' ')
  [ -n "$base_rate" ] || base_rate=$rate
  printf '%-22s %10s req/s  p99 %8s  %.2f × /healthz %s\n' "$path" "$rate" "$p99" "$(awk -v a="$rate" -v b="$base_rate" 'BEGIN{print a/b}')" "$errors"
done
echo "server RSS after load: $(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) / 1024 )) MiB"
