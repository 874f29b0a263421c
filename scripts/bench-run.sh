#!/usr/bin/env bash
# End-to-end throughput and memory of `necessity run` on seeded synthetic
# archives (issue #6): builds the release binary, generates each archive once
# with `necessity synth`, then runs it at each job count under /usr/bin/time -v
# and prints MB/s (10^6 bytes of archive per second of wall time), documents/s,
# CPU time (user + system; MB per CPU-second is per-core speed even on a busy
# machine) and peak resident memory as a Markdown table.
#
#   scripts/bench-run.sh                       # 100M and 1G archives, 1 and 2 jobs
#   SIZES="100M 500M" JOBS="1 2 4" scripts/bench-run.sh
#
# Archives go to $BENCH_DATA (default target/bench-data), named by size and
# seed, and are reused. Inputs are read from the page cache after a warm-up
# read; records are written to /dev/null through stdout.
set -euo pipefail

cd "$(dirname "$0")/.."
SIZES=${SIZES:-"100M 1G"}
JOBS=${JOBS:-"1 2"}
SEED=${SEED:-1}
DATA=${BENCH_DATA:-target/bench-data}
MTSAMPLES=../shared/data/mtsamples/mtsamples.csv
BIN=target/release/necessity

[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
cargo build --release --quiet
mkdir -p "$DATA"

filler=()
[[ -f $MTSAMPLES ]] && filler=(--filler-csv "$MTSAMPLES")

# Generates the archive of one size unless it is already there.
archive() {
    local size=$1 file="$DATA/synth-$1-seed$SEED.jsonl"
    if [[ ! -s $file ]]; then
        "$BIN" synth --bytes "$size" --seed "$SEED" --out "$file.part" "${filler[@]}" >&2
        mv "$file.part" "$file"
    fi
    echo "$file"
}

# One timed run; prints "wall_seconds cpu_seconds peak_kib".
timed_run() {
    local file=$1 jobs=$2 log
    log=$(mktemp)
    /usr/bin/time -v "$BIN" run --quiet --jobs "$jobs" "$file" >/dev/null 2>"$log" || {
        local status=$?
        # 3 means some records are error records: still a complete run.
        [[ $status -eq 3 ]] || { cat "$log" >&2; rm -f "$log"; exit "$status"; }
    }
    awk -F': ' -f scripts/time-v.awk "$log"
    rm -f "$log"
}

echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| archive | bytes | documents | jobs | wall s | MB/s | documents/s | CPU s | MB per CPU-s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for size in $SIZES; do
    file=$(archive "$size")
    bytes=$(stat -c %s "$file")
    documents=$(wc -l <"$file")
    cat "$file" >/dev/null
    for jobs in $JOBS; do
        read -r seconds cpu peak_kib < <(timed_run "$file" "$jobs")
        awk -v size="$size" -v b="$bytes" -v d="$documents" -v j="$jobs" -v s="$seconds" -v c="$cpu" -v k="$peak_kib" \
            'BEGIN { printf "| %s | %d | %d | %d | %.2f | %.1f | %.0f | %.2f | %.1f | %.1f |\n",
                     size, b, d, j, s, b / s / 1e6, d / s, c, b / c / 1e6, k / 1024 }'
    done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
