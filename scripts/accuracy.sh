#!/usr/bin/env bash
# parley measured on the labelled call set (testdata/callset, generated into the cache by
# internal/callset) with the real tiny.en model (PARLEY_MODEL to use another): WER per speaker, intent,
# sentiment, every scorecard item, holds, interruptions, PII. Writes eval-out/eval.{json,html}; extra
# arguments go to parley eval (for example --vocabulary Northwind, --beam-size 5). The same labels on
# the reference transcripts: parley eval --labels <set>/reference (printed by go run ./internal/callset/gen).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${PARLEY_MODEL:-../shared/models/whisper-tiny.en-f16.bin}
[ -f "$model" ] || { echo "accuracy: no model at $model (set PARLEY_MODEL)" >&2; exit 1; }
. scripts/lib/encoder.sh
set=$(go run ./internal/callset/gen testdata/callset)
# --details tune: the held-out calls are measured but their misses are not printed (tuning never reads
# them); --details all after it shows them. --by accent,codec: the same measures per agent accent and
# per codec, and the held-out gap within them.
exec bin/parley eval --labels "$set/audio" --out eval-out --model "$model" --details tune --by accent,codec "$@"
