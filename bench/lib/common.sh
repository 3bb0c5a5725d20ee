# Shared by the bench/*/run.sh scripts: starting yzcloud, waiting for HTTP,
# reading wrk reports and peak memory. Source it after setting `work` (a temp
# folder the caller removes) and YZCLOUD_BIN.

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

# start_yzcloud ARGS...: serves on a free port with a fresh data dir under $work;
# sets yz_pid and yz_url, and waits until /readyz answers 200.
start_yzcloud() {
  mkdir -p "$work/yzcloud-data"
  "$YZCLOUD_BIN" serve --port 0 --data-dir "$work/yzcloud-data" "$@" \
    >"$work/yzcloud.out" 2>"$work/yzcloud.err" &
  yz_pid=$!
  yz_url=""
  for _ in $(seq 300); do
    yz_url="$(grep -o -m1 'listening on http://[^[:space:]/]*' "$work/yzcloud.out" | sed 's/^listening on //' || true)"
    [[ -n "$yz_url" ]] && break
    kill -0 "$yz_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$yz_url" ]] || ! wait_http "$yz_url/readyz" 200 "$yz_pid"; then
    echo "yzcloud did not come up (GET /readyz -> 200)" >&2
    tail -n 20 "$work/yzcloud.out" "$work/yzcloud.err" >&2
    return 1
  fi
}

# stop_pid PID: SIGTERM and wait; returns the exit status.
stop_pid() {
  local pid=$1 rc=0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || rc=$?
  return "$rc"
}

# Reading a wrk --latency report saved as $work/NAME.wrk.
rps() { awk '/^Requests\/sec:/ { print $2 }' "$work/$1.wrk"; }
p99_ms() {
  awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
         f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1;
         printf "%.3f\n", v * f }' "$work/$1.wrk"
}
errors() { grep -E '^ *(Socket errors|Non-2xx)' "$work/$1.wrk" | sed 's/^ *//' | paste -sd ';' - || true; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }

# Peak resident memory of a live process, in MB (VmHWM).
peak_rss_mb() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# start_nginx ACCESS_LOG: nginx (NGINX_BIN) with 2 workers answering `return 204`
# on a free port, with the given access_log directive ("off", or a file and its
# buffering); sets ng_pid and ng_url.
start_nginx() {
  local access_log=$1 port
  port="$(free_port)"
  mkdir -p "$work/nginx/logs"
  cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log $access_log;
  client_body_temp_path $work/nginx/client_body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    location / { return 204; }
  }
}
CONF
  "$NGINX_BIN" -p "$work/nginx" -e "$work/nginx/logs/error.log" -c "$work/nginx/nginx.conf" \
    >"$work/nginx.out" 2>&1 &
  ng_pid=$!
  ng_url="http://127.0.0.1:$port"
  if ! wait_http "$ng_url/" 204 "$ng_pid"; then
    echo "nginx did not come up on $ng_url" >&2
    cat "$work/nginx.out" "$work/nginx/logs/error.log" >&2 2>/dev/null || true
    return 1
  fi
}
