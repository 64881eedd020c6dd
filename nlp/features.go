package nlp

import (
	"math"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/kljensen/snowball/english"
)

// contractions are expanded before tokenising so that "hasn't" and "has not" give the same features.
var contractions = strings.NewReplacer(
	"’", "'", "can't", "can not", "won't", "will not", "n't", " not", "'re", " are", "'m", " am",
	"'ve", " have", "'ll", " will", "'d", " would", "'s", "",
)

// normalize lower-cases text and expands contractions.
func normalize(s string) string { return contractions.Replace(strings.ToLower(s)) }

// words splits normalised text into runs of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// pairStop are words too common to pair: a pair of content words ("card|arriv") carries the intent of a
// short query whatever the word order, a pair with "the" does not.
var pairStop = set("the a an i my to is it of in for be and on this do can me you your have what how with at there that am are")

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// featureBlocks returns the three feature blocks of a text: stemmed words and word bigrams, unordered
// pairs of distinct content words, and character 2–5-grams within words (padded with spaces, so
// prefixes and suffixes are features). Each block is weighted and normalised on its own.
func featureBlocks(text string) [3][]string {
	norm := normalize(text)
	ws := words(norm)
	stems := make([]string, len(ws))
	for i, w := range ws {
		stems[i] = english.Stem(w, false)
	}
	var b [3][]string
	for i, s := range stems {
		b[0] = append(b[0], s)
		if i > 0 {
			b[0] = append(b[0], stems[i-1]+" "+s)
		}
	}
	content := make([]string, 0, len(stems))
	seen := map[string]bool{}
	for _, s := range stems {
		if !pairStop[s] && !seen[s] {
			seen[s] = true
			content = append(content, s)
		}
	}
	sort.Strings(content)
	for i := range content {
		for j := i + 1; j < len(content); j++ {
			b[1] = append(b[1], content[i]+"|"+content[j])
		}
	}
	for _, w := range strings.Fields(norm) {
		r := []rune(" " + w + " ")
		for n := 2; n <= 5; n++ {
			if len(r) < n {
				b[2] = append(b[2], string(r))
				break
			}
			for o := 0; o+n <= len(r); o++ {
				b[2] = append(b[2], string(r[o:o+n]))
			}
		}
	}
	return b
}

// blockPrefix keeps the feature names of the blocks apart in one vocabulary.
var blockPrefix = [3]string{"w:", "p:", "c:"}

// sparse is a feature vector: sorted indices and their values.
type sparse struct {
	idx []int32
	val []float32
}

func (s sparse) dot(w []float32) float64 {
	var d float64
	for k, i := range s.idx {
		d += float64(w[i]) * float64(s.val[k])
	}
	return d
}

// vectorizer maps texts to TF-IDF vectors: sublinear term frequency (1 + ln tf), smoothed inverse
// document frequency (ln((1+n)/(1+df)) + 1), each block scaled to unit length.
type vectorizer struct {
	Vocab map[string]int32
	IDF   []float32
	Block []uint8 // block of each feature
}

func fitVectorizer(texts []string) *vectorizer { return fitVectorizerBlocks(texts, 3, 1) }

// fitVectorizerBlocks keeps the first blocks feature blocks and the features seen in at least minDF texts.
func fitVectorizerBlocks(texts []string, blocks, minDF int) *vectorizer {
	df := map[string]int{}
	for _, t := range texts {
		seen := map[string]bool{}
		for b, feats := range featureBlocks(t) {
			if b >= blocks {
				break
			}
			for _, f := range feats {
				k := blockPrefix[b] + f
				if !seen[k] {
					seen[k] = true
					df[k]++
				}
			}
		}
	}
	keys := make([]string, 0, len(df))
	for k, n := range df {
		if n >= minDF {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	v := &vectorizer{Vocab: make(map[string]int32, len(keys)), IDF: make([]float32, len(keys)), Block: make([]uint8, len(keys))}
	n := float64(len(texts))
	for i, k := range keys {
		v.Vocab[k] = int32(i)
		v.IDF[i] = float32(math.Log((1+n)/(1+float64(df[k]))) + 1)
		for b, p := range blockPrefix {
			if strings.HasPrefix(k, p) {
				v.Block[i] = uint8(b)
			}
		}
	}
	return v
}

func (v *vectorizer) transform(text string) sparse {
	var out sparse
	for b, feats := range featureBlocks(text) {
		tf := map[int32]float64{}
		for _, f := range feats {
			if i, ok := v.Vocab[blockPrefix[b]+f]; ok {
				tf[i]++
			}
		}
		idx := make([]int32, 0, len(tf))
		for i := range tf {
			idx = append(idx, i)
		}
		sort.Slice(idx, func(a, c int) bool { return idx[a] < idx[c] })
		var norm float64
		vals := make([]float64, len(idx))
		for k, i := range idx {
			vals[k] = (1 + math.Log(tf[i])) * float64(v.IDF[i])
			norm += vals[k] * vals[k]
		}
		norm = math.Sqrt(norm)
		for k, i := range idx {
			out.idx = append(out.idx, i)
			out.val = append(out.val, float32(vals[k]/norm))
		}
	}
	return out
}

// Words returns the words of text, lower-cased with contractions expanded.
func Words(text string) []string { return words(normalize(text)) }

var (
	stemMu    sync.RWMutex
	stemCache = map[string]string{}
)

// Stem returns the Snowball (Porter2) stem of a lower-case word. Stems are cached: calls repeat words.
func Stem(w string) string {
	stemMu.RLock()
	s, ok := stemCache[w]
	stemMu.RUnlock()
	if ok {
		return s
	}
	s = english.Stem(w, false)
	stemMu.Lock()
	if len(stemCache) > 200000 {
		stemCache = map[string]string{}
	}
	stemCache[w] = s
	stemMu.Unlock()
	return s
}
