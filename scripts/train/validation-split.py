#!/usr/bin/env python3
"""Writes the validation split that the sentiment training's weights were chosen on (README, NLP).

Training rows only — the DynaSent dev files and the contact-centre training set; no test or held-out
file is read. Each row goes to the validation part by the sha256 of "dev" + its text: half of DynaSent
round 2 dev, a fifth of round 1 dev, of calls-train.csv and of calls-qa-train.csv. (The prefix matters:
scripts/sentiment-data.py held out the calls whose plain text hashes to 0 mod 5, so none of the training
rows would.) Then fine-tune on the
fit files (finetune_sentiment.py --data …-fit.csv, --dev the val files, which it measures after each
epoch) and train the classifier on them (parley sentiment train), measuring it on the val files.

    python3 scripts/train/validation-split.py OUTDIR
"""
import csv
import hashlib
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
shared = os.environ.get("PARLEY_SHARED", os.path.join(here, "..", "..", "..", "shared"))
S = os.path.join(shared, "data", "sentiment")
T = os.path.join(here, "..", "..", "testdata", "sentiment")


def split(src, name, mod, out):
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    parts = {"fit": [], "val": []}
    for r in rows:
        h = int(hashlib.sha256(("dev" + r["text"]).encode()).hexdigest(), 16) % mod
        parts["val" if h == 0 else "fit"].append(r)
    for part, rs in parts.items():
        with open(os.path.join(out, f"{name}-{part}.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
            w.writeheader()
            w.writerows(rs)
    print(f"{name}: {len(parts['fit'])} fit, {len(parts['val'])} val")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    split(os.path.join(S, "dynasent-r2-dev.csv"), "r2dev", 2, out)
    split(os.path.join(S, "dynasent-r1-dev.csv"), "r1dev", 5, out)
    split(os.path.join(T, "calls-train.csv"), "calls", 5, out)
    split(os.path.join(T, "calls-qa-train.csv"), "callsqa", 5, out)


if __name__ == "__main__":
    main()
