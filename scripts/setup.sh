#!/usr/bin/env bash
# Installs with apt-get what parley needs and the machine lacks (a tool already on PATH, from any source,
# counts as present: a machine whose Node.js ships npm must not get Debian's npm on top).
#   scripts/setup.sh          to build and run: cmake, g++, make, npm (whisper.cpp and its pinned source)
#   scripts/setup.sh --test   also what the tests use: espeak-ng, flite, sox, pocketsphinx-testdata
set -euo pipefail
command -v go >/dev/null || { echo "setup: Go 1.26 or later is needed (https://go.dev/dl/)" >&2; exit 1; }
missing=()
need_cmd() { command -v "$1" >/dev/null || missing+=("$2"); }
need_cmd cmake cmake
need_cmd g++ g++
need_cmd make make
need_cmd npm npm
if [ "${1:-}" = --test ]; then
	need_cmd espeak-ng espeak-ng
	need_cmd flite flite
	need_cmd sox sox
	[ -f /usr/share/pocketsphinx/test/data/librivox/transcription ] || missing+=(pocketsphinx-testdata)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
