#!/usr/bin/env python3
"""medspaCy's ConText, with its default rules, on the public ConText test kit.

The comparison for `necessity context --kit FILE --eval` (docs/context.md):
each kit row's target phrase is made the only entity of its sentence text,
sentences are split by medspaCy's default PyRuSH sentencizer, and the default
ConText rules decide negated / historical / hypothetical / family. The kit's
labels are mapped as `necessity` maps them: negation "Negated"; temporality
"Historical", and "Not particular" as hypothetical; experiencer anything but
"Patient" as family. The target is found as `necessity` finds it: ASCII
case-insensitively, a whitespace run matching any whitespace run.

Usage (versions as measured in docs/context.md):
    python3 -m venv /tmp/medspacy-venv
    /tmp/medspacy-venv/bin/pip install medspacy==1.3.1 spacy==3.7.5
    /tmp/medspacy-venv/bin/python scripts/medspacy_context_kit.py \
        ../shared/data/context-kit/rsAnnotations-1-120-random.txt [--mistakes]
"""

import argparse
import re
import sys

import medspacy
from loguru import logger

AXES = ("negated", "historical", "hypothetical", "family")


def read_kit(path):
    """The kit's rows: number, target, sentence and the mapped labels."""
    rows = []
    with open(path, encoding="utf-8", errors="replace") as kit:
        for line_no, line in enumerate(kit, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) != 7:
                sys.exit(f"kit line {line_no}: expected 7 tab-separated columns")
            number, _, target, sentence, negation, temporality, experiencer = fields
            labels = {
                "negated": negation == "Negated",
                "historical": temporality == "Historical",
                "hypothetical": temporality == "Not particular",
                "family": experiencer != "Patient",
            }
            rows.append((int(number), target, sentence, labels))
    return rows


def target_pattern(target):
    words = [re.escape(word) for word in target.split()]
    return re.compile(r"\s+".join(words), re.IGNORECASE)


def judge(nlp, sentencizer, context, target, sentence):
    """medspaCy's labels for the target, or None when it cannot be placed."""
    found = target_pattern(target).search(sentence)
    if not found:
        return None
    doc = sentencizer(nlp.make_doc(sentence))
    span = doc.char_span(found.start(), found.end(), label="TARGET", alignment_mode="expand")
    if span is None:
        return None
    doc.ents = [span]
    doc = context(doc)
    entity = doc.ents[0]
    return {
        "negated": entity._.is_negated,
        "historical": entity._.is_historical,
        "hypothetical": entity._.is_hypothetical,
        "family": entity._.is_family,
    }


def score(results, keep):
    table = {}
    for axis in AXES:
        tp = fp = fn = 0
        for number, labels, predicted in results:
            if not keep(number):
                continue
            expected, got = labels[axis], bool(predicted and predicted[axis])
            tp += expected and got
            fp += (not expected) and got
            fn += expected and not got
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[axis] = (tp, fp, fn, precision, recall, f1)
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kit", help="rsAnnotations-1-120-random.txt")
    parser.add_argument("--mistakes", action="store_true", help="also list every disagreement")
    args = parser.parse_args()
    # PyRuSH logs every sentence at DEBUG level through loguru.
    logger.remove()
    logger.add(sys.stderr, level="WARNING")

    nlp = medspacy.load()
    sentencizer = nlp.get_pipe("medspacy_pyrush")
    context = nlp.get_pipe("medspacy_context")
    results, missing = [], 0
    for number, target, sentence, labels in read_kit(args.kit):
        predicted = judge(nlp, sentencizer, context, target, sentence)
        missing += predicted is None
        results.append((number, labels, predicted))
        if args.mistakes and predicted is not None:
            for axis in AXES:
                if labels[axis] != predicted[axis]:
                    print(f"{number}\t{axis}\t{labels[axis]}\t{predicted[axis]}\t{target}\t{sentence}")

    print(f"medspacy {medspacy.__version__}, targets not placed: {missing}")
    for name, keep in (("all", lambda n: True), ("odd", lambda n: n % 2 == 1), ("even", lambda n: n % 2 == 0)):
        rows = sum(1 for number, _, _ in results if keep(number))
        print(f"\nmedspaCy ConText (default rules), {name} rows ({rows})")
        print("| axis | TP | FP | FN | precision | recall | F1 |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for axis, (tp, fp, fn, precision, recall, f1) in score(results, keep).items():
            print(f"| {axis} | {tp} | {fp} | {fn} | {precision:.3f} | {recall:.3f} | {f1:.3f} |")


if __name__ == "__main__":
    main()
