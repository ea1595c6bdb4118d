#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser that takes outside input (issue 12, DESIGN §8):
# each target runs FUZZ_SECONDS (300) under libFuzzer, two at a time; any crash is kept under
# fuzz/artifacts/ and makes this script exit 1. Not part of CI (it needs minutes of CPU).
#   bash fuzz/run.sh            # all five targets, 300 s each
#   FUZZ_SECONDS=30 bash fuzz/run.sh lint
set -euo pipefail
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-300}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(lint normalize slip_toml directory_json csv_import)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
# The one stable toolchain here: libFuzzer's coverage flags need RUSTC_BOOTSTRAP; panics are
# what we look for in safe Rust, so no sanitizer build of std is needed.
export RUSTC_BOOTSTRAP=1
cargo fuzz build --sanitizer none

# Seeds: the project's own fixtures.
mkdir -p corpus/{lint,normalize,slip_toml,directory_json,csv_import}
cp ../tests/fixtures/slips/*.toml corpus/slip_toml/ 2>/dev/null || true
cp ../assets/demo-directory.json corpus/directory_json/demo.json
printf '木村 正男\n木村さんの同行受診の日程を調整させてください。昭和15年3月2日生まれ、被保険者番号 1234567890、090-1234-5678\n' > corpus/lint/seed.txt
printf 'たかはし 緑区 在宅酸素 042-702-9263 ｔａｋａｈａｓｉ 髙橋 渡邊先生\n' > corpus/normalize/seed.txt
printf 'kind,organization_id,organization_name,name,name_kana,role,ward,district,phone,fax\nclinic,o-1,林内科医院,渡辺 浩,わたなべ ひろし,doctor,中央区,星が丘,042-702-9262,042-702-9263\n' > corpus/csv_import/seed.csv

crashes=0
run() {
  local target=$1 log="logs/$1.log"
  mkdir -p logs "artifacts/$target"
  if cargo fuzz run --sanitizer none "$target" "corpus/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 > "$log" 2>&1; then
    echo "$target: $(grep -Eo '#[0-9]+.*DONE.*' "$log" | tail -1 || tail -1 "$log")"
  else
    echo "$target: CRASH — see $log and artifacts/$target/"
    return 1
  fi
}
set +e
pids=()
for target in "${targets[@]}"; do
  run "$target" &
  pids+=($!)
  if [ ${#pids[@]} -ge 2 ]; then
    wait "${pids[0]}" || crashes=$((crashes + 1))
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || crashes=$((crashes + 1)); done
echo "crashes: $crashes"
[ "$crashes" -eq 0 ]
