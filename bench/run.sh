#!/usr/bin/env bash
# Issue 15's table from one run on this machine, every figure end to end, peers in the same run:
#   - whole processes (bench/whole_process.sh) at 50 000 and 100 000 people: release builds, a
#     real anshin-server on 127.0.0.1, gnome-keyring's Secret Service in a private D-Bus
#     session (never a plaintext store), the sealed cache on disk; fzf --filter over the same
#     people as lines with the same query;
#   - per keystroke (cargo bench --bench search) at 50 000 and 500 000 people on one core, fzf
#     --filter over the same entries per prefix.
# Then the other benches the README quotes (frame time, slip, in-process cache load, memory).
# Usage: bash bench/run.sh    (as root it installs what is missing: fzf dbus gnome-keyring time tmux)
#        ANSHIN_BENCH_QUICK=1 skips the other benches.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for tool in fzf:fzf dbus-run-session:dbus gnome-keyring-daemon:gnome-keyring /usr/bin/time:time tmux:tmux; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
done
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; }
fi
echo "fzf: $(fzf --version 2>/dev/null || echo missing)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
query='さいとう けいこ'
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo build --release --bin anshin --bin anshin-server -q
for people in 50000 100000; do
  echo
  ANSHIN_BENCH_BIN=$PWD/target/release ANSHIN_BENCH_RESULTS=$out/$people.txt \
    bash bench/whole_process.sh "$people" "$query"
done
echo
ANSHIN_BENCH_SIZES=50000,500000 taskset -c 0 cargo bench -q --bench search 2>/dev/null | tee "$out/search.txt"

# The median of the seconds (or KiB) recorded under a label: "label secs kib" lines.
median() { # file, label, field (2 = seconds, 3 = KiB)
  awk -v label="$2" -v field="$3" '{
      n = NF; lab = $1; for (i = 2; i <= n - 2; i++) lab = lab " " $i
      if (lab == label) print (field == 2 ? $(n - 1) : $n)
    }' "$1" | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "nan" }'
}
ms() { awk -v s="$1" 'BEGIN { printf "%.0f ms", s * 1000 }'; }
secs() { awk -v s="$1" 'BEGIN { printf "%.2f s", s }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k * 1024 / 1e6 }'; }
met() { awk -v v="$1" -v goal="$2" 'BEGIN { print (v <= goal ? "met" : "**not met**") }'; }
p99() { # people → the keystroke p99 in ms from the search bench's row
  awk -F'|' -v n="$1" '$2 ~ "^ *"n" *$" { gsub(/ ms| /, "", $6); print $6 }' "$out/search.txt"
}
keystroke_fzf() { awk -F'|' -v n="$1" '$2 ~ "^ *"n" *$" { gsub(/^ +| +$/, "", $8); print $8 }' "$out/search.txt"; }

search50=$(median "$out/50000.txt" "anshin search" 2)
fzf50=$(median "$out/50000.txt" "fzf --filter" 2)
ratio=$(awk -v a="$search50" -v f="$fzf50" 'BEGIN { printf "%.1f", f / a }')
tui100=$(median "$out/100000.txt" "anshin TUI to its first frame" 2)
quiet100=$(median "$out/100000.txt" "anshin sync, nothing changed" 2)
full100=$(median "$out/100000.txt" "anshin sync, full" 2)
login100=$(median "$out/100000.txt" "anshin login" 2)
rss100=$(median "$out/100000.txt" "anshin search" 3)
fzfrss100=$(median "$out/100000.txt" "fzf --filter" 3)
fzf100=$(median "$out/100000.txt" "fzf --filter" 2)
k50=$(p99 50000)
k500=$(p99 500000)
echo
echo "Issue 15's table (medians; whole processes from GNU time; query '$query'):"
echo
echo "| what | this run | peer, same run | goal | |"
echo "|---|---|---|---|---|"
echo "| \`anshin search\` from the cache, 50k people, one core, whole process | $(ms "$search50") | fzf --filter $(ms "$fzf50") (anshin ${ratio}× faster) | ≤ 60 ms and ≥ 9× faster than fzf | $(met "$search50" 0.060), $(awk -v r="$ratio" 'BEGIN { print (r >= 9 ? "met" : "**not met**") }') |"
echo "| TUI first frame from the cache, 100k, whole process (tmux 120×40) | $(ms "$tui100") | — | ≤ 150 ms | $(met "$tui100" 0.150) |"
echo "| \`anshin sync\`, nothing changed, 100k | $(ms "$quiet100") | — | ≤ 0.5 s | $(met "$quiet100" 0.5) |"
echo "| \`anshin sync\`, full (no cache), 100k: request → parse → index → seal → write | $(secs "$full100") | — | ≤ 3 s | $(met "$full100" 3) |"
echo "| \`anshin login\` + its first full sync, 100k | $(secs "$login100") | — | — | |"
echo "| per keystroke p99, one core, 50k | ${k50} ms | fzf --filter p50 $(keystroke_fzf 50000) | ≤ 16 ms | $(met "$k50" 16) |"
echo "| per keystroke p99, one core, 500k | ${k500} ms | fzf --filter p50 $(keystroke_fzf 500000) | ≤ 50 ms | $(met "$k500" 50) |"
echo "| client peak RSS, 100k loaded and searched (\`anshin search\`) | $(mb "$rss100") | fzf --filter $(mb "$fzfrss100"), $(ms "$fzf100") | ≤ 100 MB | $(met "$(awk -v k="$rss100" 'BEGIN { print k * 1024 / 1e6 }')" 100) |"
echo
echo "nucleo and skim: not in this table (no whole-process build of either is made here)."

[ -n "${ANSHIN_BENCH_QUICK:-}" ] && exit 0
echo
taskset -c 0 cargo bench -q --bench tui
cargo bench -q --bench sync
cargo bench -q --bench memory
ANSHIN_MEMORY_DECODE_ALL=1 cargo bench -q --bench memory
cargo bench -q --bench slip
