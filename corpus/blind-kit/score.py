#!/usr/bin/env python3
"""Scores one blind round's first run: decides every note under the policy its
gold line names and prints the figures the closing notes report.

    score.py BIN ROUND_DIR [--gold gold.jsonl] [--json OUT]

ROUND_DIR holds notes/ and the writer's gold.jsonl. Figures: determinations
right; wrong approvals (route approve, gold not medically necessary); coverage
(gold-MN notes approved); failed-agent recall (gold agents whose outcome is
failed, found failed); renewal + payer notes right; and
the run path (no --policy, against default_determination where given).
"""
import argparse
import json
import subprocess
from pathlib import Path

FAILED = {"failed"}
DEFAULT = "dupixent-atopic-dermatitis"


def policy_flag(policy_id):
    base = policy_id.removesuffix("-continuation")
    return [] if base == DEFAULT else ["--policy", base]


def decide(binary, notes, ids, flag):
    paths = [str(notes / i) for i in ids]
    out = subprocess.run([binary, "run", "-q", *flag, *paths],
                         capture_output=True, text=True).stdout
    return {Path(r["id"]).name: r for r in map(json.loads, out.splitlines())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("round_dir", type=Path)
    ap.add_argument("--gold", default="gold.jsonl")
    args = ap.parse_args()
    notes = args.round_dir / "notes"
    gold = [json.loads(l) for l in open(args.round_dir / args.gold) if l.strip()]
    by_flag = {}
    for g in gold:
        by_flag.setdefault(tuple(policy_flag(g["policy"])), []).append(g["id"])
    records = {}
    for flag, ids in by_flag.items():
        records.update(decide(args.binary, notes, ids, list(flag)))
    default_records = decide(args.binary, notes, [g["id"] for g in gold], [])
    right = wrong_approvals = mn = mn_approved = 0
    failed = failed_found = rp = rp_right = run_right = run_wa = 0
    misses = []
    for g in gold:
        r = records[g["id"]]
        ok = r["determination"] == g["determination"]
        right += ok
        if not ok:
            misses.append(f"{g['id']}: gold {g['determination']} ({g['policy']}), "
                          f"found {r['determination']} ({(r.get('policy') or {}).get('id')})")
        if r.get("route") == "approve" and g["determination"] != "medically_necessary":
            wrong_approvals += 1
            misses.append(f"WRONG APPROVAL {g['id']}")
        if g["determination"] == "medically_necessary":
            mn += 1
            mn_approved += r.get("route") == "approve"
        found = {(t["agent"], t["outcome"]) for t in r["facts"]["treatments"]} if r["status"] == "ok" else set()
        for t in g["facts"]["treatments"]:
            if t["outcome"] in FAILED:
                failed += 1
                failed_found += (t["agent"], t["outcome"]) in found
        if g["policy"].endswith("-continuation") or "default_determination" in g:
            rp += 1
            rp_right += ok
        d = default_records[g["id"]]
        want = g.get("default_determination", g["determination"])
        run_right += d["determination"] == want
        if d.get("route") == "approve" and want != "medically_necessary":
            run_wa += 1
            misses.append(f"WRONG APPROVAL on the run path {g['id']}")
    n = len(gold)
    pct = lambda a, b: f"{a}/{b} ({100 * a / b:.1f}%)" if b else "0/0"
    print(f"determination {pct(right, n)}; wrong approvals {wrong_approvals}; "
          f"coverage {pct(mn_approved, mn)}; failed-agent recall {pct(failed_found, failed)}; "
          f"renewal+payer {pct(rp_right, rp)}; run path {pct(run_right, n)}, "
          f"wrong approvals there {run_wa}")
    for m in misses:
        print("  -", m)


if __name__ == "__main__":
    main()
