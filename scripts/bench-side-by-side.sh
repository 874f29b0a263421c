#!/usr/bin/env bash
# `necessity run` beside a bare lexicon scan by ripgrep over the same bytes
# (issue #14): a JSON Lines export of real notes (~250 MB) and a folder of
# 110k small files, both built by scripts/bench-archive.py into
# $BENCH_DATA (default target/bench-data). For each input it times
#
#   rg --count-matches -i -F -f benches/lexicon-109.txt -j 2 INPUT
#   necessity run --quiet --jobs 2 INPUT      and  --jobs 1
#
# under /usr/bin/time -v, ROUNDS times each (default 3, alternating), and
# prints for the fastest round (by wall time) of each: wall and CPU seconds
# (user + system), ns of CPU per input byte, MB per CPU-second, peak RSS;
# then the ratio of necessity's wall time at --jobs 2 to rg's (the issue's
# figure), the same ratio in CPU time, and the scaling from 1 to 2 jobs.
#
#   scripts/bench-side-by-side.sh
#   ROUNDS=5 INPUTS=jsonl scripts/bench-side-by-side.sh      # jsonl | files | "jsonl files"
#   BIN=path/to/older/necessity scripts/bench-side-by-side.sh  # another build, for before/after
#
# The 2-core machine is shared: the load average before and after is printed
# with the figures; take them when it is under 1.5.
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
INPUTS=${INPUTS:-"jsonl files"}
DATA=${BENCH_DATA:-target/bench-data}
LEXICON=benches/lexicon-109.txt
BIN=${BIN:-target/release/necessity}

scripts/install-if-missing.sh 'command -v rg' ripgrep >&2
scripts/install-if-missing.sh 'test -x /usr/bin/time' time >&2
cargo build --release --quiet
python3 scripts/bench-archive.py --out "$DATA"

# One timed command; prints "wall_seconds cpu_seconds peak_kib". Exit status
# 3 of necessity (some error records) and 1 of rg (no match) still count.
timed() {
    local log status=0
    log=$(mktemp)
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || status=$?
    if [[ $status -ne 0 && $status -ne 1 && $status -ne 3 ]]; then
        cat "$log" >&2
        rm -f "$log"
        exit "$status"
    fi
    awk -F': ' -f scripts/time-v.awk "$log"
    rm -f "$log"
}

# The fastest of ROUNDS runs of one command (by wall time): "wall cpu kib".
fastest() {
    local best="" line
    for _ in $(seq "$ROUNDS"); do
        line=$(timed "$@")
        if [[ -z $best ]] || awk -v a="$line" -v b="$best" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !(x[1] < y[1]) }'; then
            best=$line
        fi
    done
    echo "$best"
}

row() {
    local input=$1 tool=$2 bytes=$3 wall=$4 cpu=$5 kib=$6
    awk -v i="$input" -v t="$tool" -v b="$bytes" -v w="$wall" -v c="$cpu" -v k="$kib" \
        'BEGIN { printf "| %s | %s | %.2f | %.2f | %.1f | %.1f | %.1f |\n",
                 i, t, w, c, c * 1e9 / b, b / c / 1e6, k / 1024 }'
}

echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg); rounds: $ROUNDS"
echo
echo "| input | tool | wall s | CPU s | ns/byte (CPU) | MB per CPU-s | peak RSS MiB |"
echo "|---|---|---:|---:|---:|---:|---:|"
summaries=()
for input in $INPUTS; do
    case $input in
        jsonl) path=$DATA/notes.jsonl; bytes=$(stat -c %s "$path") ;;
        files) path=$DATA/notes-files; bytes=$(find "$path" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }') ;;
        *) echo "unknown input $input (jsonl or files)" >&2; exit 2 ;;
    esac
    # Into the page cache, so that every tool reads from memory.
    rg --count-matches -F -j 2 zzzz "$path" >/dev/null || true
    read -r rg_wall rg_cpu rg_kib < <(fastest rg --count-matches -i -F -f "$LEXICON" -j 2 "$path")
    read -r two_wall two_cpu two_kib < <(fastest "$BIN" run --quiet --jobs 2 "$path")
    read -r one_wall one_cpu one_kib < <(fastest "$BIN" run --quiet --jobs 1 "$path")
    row "$input" "rg -j 2" "$bytes" "$rg_wall" "$rg_cpu" "$rg_kib"
    row "$input" "necessity --jobs 2" "$bytes" "$two_wall" "$two_cpu" "$two_kib"
    row "$input" "necessity --jobs 1" "$bytes" "$one_wall" "$one_cpu" "$one_kib"
    summaries+=("$(awk -v i="$input" -v b="$bytes" -v rw="$rg_wall" -v rc="$rg_cpu" -v tw="$two_wall" -v tc="$two_cpu" -v ow="$one_wall" \
        'BEGIN { printf "%s (%d bytes): necessity --jobs 2 / rg -j 2: %.2fx wall, %.2fx CPU; scaling 1 -> 2 jobs: %.2fx",
                 i, b, tw / rw, tc / rc, ow / tw }')")
done
echo
printf '%s\n' "${summaries[@]}"
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
