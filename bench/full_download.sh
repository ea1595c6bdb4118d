#!/usr/bin/env bash
# Full downloads at the server (issue 13, item 4): a real anshin-server on 127.0.0.1 with N
# fictional people imported, then `curl` with Accept-Encoding: gzip — five downloads one after
# another (the first builds the revision's bytes), one without gzip, and 50 downloads 10 at a
# time. Not in CI.
#   bash bench/full_download.sh [path/to/bin-dir] [people]    (default target/debug, 50000)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug}
people=${2:-50000}
dir=$(mktemp -d)
server=
trap 'kill ${server:-} 2>/dev/null || true; rm -rf "$dir"' EXIT
unset ANSHIN_CONFIG
port=$((20000 + RANDOM % 20000))
export HOME=$dir ANSHIN_SERVER_DATABASE=$dir/anshin.db ANSHIN_SERVER_LISTEN=127.0.0.1:$port
"$bin/anshin-server" demo-data --people "$people" --seed 1 -o "$dir/people.json" >/dev/null
printf 'kanri-password-2026\n' | "$bin/anshin-server" init --admin centre >/dev/null
# A member account names an organisation of the directory: import first.
"$bin/anshin-server" import "$dir/people.json" >/dev/null
printf 'member-password-2026\n' | "$bin/anshin-server" user add sato --name s --organization o-00001 >/dev/null
"$bin/anshin-server" serve >"$dir/server.log" 2>&1 &
server=$!
url=http://127.0.0.1:$port
for _ in $(seq 50); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
token=$(curl -sf "$url/api/v1/session" -H 'content-type: application/json' \
  -d '{"login_id":"sato","password":"member-password-2026"}' | json '["token"]')
# The centre chose that password: sato changes it first.
token=$(curl -sf -X PUT "$url/api/v1/me/password" -H "authorization: Bearer $token" \
  -H 'content-type: application/json' \
  -d '{"current_password":"member-password-2026","new_password":"kumo hashiru 7 kitsune"}' | json '["token"]')
get() { curl -s -o /dev/null -w "$1" -H "authorization: Bearer $token" "${@:2}" "$url/api/v1/directory"; }
echo "$people people"
for i in 1 2 3 4 5; do get "gzip, one after another: %{time_total} s, %{size_download} bytes\n" -H 'accept-encoding: gzip'; done
get "identity: %{time_total} s, %{size_download} bytes\n"
start=$(date +%s.%N)
seq 50 | xargs -P 10 -I{} curl -s -o /dev/null -w "%{time_total}\n" -H "authorization: Bearer $token" \
  -H 'accept-encoding: gzip' "$url/api/v1/directory" | sort -n >"$dir/times"
end=$(date +%s.%N)
python3 -c "print(f'50 downloads, 10 at a time: {$end - $start:.2f} s in all; median {float(open(\"$dir/times\").read().split()[24]):.3f} s, slowest {float(open(\"$dir/times\").read().split()[-1]):.3f} s')"
