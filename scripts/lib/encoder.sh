# Sourced by scripts/demo.sh and scripts/accuracy.sh. The sentence encoder (sentiment, threats, scorecard
# examples): PARLEY_ENCODER, else the model cache's all-MiniLM-L6-v2, else the copy in ../shared; without
# one, sentiment falls back to the word lexicon.
if [ -z "${PARLEY_ENCODER:-}" ] && ! bin/parley models path all-MiniLM-L6-v2 >/dev/null 2>&1; then
	if [ -f ../shared/models/all-MiniLM-L6-v2/model-f16.safetensors ]; then
		export PARLEY_ENCODER=../shared/models/all-MiniLM-L6-v2
	else
		echo "$(basename "$0"): no sentence encoder: sentiment comes from the word lexicon (see parley models list)" >&2
	fi
fi
