#!/usr/bin/env bash
# parley measured on the labelled call set (testdata/callset, generated into the cache by
# internal/callset) with the real tiny.en model (PARLEY_MODEL to use another): WER per speaker, intent,
# sentiment, every scorecard item, holds, interruptions, PII; first the probe sets' PII and intent.
# Writes eval-out/eval.{json,html} (the probes in eval-out/*-probe*/); extra
# arguments go to parley eval (for example --vocabulary Northwind, --beam-size 5). The same labels on
# the reference transcripts: parley eval --labels <set>/reference (printed by go run ./internal/callset/gen).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${PARLEY_MODEL:-../shared/models/whisper-tiny.en-f16.bin}
[ -f "$model" ] || { echo "accuracy: no model at $model (set PARLEY_MODEL)" >&2; exit 1; }
. scripts/lib/encoder.sh
set=$(go run ./internal/callset/gen testdata/callset)
# The probe sets first (testdata/pii-probe, testdata/intent-probe: README, NLP): the line each measures.
for probe in pii-probe:"PII found" intent-probe:"intent  "; do
	dir=$(go run ./internal/callset/gen "testdata/${probe%%:*}")
	echo "${probe%%:*} (tiny.en, then the reference transcripts):"
	bin/parley eval --labels "$dir/audio" --out "eval-out/${probe%%:*}" --model "$model" --details tune "$@" 2>/dev/null | grep -E "^measure|^${probe#*:}" || true
	bin/parley eval --labels "$dir/reference" --out "eval-out/${probe%%:*}-reference" --details tune 2>/dev/null | grep -E "^${probe#*:}" || true
done
# --details tune: the held-out calls are measured but their misses are not printed (tuning never reads
# them); --details all after it shows them. --by accent,codec: the same measures per agent accent and
# per codec, and the held-out gap within them.
exec bin/parley eval --labels "$set/audio" --out eval-out --model "$model" --details tune --by accent,codec "$@"
