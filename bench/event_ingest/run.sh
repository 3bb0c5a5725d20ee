#!/usr/bin/env bash
# Event ingest benchmarks (issue 5), each against its peer in the same run:
#
#  (a) POST /api/event, one Plausible event per request, answered 202 only once
#      committed, against nginx answering `return 204;` with a buffered access_log
#      (the cheapest "log a hit" a web server does): requests/s, ratio, p99.
#  (b) POST /api/v1/events with 1,000 events per request: events/s.
#
# (a) also measures the ceiling of yzcloud's HTTP stack: Boost.Beast and Asio as
# yzcloud uses them, answering 204 with no application work (beast_204.cc).
#
# (a) runs twice: with collect_sync=full (the default: 202 once the commit is
# fsynced) and collect_sync=normal (202 once committed to the operating system).
#
#   bench/event_ingest/run.sh
#
# Environment:
#   YZCLOUD_BIN   yzcloud binary (default: build/yzcloud in the repository)
#   NGINX_BIN     nginx binary (default: /usr/sbin/nginx, Debian's nginx-light)
#   BEAST_BIN     the ceiling's server (default: build/bench/yz_bench_beast_204)
#   DURATION      measured wrk duration per case (default: 10s), after a 2 s warm-up
#   CONNECTIONS   wrk connections for (a) (default: 64); BATCH_CONNECTIONS for (b) (default: 8)
#   THREADS       wrk threads (default: 2)
#   YZ_THREADS    yzcloud --threads (default: its own default, cores - 1, at least 1)
#
# yzcloud runs on a fresh SQLite store with YZ_THREADS I/O threads; nginx with 2 workers.
# wrk shares the same cores. Peak RSS is yzcloud's VmHWM after each case.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
YZCLOUD_BIN="${YZCLOUD_BIN:-$repo/build/yzcloud}"
NGINX_BIN="${NGINX_BIN:-/usr/sbin/nginx}"
BEAST_BIN="${BEAST_BIN:-$repo/build/bench/yz_bench_beast_204}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
BATCH_CONNECTIONS="${BATCH_CONNECTIONS:-8}"
THREADS="${THREADS:-2}"
# yzcloud I/O threads: its default, one per core but one (the collection writer's).
YZ_THREADS="${YZ_THREADS:-$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))}"
WARMUP=2s

for tool in wrk curl python3 "$NGINX_BIN" "$YZCLOUD_BIN" "$BEAST_BIN"; do
  command -v "$tool" >/dev/null || { echo "event_ingest: $tool not found (scripts/install-deps installs wrk and nginx-light; build yzcloud first)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/yzcloud-event-ingest.XXXXXX")"
yz_pid="" ng_pid="" bs_pid=""
cleanup() {
  local rc=$?
  [[ -n "$bs_pid" ]] && kill -0 "$bs_pid" 2>/dev/null && { kill -TERM "$bs_pid"; wait "$bs_pid" || true; }
  [[ -n "$yz_pid" ]] && kill -0 "$yz_pid" 2>/dev/null && { kill -TERM "$yz_pid"; wait "$yz_pid" || true; }
  [[ -n "$ng_pid" ]] && kill -0 "$ng_pid" 2>/dev/null && { kill -TERM "$ng_pid"; wait "$ng_pid" || true; }
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"

# ---- request bodies (wrk scripts) ---------------------------------------------------
ua='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
cat >"$work/event.lua" <<EOF2
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["User-Agent"] = "$ua"
wrk.headers["Accept-Language"] = "zh-CN,zh;q=0.9"
wrk.body = '{"n":"pageview","u":"https://www.yzcloud.example/enterprises/42?q=bearing","d":"www.yzcloud.example","r":"https://www.baidu.com/s?wd=x","v":36}'
EOF2
python3 - "$work/batch.lua" "$ua" <<'PY'
import json, sys
events = [{"n": "pageview" if i % 10 else "Download",
           "u": f"https://www.yzcloud.example/products/{i % 97}?page={i % 5}",
           "d": "www.yzcloud.example",
           "r": "https://www.baidu.com/" if i % 3 == 0 else None}
          for i in range(1000)]
body = json.dumps({"events": events}, separators=(",", ":"))
with open(sys.argv[1], "w") as f:
    f.write('wrk.method = "POST"\n')
    f.write('wrk.headers["Content-Type"] = "application/json"\n')
    f.write(f'wrk.headers["User-Agent"] = "{sys.argv[2]}"\n')
    f.write("wrk.body = [[" + body + "]]\n")
PY

bench() {  # NAME URL SCRIPT CONNECTIONS
  local name=$1 url=$2 script=$3 conns=$4
  echo "== $name: POST $url (warm-up $WARMUP, then $DURATION, $conns connections, $THREADS threads)"
  wrk -t "$THREADS" -c "$conns" -d "$WARMUP" -s "$script" "$url" >/dev/null
  wrk -t "$THREADS" -c "$conns" -d "$DURATION" -s "$script" --latency "$url" | tee "$work/$name.wrk"
  echo
}

# ---- nginx: return 204 with a buffered access log ------------------------------------
start_nginx "$work/nginx/logs/access.log combined buffer=64k flush=1s" || exit 1
bench nginx "$ng_url/api/event" "$work/event.lua" "$CONNECTIONS"
stop_pid "$ng_pid" || true
ng_pid=""
# Each case starts on a quiet disk: nginx's ~100 MB of buffered log lines would
# otherwise be written back during the next case and stretch its fsyncs.
sync

# ---- the stack's ceiling: Beast answering 204, no application work -------------------
"$BEAST_BIN" 0 "$YZ_THREADS" >"$work/beast.out" 2>"$work/beast.err" &
bs_pid=$!
bs_url=""
for _ in $(seq 50); do
  bs_url="$(grep -o -m1 'http://[^[:space:]]*' "$work/beast.out" || true)"
  [[ -n "$bs_url" ]] && break
  sleep 0.1
done
[[ -n "$bs_url" ]] || { echo "event_ingest: $BEAST_BIN did not come up" >&2; cat "$work/beast.err" >&2; exit 1; }
bench beast "$bs_url/api/event" "$work/event.lua" "$CONNECTIONS"
kill -TERM "$bs_pid"; wait "$bs_pid" 2>/dev/null || true
bs_pid=""

# ---- yzcloud, collect_sync=normal (a 202 once committed to the OS) -------------------
YZ_COLLECT_SYNC=normal start_yzcloud --threads "$YZ_THREADS"
bench normal "$yz_url/api/event" "$work/event.lua" "$CONNECTIONS"
rss_n="$(peak_rss_mb "$yz_pid")"
stop_pid "$yz_pid" || { echo "event_ingest: yzcloud did not stop cleanly" >&2; tail "$work/yzcloud.err" >&2; exit 1; }
yz_pid=""
rm -rf "$work/yzcloud-data"
sync

# ---- yzcloud, collect_sync=full (the default: a 202 once fsynced) --------------------
start_yzcloud --threads "$YZ_THREADS"
bench yzcloud "$yz_url/api/event" "$work/event.lua" "$CONNECTIONS"
rss_a="$(peak_rss_mb "$yz_pid")"
bench batch "$yz_url/api/v1/events" "$work/batch.lua" "$BATCH_CONNECTIONS"
rss_b="$(peak_rss_mb "$yz_pid")"
stored="$(curl -s "$yz_url/api/v1/stats/www.yzcloud.example" )"
stop_pid "$yz_pid" || { echo "event_ingest: yzcloud did not stop cleanly" >&2; tail "$work/yzcloud.err" >&2; exit 1; }
yz_pid=""

yz_rps="$(rps yzcloud)" ng_rps="$(rps nginx)" batch_rps="$(rps batch)"
echo "== event_ingest summary ($(nproc) cores, $DURATION per case, yzcloud --threads $YZ_THREADS)"
printf '%-44s %14s %10s %10s  %s\n' "case" "per second" "p99 (ms)" "RSS (MB)" "errors"
printf '%-44s %14s %10s %10s  %s\n' "(a) nginx return 204, buffered access_log" "$ng_rps" "$(p99_ms nginx)" "-" "$(errors nginx)"
printf '%-44s %14s %10s %10s  %s\n' "(a) Beast 204, no application work" "$(rps beast)" "$(p99_ms beast)" "-" "$(errors beast)"
printf '%-44s %14s %10s %10s  %s\n' "(a) yzcloud /api/event, collect_sync=full" "$yz_rps" "$(p99_ms yzcloud)" "$rss_a" "$(errors yzcloud)"
printf '%-44s %14s %10s %10s  %s\n' "(a) yzcloud /api/event, collect_sync=normal" "$(rps normal)" "$(p99_ms normal)" "$rss_n" "$(errors normal)"
printf '%-44s %14s %10s %10s  %s\n' "(b) yzcloud POST /api/v1/events x1000" \
  "$(awk -v r="$batch_rps" 'BEGIN { printf "%.0f", r * 1000 }') ev" "$(p99_ms batch)" "$rss_b" "$(errors batch)"
echo "(a) ratio yzcloud/nginx requests/s: full $(ratio "$yz_rps" "$ng_rps"), normal $(ratio "$(rps normal)" "$ng_rps")"
echo "(a) ceiling: Beast 204/nginx $(ratio "$(rps beast)" "$ng_rps"); yzcloud full/Beast 204 $(ratio "$yz_rps" "$(rps beast)")"
echo "stats after the run: $stored"
