#!/usr/bin/env bash
# Login benchmark: successful `POST /api/v1/sessions` per second and latency, each
# one an argon2id verification (t=2, 19 MiB) on the worker pool, a blind-index
# lookup and a session insert.
#
#   bench/login/run.sh
#
# Environment:
#   YZCLOUD_BIN   yzcloud binary (default: build/yzcloud in the repository)
#   DURATION      measured wrk duration (default: 10s)
#   CONNECTIONS   wrk connections (default: 8); THREADS wrk threads (default: 2)
#   WORKERS       yzcloud --workers (default: 2, one per core of the reference machine)
#
# A fresh SQLite store: one account is registered and verified through the API (the
# code read from the outbox file), then wrk logs it in repeatedly. Loopback only,
# bounded by DURATION.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
YZCLOUD_BIN="${YZCLOUD_BIN:-$repo/build/yzcloud}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-8}"
THREADS="${THREADS:-2}"
WORKERS="${WORKERS:-2}"

for tool in wrk curl python3 "$YZCLOUD_BIN"; do
  command -v "$tool" >/dev/null || { echo "login bench: $tool not found (scripts/install-deps; build yzcloud first)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/yzcloud-login-bench.XXXXXX")"
yz_pid=""
cleanup() {
  local rc=$?
  if [[ -n "$yz_pid" ]] && kill -0 "$yz_pid" 2>/dev/null; then kill -TERM "$yz_pid" 2>/dev/null || true; wait "$yz_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$YZCLOUD_BIN" serve --data-dir "$work/data" --port 0 --threads 2 --workers "$WORKERS" \
  >"$work/stdout" 2>"$work/stderr" &
yz_pid=$!
for _ in $(seq 300); do
  grep -q '^listening on ' "$work/stdout" 2>/dev/null && break
  kill -0 "$yz_pid" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
  sleep 0.1
done
base="$(sed -n 's/^listening on //p' "$work/stdout" | head -1)"
[[ -n "$base" ]] || { echo "login bench: yzcloud did not start" >&2; exit 1; }

login="bench.user@example.cn"
password="Bench-Password-2026!"
curl -sf -X POST "$base/api/v1/accounts" -H 'Content-Type: application/json' \
  -d "{\"login\":\"$login\",\"password\":\"$password\",\"display_name\":\"Bench\",\"birth_date\":\"1990-01-01\"}" >/dev/null
code="$(python3 - "$work/data/outbox.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
print([m for m in lines if m.get("code")][-1]["code"])
PY
)"
curl -sf -X POST "$base/api/v1/accounts/verify" -H 'Content-Type: application/json' \
  -d "{\"login\":\"$login\",\"code\":\"$code\"}" >/dev/null

cat >"$work/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"login":"$login","password":"$password"}'
statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  io.write(string.format("p50 %.1f ms, p99 %.1f ms\n", latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000))
end
LUA
echo "yzcloud $(basename "$YZCLOUD_BIN") at $base, --workers $WORKERS; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/login.lua" "$base/api/v1/sessions" |
  grep -E 'Requests/sec|Non-2xx|p50|Socket errors' || true
