# parley — see README.md. Every target that compiles Go first builds (or reuses) the pinned whisper.cpp
# libraries through scripts/whisper.sh and links against them.
SHELL := /bin/bash
WHISPER_ENV = eval "$$(scripts/whisper.sh env)"
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GO_LDFLAGS = -X main.version=$(VERSION)

.PHONY: setup setup-test build whisper demo test fuzz bench accuracy vulncheck clean

# Fuzz targets (package:target); `make fuzz FUZZTIME=5m` fuzzes longer. make test runs each briefly.
FUZZ_TARGETS = nlp/encoder:FuzzTokenizer nlp/tagger:FuzzTag transcribe:FuzzDecodeWAV transcribe:FuzzDecodeG711 transcribe:FuzzPipeline metadata:FuzzSidecar scoring:FuzzScorecard nlp:FuzzTaxonomy jobs:FuzzPayload
FUZZTIME ?= 10s
# Minimising a new interesting input may take a minute by default; a short run would spend all of it there.
FUZZMINIMIZETIME ?= 2s

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

whisper: setup
	scripts/whisper.sh build

build: whisper
	$(WHISPER_ENV) && go build -ldflags "$(GO_LDFLAGS)" -o bin/parley ./cmd/parley

# Sets everything up, gets a model and transcribes testdata/calls into out/.
demo: build
	scripts/demo.sh

# All tests, with real whisper inference. Slow tests run too: nothing is skipped for time.
test: setup-test whisper
	$(WHISPER_ENV) && go vet ./... && go test -count=1 -timeout 30m ./...
	$(MAKE) --no-print-directory fuzz

# Go 1.26's fuzz coordinator can fail a run with a bare "context deadline exceeded" as -fuzztime ends
# (go.dev/issue/75804, fixed in Go 1.27): such a run, with no failing input written, is run again, up to
# three times in all (CI once met the race twice in a row); any other failure fails at once.
fuzz: whisper
	@set -e; $(WHISPER_ENV); for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t%%:*} $${t##*:} for $(FUZZTIME)"; \
		for try in 1 2 3; do \
			if go test ./$${t%%:*} -run XXX -fuzz "^$${t##*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) >/tmp/parley-fuzz.log 2>&1; then break; fi; \
			if [ $$try = 3 ] || ! grep -q "context deadline exceeded" /tmp/parley-fuzz.log || grep -q "Failing input written" /tmp/parley-fuzz.log; then \
				cat /tmp/parley-fuzz.log; exit 1; \
			fi; \
			echo "fuzz: deadline race at the end of -fuzztime (go.dev/issue/75804), running again"; \
		done; \
		tail -n 1 /tmp/parley-fuzz.log; \
	done

# Known vulnerabilities in the code parley calls, from the Go vulnerability database (GOVULNDB, default
# https://vuln.go.dev; point it at a mirror where that host is not reachable).
GOVULNCHECK_VERSION = v1.9.0
vulncheck: whisper
	GOFLAGS= go install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)
	$(WHISPER_ENV) && "$$(go env GOPATH)/bin/govulncheck" ./...

# parley against the whisper-cli loop on the same recordings, cores and decoding, with each real model
# of BENCH_MODELS (default: the shared tiny.en and base), then side by side; bench-out/<model>/bench.{json,svg}.
BENCH_MODELS ?= $(wildcard ../shared/models/whisper-tiny.en-f16.bin ../shared/models/whisper-base-q8_0.bin)
comma := ,
empty :=
space := $(empty) $(empty)
bench: build
	$(WHISPER_ENV) && bin/parley bench $(BENCH_FLAGS) --models $(subst $(space),$(comma),$(strip $(or $(BENCH_MODELS),base.en))) \
		--out bench-out testdata/calls /usr/share/pocketsphinx/test/data/librivox
	$(WHISPER_ENV) && go test -run XXX -bench . ./transcribe/
	GOMAXPROCS=1 go test -run XXX -bench . -benchtime 3x ./nlp/

# parley measured on the labelled call set (testdata/callset, generated into the cache) with the real
# tiny.en model: WER per speaker, intent, sentiment, every scorecard item; eval-out/eval.{json,html}.
accuracy: build
	$(WHISPER_ENV) && scripts/accuracy.sh $(EVAL_FLAGS)

clean:
	rm -rf bin out eval-out
