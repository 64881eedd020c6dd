package nlp

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-cc/parley"
)

// unit returns a unit vector of dim values pointing mostly along axis a, a little along b.
func unit(dim, a, b int, w float64) []float32 {
	v := make([]float32, dim)
	v[a] = float32(math.Sqrt(1 - w*w))
	v[b] += float32(w)
	return v
}

// TestSentimentMemory: the nearest remembered texts vote, with their weight, beside the classifier; a
// text remembered twice counts once; the memory survives saving; a memory that does not fit the model
// is a named error.
func TestSentimentMemory(t *testing.T) {
	const dim = 32 // ggml's 8-bit blocks hold 32 values
	m := &SentimentModel{Magic: sentimentMagic, Version: SentimentModelVersion, Dim: dim, Scale: 1, W: make([][]float32, 3), B: []float32{0, 0, 0}, Vec: &vectorizer{}}
	for k := range m.W {
		m.W[k] = make([]float32, dim)
	}
	// Without a memory the classifier's zero weights give each class a third.
	near := unit(dim, 0, 1, 0.1)
	r, err := m.Classify("x", near)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Probs[0]-1.0/3) > 1e-9 || r.Score != 0 {
		t.Fatalf("no memory: %+v", r)
	}
	ex := []Example{
		{Text: "a", Label: Negative}, {Text: "b", Label: Negative}, {Text: "a", Label: Negative}, // "a" twice: kept once
		{Text: "c", Label: Positive}, {Text: "d", Label: Neutral},
	}
	embs := [][]float32{unit(dim, 0, 2, 0), unit(dim, 0, 3, 0.2), unit(dim, 0, 2, 0), unit(dim, 5, 6, 0), unit(dim, 0, 4, 0.6)}
	if err := m.Remember(ex, embs, 2, 0.5, 10); err != nil {
		t.Fatal(err)
	}
	if len(m.Memory.Labels) != 4 {
		t.Fatalf("remembered %d texts, want 4 (one given twice)", len(m.Memory.Labels))
	}
	// The two nearest to `near` are "a" and "b", both negative: half the probabilities go to negative.
	r, err = m.Classify("x", near)
	if err != nil {
		t.Fatal(err)
	}
	if r.Label != Negative || math.Abs(r.Probs[0]-(0.5/3+0.5)) > 1e-6 || math.Abs(r.Probs[2]-0.5/3) > 1e-6 {
		t.Errorf("near two negatives: %+v", r)
	}
	// Three neighbours: "d" (neutral, cosine 0.8 to the axis) votes too, less than the two closer ones.
	m.Memory.K = 3
	v, err := m.Memory.vote(near)
	if err != nil {
		t.Fatal(err)
	}
	if !(v[1] > 0 && v[1] < v[0]/2 && v[2] == 0 && math.Abs(v[0]+v[1]-1) < 1e-9) {
		t.Errorf("vote of three: %v", v)
	}
	// Saved and read back, the memory gives the same probabilities.
	path := filepath.Join(t.TempDir(), "m.model")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadSentimentModel(path)
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := back.Classify("x", near)
	r3, _ := m.Classify("x", near)
	if r2.Probs != r3.Probs {
		t.Errorf("after saving: %v, before %v", r2.Probs, r3.Probs)
	}
	// Bad memories.
	if err := m.Remember(ex, embs[:2], 2, 0.5, 10); err == nil {
		t.Error("examples and embeddings of different lengths were accepted")
	}
	if err := m.Remember(ex, embs, 0, 0.5, 10); err == nil || !strings.Contains(err.Error(), "k 0") {
		t.Errorf("k 0: %v", err)
	}
	if err := m.Remember(ex, embs, 2, 1.5, 10); err == nil || !strings.Contains(err.Error(), "weight 1.5") {
		t.Errorf("weight 1.5: %v", err)
	}
	if err := m.Remember([]Example{{Text: "a", Label: "cross"}}, embs[:1], 2, 0.5, 10); err == nil || !strings.Contains(err.Error(), `"cross"`) {
		t.Errorf("bad label: %v", err)
	}
	if err := m.Remember(ex[:1], [][]float32{{1, 0}}, 2, 0.5, 10); err == nil || !strings.Contains(err.Error(), "2-dimensional") {
		t.Errorf("short embedding: %v", err)
	}
	back.Memory.Labels[0] = 7
	if err := back.Save(path); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSentimentModel(path); parley.ErrorCode(err) != parley.CodeModelCorrupt || !strings.Contains(err.Error(), "memory") {
		t.Errorf("a label out of range: %v", err)
	}
}

// BenchmarkSentimentVote: the built-in model's memory voting on one embedding (a turn's share of it).
func BenchmarkSentimentVote(b *testing.B) {
	m, err := DefaultSentimentModel()
	if err != nil || m.Memory == nil {
		b.Fatalf("built-in model without a memory: %v", err)
	}
	emb := unit(m.Dim, 3, 17, 0.4)
	for b.Loop() {
		if _, err := m.Memory.vote(emb); err != nil {
			b.Fatal(err)
		}
	}
}
