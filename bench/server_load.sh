#!/usr/bin/env bash
# The server under load (issue 13): SQLite with one server, PostgreSQL with one and with two
# replicas on one database, side by side in one run, with wrk on loopback (client and servers
# share this machine's cores). Per setup and directory size:
#   - 304: GET /api/v1/directory with If-None-Match (a sync that finds nothing new)
#   - full: GET /api/v1/directory with gzip (a first sync or one too old for a delta)
#   - full, one at a time: the server time of one download (wrk -c1)
#   - logins: POST /api/v1/session with the right password (argon2id-bound)
# then a mixed load of all three for MIXED seconds with an import in the middle, after which
# nothing may be lost: no 5xx, the import's revision served, the audit chain whole.
# With two replicas each wrk runs against both (half the connections each) and the numbers are
# summed (requests) or the worse of the two (p99): what a round-robin proxy would spread.
#   bash bench/server_load.sh [bin-dir] [sizes]   (default target/release, "10000 50000")
#   DUR=10 MIXED=60 bash bench/server_load.sh
# Needs wrk and PostgreSQL's server package (apt-get install wrk postgresql). Not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release}")
sizes=${2:-"10000 50000"}
DUR=${DUR:-10}
MIXED=${MIXED:-60}
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)"; exit 1; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/pg/data/postmaster.pid" ] && kill -QUIT "$(head -1 "$work/pg/data/postmaster.pid")" 2>/dev/null || true
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT
unset ANSHIN_CONFIG
export HOME=$work

# A throwaway PostgreSQL on a Unix socket (as the postgres user when run as root).
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$work/pg"
chmod 711 "$work"   # the postgres user reaches its own folder inside, nothing else
[ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_pg "$pgbin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --locale=C -N >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" \
  -o "-k $work/pg -c listen_addresses='' -c max_connections=200" -w start >/dev/null
pg_url() { echo "postgres://postgres@localhost/$1?host=$work/pg"; }

cat >"$work/login.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"login_id":"suzuki","password":"kumo hashiru 7 kitsune"}'
EOF
cat >"$work/config.toml" <<'EOF'
[server.auth]
# The logins benchmark signs one account in many times a second.
max_sessions_per_user = 1000
EOF

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
# wrk's latency in ms: "7.12ms", "812.00us", "1.02s".
ms() { python3 -c "
v='$1'
print(f'{float(v[:-2])/1000:.1f}' if v.endswith('us') else f'{float(v[:-2]):.1f}' if v.endswith('ms') else f'{float(v[:-1])*1000:.0f}')"; }

# wrk against every replica at once; prints "req/s p99-ms non-2xx/3xx socket-errors".
load() {
  local seconds=$1 conns=$2; shift 2
  local n=${#urls[@]} i=0 outs=() runs=()
  for u in "${urls[@]}"; do
    local out=$work/wrk.$BASHPID.$i
    wrk -t1 -c$(( (conns + n - 1) / n )) -d"${seconds}s" --latency "$@" "$u/$path" >"$out" 2>&1 &
    runs+=($!); outs+=("$out"); i=$((i + 1))
  done
  wait "${runs[@]}"
  local rps=0 p99=0 errors=0 sockets=0
  for o in "${outs[@]}"; do
    r=$(awk '/Requests\/sec/ {print $2}' "$o")
    p=$(ms "$(awk '$1=="99%" {print $2}' "$o")")
    e=$(awk '/Non-2xx or 3xx/ {print $5}' "$o"); e=${e:-0}
    s=$(awk '/Socket errors/ {gsub(",",""); print $4+$6+$8+$10}' "$o"); s=${s:-0}
    rps=$(python3 -c "print($rps + $r)")
    p99=$(python3 -c "print(max($p99, $p))")
    errors=$((errors + e)); sockets=$((sockets + s))
  done
  printf '%.0f %s %s %s\n' "$rps" "$p99" "$errors" "$sockets"
}

start_servers() {  # database, count
  urls=()
  for i in $(seq "$2"); do
    local port=$((20000 + RANDOM % 20000))
    ANSHIN_SERVER_DATABASE=$1 ANSHIN_SERVER_LISTEN=127.0.0.1:$port \
      "$bin/anshin-server" --config "$work/config.toml" serve >"$work/server.$port.log" 2>&1 &
    pids+=($!)
    urls+=("http://127.0.0.1:$port")
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  done
}

stop_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}

# A member who has chosen a password (the centre's must be changed first): its token.
member_token() {  # url login
  local t
  t=$(curl -sf "$1/api/v1/session" -H 'content-type: application/json' \
    -d "{\"login_id\":\"$2\",\"password\":\"centre-set-password-1\"}" | json '["token"]')
  curl -sf -X PUT "$1/api/v1/me/password" -H "authorization: Bearer $t" \
    -H 'content-type: application/json' \
    -d '{"current_password":"centre-set-password-1","new_password":"kumo hashiru 7 kitsune"}' | json '["token"]'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
echo "durations: ${DUR}s per measurement, ${MIXED}s mixed"
printf '\n| setup | people | 304 req/s | 304 p99 ms | full req/s | full p99 ms | one full download ms | logins/s | login p99 ms |\n|---|---|---|---|---|---|---|---|---|\n' >"$work/table"
printf '\n| setup | people | mixed: syncs 304 | full | logins | non-2xx/3xx answers | 5xx in the server logs | no answer within 2 s (wrk): syncs 304 / full / logins | after: revision, people, audit chain |\n|---|---|---|---|---|---|---|---|---|\n' >"$work/mixed"
db_n=0
for people in $sizes; do
  "$bin/anshin-server" demo-data --people "$people" --seed 1 -o "$work/people.json" >/dev/null
  python3 -c "
import json; s=json.load(open('$work/people.json')); s['people'].pop(); json.dump(s, open('$work/people-1.json','w'), ensure_ascii=False)"
  for setup in "SQLite, 1 server" "PostgreSQL, 1 server" "PostgreSQL, 2 replicas"; do
    db_n=$((db_n + 1))
    case $setup in
      SQLite*) database=$work/anshin-$db_n.db; replicas=1 ;;
      *) as_pg "$pgbin/createdb" -h "$work/pg" -U postgres "bench$db_n"; database=$(pg_url "bench$db_n")
         case $setup in *2*) replicas=2 ;; *) replicas=1 ;; esac ;;
    esac
    export ANSHIN_SERVER_DATABASE=$database
    "$bin/anshin-server" import "$work/people.json" >/dev/null 2>"$work/import.log"
    for login in sato suzuki; do
      printf 'centre-set-password-1\n' | "$bin/anshin-server" user add $login --name $login --organization o-00001 >/dev/null
    done
    start_servers "$database" "$replicas"
    token=$(member_token "${urls[0]}" sato)
    member_token "${urls[0]}" suzuki >/dev/null
    etag=$(curl -s -D - -o /dev/null -H "authorization: Bearer $token" -H 'accept-encoding: gzip' "${urls[0]}/api/v1/directory" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
    for u in "${urls[@]}"; do curl -s -o /dev/null -H "authorization: Bearer $token" -H 'accept-encoding: gzip' "$u/api/v1/directory"; done
    path=api/v1/directory
    read -r r304 p304 _ < <(load "$DUR" 50 -H "authorization: Bearer $token" -H "if-none-match: $etag")
    read -r rfull pfull _ < <(load "$DUR" 10 -H "authorization: Bearer $token" -H 'accept-encoding: gzip')
    one=$(wrk -t1 -c1 -d"${DUR}s" --latency -H "authorization: Bearer $token" -H 'accept-encoding: gzip' "${urls[0]}/$path" | awk '$1=="50%" {print $2}')
    one=$(ms "$one")
    path=api/v1/session
    read -r rlogin plogin _ < <(load "$DUR" 4 -s "$work/login.lua")
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$setup" "$people" "$r304" "$p304" "$rfull" "$pfull" "$one" "$rlogin" "$plogin" >>"$work/table"
    tail -1 "$work/table"

    # Mixed: syncs (304 and full), logins, and an import half-way.
    mixed=()
    (path=api/v1/directory; load "$MIXED" 40 -H "authorization: Bearer $token" -H "if-none-match: $etag" >"$work/m304") &
    mixed+=($!)
    (path=api/v1/directory; load "$MIXED" 4 -H "authorization: Bearer $token" -H 'accept-encoding: gzip' >"$work/mfull") &
    mixed+=($!)
    (path=api/v1/session; load "$MIXED" 2 -s "$work/login.lua" >"$work/mlogin") &
    mixed+=($!)
    sleep $((MIXED / 2))
    "$bin/anshin-server" import "$work/people-1.json" >/dev/null 2>"$work/import.log"
    wait "${mixed[@]}"
    read -r m304 _ e304 s304 <"$work/m304"; read -r mfull _ efull sfull <"$work/mfull"; read -r mlogin _ elogin slogin <"$work/mlogin"
    fives=$(cat "$work"/server.*.log | grep -c 'Status code: 5' || true)
    after=$(curl -s -H "authorization: Bearer $token" "${urls[-1]}/api/v1/directory" | tee "$work/after.json" \
      | python3 -c "import json,sys; d=json.load(sys.stdin); print(f\"revision {d['revision']}, {len(d['people'])} people\")")
    chain=$("$bin/anshin-server" audit verify >/dev/null 2>&1 && echo whole || echo BROKEN)
    printf '| %s | %s | %s req/s | %s req/s | %s/s | %s | %s | %s | %s (expected revision 2, %s people), chain %s |\n' "$setup" "$people" "$m304" "$mfull" "$mlogin" "$((e304 + efull + elogin))" "$fives" "$s304 / $sfull / $slogin" "$after" "$((people - 1))" "$chain" >>"$work/mixed"
    tail -1 "$work/mixed"
    stop_servers
    warnings=$(cat "$work"/server.*.log | grep -c 'transaction in progress' || true)
    [ "$warnings" = 0 ] || echo "  ($warnings 'transaction in progress' warnings in the server logs)"
    [ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS" && cp "$work"/server.*.log "$KEEP_LOGS"/
    rm -f "$work"/server.*.log
  done
done
cat "$work/table" "$work/mixed"
