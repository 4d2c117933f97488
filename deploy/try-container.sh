#!/usr/bin/env bash
# Builds deploy/Dockerfile and tries the image as an operator would: it starts as a non-root user,
# answers /healthz on the published port, its HEALTHCHECK command passes inside the container, the
# binary needs no libpq or SQLite library, and the data volume keeps the database across a restart.
#
#   bash deploy/try-container.sh                 # with docker
#   ENGINE=podman bash deploy/try-container.sh   # with podman
#
# ENGINE_FLAGS go before the engine's subcommand, RUN_FLAGS after `build`/`run` (a machine without
# cgroup v2 or CAP_SYS_RESOURCE needs, for podman:
#   ENGINE_FLAGS="--runtime runc --cgroup-manager cgroupfs"
#   RUN_FLAGS="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024").
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE=${ENGINE:-docker}
read -r -a EF <<<"${ENGINE_FLAGS:-}"
read -r -a RF <<<"${RUN_FLAGS:-}"
IMAGE=${IMAGE:-gongyi-try}
PORT=${PORT:-18080}
NAME=gongyi-try-$$
VOLUME=gongyi-try-data-$$
e() { "$ENGINE" "${EF[@]}" "$@"; }
cleanup() {
  e rm -f "$NAME" >/dev/null 2>&1 || true
  e volume rm -f "$VOLUME" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if [[ -z "${NO_BUILD:-}" ]]; then
  # podman writes OCI images by default, which drop HEALTHCHECK; the docker format keeps it.
  format=()
  [[ "$ENGINE" == podman ]] && format=(--format docker)
  e build "${format[@]}" "${RF[@]}" -f deploy/Dockerfile -t "$IMAGE" .
fi

healthy() {
  for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  e logs "$NAME" || true
  echo "FAIL: /healthz did not answer within 30 s" >&2
  exit 1
}

e run -d --name "$NAME" "${RF[@]}" -p "127.0.0.1:$PORT:8080" -v "$VOLUME:/var/lib/gongyi" \
  -e GONGYI_AUDIT_KEY=try-container-key "$IMAGE" >/dev/null
healthy
echo "ok: /healthz answers on the published port"
user=$(e exec "$NAME" id -un)
[[ "$user" == gongyi ]] || { echo "FAIL: runs as $user" >&2; exit 1; }
echo "ok: runs as $user"
if e exec "$NAME" sh -c 'ldd /usr/local/bin/gongyi' | grep -Eq 'libpq|libsqlite'; then
  echo "FAIL: the binary links libpq or SQLite" >&2
  exit 1
fi
echo "ok: no libpq or SQLite library linked"
# The image's own HEALTHCHECK command, run where the engine would run it.
e exec "$NAME" /bin/bash -c "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'HEAD /healthz HTTP/1.0\r\n\r\n' >&3 && head -1 <&3 | grep -q 200"
echo "ok: the HEALTHCHECK command passes"
# An account made through the CLI in the container survives a restart (the volume holds the data).
printf 'try-container-pass-1\n' | e exec -i "$NAME" gongyi user add --login tryadmin --role admin >/dev/null
e restart "$NAME" >/dev/null
healthy
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"login":"tryadmin","password":"try-container-pass-1"}' "http://127.0.0.1:$PORT/api/v1/session")
[[ "$code" == 200 ]] || { echo "FAIL: login after restart answered $code" >&2; exit 1; }
echo "ok: the volume keeps the database across a restart (login answered $code)"
echo "container tried: all ok"
