package main

import (
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/parley-cc/parley/internal/testenv"
	"github.com/parley-cc/parley/nlp/encoder"
)

// The sentence encoder runs on the CPUs recognition leaves, one at least: with a recognition on every
// CPU, ggml's barrier between the encoder's threads spun while whisper held the CPU the other thread
// waited for. Loaded by a command that recognises nothing, it has a few threads.
func TestEncoderThreadsBesideRecognition(t *testing.T) {
	dir := testenv.Encoder(t)
	loaded := func() []*encoder.Encoder {
		encoderMu.Lock()
		defer encoderMu.Unlock()
		var es []*encoder.Encoder
		for _, e := range encoderLoaded {
			es = append(es, e)
		}
		return es
	}
	forgetEncoders()
	t.Cleanup(forgetEncoders)

	out := t.TempDir()
	call := filepath.Join(testenv.Root(), "testdata", "calls", "billing-dispute.wav")
	states := strconv.Itoa(min(8, runtime.NumCPU())) // a recognition on every CPU
	code, _, stderr := runMain(t, nil, "run", "--model", testenv.TestModel(t), "--encoder", dir, "--threads", "1",
		"--states", states, "--out", out, "--index", filepath.Join(out, "index.db"), "--progress", "off", call)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	es := loaded()
	if len(es) != 2 { // the plain encoder and the one with the sentiment layers
		t.Fatalf("run loaded %d encoders, want 2", len(es))
	}
	for _, e := range es {
		if e.Threads() != 1 {
			t.Errorf("beside %s recognitions on %d CPUs, encoder %s computes on %d threads, want 1", states, runtime.NumCPU(), e.Name(), e.Threads())
		}
	}

	forgetEncoders()
	code, _, stderr = runMain(t, nil, "analyze", "--encoder", dir, "--out", t.TempDir(), filepath.Join(out, "billing-dispute.json"))
	if code != 0 {
		t.Fatalf("analyze: exit %d\n%s", code, stderr)
	}
	es = loaded()
	if len(es) == 0 {
		t.Fatal("analyze loaded no encoder")
	}
	for _, e := range es {
		if want := min(4, runtime.NumCPU()); e.Threads() != want {
			t.Errorf("analyze: encoder %s computes on %d threads, want %d", e.Name(), e.Threads(), want)
		}
	}
}

// forgetEncoders makes the next LoadEncoder load afresh; the encoders other tests share stay open.
func forgetEncoders() {
	encoderMu.Lock()
	defer encoderMu.Unlock()
	encoderLoaded = map[string]*encoder.Encoder{}
}
