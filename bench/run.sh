#!/usr/bin/env bash
# Every performance number in the README, in one run on this machine:
#   search per keystroke at 1k/10k/50k/500k with fzf --filter on the same lines,
#   cache load at 10k/100k, full sync of 100k over loopback, client peak memory at 100k.
# Usage: bash bench/run.sh            (installs fzf with apt when missing and root)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v fzf >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get install -y -qq fzf >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq fzf >/dev/null; }
fi
echo "fzf: $(fzf --version 2>/dev/null || echo missing)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# One core, as DESIGN §8 asks.
taskset -c 0 cargo bench --bench search
cargo bench --bench sync
cargo bench --bench memory
taskset -c 0 cargo bench --bench tui
cargo bench --bench slip
cargo build --release --bin anshin --bin anshin-server -q
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
./target/release/anshin-server demo-data --people 100000 --seed 1 -o "$tmp/100k.json"
echo
echo "for comparison, anshin search --directory over a 100k-person snapshot file (the file is read whole, then parsed and indexed)"
/usr/bin/time -f "max RSS %M KiB, %e s" ./target/release/anshin search --directory "$tmp/100k.json" --limit 3 tanaka naika >/dev/null
