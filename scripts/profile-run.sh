#!/usr/bin/env bash
# Where `necessity run --jobs 1` spends its time, by stage (issue #14):
# records a sampled profile with call stacks (perf, DWARF unwinding) over the
# first SLICE_MB (default 30) MB of the side-by-side bench's JSON Lines
# export, then prints each stage's share (scripts/profile-stages.py).
#
#   scripts/profile-run.sh                 # needs perf (Debian: linux-perf)
#   SLICE_MB=10 FREQ=2000 scripts/profile-run.sh
#
# The profile and the slice stay under $BENCH_DATA (default target/bench-data).
set -euo pipefail

cd "$(dirname "$0")/.."
DATA=${BENCH_DATA:-target/bench-data}
SLICE_MB=${SLICE_MB:-30}
FREQ=${FREQ:-1000}
BIN=target/release/necessity

scripts/install-if-missing.sh 'command -v perf' linux-perf >&2
cargo build --release --quiet
python3 scripts/bench-archive.py --out "$DATA"
slice=$DATA/slice-${SLICE_MB}MB.jsonl
# Whole lines only: the slice ends at the last line break within its size.
head -c "$((SLICE_MB * 1000000))" "$DATA/notes.jsonl" | sed '$d' >"$slice"
perf record --quiet -o "$DATA/perf.data" --call-graph dwarf,32768 -F "$FREQ" \
    "$BIN" run --quiet --jobs 1 "$slice" >/dev/null
echo "necessity run --jobs 1, $(stat -c %s "$slice") bytes, $(wc -l <"$slice") notes; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
perf script -i "$DATA/perf.data" -F comm,ip,sym --no-inline 2>/dev/null | scripts/profile-stages.py
