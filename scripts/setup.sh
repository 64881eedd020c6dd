#!/usr/bin/env bash
# Installs with apt-get what parley needs and the machine lacks (a tool already on PATH, from any source,
# counts as present: a machine whose Node.js ships npm must not get Debian's npm on top).
#   scripts/setup.sh          to build and run: cmake, g++, make, npm (whisper.cpp and its pinned source)
#   scripts/setup.sh --test   also what the tests use: espeak-ng, flite, sox, pocketsphinx-testdata,
#                             redis-server, postgresql, chromium, a MinIO server built with go install into the
#                             parley cache, and playwright-core (npm, pinned by web/e2e/package-lock.json)
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
	need_cmd redis-server redis-server
	compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
	[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
fi
# MinIO for the storage tests: no Debian package, so built from the Go module proxy once (about five
# minutes) into the cache, at a pinned version.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
cache=${PARLEY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}
if [ "${1:-}" = --test ] && [ ! -x "$cache/bin/minio" ]; then
	echo "setup: building minio $MINIO_VERSION into $cache/bin (once)" >&2
	mkdir -p "$cache/bin"
	GOBIN="$cache/bin" go install "github.com/minio/minio@$MINIO_VERSION"
fi
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	echo "setup: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The browser tests drive Debian's chromium with playwright-core (no browser download).
e2e="$(cd "$(dirname "$0")/.." && pwd)/web/e2e"
if [ "${1:-}" = --test ]; then
	want=$(node -p "require('$e2e/package.json').dependencies['playwright-core']")
	have=$(node -p "require('$e2e/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
	if [ "$want" != "$have" ]; then
		echo "setup: npm ci in web/e2e (playwright-core $want)" >&2
		npm ci --prefix "$e2e" --no-audit --no-fund >/dev/null
	fi
fi
