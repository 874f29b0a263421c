#!/usr/bin/env python3
"""Builds the side-by-side bench's inputs from real notes (issue #14): a JSON
Lines export and a folder of small text files, both made of the MTSamples
transcriptions and the bundled corpus notes, repeated and shuffled with a
fixed seed, so every machine builds the same bytes.

    scripts/bench-archive.py --out target/bench-data [--bytes 250000000] [--files 110000]

Writes OUT/notes.jsonl ({"id", "text"} a line, until --bytes) and
OUT/notes-files/NNN/ID.txt (--files files, 1,000 to a folder). Generated data
stays under target/ and is never committed: it holds note text.
"""

import argparse
import csv
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MTSAMPLES = ROOT / "../shared/data/mtsamples/mtsamples.csv"
CORPUS = ROOT / "corpus/notes"
FILES_PER_FOLDER = 1000


def real_notes():
    """(id, text) of every non-blank MTSamples transcription and corpus note."""
    notes = []
    if MTSAMPLES.exists():
        csv.field_size_limit(sys.maxsize)
        with MTSAMPLES.open(newline="", encoding="utf-8") as file:
            for row in csv.DictReader(file):
                text = row.get("transcription") or ""
                if text.strip():
                    notes.append((f"mts-{row.get('note_id') or len(notes)}", text))
    for path in sorted(CORPUS.glob("*.txt")):
        notes.append((f"corpus-{path.stem}", path.read_text(encoding="utf-8")))
    if not notes:
        sys.exit("bench-archive: no notes found (corpus/notes, ../shared/data/mtsamples)")
    return notes


def shuffled_forever(notes, rng):
    """The notes in a fresh random order each pass, each id suffixed by its pass."""
    round_number = 0
    while True:
        order = list(range(len(notes)))
        rng.shuffle(order)
        for index in order:
            note_id, text = notes[index]
            yield f"{note_id}-r{round_number}", text
        round_number += 1


def write_jsonl(path, notes, total_bytes, seed):
    written = 0
    lines = 0
    part = path.with_suffix(".jsonl.part")
    with part.open("w", encoding="utf-8") as out:
        for note_id, text in shuffled_forever(notes, random.Random(seed)):
            line = json.dumps({"id": note_id, "text": text}, ensure_ascii=False) + "\n"
            size = len(line.encode("utf-8"))
            if written + size > total_bytes:
                break
            out.write(line)
            written += size
            lines += 1
    part.rename(path)
    print(f"{path}: {lines} notes, {written} bytes", file=sys.stderr)


def write_folder(path, notes, count, seed):
    part = path.with_name(path.name + ".part")
    written = 0
    for number, (note_id, text) in enumerate(shuffled_forever(notes, random.Random(seed + 1))):
        if number == count:
            break
        folder = part / f"{number // FILES_PER_FOLDER:03d}"
        if number % FILES_PER_FOLDER == 0:
            folder.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        (folder / f"{note_id}.txt").write_bytes(data)
        written += len(data)
    part.rename(path)
    print(f"{path}: {count} files, {written} bytes", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "target/bench-data")
    parser.add_argument("--bytes", type=int, default=250_000_000)
    parser.add_argument("--files", type=int, default=110_000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    notes = real_notes()
    jsonl = args.out / "notes.jsonl"
    if not jsonl.exists():
        write_jsonl(jsonl, notes, args.bytes, args.seed)
    folder = args.out / "notes-files"
    if not folder.exists():
        write_folder(folder, notes, args.files, args.seed)


if __name__ == "__main__":
    main()
