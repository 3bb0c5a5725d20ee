#!/usr/bin/env bash
# Benchmark (c): `yzcloud import-log` against goaccess on the same generated
# combined-format log (1,000,000 lines by default): wall time, lines/s, the ratio
# yzcloud/goaccess (target >= 5) and peak RSS (target < 300 MB), from /usr/bin/time -v.
#
#   bench/import_log/run.sh
#   LINES=200000 bench/import_log/run.sh
#   LOG=/path/to/access.log bench/import_log/run.sh     # an existing log instead
#
# Environment:
#   YZCLOUD_BIN   yzcloud binary (default: build/yzcloud in the repository)
#   LINES         lines to generate (default: 1000000); SEED (default: 5)
#   LOG           a combined-format log to use instead of generating one
#   THREADS       yzcloud import-log --threads (default: its own, one per core but one)
#
# goaccess 1.7 (Debian 12) runs with `--log-format=COMBINED --no-global-config -o
# report.json`: a JSON report is its fastest complete mode on this machine (HTML
# rendering and CSV cost more). yzcloud imports into a fresh SQLite data dir whose
# notice was published first (`yzcloud policy publish`, not timed). The log is read
# once before timing so both read it from the page cache. Everything lives in a
# temp dir that is removed at the end.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
YZCLOUD_BIN="${YZCLOUD_BIN:-$repo/build/yzcloud}"
LINES="${LINES:-1000000}"
SEED="${SEED:-5}"
LOG="${LOG:-}"
THREADS="${THREADS:-}"

if ! command -v goaccess >/dev/null; then
  echo "import-log bench: installing goaccess (Debian 12 has 1.7)" >&2
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y goaccess >/dev/null; else sudo apt-get install -y goaccess >/dev/null; fi
fi
for tool in goaccess python3 /usr/bin/time "$YZCLOUD_BIN"; do
  command -v "$tool" >/dev/null || { echo "import-log bench: $tool not found (build yzcloud first)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/yzcloud-import-bench.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z "$LOG" ]]; then
  LOG="$work/access.log"
  echo "generating $LINES lines (seed $SEED) ..." >&2
  python3 "$here/gen_log.py" "$LOG" --lines "$LINES" --seed "$SEED"
fi
lines="$(wc -l <"$LOG")"
bytes="$(stat -c %s "$LOG")"
cat "$LOG" >/dev/null  # page cache: both tools read the same cached file

# Seconds from time -v's "Elapsed (wall clock) time (h:mm:ss or m:ss): ...".
elapsed() { sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }'; }
rss_mb() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1" | awk '{ printf "%.0f", $1 / 1024 }'; }

echo "goaccess $(goaccess --version | head -1 | sed 's/GoAccess - //; s/\.$//') ..." >&2
/usr/bin/time -v -o "$work/goaccess.time" \
  goaccess "$LOG" --log-format=COMBINED --no-global-config -o "$work/report.json" \
  >/dev/null 2>"$work/goaccess.err" || { cat "$work/goaccess.err" "$work/goaccess.time" >&2; exit 1; }

"$YZCLOUD_BIN" policy publish --data-dir "$work/data" >/dev/null
threads_flag=()
[[ -n "$THREADS" ]] && threads_flag=(--threads "$THREADS")
echo "yzcloud import-log ..." >&2
/usr/bin/time -v -o "$work/yzcloud.time" \
  "$YZCLOUD_BIN" import-log "$LOG" --data-dir "$work/data" "${threads_flag[@]}" \
  >"$work/yzcloud.out" 2>"$work/yzcloud.err" || { tail -5 "$work/yzcloud.err" "$work/yzcloud.time" >&2; exit 1; }

g_s="$(elapsed "$work/goaccess.time")"
y_s="$(elapsed "$work/yzcloud.time")"
g_rss="$(rss_mb "$work/goaccess.time")"
y_rss="$(rss_mb "$work/yzcloud.time")"
db_mb="$(du -sm "$work/data" | cut -f1)"
awk -v lines="$lines" -v bytes="$bytes" -v gs="$g_s" -v ys="$y_s" -v grss="$g_rss" \
    -v yrss="$y_rss" -v db="$db_mb" -v summary="$(cat "$work/yzcloud.out")" -v nproc="$(nproc)" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
  g = lines / gs; y = lines / ys; ratio = y / g;
  printf "\n== import-log bench: %d lines, %.0f MB, %d cores, load average %s ==\n", lines, bytes / 1048576, nproc, load;
  printf "goaccess (JSON report)  %7.2f s  %9.0f lines/s  peak RSS %4d MB\n", gs, g, grss;
  printf "yzcloud import-log      %7.2f s  %9.0f lines/s  peak RSS %4d MB  (store %d MB)\n", ys, y, yrss, db;
  printf "yzcloud says: %s\n", summary;
  printf "ratio yzcloud/goaccess  %.2fx  (target >= 5x: %s)\n", ratio, (ratio >= 5 ? "met" : "NOT met");
  printf "yzcloud peak RSS        %d MB  (target < 300 MB: %s)\n", yrss, (yrss < 300 ? "met" : "NOT met");
}'
