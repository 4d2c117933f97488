#!/usr/bin/env bash
# Runs deploy/nginx.conf's proxy settings (plain HTTP on a test port) in front of a real gongyi
# and logs in through it the way a browser does (Origin: the public address, Host rewritten by
# nginx): the login must pass, a foreign Origin must not.
# Usage: deploy/try-nginx.sh [GONGYI_BINARY]   (needs nginx and curl)
set -euo pipefail
bin=${1:-target/debug/gongyi}
work=$(mktemp -d)
trap 'kill $(cat "$work/gongyi.pid") 2>/dev/null || true; nginx -p "$work" -c nginx.conf -s stop 2>/dev/null || true; rm -rf "$work"' EXIT
public=http://127.0.0.1:18480
GONGYI_DATABASE_URL="sqlite://$work/gongyi.db" GONGYI_DATA_DIR="$work/data" GONGYI_BIND=127.0.0.1:18481 \
  GONGYI_PUBLIC_URL=$public GONGYI_TRUSTED_PROXIES=127.0.0.1 GONGYI_AUDIT_KEY=try-nginx \
  "$bin" demo > "$work/gongyi.log" 2>&1 &
echo $! > "$work/gongyi.pid"
# The example's location block, on a test port and without TLS.
sed -n '/location \/ {/,/^    }/p' deploy/nginx.conf | sed 's#http://gongyi#http://127.0.0.1:18481#' > "$work/location"
cat > "$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/error.log;
events {}
http {
  access_log $work/access.log;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server {
    listen 127.0.0.1:18480;
    client_max_body_size 25m;
$(cat "$work/location")
  }
}
CONF
nginx -p "$work" -c nginx.conf
for _ in $(seq 50); do curl -sf "$public/healthz" > /dev/null && break; sleep 0.2; done
login() {
  curl -s -o /dev/null -w '%{http_code}' -H "Origin: $1" -H 'Content-Type: application/json' \
    -d '{"login":"staff","password":"demo2026"}' "$public/api/v1/session"
}
own=$(login "$public"); foreign=$(login "https://evil.example")
echo "through nginx: own origin $own, foreign origin $foreign"
[ "$own" = 200 ] && [ "$foreign" = 403 ]
curl -sfI "$public/healthz" > /dev/null && echo "HEAD /healthz through nginx: 200"
echo "try-nginx: passed"
