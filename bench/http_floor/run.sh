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

# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"

# ---- yzcloud ---------------------------------------------------------------------
start_yzcloud --threads 2 || { echo "http_floor: yzcloud did not come up" >&2; exit 1; }

# ---- nginx -----------------------------------------------------------------------
start_nginx off || exit 1

# ---- measure ---------------------------------------------------------------------
# bench NAME URL: warm up, then measure; leaves wrk's report in $work/NAME.wrk.
bench() {
  local name=$1 url=$2
  echo "== $name: $url (warm-up $WARMUP, then $DURATION, $CONNECTIONS connections, $THREADS threads)"
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "$WARMUP" "$url" >/dev/null
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "$url" | tee "$work/$name.wrk"
  echo
}
bench yzcloud "$yz_url/healthz"
bench nginx "$ng_url/"

yz_rps="$(rps yzcloud)" ng_rps="$(rps nginx)"
yz_p99="$(p99_ms yzcloud)" ng_p99="$(p99_ms nginx)"
ratio="$(ratio "$yz_rps" "$ng_rps")"

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
