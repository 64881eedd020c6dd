#!/usr/bin/env bash
# Trains the built-in recap classifier (scoring/data/recap.model), which the default scorecard's recap
# item uses to read an agent's statements: an intent model (n-grams and the sentence encoder's
# embedding) over two labels, recap (the agent saying what was done or what happens next because of the
# call) and other (explaining, offering, asking, holding, apologising, greeting, closing). Its rows:
#   scripts/train/recap/written-recap.txt, written-other.txt   written for it, across telecoms, banking,
#       energy, insurance, retail and travel, not from the labelled calls or the scorecard's lists;
#   scripts/train/recap/agent-lines.csv   the agent rows of the contact-centre sentiment set's training
#       part (testdata/sentiment/calls-train.csv) labelled for the act; rows that could be read either
#       way ("The refund will take three to five working days", "I'll log a fault now") left out;
#   scripts/train/recap/heard.csv   those rows (the written ones and agent-lines.csv) as tiny.en hears
#       them spoken by espeak-ng and flite voices over a µ-law line (scripts/train/recap-heard.py);
#   the recap rows of testdata/scorecard/items-tune.csv.
# A fifth of the sentences (by a hash of the written text; a heard row goes with its written sentence)
# is held out and measured, written and heard, with the recap rows of testdata/scorecard/items-heldout.csv.
# About 4 s on 2 cores.
#
#   scripts/train-recap.sh        (needs bin/parley, the encoder, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY'
import csv, hashlib, sys
d = sys.argv[1]
src = 'scripts/train/recap/'
def held(written):  # a fifth of the sentences, by their written text, never trained on
    return hashlib.sha256(written.encode()).digest()[0] % 5 == 0
out = {n: csv.writer(open(f'{d}/{n}.csv', 'w', newline='')) for n in ('train', 'heldout', 'heldout-heard', 'items-heldout')}
for w in out.values():
    w.writerow(['text', 'label'])
def add(text, label, written, heard=False):
    if not held(written):
        out['train'].writerow([text, label])
    else:
        out['heldout-heard' if heard else 'heldout'].writerow([text, label])
for name, label in (('written-recap.txt', 'recap'), ('written-other.txt', 'other')):
    for line in open(src + name):
        if line.strip():
            add(line.strip(), label, line.strip())
for r in csv.DictReader(open(src + 'agent-lines.csv')):
    add(r['text'], r['label'], r['text'])
for r in csv.DictReader(open(src + 'heard.csv')):
    add(r['text'], r['label'], r['written'], heard=True)
for part, name in (('tune', 'train'), ('heldout', 'items-heldout')):
    for r in csv.DictReader(open(f'testdata/scorecard/items-{part}.csv')):
        if r['item'] == 'recap':
            out[name].writerow([r['text'], 'recap' if r['label'] == '1' else 'other'])
PY
bin/parley intent train --data "$dir/train.csv" --out scoring/data/recap.model
for f in train heldout heldout-heard items-heldout; do
	printf '%-14s %4d rows  ' "$f" "$(($(wc -l < "$dir/$f.csv") - 1))"
	bin/parley intent eval --model scoring/data/recap.model --data "$dir/$f.csv" | grep -i macro
done
