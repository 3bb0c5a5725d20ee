#!/usr/bin/env bash
# Benchmark (c): `yzcloud import-log` against goaccess on the same generated
# combined-format log (1,000,000 lines by default): wall time, lines/s, the ratio
# yzcloud/goaccess (target >= 5) and peak RSS (target < 300 MB), from /usr/bin/time -v.
#
#   bench/import_log/run.sh
#   LINES=200000 bench/import_log/run.sh
#   LOG=/path/to/access.log bench/import_log/run.sh     # an existing log instead
#   ROUNDS=5 bench/import_log/run.sh                     # five rounds, median ratio
#
# Environment:
#   YZCLOUD_BIN   yzcloud binary (default: build/yzcloud in the repository)
#   LINES         lines to generate (default: 1000000); SEED (default: 5)
#   LOG           a combined-format log to use instead of generating one
#   THREADS       yzcloud import-log --threads (default: its own, one per core but one)
#   ROUNDS        rounds of both tools, back to back (default: 1); the summary gives
#                 every round and the median ratio, as this machine's speed drifts
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
ROUNDS="${ROUNDS:-1}"

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

threads_flag=()
[[ -n "$THREADS" ]] && threads_flag=(--threads "$THREADS")
echo "goaccess $(goaccess --version | head -1 | sed 's/GoAccess - //; s/\.$//'), yzcloud; $ROUNDS round(s) ..." >&2
: >"$work/rounds"
for round in $(seq "$ROUNDS"); do
  /usr/bin/time -v -o "$work/goaccess.time" \
    goaccess "$LOG" --log-format=COMBINED --no-global-config -o "$work/report.json" \
    >/dev/null 2>"$work/goaccess.err" || { cat "$work/goaccess.err" "$work/goaccess.time" >&2; exit 1; }
  rm -rf "$work/data"
  "$YZCLOUD_BIN" policy publish --data-dir "$work/data" >/dev/null
  /usr/bin/time -v -o "$work/yzcloud.time" \
    "$YZCLOUD_BIN" import-log "$LOG" --data-dir "$work/data" "${threads_flag[@]}" \
    >"$work/yzcloud.out" 2>"$work/yzcloud.err" || { tail -5 "$work/yzcloud.err" "$work/yzcloud.time" >&2; exit 1; }
  g_s="$(elapsed "$work/goaccess.time")"
  y_s="$(elapsed "$work/yzcloud.time")"
  echo "$round $g_s $y_s $(rss_mb "$work/goaccess.time") $(rss_mb "$work/yzcloud.time") $(du -sm "$work/data" | cut -f1)" >>"$work/rounds"
  echo "round $round: goaccess $g_s s, yzcloud $y_s s ($(cat "$work/yzcloud.out"))" >&2
done

# Per round, then the median ratio (the machine's speed drifts between rounds;
# each round times both tools back to back) and the largest peak RSS.
awk -v lines="$lines" -v bytes="$bytes" -v nproc="$(nproc)" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg)" '
  { gs[NR] = $2; ys[NR] = $3; grss[NR] = $4; yrss[NR] = $5; db[NR] = $6; r[NR] = $2 / $3 }
  END {
    printf "\n== import-log bench: %d lines, %.0f MB, %d cores, load average %s ==\n", lines, bytes / 1048576, nproc, load;
    maxrss = 0;
    for (i = 1; i <= NR; i++) {
      printf "round %d: goaccess (JSON report) %7.2f s %9.0f lines/s RSS %4d MB | yzcloud %6.2f s %9.0f lines/s RSS %4d MB (store %d MB) | ratio %.2fx\n",
             i, gs[i], lines / gs[i], grss[i], ys[i], lines / ys[i], yrss[i], db[i], r[i];
      if (yrss[i] > maxrss) maxrss = yrss[i];
      sorted[i] = r[i];
    }
    for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++) if (sorted[j] < sorted[i]) { t = sorted[i]; sorted[i] = sorted[j]; sorted[j] = t; }
    median = NR % 2 ? sorted[(NR + 1) / 2] : (sorted[NR / 2] + sorted[NR / 2 + 1]) / 2;
    printf "ratio yzcloud/goaccess  median %.2fx over %d round(s), range %.2f-%.2fx  (target >= 5x: %s)\n", median, NR, sorted[1], sorted[NR], (median >= 5 ? "met" : "NOT met");
    printf "yzcloud peak RSS        %d MB at most  (target < 300 MB: %s)\n", maxrss, (maxrss < 300 ? "met" : "NOT met");
  }' "$work/rounds"
