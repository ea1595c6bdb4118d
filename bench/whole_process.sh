#!/usr/bin/env bash
# Whole-process numbers as the member waits for them (issue 15): a release anshin-server on
# 127.0.0.1 with N fictional people, and the real `anshin` with its real credential store — a
# private D-Bus session with gnome-keyring's Secret Service, never a plaintext store — and the
# sealed cache on disk:
#   anshin login            the first full sync: request, parse, seal, write, exit
#   anshin sync (5×)        nothing changed
#   anshin sync             after one person changed (a delta)
#   anshin sync (3×)        full, with no cache (request, parse, index, seal, write)
#   anshin search QUERY (5×, one core) from the cache, and fzf --filter over the same people as
#                           lines with the same query, in the same run
#   anshin (the TUI, 3×)    to its first frame from the cache, in tmux at 120×40
# Each figure is the wall time of the whole process and its peak RSS (GNU time). Not in CI.
# With ANSHIN_BENCH_RESULTS=FILE every figure is also appended there as "label seconds KiB"
# (bench/run.sh builds its table from that).
#   bash bench/whole_process.sh [people] [query]   (default 100000, 'さいとう けいこ')
#   ANSHIN_BENCH_BIN=DIR uses the binaries in DIR instead of building target/release.
# Needs: dbus, gnome-keyring, fzf, time (apt-get install dbus gnome-keyring fzf time).
set -euo pipefail
cd "$(dirname "$0")/.."
people=${1:-100000}
query=${2:-さいとう けいこ}
if [ -z "${ANSHIN_BENCH_IN_SESSION:-}" ]; then
  [ -n "${ANSHIN_BENCH_BIN:-}" ] || cargo build --release --bin anshin --bin anshin-server -q
  env ANSHIN_BENCH_IN_SESSION=1 dbus-run-session -- bash "$0" "$people" "$query" 2>&1 |
    grep -v '^dbus-daemon'
  exit "${PIPESTATUS[0]}"
fi
bin=${ANSHIN_BENCH_BIN:-$PWD/target/release}
dir=$(mktemp -d)
server=
trap 'kill ${server:-} 2>/dev/null || true; rm -rf "$dir"' EXIT
unset ANSHIN_CONFIG ANSHIN_CREDENTIAL_STORE
export HOME=$dir XDG_CONFIG_HOME=$dir/config XDG_CACHE_HOME=$dir/cache XDG_DATA_HOME=$dir/data
eval "$(printf 'bench-keyring' | gnome-keyring-daemon --unlock --components=secrets)"
port=$((20000 + RANDOM % 20000))
export ANSHIN_SERVER_DATABASE=$dir/anshin.db ANSHIN_SERVER_LISTEN=127.0.0.1:$port
export ANSHIN_SERVER_URL=http://127.0.0.1:$port
"$bin/anshin-server" demo-data --people "$people" --seed 1 -o "$dir/people.json" >/dev/null
printf 'kanri-password-2026\n' | "$bin/anshin-server" init --admin centre >/dev/null
# The directory first: a member's account names an organisation listed in it.
"$bin/anshin-server" import "$dir/people.json" >/dev/null
printf 'member-password-2026\n' | "$bin/anshin-server" user add sato --name s --organization o-00001 >/dev/null
"$bin/anshin-server" serve >"$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$ANSHIN_SERVER_URL/healthz" >/dev/null && break; sleep 0.1; done
# The centre chose sato's password: changed first, over the API, so that the login below is the
# plain one a member does every day.
token=$(curl -sf "$ANSHIN_SERVER_URL/api/v1/session" -H 'content-type: application/json' \
  -d '{"login_id":"sato","password":"member-password-2026"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
curl -sf -o /dev/null -X PUT "$ANSHIN_SERVER_URL/api/v1/me/password" -H "authorization: Bearer $token" \
  -H 'content-type: application/json' \
  -d '{"current_password":"member-password-2026","new_password":"kumo hashiru 7 kitsune"}'
# The server's snapshot for this revision is built by its first download; that is the server's
# cost, measured in bench/full_download.sh. Here the member's: warm it first.
curl -sf -o /dev/null "$ANSHIN_SERVER_URL/healthz"

timed() { # label, command…
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$dir/time" "$@" >"$dir/out" 2>"$dir/err" || {
    cat "$dir/err"
    exit 1
  }
  read -r secs kib <"$dir/time"
  printf '%-44s %7.3f s  %6d MiB  %s\n' "$label" "$secs" $((kib / 1024)) "$(head -c 90 "$dir/out" | head -1)"
  if [ -n "${ANSHIN_BENCH_RESULTS:-}" ]; then
    printf '%s %s %s\n' "${label%% (*}" "$secs" "$kib" >>"$ANSHIN_BENCH_RESULTS"
  fi
}

echo "$people people; credential store: $("$bin/anshin" config path | sed -n 's/^ログイン情報の保管先: //p')"
printf 'kumo hashiru 7 kitsune\n' >"$dir/pw"
timed "anshin login (first full sync)" sh -c "'$bin/anshin' login --user sato < '$dir/pw'"
ls -l "$dir/cache/anshin/directory.cache" | awk '{printf "sealed cache: %.1f MiB\n", $5 / 1048576}'
for i in 1 2 3 4 5; do timed "anshin sync, nothing changed ($i)" "$bin/anshin" sync; done
python3 - "$dir/people.json" <<'PY'
import json, sys
path = sys.argv[1]
data = json.load(open(path))
data["people"][0]["title"] = "院長（ベンチの変更）"
json.dump(data, open(path, "w"), ensure_ascii=False)
PY
"$bin/anshin-server" import "$dir/people.json" >/dev/null
timed "anshin sync, one person changed" "$bin/anshin" sync
for i in 1 2 3; do
  rm -f "$dir/cache/anshin/directory.cache" "$dir/cache/anshin/directory.state"
  timed "anshin sync, full (no cache) ($i)" "$bin/anshin" sync
done
for i in 1 2 3 4 5; do timed "anshin search (one core, $i)" taskset -c 0 "$bin/anshin" search --limit 5 $query; done
# The TUI to its first frame: started in tmux (it needs a terminal), leaves right after drawing.
for i in 1 2 3; do
  rm -f "$dir/tui.time"
  tmux -L "anshin-bench-$$" new-session -d -x 120 -y 40 \
    "ANSHIN_BENCH_EXIT_AFTER_FIRST_FRAME=1 /usr/bin/time -f '%e %M' -o '$dir/tui.time' '$bin/anshin' 2>'$dir/tui.err'"
  for _ in $(seq 300); do [ -s "$dir/tui.time" ] && break; sleep 0.05; done
  tmux -L "anshin-bench-$$" kill-server 2>/dev/null || true
  read -r secs kib <"$dir/tui.time" || { cat "$dir/tui.err"; exit 1; }
  printf '%-44s %7.3f s  %6d MiB\n' "anshin TUI to its first frame ($i)" "$secs" $((kib / 1024))
  if [ -n "${ANSHIN_BENCH_RESULTS:-}" ]; then
    printf '%s %s %s\n' "anshin TUI to its first frame" "$secs" "$kib" >>"$ANSHIN_BENCH_RESULTS"
  fi
done
python3 - "$dir/people.json" "$dir/lines.txt" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
orgs = {o["id"]: o["name"] for o in data["organizations"]}
with open(sys.argv[2], "w") as out:
    for p in data["people"]:
        out.write(f'{p["name"]}\t{p.get("name_kana", "")}\t{orgs.get(p.get("organization_id"), "")}\n')
PY
for i in 1 2 3 4 5; do timed "fzf --filter (one core, $i)" sh -c "taskset -c 0 fzf --filter '$query' < '$dir/lines.txt'"; done
