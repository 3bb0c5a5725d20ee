#!/usr/bin/env bash
# Enumeration benchmark (issue 15 defect 4): the latency of every endpoint that
# takes a login, for existing logins and for unknown ones, side by side. An
# attacker who can tell the two apart by time learns who has an account.
#
#   bench/enumeration/run.sh
#
# Environment:
#   YZCLOUD_BIN   yzcloud binary (default: build/yzcloud in the repository)
#   ACCOUNTS      existing (and as many unknown) logins per endpoint (default: 100)
#
# A fresh SQLite store behind 127.0.0.1 as a trusted proxy: every request names its
# own client address in X-Forwarded-For and each login is asked once per endpoint,
# so the throttles never answer in place of the endpoint being measured. Loopback
# only; the server is stopped and its data removed at the end.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
YZCLOUD_BIN="${YZCLOUD_BIN:-$repo/build/yzcloud}"
ACCOUNTS="${ACCOUNTS:-100}"

for tool in python3 curl "$YZCLOUD_BIN"; do
  command -v "$tool" >/dev/null || { echo "enumeration bench: $tool not found (build yzcloud first)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/yzcloud-enum-bench.XXXXXX")"
yz_pid=""
cleanup() {
  local rc=$?
  if [[ -n "$yz_pid" ]] && kill -0 "$yz_pid" 2>/dev/null; then kill -TERM "$yz_pid" 2>/dev/null || true; wait "$yz_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=../lib/common.sh
source "$repo/bench/lib/common.sh"
YZ_TRUSTED_PROXIES=127.0.0.1 YZ_LOG_LEVEL=warn start_yzcloud --threads 1 --workers 2
echo "yzcloud $(basename "$YZCLOUD_BIN") at $yz_url, SQLite, --workers 2; $ACCOUNTS logins of each kind per endpoint"
python3 "$here/enumeration.py" "$yz_url" "$work/yzcloud-data/outbox.jsonl" "$ACCOUNTS"
