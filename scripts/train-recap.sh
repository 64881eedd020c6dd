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
# The recap rows of testdata/scorecard/items-heldout.csv are only measured. About 2 s on 2 cores.
#
#   scripts/train-recap.sh        (needs bin/parley, the encoder, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY'
import csv, sys
d = sys.argv[1]
src = 'scripts/train/recap/'
with open(f'{d}/train.csv', 'w', newline='') as f, open(f'{d}/heldout.csv', 'w', newline='') as g:
    w, h = csv.writer(f), csv.writer(g)
    w.writerow(['text', 'label']); h.writerow(['text', 'label'])
    for name in ('agent-lines.csv', 'heard.csv'):
        for r in csv.DictReader(open(src + name)):
            w.writerow([r['text'], r['label']])
    for name, label in (('written-recap.txt', 'recap'), ('written-other.txt', 'other')):
        for line in open(src + name):
            if line.strip():
                w.writerow([line.strip(), label])
    for part, out in (('tune', w), ('heldout', h)):
        for r in csv.DictReader(open(f'testdata/scorecard/items-{part}.csv')):
            if r['item'] == 'recap':
                out.writerow([r['text'], 'recap' if r['label'] == '1' else 'other'])
PY
bin/parley intent train --data "$dir/train.csv" --out scoring/data/recap.model
printf 'items-heldout.csv recap rows: '
bin/parley intent eval --model scoring/data/recap.model --data "$dir/heldout.csv" | grep -i macro
