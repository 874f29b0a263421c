#!/usr/bin/env python3
"""Throughput of the Python package's Arrow path against the CLI, on one core.

Both decide the 4,999 MTSamples rows end to end: the CLI reads the CSV,
decides each row and writes JSON records (`necessity run --jobs 1`, records to
/dev/null); Python reads the same CSV with pyarrow (one thread), then
`Engine(threads=1).decide_arrow` turns each batch of rows into summary columns
plus each record as JSON. Each side runs ROUNDS times; the fastest round
counts. Reported per CPU-second (user + system time, which a busy machine
disturbs least) and per wall second.

    scripts/bench-python.py [path/to/necessity]    # default target/release/necessity

Needs the wheel installed (pip install ./python) and pyarrow.
"""

import os
import pathlib
import resource
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

import necessity

REPO = pathlib.Path(__file__).resolve().parents[1]
CSV = REPO.parent / "shared" / "data" / "mtsamples" / "mtsamples.csv"
ROUNDS = int(os.environ.get("ROUNDS", "5"))
BATCH_ROWS = int(os.environ.get("BATCH_ROWS", "1024"))


def cpu(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def cli_round(binary: pathlib.Path) -> tuple:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run([str(binary), "run", "--quiet", "--jobs", "1", str(CSV)], stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    assert out.returncode in (0, 3), out.returncode
    return wall, cpu(resource.getrusage(resource.RUSAGE_CHILDREN)) - cpu(before)


def python_round(engine: "necessity.Engine") -> tuple:
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    table = pacsv.read_csv(
        CSV,
        read_options=pacsv.ReadOptions(use_threads=False),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={"note_id": pa.string()}),
    )
    ids = pc.binary_join_element_wise(pa.scalar(CSV.name + "#"), table["note_id"], "")
    notes = pa.table({"id": ids, "text": table["transcription"]})
    rows = 0
    for batch in notes.to_batches(max_chunksize=BATCH_ROWS):
        rows += engine.decide_arrow(batch).num_rows
    wall = time.perf_counter() - started
    assert rows == 4999, rows
    return wall, cpu(resource.getrusage(resource.RUSAGE_SELF)) - cpu(before)


def main() -> None:
    binary = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "target" / "release" / "necessity")
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    engine = necessity.Engine(threads=1)
    megabytes = CSV.stat().st_size / 1e6
    python_round(engine)  # warm-up: page cache, lexicons compiled
    cli = [cli_round(binary) for _ in range(ROUNDS)]
    py = [python_round(engine) for _ in range(ROUNDS)]
    best = lambda rounds, at: min(r[at] for r in rounds)
    print(f"MTSamples, {megabytes:.1f} MB, 4,999 rows; fastest of {ROUNDS} rounds")
    print("| path | wall s | CPU s | MB per CPU-s |")
    print("|---|---:|---:|---:|")
    for name, rounds in (("CLI run --jobs 1", cli), ("Python decide_arrow, threads=1", py)):
        print(f"| {name} | {best(rounds, 0):.2f} | {best(rounds, 1):.2f} | {megabytes / best(rounds, 1):.1f} |")
    print(f"Python / CLI CPU time: {best(py, 1) / best(cli, 1):.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
