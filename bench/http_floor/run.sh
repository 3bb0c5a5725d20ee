#!/usr/bin/env bash
# HTTP floor benchmark: requests/s and p99 latency of `GET /healthz` on yzcloud,
# against nginx answering `return 204;` on the same machine in the same run.
#
#   bench/http_floor/run.sh            (or: make bench)
#
# Environment:
#   YZCLOUD_BIN   yzcloud binary (default: build/yzcloud in the repository)
#   NGINX_BIN     nginx binary (default: /usr/sbin/nginx, Debian's nginx-light)
#   DURATION      measured wrk duration per server (default: 10s), after a 2 s warm-up
#   CONNECTIONS   wrk connections (default: 64); THREADS wrk threads (default: 2)
#
# Both servers get 2 workers (yzcloud --threads 2, nginx worker_processes 2). wrk runs
# on the same cores, so the numbers are a floor for comparison, not capacity. Traffic
# goes to 127.0.0.1 only, and every run is bounded by DURATION.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
YZCLOUD_BIN="${YZCLOUD_BIN:-$repo/build/yzcloud}"
NGINX_BIN="${NGINX_BIN:-/usr/sbin/nginx}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
WARMUP=2s

for tool in wrk "$NGINX_BIN" "$YZCLOUD_BIN"; do
  command -v "$tool" >/dev/null || { echo "http_floor: $tool not found (scripts/install-deps installs wrk and nginx-light; build yzcloud first)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/yzcloud-http-floor.XXXXXX")"
yz_pid="" ng_pid=""
cleanup() {
  local rc=$?
  if [[ -n "$yz_pid" ]] && kill -0 "$yz_pid" 2>/dev/null; then kill -TERM "$yz_pid" 2>/dev/null || true; wait "$yz_pid" 2>/dev/null || true; fi
  if [[ -n "$ng_pid" ]] && kill -0 "$ng_pid" 2>/dev/null; then kill -TERM "$ng_pid" 2>/dev/null || true; wait "$ng_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL EXPECTED_STATUS PID: until URL answers EXPECTED_STATUS, or PID dies, or 30 s pass.
wait_http() {
  local url=$1 want=$2 pid=$3 code
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || return 1
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)"
    [[ "$code" == "$want" ]] && return 0
    sleep 0.1
  done
  return 1
}

# ---- yzcloud ---------------------------------------------------------------------
mkdir -p "$work/yzcloud-data"
"$YZCLOUD_BIN" serve --port 0 --data-dir "$work/yzcloud-data" --threads 2 \
  >"$work/yzcloud.out" 2>"$work/yzcloud.err" &
yz_pid=$!
yz_url=""
for _ in $(seq 300); do
  yz_url="$(grep -o -m1 'listening on http://[^[:space:]/]*' "$work/yzcloud.out" | sed 's/^listening on //' || true)"
  [[ -n "$yz_url" ]] && break
  kill -0 "$yz_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$yz_url" ]] || ! wait_http "$yz_url/healthz" 200 "$yz_pid"; then
  echo "http_floor: yzcloud did not come up with GET /healthz -> 200" >&2
  tail -n 20 "$work/yzcloud.out" "$work/yzcloud.err" >&2
  exit 1
fi

# ---- nginx -----------------------------------------------------------------------
ng_port="$(free_port)"
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/client_body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$ng_port;
    location / { return 204; }
  }
}
EOF
"$NGINX_BIN" -p "$work/nginx" -e "$work/nginx/logs/error.log" -c "$work/nginx/nginx.conf" \
  >"$work/nginx.out" 2>&1 &
ng_pid=$!
ng_url="http://127.0.0.1:$ng_port"
if ! wait_http "$ng_url/" 204 "$ng_pid"; then
  echo "http_floor: nginx did not come up on $ng_url" >&2
  cat "$work/nginx.out" "$work/nginx/logs/error.log" >&2 2>/dev/null || true
  exit 1
fi

# ---- measure ---------------------------------------------------------------------
# bench NAME URL: warm up, then measure; leaves wrk's report in $work/NAME.wrk.
bench() {
  local name=$1 url=$2
  echo "== $name: $url (warm-up $WARMUP, then $DURATION, $CONNECTIONS connections, $THREADS threads)"
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "$WARMUP" "$url" >/dev/null
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "$url" | tee "$work/$name.wrk"
  echo
}
rps() { awk '/^Requests\/sec:/ { print $2 }' "$work/$1.wrk"; }
# p99 in milliseconds (wrk prints us, ms or s).
p99_ms() {
  awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
         f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1;
         printf "%.3f\n", v * f }' "$work/$1.wrk"
}
errors() { grep -E '^ *(Socket errors|Non-2xx)' "$work/$1.wrk" | sed 's/^ *//' | paste -sd ';' - || true; }

bench yzcloud "$yz_url/healthz"
bench nginx "$ng_url/"

yz_rps="$(rps yzcloud)" ng_rps="$(rps nginx)"
yz_p99="$(p99_ms yzcloud)" ng_p99="$(p99_ms nginx)"
ratio="$(awk -v a="$yz_rps" -v b="$ng_rps" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }')"

echo "== http_floor summary (GET, $CONNECTIONS connections, $THREADS wrk threads, $DURATION, $(nproc) cores)"
printf '%-28s %14s %12s  %s\n' "server" "requests/s" "p99 (ms)" "errors"
printf '%-28s %14s %12s  %s\n' "yzcloud /healthz (2 threads)" "$yz_rps" "$yz_p99" "$(errors yzcloud)"
printf '%-28s %14s %12s  %s\n' "nginx return 204 (2 workers)" "$ng_rps" "$ng_p99" "$(errors nginx)"
echo "ratio yzcloud/nginx requests/s: $ratio"

# yzcloud must shut down cleanly on SIGTERM.
kill -TERM "$yz_pid"
yz_rc=0; wait "$yz_pid" || yz_rc=$?
yz_pid=""
if [[ "$yz_rc" -ne 0 ]]; then
  echo "http_floor: yzcloud exited $yz_rc after SIGTERM" >&2
  tail -n 20 "$work/yzcloud.err" >&2
  exit 1
fi
