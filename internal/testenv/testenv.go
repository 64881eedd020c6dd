// Package testenv finds what parley's tests run against: the repository, the shared folder beside it
// (test model, real speech), Debian's pocketsphinx-testdata, and the real whisper models.
package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/transcribe"
)

// Root is the repository root.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Shared is the shared folder: PARLEY_SHARED, else ../shared beside the repository.
func Shared() string {
	if d := os.Getenv("PARLEY_SHARED"); d != "" {
		return d
	}
	return filepath.Join(Root(), "..", "shared")
}

// TestModel is the weightless ggml tiny.en model: whisper.cpp loads it and runs the full tiny.en compute,
// but its text is meaningless. Tests that need it fail (not skip) when it is missing: CI has it.
func TestModel(t testing.TB) string {
	t.Helper()
	return sharedModel(t, "for-tests-ggml-tiny.en.bin", "test model")
}

// sharedModel is a file of the shared models folder; the test fails when it is missing.
func sharedModel(t testing.TB, name, what string) string {
	t.Helper()
	p := filepath.Join(Shared(), "models", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s missing: %v (set PARLEY_SHARED to the folder holding models/)", what, err)
	}
	return p
}

// RealModel returns a whisper model with weights for tests that judge text: PARLEY_MODEL, else the shared
// folder's real tiny.en. It fails (never skips) when neither exists: CI has the shared folder.
func RealModel(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("PARLEY_MODEL"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("PARLEY_MODEL=%s: %v", p, err)
		}
		return p
	}
	return TinyEn(t)
}

// Base is the real multilingual whisper base model of the shared folder (8-bit weights), for language
// detection and tests in other languages. Tests that need it fail (not skip) when it is missing.
func Base(t testing.TB) string {
	t.Helper()
	return sharedModel(t, "whisper-base-q8_0.bin", "real multilingual base model")
}

// TinyEn is the real whisper tiny.en model of the shared folder (float16 weights), for tests that judge
// what calls say. Tests that need it fail (not skip) when it is missing: CI has it.
func TinyEn(t testing.TB) string {
	t.Helper()
	return sharedModel(t, "whisper-tiny.en-f16.bin", "real tiny.en model")
}

// Encoder is the all-MiniLM-L6-v2 sentence encoder directory: PARLEY_ENCODER, else the shared models
// folder's. Tests that need it fail (not skip) when it is missing: CI has it.
func Encoder(t testing.TB) string {
	t.Helper()
	p := os.Getenv("PARLEY_ENCODER")
	if p == "" {
		p = filepath.Join(Shared(), "models", "all-MiniLM-L6-v2")
	}
	if _, err := os.Stat(filepath.Join(p, "model-f16.safetensors")); err != nil {
		t.Fatalf("sentence encoder missing: %v (set PARLEY_ENCODER or PARLEY_SHARED)", err)
	}
	return p
}

// JFK is 11 s of real speech (16 kHz mono) and its reference text.
func JFK(t testing.TB) (path, ref string) {
	t.Helper()
	p := filepath.Join(Shared(), "audio", "jfk.wav")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("jfk.wav missing: %v", err)
	}
	return p, "And so, my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
}

// LibrivoxDir holds Debian pocketsphinx-testdata's LibriVox utterances.
const LibrivoxDir = "/usr/share/pocketsphinx/test/data/librivox"

// Utterance is a recording with its reference transcript.
type Utterance struct{ Path, Ref string }

// Librivox returns the LibriVox utterances with their reference transcripts.
func Librivox(t testing.TB) []Utterance {
	t.Helper()
	f, err := os.Open(filepath.Join(LibrivoxDir, "transcription"))
	if err != nil {
		t.Fatalf("pocketsphinx-testdata missing (apt-get install pocketsphinx-testdata): %v", err)
	}
	defer f.Close()
	ids, refs, err := transcribe.ParseSphinxTranscription(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []Utterance
	for _, id := range ids {
		out = append(out, Utterance{Path: filepath.Join(LibrivoxDir, id+".wav"), Ref: refs[id]})
	}
	if len(out) == 0 {
		t.Fatal("no utterances in the LibriVox transcription file")
	}
	return out
}

// CallRefs reads the per-channel reference transcripts of a testdata call (NAME.agent.txt,
// NAME.customer.txt beside NAME.wav).
func CallRefs(t testing.TB, wav string) map[string]string {
	t.Helper()
	refs := map[string]string{}
	base := strings.TrimSuffix(wav, ".wav")
	for _, who := range []string{"agent", "customer"} {
		b, err := os.ReadFile(base + "." + who + ".txt")
		if err != nil {
			t.Fatalf("reference transcript: %v", err)
		}
		refs[who] = strings.TrimSpace(string(b))
	}
	return refs
}

// RefTranscript builds the transcript a perfect recogniser would give for a testdata call, from its
// NAME.turns.tsv (start, end, speaker, text per utterance; agent on channel 0, customer on channel 1).
func RefTranscript(t testing.TB, name string) *parley.Transcript {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Root(), "testdata", "calls", name+".turns.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	tr := &parley.Transcript{Language: "en"}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i == 0 {
			continue
		}
		f := strings.SplitN(line, "\t", 4)
		if len(f) != 4 {
			t.Fatalf("%s.turns.tsv line %d: %q", name, i+1, line)
		}
		start, _ := strconv.ParseFloat(f[0], 64)
		end, _ := strconv.ParseFloat(f[1], 64)
		role := parley.Role(f[2])
		ch := 0
		if role == parley.RoleCustomer {
			ch = 1
		}
		tr.Segments = append(tr.Segments, parley.Segment{Channel: ch, Speaker: role, Start: time.Duration(start * float64(time.Second)),
			End: time.Duration(end * float64(time.Second)), Text: f[3], Confidence: 1})
	}
	tr.Turns = transcribe.MergeTurns(tr.Segments, time.Second)
	return tr
}

// DecodeWAV reads and decodes a whole WAV file; the test fails on any error.
func DecodeWAV(t testing.TB, path string) *transcribe.Audio {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	a, err := transcribe.DecodeWAV(f, st.Size(), transcribe.DecodeOptions{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return a
}
