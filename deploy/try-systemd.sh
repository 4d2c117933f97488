#!/usr/bin/env bash
# Tries deploy/gongyi.service under a real systemd, as its header comment says to install it: in a
# container booted with systemd (podman's --systemd), the binary and the unit installed, the user and
# the settings file made, `systemctl enable --now gongyi`. It checks the unit verifies, the server
# answers /healthz as the gongyi user, the journal has its log in plain text, the database lands in
# the state directory (ProtectSystem=strict leaves nothing else writable), and a killed server is
# restarted by Restart=on-failure.
#
#   BINARY=target/release/gongyi SYSTEMD_IMAGE=… bash deploy/try-systemd.sh
#
# SYSTEMD_IMAGE: any Debian-like image with systemd and curl (e.g. one built from debian:bookworm
# with `apt-get install systemd systemd-sysv curl`). ENGINE_FLAGS / RUN_FLAGS as in try-container.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE=${ENGINE:-podman}
read -r -a EF <<<"${ENGINE_FLAGS:-}"
read -r -a RF <<<"${RUN_FLAGS:-}"
: "${BINARY:?BINARY= the gongyi binary to install}"
: "${SYSTEMD_IMAGE:?SYSTEMD_IMAGE= an image with systemd and curl}"
NAME=gongyi-systemd-$$
e() { "$ENGINE" "${EF[@]}" "$@"; }
x() { e exec "$NAME" "$@"; }
trap 'e rm -f "$NAME" >/dev/null 2>&1 || true' EXIT

e run -d --name "$NAME" "${RF[@]}" --systemd=always "$SYSTEMD_IMAGE" /sbin/init >/dev/null
for _ in $(seq 1 60); do
  state=$(x systemctl is-system-running 2>/dev/null || true)
  [[ "$state" == running || "$state" == degraded ]] && break
  sleep 0.5
done
echo "systemd: $state"

# The installation the unit's header describes.
e cp "$BINARY" "$NAME:/usr/local/bin/gongyi"
e cp deploy/gongyi.service "$NAME:/etc/systemd/system/gongyi.service"
x useradd --system --home /var/lib/gongyi gongyi
x sh -c 'mkdir -p /etc/gongyi && head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n" > /etc/gongyi/audit.key \
  && chown root:gongyi /etc/gongyi/audit.key && chmod 640 /etc/gongyi/audit.key \
  && printf "GONGYI_DATABASE_URL=sqlite:///var/lib/gongyi/gongyi.db\nGONGYI_AUDIT_KEY=/etc/gongyi/audit.key\n" > /etc/gongyi/gongyi.env'
x systemd-analyze verify /etc/systemd/system/gongyi.service
echo "ok: systemd-analyze verify"
x systemctl daemon-reload
x systemctl enable --now gongyi

healthy() {
  for _ in $(seq 1 60); do
    if x curl -fsS http://127.0.0.1:8080/healthz >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  x journalctl -u gongyi --no-pager | tail -20 || true
  echo "FAIL: /healthz did not answer within 30 s" >&2
  exit 1
}
healthy
echo "ok: /healthz answers"
pid=$(x systemctl show -p MainPID --value gongyi)
user=$(x ps -o user= -p "$pid" 2>/dev/null || x stat -c %U "/proc/$pid")
[[ "$user" == gongyi ]] || { echo "FAIL: runs as $user" >&2; exit 1; }
echo "ok: runs as $user (pid $pid)"
x test -f /var/lib/gongyi/gongyi.db || { echo "FAIL: no database in the state directory" >&2; exit 1; }
echo "ok: the database is in /var/lib/gongyi"
log=$(x journalctl -u gongyi --no-pager -o cat)
[[ -n "$log" ]] || { echo "FAIL: nothing in the journal" >&2; exit 1; }
if grep -q $'\e\[' <<<"$log"; then
  echo "FAIL: colour codes in the journal" >&2
  exit 1
fi
echo "ok: the journal has the log in plain text ($(wc -l <<<"$log") lines)"
x systemctl kill --signal=SIGKILL gongyi
sleep 1
healthy
restarts=$(x systemctl show -p NRestarts --value gongyi)
[[ "$restarts" -ge 1 ]] || { echo "FAIL: not restarted (NRestarts=$restarts)" >&2; exit 1; }
echo "ok: restarted after a kill (NRestarts=$restarts, new pid $(x systemctl show -p MainPID --value gongyi))"
echo "systemd unit tried: all ok"
