package nlp

import (
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/parley-cc/parley"
)

// SentimentMemory is labelled texts kept in a sentiment model as their embeddings: the K of them nearest
// to a text (by cosine) vote for their labels, each with weight exp(Sharpness·cosine), and that vote
// makes Weight of the text's probabilities beside the classifier's. A linear classifier draws one
// boundary through all its training data; the memory lets a text that reads almost like a labelled
// one — a contact-centre line, a DynaSent sentence — lean on its label. K, Weight and Sharpness were
// chosen on a validation split (README, NLP).
type SentimentMemory struct {
	Emb       []int8  // rows of the model's Dim values: each unit vector ×127, rounded
	Labels    []uint8 // a row's class, in the order of sentimentLabels
	K         int
	Weight    float64
	Sharpness float64

	once sync.Once
	vecs []float32 // Emb as float32, made at first use
}

// memoryScale maps a unit vector's components to int8 and back.
const memoryScale = 127

// Remember keeps the examples' embeddings as the model's memory (a text given twice with one label is
// kept once), k of them voting with the given weight and sharpness.
func (m *SentimentModel) Remember(examples []Example, embs [][]float32, k int, weight, sharpness float64) error {
	if len(examples) == 0 || len(embs) != len(examples) {
		return parley.Errorf(parley.CodeConfig, "sentiment memory: %d examples, %d embeddings", len(examples), len(embs))
	}
	if k < 1 || weight < 0 || weight > 1 || sharpness < 0 {
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
		for _, v := range embs[i] {
			mem.Emb = append(mem.Emb, int8(math.Round(float64(max(-1, min(1, v)))*memoryScale)))
		}
		mem.Labels = append(mem.Labels, uint8(ys[i]))
	}
	m.Memory = mem
	return nil
}

// check tells whether the memory fits a model of dim dimensions.
func (mem *SentimentMemory) check(dim int) bool {
	return mem.K >= 1 && mem.Weight >= 0 && mem.Weight <= 1 && mem.Sharpness >= 0 && dim > 0 &&
		len(mem.Labels) > 0 && len(mem.Emb) == len(mem.Labels)*dim &&
		!slices.ContainsFunc(mem.Labels, func(l uint8) bool { return int(l) >= len(sentimentLabels) })
}

// vote is the K nearest rows' labels, each weighed by exp(Sharpness·cosine), as shares summing to 1.
func (mem *SentimentMemory) vote(emb []float32) [3]float64 {
	mem.once.Do(func() {
		mem.vecs = make([]float32, len(mem.Emb))
		for i, v := range mem.Emb {
			mem.vecs[i] = float32(v) / memoryScale
		}
	})
	n := len(mem.Labels)
	sims := make([]float32, n)
	blas32.Gemv(blas.NoTrans, 1, blas32.General{Rows: n, Cols: len(emb), Stride: len(emb), Data: mem.vecs},
		blas32.Vector{N: len(emb), Inc: 1, Data: emb}, 0, blas32.Vector{N: n, Inc: 1, Data: sims})
	// The K largest, kept sorted in a small slice (K is a handful).
	top := make([]int, 0, mem.K+1)
	for i, s := range sims {
		if len(top) == mem.K && s <= sims[top[len(top)-1]] {
			continue
		}
		at, _ := slices.BinarySearchFunc(top, s, func(j int, s float32) int {
			if sims[j] > s {
				return -1
			}
			if sims[j] < s {
				return 1
			}
			return 0
		})
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
	return v
}
