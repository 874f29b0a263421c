#!/usr/bin/env bash
# Throughput and memory of `necessity context` alone (issue #7 asks for
# >= 100 MB/s): repeats the ConText kit's sentences to a JSON Lines file of
# about $BYTES bytes, then times the release binary on one core (taskset -c 0)
# under /usr/bin/time -v, $RUNS times, and prints MB/s (10^6 bytes of input
# per second of wall time), MB per CPU-second (steadier on a busy machine)
# and peak resident memory of each run and the
# median. Builds nothing: run `cargo build --release` first.
#
#   scripts/bench-context.sh
#   BYTES=20000000 RUNS=5 BIN=/tmp/necessity-old scripts/bench-context.sh
#
# The generated file goes to $BENCH_DATA (default target/bench-data) and is
# reused. The kit is Latin-1 in places: bytes that are not UTF-8 are decoded
# as Latin-1 so every line is valid JSON and UTF-8.
set -euo pipefail

cd "$(dirname "$0")/.."
BYTES=${BYTES:-100000000}
RUNS=${RUNS:-3}
KIT=${KIT:-../shared/data/context-kit/rsAnnotations-1-120-random.txt}
DATA=${BENCH_DATA:-target/bench-data}
BIN=${BIN:-target/release/necessity}
FILE="$DATA/context-kit-$BYTES.jsonl"

[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[[ -x $BIN ]] || { echo "no $BIN: cargo build --release first" >&2; exit 1; }
[[ -f $KIT ]] || { echo "no kit at $KIT (set KIT=...)" >&2; exit 1; }
mkdir -p "$DATA"

if [[ ! -s $FILE ]]; then
    python3 - "$KIT" "$BYTES" "$FILE.part" <<'PY'
import json, sys

kit, limit, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = []
with open(kit, "rb") as f:
    for raw in f:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = raw.decode("latin-1")
        cols = line.rstrip("\r\n").split("\t")
        if len(cols) >= 4 and cols[3].strip():
            rows.append((cols[2], cols[3]))
written, n = 0, 0
with open(out, "w", encoding="utf-8") as f:
    while written < limit:
        for target, text in rows:
            n += 1
            line = json.dumps({"id": n, "text": text, "target": target}, ensure_ascii=False) + "\n"
            f.write(line)
            written += len(line.encode("utf-8"))
            if written >= limit:
                break
PY
    mv "$FILE.part" "$FILE"
fi

bytes=$(stat -c %s "$FILE")
lines=$(wc -l <"$FILE")
cat "$FILE" >/dev/null

# One timed run on core 0; prints "wall_seconds cpu_seconds peak_kib".
timed_run() {
    local log status=0
    log=$(mktemp)
    taskset -c 0 /usr/bin/time -v "$BIN" context "$FILE" >/dev/null 2>"$log" || status=$?
    # 3 means some targets were not found: still a complete run.
    if [[ $status -ne 0 && $status -ne 3 ]]; then cat "$log" >&2; rm -f "$log"; exit "$status"; fi
    awk -F': ' -f scripts/time-v.awk "$log"
    rm -f "$log"
}

echo "binary: $BIN; input: $FILE ($bytes bytes, $lines lines)"
echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | wall s | MB/s | CPU s | MB per CPU-s | peak RSS MiB |"
echo "|---:|---:|---:|---:|---:|---:|"
speeds=()
cpu_speeds=()
for run in $(seq 1 "$RUNS"); do
    read -r seconds cpu peak_kib < <(timed_run)
    speed=$(awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "%.1f", b / s / 1e6 }')
    per_cpu=$(awk -v b="$bytes" -v c="$cpu" 'BEGIN { printf "%.1f", b / c / 1e6 }')
    speeds+=("$speed")
    cpu_speeds+=("$per_cpu")
    awk -v r="$run" -v s="$seconds" -v m="$speed" -v c="$cpu" -v p="$per_cpu" -v k="$peak_kib" \
        'BEGIN { printf "| %d | %.2f | %s | %.2f | %s | %.1f |\n", r, s, m, c, p, k / 1024 }'
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo
echo "median: $(median "${speeds[@]}") MB/s, $(median "${cpu_speeds[@]}") MB per CPU-s; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
