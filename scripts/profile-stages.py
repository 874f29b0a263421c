#!/usr/bin/env python3
"""Per-stage shares of a `perf record --call-graph dwarf` profile of
`necessity run` (issue #14), as a Markdown table.

    perf script -F comm,ip,sym --no-inline -i perf.data | scripts/profile-stages.py

Each sample's stack is read from its leaf up: the first frame that names a
stage gives the sample's stage (so an allocation counts as allocation
wherever it happens, and a copy counts for its caller); a stack that passes
through the start-up (lexicons and policies built) is start-up whatever its
leaf. scripts/profile-run.sh records the profile and calls this.
"""

import re
import sys
from collections import Counter

# Samples anywhere under these frames are start-up: the automata and policies built once.
STARTUP = re.compile(
    r"Lexicons::builtin|Lexicons::from_files|ContextEngine::builtin|EngineBuilder|"
    r"Engine::builder|_dl_start|_dl_relocate"
)

# Frames skipped while looking for a stage: copies and comparisons count for their caller.
SKIP = re.compile(r"^(__mem\w+|memcpy|memmove|memset|memcmp|bcmp|\[unknown\]|core::ptr::)")

# (stage, pattern) in the order they are tried on each frame.
STAGES = [
    ("allocation (malloc, free, realloc)", re.compile(
        r"^(malloc|free|cfree|realloc|calloc|_int_malloc|_int_free|_int_realloc|"
        r"malloc_consolidate|unlink_chunk|tcache_\w+|__libc_malloc|__libc_free|__rust_alloc|"
        r"__rust_dealloc|__rust_realloc|alloc::raw_vec|<alloc::raw_vec|_?mi_\w+)")),
    ("the walk (one DFA over the folded note)", re.compile(r"phrases::Phrases::(walk|match_ends)")),
    ("context: fold, sentences, sections, scope", re.compile(r"necessity_context::")),
    ("extraction rules (values, treatments, ...)", re.compile(r"necessity_extract::")),
    ("criteria and route", re.compile(r"necessity_criteria::")),
    ("record's text hash (SHA-256)", re.compile(r"sha2::|sha256")),
    ("record output (JSON serialisation, write)", re.compile(
        r"serde_json::ser|necessity_pipeline::output|RecordWriter|necessity_record::jsonl")),
    ("engine (record assembly)", re.compile(r"necessity_engine::")),
    ("input parse (JSON Lines, CSV) and read", re.compile(
        r"serde_json::de|serde_json::read|serde_json::value|necessity_ingest::|csv_core::|"
        r"core::str::converts::from_utf8|core::str::lossy|std::io::|__libc_read|^read$")),
    ("runner (hand-over between threads)", re.compile(
        r"rayon|crossbeam|std::sync::|necessity_pipeline::batch|futex|pthread_")),
]


def stage_of(frames):
    """The stage of one sample, given its frames from the leaf up."""
    if any(STARTUP.search(frame) for frame in frames):
        return "start-up (lexicons' automata, policies)"
    kernel = bool(frames) and frames[0].startswith("[k] ")
    for frame in frames:
        if frame.startswith("[k] ") or SKIP.match(frame):
            continue
        for name, pattern in STAGES:
            if pattern.search(frame):
                return name + (" [kernel]" if kernel else "")
    return "kernel (other)" if kernel else "other"


def samples(lines):
    """The frames of each sample of `perf script -F comm,ip,sym` output."""
    frames = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                yield frames
            frames = []
            continue
        if not line.startswith(("\t", " ")) or not re.match(r"^\s+[0-9a-f]+ ", line):
            continue
        address, _, symbol = line.strip().partition(" ")
        kernel = address.startswith("ffffffff")
        frames.append(("[k] " if kernel else "") + symbol)
    if frames:
        yield frames


def main():
    counts = Counter(stage_of(frames) for frames in samples(sys.stdin))
    total = sum(counts.values())
    if total == 0:
        sys.exit("profile-stages: no samples on standard input")
    print("| stage | samples | share |")
    print("|---|---:|---:|")
    for name, count in counts.most_common():
        print(f"| {name} | {count} | {100 * count / total:.1f}% |")
    print(f"| all | {total} | 100% |")


if __name__ == "__main__":
    main()
