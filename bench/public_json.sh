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
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
# NO_BUILD=1 uses the release binary as it is (e.g. while the tree is being edited).
[ -n "${NO_BUILD:-}" ] || cargo build --release -q
DIR=$(mktemp -d /tmp/gongyi-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/gongyi"
PATHS="/api/v1/calls / /calls/1 /api/v1/calls/1"
# DATABASE_URL=postgres://… (an empty database): the demo data on PostgreSQL instead.
DB_URL=${DATABASE_URL:-sqlite://$DIR/gongyi.db}
if [ -n "${DATABASE_URL:-}" ]; then
  CMD=demo
elif [ -f target/e2e/gongyi.db ]; then
  cp target/e2e/gongyi.db "$DIR/gongyi.db"; cp -r target/e2e/data "$DIR/data"
  CMD=serve; PATHS="$PATHS /notices/1 /api/v1/notices/1"
else
  CMD=demo
fi
PATHS="$PATHS /api/v1/regions"
(cd "$DIR" && GONGYI_BIND="127.0.0.1:$PORT" GONGYI_DATABASE_URL="$DB_URL" \
   GONGYI_DATA_DIR="$DIR/data" GONGYI_LOG=warn exec "$BIN" "$CMD" >"$DIR/server.log" 2>&1) &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB; gongyi $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $CMD on ${DB_URL%%:*}; wrk -t2 -c$CONNS ${DURATION}s"
# Each endpoint is measured right after a fresh /healthz run and compared with that one (the two
# share the machine's state: frequency, caches, what ran before), ROUNDS times; the median round
# by ratio is reported. Server and load generator share the cores, so single runs swing ±15 %.
measure() {
  out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$1")
  rate=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/{print}' | tr '\n' ' ')
}
for path in $PATHS; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$path")
  [ "$code" = 200 ] || { echo "$path answers $code"; exit 1; }
  rounds=""
  for _ in $(seq 1 "$ROUNDS"); do
    measure /healthz
    base_rate=$rate base_p99=$p99
    measure "$path"
    ratio=$(awk -v a="$rate" -v b="$base_rate" 'BEGIN{printf "%.2f", a/b}')
    rounds="$rounds$ratio $rate $p99 $base_rate $base_p99 $errors"$'\n'
  done
  median=$(printf '%s' "$rounds" | sort -n | awk -v n="$ROUNDS" 'NR==int((n+1)/2)')
  all=$(printf '%s' "$rounds" | awk '{print $1}' | sort -n | tr '\n' ' ')
  set -- $median
  printf '%-20s %10s req/s  p99 %8s  %s × /healthz (%s req/s, p99 %s; rounds %s) %s\n' \
    "$path" "$2" "$3" "$1" "$4" "$5" "$all" "${*:6}"
done
echo "server RSS after load: $(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) / 1024 )) MiB"

# INSTANCES=2: a second `gongyi serve` on the same database; each path is loaded on one instance
# alone, then on both at once (one wrk per instance, CONNS/2 connections each), and the totals
# compared: how far the second instance raises what the machine serves.
if [ "${INSTANCES:-1}" = 2 ]; then
  PORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (cd "$DIR" && GONGYI_BIND="127.0.0.1:$PORT2" GONGYI_DATABASE_URL="$DB_URL" GONGYI_DATA_DIR="$DIR/data" \
     GONGYI_LOG=warn exec "$BIN" serve >"$DIR/server2.log" 2>&1) &
  PID2=$!
  trap 'kill $PID $PID2 2>/dev/null; rm -rf "$DIR"' EXIT
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT2/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  for path in /api/v1/calls /calls/1; do
    one=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$PORT$path" | awk '/Requests\/sec/{print $2}')
    wrk -t1 -c$((CONNS / 2)) -d"${DURATION}s" "http://127.0.0.1:$PORT$path" >"$DIR/w1" &
    W1=$!
    wrk -t1 -c$((CONNS / 2)) -d"${DURATION}s" "http://127.0.0.1:$PORT2$path" >"$DIR/w2"
    wait "$W1"
    both=$(cat "$DIR/w1" "$DIR/w2" | awk '/Requests\/sec/{s+=$2} END{printf "%.0f", s}')
    printf '%-20s one instance %10s req/s · two instances %10s req/s together (%s×)\n' "$path" "$one" "$both" \
      "$(awk -v a="$both" -v b="$one" 'BEGIN{printf "%.2f", a/b}')"
  done
fi
