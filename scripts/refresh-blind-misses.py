#!/usr/bin/env python3
"""Rewrites the blind rounds' block of corpus/known-misses.tsv from a fresh
`necessity eval` of the corpus: one row per (note, field) a blind-round note
(n-, o-, r-, p-, s-, t-, u-, v-, w-) still misses, with the eval's expected and found values.

The hand-diagnosed rows above the block are kept as they are; a blind row
whose cause is diagnosed moves up there with its reason. Run after a rule
change that fixes or breaks blind-round notes:

    cargo build --release && scripts/refresh-blind-misses.py
"""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MISSES = ROOT / "corpus" / "known-misses.tsv"
HEADER = "# Blind rounds n, o, r, pay, p, s, t, u, v, w, x, y, z, q, c, d, e, f, g, s9, t10, t11, t12, t13, t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27, t28, t29, t30 joined the corpus"
# Where the blind block starts, whichever rounds its header names.
BLOCK = "# Blind rounds "
BLIND = re.compile(r"^(n|o|r|p|s|t|u|v|w|x|y|z|q|c|d|e|f|g|s9|t10|t11|t12|t13|t14|t15|t16|t17|t18|t19|t20|t21|t22|t23|t24|t25|t26|t27|t28|t29|t30)-")


def main() -> int:
    binary = ROOT / "target" / "release" / "necessity"
    report = subprocess.run(
        [str(binary), "eval", "--gold", "corpus/gold", "corpus/notes"],
        cwd=ROOT, capture_output=True, text=True,
    ).stdout
    rows = {}
    for line in report.splitlines():
        m = re.match(r"^- `([^`]+)`: ([^:]+): (.*)$", line)
        if m and BLIND.match(m.group(1)):
            rows.setdefault((m.group(1), m.group(2)), m.group(3))
    kept = []
    for line in MISSES.read_text().splitlines():
        if line.startswith(BLOCK):
            break
        kept.append(line)
    kept.append(HEADER + " after their first runs (figures in corpus/README.md);")
    kept.append("# each row is a miss whose cause is not yet diagnosed, with the eval's values.")
    for (note, field), detail in sorted(rows.items()):
        kept.append(f"{note}\t{field}\tblind round, not yet diagnosed: {detail}")
    MISSES.write_text("\n".join(kept) + "\n")
    print(f"{len(rows)} blind-round rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
