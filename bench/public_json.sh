#!/usr/bin/env bash
# Throughput and memory of the public JSON and page endpoints on the embedded SQLite database.
# Usage: bash bench/public_json.sh   (builds release, needs `wrk`: apt-get install wrk)
# Loopback only; each run is bounded (DURATION seconds per endpoint).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
cargo build --release -q
DIR=$(mktemp -d /tmp/gongyi-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/gongyi"
(cd "$DIR" && GONGYI_BIND="127.0.0.1:$PORT" GONGYI_LOG=warn exec "$BIN" demo >"$DIR/server.log" 2>&1) &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB; gongyi $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
for path in /healthz /api/v1/regions /; do
  printf '%-18s ' "$path"
  wrk -t2 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$PORT$path" | awk '/Requests\/sec/{printf "%s req/s  ", $2} /Latency/{printf "latency avg %s  ", $2}'
  echo
done
echo "server RSS after load: $(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) / 1024 )) MiB"
