package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/parley-cc/parley/internal/testenv"
	"github.com/parley-cc/parley/nlp"
	"github.com/parley-cc/parley/nlp/encoder"
)

var updateEmbeddings = flag.Bool("update-embeddings", false, "write nlp/data/builtin-embeddings.gob.gz again")

// A start with the built-in taxonomy, scorecard and threats runs no text through the sentence encoder:
// every example it embeds is in nlp.BuiltinEmbeddings, and their vectors are the encoder's. With
// -update-embeddings the file is first written again from a start that remembers none of them, and the
// checks below read the file just written (the built-in copy is the one this test binary was built with).
func TestBuiltinEmbeddings(t *testing.T) {
	dir := testenv.Encoder(t)
	cfg := DefaultConfig()
	cfg.Encoder = dir
	forgetEncoders()
	t.Cleanup(func() {
		forgetEncoders()
		builtinEmbeddings = nlp.BuiltinEmbeddings
	})
	if *updateEmbeddings {
		builtinEmbeddings = nil
		if _, _, err := cfg.stages(); err != nil {
			t.Fatal(err)
		}
		e, err := cfg.LoadEncoder()
		if err != nil {
			t.Fatal(err)
		}
		texts, vecs := e.Remembered()
		path := filepath.Join(testenv.Root(), "nlp", "data", "builtin-embeddings.gob.gz")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := (&nlp.Embeddings{Fingerprint: e.Fingerprint(), Texts: texts, Vecs: vecs}).Write(f); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d embeddings to %s", len(texts), path)
		builtinEmbeddings = func() (*nlp.Embeddings, error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return nlp.ReadEmbeddings(f, path)
		}
		forgetEncoders()
	}
	if _, _, err := cfg.stages(); err != nil {
		t.Fatal(err)
	}
	e, err := cfg.LoadEncoder()
	if err != nil {
		t.Fatal(err)
	}
	if n := e.Runs(); n != 0 {
		t.Errorf("a start ran %d texts through the encoder: nlp/data/builtin-embeddings.gob.gz is stale (go test ./cmd/parley -run TestBuiltinEmbeddings -update-embeddings)", n)
	}
	b, err := builtinEmbeddings()
	if err != nil || b.Fingerprint != e.Fingerprint() || len(b.Texts) < 400 {
		t.Fatalf("built-in embeddings: %v (%d texts)", err, len(b.Texts))
	}
	fresh, err := encoder.Load(dir, encoder.Options{Remember: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	var sample []string
	var want [][]float32
	for i := 0; i < len(b.Texts); i += 25 {
		sample, want = append(sample, b.Texts[i]), append(want, b.Vecs[i])
	}
	got, err := fresh.Embed(sample)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if c := nlp.Cosine(got[i], want[i]); c < 0.9999 {
			t.Errorf("%q: cosine %.5f between the remembered embedding and the encoder's", sample[i], c)
		}
	}
}
