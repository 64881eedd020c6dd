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
# The sentence encoder (sentiment, threats, scorecard examples): PARLEY_ENCODER, else the model cache's
# all-MiniLM-L6-v2, else the copy in ../shared; without one, sentiment falls back to the word lexicon.
if [ -z "${PARLEY_ENCODER:-}" ] && ! bin/parley models path all-MiniLM-L6-v2 >/dev/null 2>&1; then
	if [ -f ../shared/models/all-MiniLM-L6-v2/model-f16.safetensors ]; then
		export PARLEY_ENCODER=../shared/models/all-MiniLM-L6-v2
	else
		echo "demo: no sentence encoder: sentiment comes from the word lexicon (see parley models list)" >&2
	fi
fi
status=0
bin/parley run --model "$model" --out out testdata/calls || status=$?
echo "results: out/*.json, out/*.vtt; summary: out/summary.json" >&2
exit $status
