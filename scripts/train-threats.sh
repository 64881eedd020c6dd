#!/usr/bin/env bash
# Trains parley's built-in churn and escalation classifier (nlp/data/threats.model): an intent model
# (n-grams and the sentence encoder's embedding) over churn, escalation and none, on the rows
# scripts/train/threat-data.py gathers — the examples and counter-examples of nlp/data/threats.yaml, the
# customer lines of the contact-centre sentiment set's training part with their threats labelled by hand
# (testdata/sentiment/threats-src.csv), threats-written.csv, and Banking77 training queries (closing an
# account as churn, 1,500 others as none) — with the churn and escalation rows written three times
# (repeat, below; chosen on threats-tune.csv with 1 and 3). About 20 s on 2 cores. The threat sentence
# sets and the labelled calls are only measured: rows overlapping them are left out of training.
#
#   scripts/train-threats.sh        (needs bin/parley, the encoder, python3 with PyYAML, ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${PARLEY_SHARED:-../shared}/data/banking77/train.csv
repeat=3
data=$(mktemp --suffix=.csv)
trap 'rm -f "$data"' EXIT
THREAT_REPEAT=$repeat python3 scripts/train/threat-data.py "$B" "$data"
bin/parley intent train --data "$data" --out nlp/data/threats.model
for f in testdata/sentiment/threats-tune.csv testdata/sentiment/threats-heldout.csv; do
	printf '%-22s ' "$(basename "$f")"
	bin/parley intent eval --model nlp/data/threats.model --data "$f" | grep -i macro
done
