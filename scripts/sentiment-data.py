#!/usr/bin/env python3
"""Builds parley's contact-centre sentiment set from testdata/sentiment/src/*.txt.

Each source line is `label|speaker|text`: label n (negative), u (neutral) or p (positive); speaker c
(customer) or a (agent); lines starting with # are headings. The utterances were written and labelled by
the parley developers for this set (no phrase list of the code was used). The label is how the speaker
feels in that utterance as a QA reviewer would read it: polite anger and sarcasm are negative, an agent's
scripted apology or empathy is neutral, "No, that's perfect" is positive, "Fine. Thanks. Bye." neutral.

A fixed fifth (sha256 of the text, mod 5 == 0) is held out: training never sees it.
Writes testdata/sentiment/calls-train.csv and calls-heldout.csv (text,label,speaker) from src/, and
calls-qa-train.csv and calls-qa-heldout.csv from src-qa/: short answers with the question before them,
as the analyzer reads them, for the classifier only (the fine-tuned layers never see them).
"""
import csv
import glob
import hashlib
import os
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "sentiment")
labels = {"n": "negative", "u": "neutral", "p": "positive"}
speakers = {"c": "customer", "a": "agent"}


def build(folder, prefix):
    seen, rows = set(), {"train": [], "heldout": []}
    for path in sorted(glob.glob(os.path.join(root, folder, "*.txt"))):
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            try:
                lab, spk, text = line.split("|", 2)
                row = (text.strip(), labels[lab], speakers[spk])
            except (ValueError, KeyError):
                sys.exit(f"{path}:{n}: want label|speaker|text, got {line!r}")
            if row[0].lower() in seen:
                continue
            seen.add(row[0].lower())
            split = "heldout" if int(hashlib.sha256(row[0].encode()).hexdigest(), 16) % 5 == 0 else "train"
            rows[split].append(row)
    for split, rs in rows.items():
        with open(os.path.join(root, f"{prefix}-{split}.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["text", "label", "speaker"])
            w.writerows(rs)
        counts = {l: sum(1 for r in rs if r[1] == l) for l in labels.values()}
        print(f"{prefix}-{split}.csv: {len(rs)} rows {counts}")


build("src", "calls")
build("src-qa", "calls-qa")
