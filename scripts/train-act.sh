#!/usr/bin/env bash
# Trains a built-in act classifier (scoring/data/NAME.model) that a default scorecard item uses to read
# an agent's sentences: an intent model (n-grams and the sentence encoder's embedding) over two labels,
# NAME (the act) and other. NAME is one of the folders of scripts/train/acts/ (its README says what
# counts as the act there):
#   recap      the agent saying what was done or what happens next because of the call;
#   closing    the agent's goodbye;
#   empathy    the agent acknowledging how the customer feels or what they have been through.
# Its rows, from scripts/train/acts/NAME/:
#   written-act.txt, written-other.txt   written for it, across telecoms, banking, energy, insurance,
#       retail and travel, not from the labelled calls or the scorecard's lists;
#   agent-lines.csv   the agent rows of the contact-centre sentiment set's training part
#       (testdata/sentiment/calls-train.csv) labelled for the act; rows that could be read either way
#       left out;
#   heard.csv   those rows as tiny.en hears them spoken by espeak-ng and flite voices over a µ-law line
#       (scripts/train/heard.py NAME);
#   the rows of item NAME in testdata/scorecard/items-tune.csv.
# A fifth of the sentences (by a hash of the written text; a heard row goes with its written sentence)
# is held out and measured, written and heard, with the item's rows of
# testdata/scorecard/items-heldout.csv. About 4 s on 2 cores.
#
#   scripts/train-act.sh recap|closing|empathy  (needs bin/parley, the encoder, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/train-act.sh NAME (a folder of scripts/train/acts)}
[ -d "scripts/train/acts/$name" ] || { echo "train-act: no scripts/train/acts/$name" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" "$name" <<'PY'
import csv, hashlib, sys
d, act = sys.argv[1], sys.argv[2]
src = f'scripts/train/acts/{act}/'
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
for name, label in (('written-act.txt', act), ('written-other.txt', 'other')):
    for line in open(src + name):
        if line.strip():
            add(line.strip(), label, line.strip())
for r in csv.DictReader(open(src + 'agent-lines.csv')):
    add(r['text'], r['label'], r['text'])
for r in csv.DictReader(open(src + 'heard.csv')):
    add(r['text'], r['label'], r['written'], heard=True)
for part, name in (('tune', 'train'), ('heldout', 'items-heldout')):
    for r in csv.DictReader(open(f'testdata/scorecard/items-{part}.csv')):
        if r['item'] == act:
            out[name].writerow([r['text'], act if r['label'] == '1' else 'other'])
PY
bin/parley intent train --data "$dir/train.csv" --out "scoring/data/$name.model"
for f in train heldout heldout-heard items-heldout; do
	printf '%-14s %4d rows  ' "$f" "$(($(wc -l < "$dir/$f.csv") - 1))"
	bin/parley intent eval --model "scoring/data/$name.model" --data "$dir/$f.csv" | grep -i macro
done
