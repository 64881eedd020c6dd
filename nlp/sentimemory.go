package nlp

import (
	"bytes"
	"cmp"
	"encoding/gob"
	"math"
	"slices"
	"sync"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/ggml"
)

// SentimentMemory is labelled texts kept in a sentiment model as their embeddings: the K of them nearest
// to a text (by cosine) vote for their labels, each with weight exp(Sharpness·cosine), and that vote
// makes Weight of the text's probabilities beside the classifier's. A linear classifier draws one
// boundary through all its training data; the memory lets a text that reads almost like a labelled
// one — a contact-centre line, a DynaSent sentence — lean on its label. K, Weight and Sharpness were
// chosen on a validation split (README, NLP).
type SentimentMemory struct {
	Labels    []uint8 // a row's class, in the order of sentimentLabels
	K         int
	Weight    float64
	Sharpness float64
	// rows are the texts' embeddings, Dim values each: unit vectors with every component in 8 bits
	// (×127, rounded) — 2.3 MB for the built-in memory, against 9 MB as float32.
	rows []int8

	once sync.Once
	mat  *ggml.Matrix // rows for the products, in ggml's 8-bit blocks (made at the first vote)
	err  error
}

// memoryFile is a memory as a model file holds it.
type memoryFile struct {
	Emb       []int8
	Labels    []uint8
	K         int
	Weight    float64
	Sharpness float64
}

// GobEncode writes the memory.
func (mem *SentimentMemory) GobEncode() ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(memoryFile{Emb: mem.rows, Labels: mem.Labels, K: mem.K, Weight: mem.Weight, Sharpness: mem.Sharpness})
	return b.Bytes(), err
}

// GobDecode reads a memory written by GobEncode.
func (mem *SentimentMemory) GobDecode(data []byte) error {
	var f memoryFile
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&f); err != nil {
		return err
	}
	*mem = SentimentMemory{Labels: f.Labels, K: f.K, Weight: f.Weight, Sharpness: f.Sharpness, rows: f.Emb}
	return nil
}

// memoryScale maps a unit vector's components to int8 and back.
const memoryScale = 127

// Remember keeps the examples' embeddings as the model's memory (a text given twice with one label is
// kept once), k of them voting with the given weight and sharpness.
func (m *SentimentModel) Remember(examples []Example, embs [][]float32, k int, weight, sharpness float64) error {
	if len(examples) == 0 || len(embs) != len(examples) {
		return parley.Errorf(parley.CodeConfig, "sentiment memory: %d examples, %d embeddings", len(examples), len(embs))
	}
	if !memoryParams(k, weight, sharpness) {
		return parley.Errorf(parley.CodeConfig, "sentiment memory: k %d (want ≥ 1), weight %g (want 0–1), sharpness %g (want ≥ 0)", k, weight, sharpness)
	}
	ys, err := sentimentClasses(examples)
	if err != nil {
		return err
	}
	mem := &SentimentMemory{K: k, Weight: weight, Sharpness: sharpness}
	seen := map[string]bool{}
	for i, e := range examples {
		key := e.Label + "\x00" + e.Text
		if seen[key] {
			continue
		}
		seen[key] = true
		if len(embs[i]) != m.Dim {
			return parley.Errorf(parley.CodeConfig, "sentiment memory: example %d has a %d-dimensional embedding, the model %d", i+1, len(embs[i]), m.Dim)
		}
		mem.rows = quantize(mem.rows, embs[i])
		mem.Labels = append(mem.Labels, uint8(ys[i]))
	}
	m.Memory = mem
	return nil
}

// memoryParams tells whether k (at least 1), the weight (0 to 1) and the sharpness (not negative) can
// make a memory.
func memoryParams(k int, weight, sharpness float64) bool {
	return k >= 1 && weight >= 0 && weight <= 1 && sharpness >= 0
}

// check tells whether the memory fits a model of dim dimensions.
func (mem *SentimentMemory) check(dim int) bool {
	return memoryParams(mem.K, mem.Weight, mem.Sharpness) && dim > 0 &&
		len(mem.Labels) > 0 && len(mem.rows) == len(mem.Labels)*dim &&
		!slices.ContainsFunc(mem.Labels, func(l uint8) bool { return int(l) >= len(sentimentLabels) })
}

// quantize appends a unit vector's components in 8 bits.
func quantize(dst []int8, v []float32) []int8 {
	for _, x := range v {
		dst = append(dst, int8(math.Round(float64(max(-1, min(1, x)))*memoryScale)))
	}
	return dst
}

// matrix puts the rows into ggml's CPU backend, a few hundred at a time.
func (mem *SentimentMemory) matrix(dim int) (*ggml.Matrix, error) {
	n := len(mem.Labels)
	mat, err := ggml.NewMatrix(n, dim)
	if err != nil {
		return nil, err
	}
	buf := make([]float32, 0, 256*dim)
	for first := 0; first < n; first += 256 {
		buf = buf[:0]
		for _, v := range mem.rows[first*dim : min(n, first+256)*dim] {
			buf = append(buf, float32(v)/memoryScale)
		}
		if err := mat.Set(first, buf); err != nil {
			mat.Close()
			return nil, err
		}
	}
	return mat, nil
}

// vote is the K nearest rows' labels, each weighed by exp(Sharpness·cosine), as shares summing to 1.
func (mem *SentimentMemory) vote(emb []float32) ([3]float64, error) {
	mem.once.Do(func() { mem.mat, mem.err = mem.matrix(len(emb)) })
	if mem.err != nil {
		return [3]float64{}, parley.WrapError(parley.CodeInternal, mem.err, "sentiment memory")
	}
	sims, err := mem.mat.MulVec(emb)
	if err != nil {
		return [3]float64{}, parley.WrapError(parley.CodeInternal, err, "sentiment memory")
	}
	// The K largest, kept sorted in a small slice (K is a handful).
	top := make([]int, 0, mem.K+1)
	for i, s := range sims {
		if len(top) == mem.K && s <= sims[top[len(top)-1]] {
			continue
		}
		at, _ := slices.BinarySearchFunc(top, s, func(j int, s float32) int { return cmp.Compare(s, sims[j]) })
		top = slices.Insert(top, at, i)
		if len(top) > mem.K {
			top = top[:mem.K]
		}
	}
	var v [3]float64
	var sum float64
	for _, i := range top {
		w := math.Exp(mem.Sharpness * float64(sims[i]))
		v[mem.Labels[i]] += w
		sum += w
	}
	for k := range v {
		v[k] /= sum
	}
	return v, nil
}
