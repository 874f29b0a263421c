#!/usr/bin/env python3
"""Writer's gold against the blind labeller's: where the two readers differ
(determination first, then every fact field), for adjudication.

    compare.py gold.jsonl label.jsonl
"""
import json
import sys


def load(path):
    return {r["id"]: r for r in (json.loads(l) for l in open(path) if l.strip())}


def flat(facts):
    out = {}
    for k, v in facts.items():
        if k == "treatments":
            for t in v:
                out[f"treatment {t['agent']}"] = (t["class"], t["potency"], t["outcome"],
                                                  t.get("duration_days"), t.get("last_used"))
        elif isinstance(v, dict):
            for k2, v2 in v.items():
                out[f"{k}.{k2}"] = v2
        else:
            out[k] = sorted(v) if isinstance(v, list) else v
    return out


def main():
    gold, label = load(sys.argv[1]), load(sys.argv[2])
    agree = 0
    for i, g in gold.items():
        l = label.get(i)
        if l is None:
            print(f"{i}: not labelled")
            continue
        if g["determination"] == l["determination"] and g.get("policy") == l.get("policy"):
            agree += 1
        else:
            print(f"{i}: DETERMINATION writer {g.get('policy')} {g['determination']} "
                  f"/ labeller {l.get('policy')} {l['determination']}")
        if g.get("default_determination") != l.get("default_determination"):
            print(f"{i}: default_determination writer {g.get('default_determination')} "
                  f"/ labeller {l.get('default_determination')}")
        fg, fl = flat(g["facts"]), flat(l["facts"])
        for k in sorted(set(fg) | set(fl)):
            if fg.get(k) != fl.get(k):
                print(f"{i}: {k}: writer {fg.get(k)} / labeller {fl.get(k)}")
    print(f"determinations agreed: {agree}/{len(gold)}")


if __name__ == "__main__":
    main()
