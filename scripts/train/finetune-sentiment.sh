#!/usr/bin/env bash
# Fine-tunes the top three layers of all-MiniLM-L6-v2 for sentiment (scripts/train/finetune_sentiment.py)
# into nlp/data/sentiment-layers.safetensors, in a pinned Python environment kept in the parley cache.
# About 15 minutes on 2 cores. (All six layers, --layers 6 with calls 9414 rows, about 30 minutes, was
# tried and not kept: README, NLP.) Then scripts/train-sentiment.sh trains the classifier on its embeddings.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${PARLEY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}
venv=$cache/train-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import torch, tokenizers, safetensors' 2>/dev/null; then
	python3 -m venv "$venv"
	"$venv/bin/pip" install -q torch==2.5.1 numpy==2.1.3 safetensors==0.4.5 tokenizers==0.20.3
fi
S=${PARLEY_SHARED:-../shared}/data/sentiment
E=${PARLEY_ENCODER:-${PARLEY_SHARED:-../shared}/models/all-MiniLM-L6-v2}
python3 scripts/sentiment-data.py >/dev/null
"$venv/bin/python" scripts/train/finetune_sentiment.py --encoder "$E" \
	--data "dynasent-r1=$S/dynasent-r1-dev.csv:0,dynasent-r2=$S/dynasent-r2-dev.csv:1440,calls=testdata/sentiment/calls-train.csv:8448,goemotions=$S/goemotions-train.csv:16000,tweets=$S/tweets-tse.csv:12000" \
	--dev "$S/goemotions-dev.csv" --layers 3 --epochs 2 --batch 32 --lr 5e-5 --seed 13 \
	--out nlp/data/sentiment-layers.safetensors "$@"
