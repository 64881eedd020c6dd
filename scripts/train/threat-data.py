#!/usr/bin/env python3
"""Builds the training set of parley's churn and escalation classifier (nlp/data/threats.model).

Usage: threat-data.py BANKING77_TRAIN_CSV OUT_CSV

Rows (text,category; categories churn, escalation, none):
- the examples and counter-examples of nlp/data/threats.yaml (the same sentences explain a threat in
  the analysis);
- the customer utterances of the contact-centre sentiment set's training part
  (testdata/sentiment/calls-train.csv): churn or escalation when testdata/sentiment/threats-src.csv labels
  them so (every customer utterance of the sources with a word of leaving, cancelling, complaining or
  someone senior was read and labelled by hand), none otherwise;
- testdata/sentiment/threats-written.csv: threats said without the examples' words (conditions, idioms,
  regulators, reviews, someone senior) and sentences near them that are none (joining, moving house with
  the service, a problem fixed, cancelling one order or appointment), written for this set;
- Banking77 training queries: terminate_account as churn, a fixed sample of the others as none (customer
  questions about everything else; seed 7).
Rows whose words overlap a test sentence (threats-tune.csv, threats-heldout.csv, the sentiment sets'
held-out files — the analyzer reads a threat's turn as negative — and the labelled call set's customer
lines: Jaccard of the lower-case word sets >= 0.6) are left out, so nothing measured is trained on. threats-tune.csv chooses the confidence the analyzer needs; threats-heldout.csv and the call
set only measure.
"""
import csv
import os
import random
import re
import sys

import yaml

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
NONE_FROM_BANKING = 1500
REPEAT = int(os.environ.get("THREAT_REPEAT", "1"))  # churn and escalation rows written this many times


def words(t):
    return set(re.findall(r"[a-z0-9']+", t.lower()))


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    banking, out = sys.argv[1], sys.argv[2]
    rows = []
    y = yaml.safe_load(open(os.path.join(root, "nlp", "data", "threats.yaml"), encoding="utf-8"))
    for kind, texts in y["kinds"].items():
        rows += [(t, kind) for t in texts]
    rows += [(t, "none") for t in y["not"]]

    rows += [(r["text"], r["label"]) for r in read_csv(os.path.join(root, "testdata", "sentiment", "threats-written.csv"))]
    src = {r["text"]: r["label"] for r in read_csv(os.path.join(root, "testdata", "sentiment", "threats-src.csv"))}
    for r in read_csv(os.path.join(root, "testdata", "sentiment", "calls-train.csv")):
        if r["speaker"] == "customer":
            rows.append((r["text"], src.get(r["text"], "none")))

    rng = random.Random(7)
    bank = read_csv(banking)
    rows += [(r["text"], "churn") for r in bank if r["category"] == "terminate_account"]
    others = [r["text"] for r in bank if r["category"] != "terminate_account"]
    rows += [(t, "none") for t in rng.sample(others, NONE_FROM_BANKING)]

    tests = []
    for name in ("threats-tune.csv", "threats-heldout.csv", "calls-heldout.csv", "calls-qa-heldout.csv", "contact-center.csv"):
        tests += [r["text"] for r in read_csv(os.path.join(root, "testdata", "sentiment", name))]
    for path in sorted(os.listdir(os.path.join(root, "testdata", "callset"))):
        if path.endswith(".yaml"):
            s = yaml.safe_load(open(os.path.join(root, "testdata", "callset", path), encoding="utf-8"))
            tests += [re.sub(r"\s#\S+", "", l[3:]) for l in s["lines"] if l.startswith("c: ")]
    test_words = [words(t) for t in tests]

    seen, kept, dropped = set(), [], 0
    for text, label in rows:
        key = text.strip().lower()
        if not key or key in seen:
            continue
        seen.add(key)
        w = words(text)
        if any(len(w & t) / max(1, len(w | t)) >= 0.6 for t in test_words):
            dropped += 1
            continue
        kept.append((text.strip(), label))
    with open(out, "w", encoding="utf-8", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["text", "category"])
        for text, label in kept:
            for _ in range(REPEAT if label != "none" else 1):
                wr.writerow((text, label))
    counts = {}
    for _, l in kept:
        counts[l] = counts.get(l, 0) + 1
    print(f"threat-data: {len(kept)} rows {counts}, {dropped} left out for overlapping a test sentence", file=sys.stderr)


if __name__ == "__main__":
    main()
