#!/usr/bin/env bash
# Transcribes testdata/calls with the best model at hand: PARLEY_MODEL, else tiny.en from the model
# cache (downloaded by `parley models pull tiny.en`), else the real tiny.en in ../shared/models, else the
# weightless test model, with a warning.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${PARLEY_MODEL:-}
if [ -z "$model" ]; then
	if model=$(bin/parley models pull tiny.en); then
		:
	elif [ -f ../shared/models/whisper-tiny.en-f16.bin ]; then
		model=../shared/models/whisper-tiny.en-f16.bin
		echo "demo: tiny.en could not be downloaded; using the copy in $model" >&2
	else
		model=../shared/models/for-tests-ggml-tiny.en.bin
		cat >&2 <<MSG

  *************************************************************************************
  *  WARNING: no real whisper model could be downloaded. Using the TEST MODEL, which  *
  *  has no weights: the pipeline runs for real, but the transcripts are EMPTY or     *
  *  meaningless. Set PARLEY_MODEL=/path/to/ggml-*.bin for real text.                 *
  *************************************************************************************

MSG
		[ -f "$model" ] || { echo "demo: no model at all (looked for $model)" >&2; exit 1; }
	fi
fi
. scripts/lib/encoder.sh
status=0
bin/parley run --model "$model" --out out testdata/calls || status=$?
echo "results: out/*.json, out/*.vtt, out/*.srt, out/*.html; summary: out/summary.json" >&2
exit $status
