#!/usr/bin/env bash
# PDF yield and throughput of `necessity run` against poppler's `pdftotext`
# on the same files.
#
# Yield (issue #16): documents with text and errors by kind, for pdftotext
# alone and for `necessity run` with what it may use on PATH: pdf-extract
# only (no poppler, no tesseract), plus pdftotext as the second extractor
# (no tesseract), and plus OCR (both). Every file is read, the bomb too.
#
# Throughput (issue #6): one process per file for both; the decompression
# bomb pdfjs-bomb_giant.pdf is left out of both (pdftotext has no limit of
# its own and would set the total). Prints both wall times and their ratio.
#
#   scripts/bench-pdf.sh                  # ../shared/data/pdfs
#   PDFS=/some/dir ROUNDS=5 scripts/bench-pdf.sh
#   SKIP_SPEED=1 scripts/bench-pdf.sh     # the yield table only
set -euo pipefail

cd "$(dirname "$0")/.."
PDFS=${PDFS:-../shared/data/pdfs}
ROUNDS=${ROUNDS:-3}
BIN=$PWD/target/release/necessity
EXCLUDE=pdfjs-bomb_giant.pdf

for tool in pdftotext pdftoppm pdfimages tesseract; do
    command -v "$tool" >/dev/null || { echo "needs $tool (scripts/install-ocr.sh)" >&2; exit 1; }
done
cargo build --release --quiet

# --- Yield ---------------------------------------------------------------

mapfile -t all_files < <(find "$PDFS" -maxdepth 1 -name '*.pdf' | sort)
TOOLS=$(mktemp -d)
trap 'rm -rf "$TOOLS"' EXIT
mkdir "$TOOLS/none" "$TOOLS/poppler" "$TOOLS/ocr"
for tool in pdftotext pdftoppm pdfimages; do
    ln -s "$(command -v "$tool")" "$TOOLS/poppler/$tool"
    ln -s "$(command -v "$tool")" "$TOOLS/ocr/$tool"
done
ln -s "$(command -v tesseract)" "$TOOLS/ocr/tesseract"

# "text | no text | errors by kind | with OCR" cells of one `necessity run`
# over every file, with PATH set to $1 (the tools it may use), and its wall
# seconds on a second line.
necessity_yield() {
    local start end records count
    start=$(date +%s.%N)
    records=$(PATH="$1" "$BIN" run --quiet --doc-timeout "${DOC_TIMEOUT:-30}" "${all_files[@]}" || true)
    end=$(date +%s.%N)
    count() { printf '%s\n' "$records" | { grep -c "$1" || true; }; }
    local errors
    errors=$(printf '%s\n' "$records" | { grep -o '"kind":"[a-z_]*"' || true; } | cut -d'"' -f4 \
        | { grep -v '^pdf_no_text$' || true; } | sort | uniq -c | awk '{ printf "%s%s %d", sep, $2, $1; sep = ", " }')
    echo "$(count '"status":"ok"') | $(count '"kind":"pdf_no_text"') | ${errors:-0} | $(count '"ocr":true')"
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f\n", b - a }'
}

# The same figures for pdftotext alone: text when its output has any
# non-blank character, no text when it succeeds with none, error otherwise.
pdftotext_yield() {
    local text=0 empty=0 failed=0 start end visible
    start=$(date +%s.%N)
    for file in "${all_files[@]}"; do
        # Visible characters, counted as they stream: some outputs are megabytes.
        if visible=$(set -o pipefail; timeout "${DOC_TIMEOUT:-30}" pdftotext -q -layout "$file" - 2>/dev/null \
            | tr -d '[:space:]' | wc -c); then
            if [[ $visible -gt 0 ]]; then text=$((text + 1)); else empty=$((empty + 1)); fi
        else
            failed=$((failed + 1))
        fi
    done
    end=$(date +%s.%N)
    echo "$text | $empty | $failed | -"
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f\n", b - a }'
}

echo "yield over ${#all_files[@]} PDFs of $PDFS; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| reader | text | no text | errors | of the text, by OCR | wall s |"
echo "|---|---:|---:|---|---:|---:|"
{ read -r outcome; read -r seconds; echo "| pdftotext -layout alone | $outcome | $seconds |"; } < <(pdftotext_yield)
{ read -r outcome; read -r seconds; echo "| necessity run: pdf-extract only | $outcome | $seconds |"; } < <(necessity_yield "$TOOLS/none")
{ read -r outcome; read -r seconds; echo "| necessity run: + pdftotext | $outcome | $seconds |"; } < <(necessity_yield "$TOOLS/poppler")
{ read -r outcome; read -r seconds; echo "| necessity run: + pdftotext + OCR | $outcome | $seconds |"; } < <(necessity_yield "$TOOLS/ocr")
[[ -n ${SKIP_SPEED:-} ]] && exit 0

# --- Throughput ----------------------------------------------------------

mapfile -t files < <(find "$PDFS" -maxdepth 1 -name '*.pdf' ! -name "$EXCLUDE" | sort)
bytes=$(cat "${files[@]}" | wc -c)
cat "${files[@]}" >/dev/null

# Wall seconds of one pass over every file with the given command.
pass() {
    local start end
    start=$(date +%s.%N)
    for file in "${files[@]}"; do
        "$@" "$file" >/dev/null 2>&1 || true
    done
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

# Fastest of $ROUNDS passes: the one least disturbed by other load.
fastest() {
    local best="" t
    for _ in $(seq "$ROUNDS"); do
        t=$(pass "$@")
        if [[ -z $best ]] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then best=$t; fi
    done
    echo "$best"
}

pdftotext_stdout() { pdftotext "$1" -; }
necessity_run() { "$BIN" run --quiet "$1"; }

# Wall seconds of one `necessity run --jobs 1` over all the files: the same
# work without a process start (and lexicon compilation) per file.
one_process() {
    local start end
    start=$(date +%s.%N)
    "$BIN" run --quiet --jobs 1 "${files[@]}" >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

echo "files: ${#files[@]} ($EXCLUDE excluded from both), $bytes bytes; load $(cut -d' ' -f1-3 /proc/loadavg)"
ours=$(fastest necessity_run)
theirs=$(fastest pdftotext_stdout)
single=$(for _ in $(seq "$ROUNDS"); do one_process; done | sort -g | head -1)
awk -v o="$ours" -v t="$theirs" -v s="$single" -v b="$bytes" -v n="${#files[@]}" 'BEGIN {
    printf "| tool | wall s | files/s | MB/s |\n|---|---:|---:|---:|\n"
    printf "| necessity run (one process per file) | %.2f | %.1f | %.1f |\n", o, n / o, b / o / 1e6
    printf "| pdftotext (one process per file) | %.2f | %.1f | %.1f |\n", t, n / t, b / t / 1e6
    printf "| necessity run --jobs 1 (all files, one process) | %.2f | %.1f | %.1f |\n", s, n / s, b / s / 1e6
    printf "\nratio necessity/pdftotext wall time, one process per file: %.2f\n", o / t
    printf "ratio necessity (one process)/pdftotext (per file): %.2f\n", s / t
}'
