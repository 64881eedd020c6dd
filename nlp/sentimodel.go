package nlp

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"time"
	"unicode"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/resident"
)

// Embedder turns texts into L2-normalised sentence embeddings (nlp/encoder.Encoder is one).
type Embedder interface {
	Embed(texts []string) ([][]float32, error)
	Dim() int
	Name() string
	Fingerprint() string // identifies the weights: a classifier works only on the embeddings it was trained on
}

// SentimentModelVersion is the format version of saved sentiment models.
const SentimentModelVersion = 1

const sentimentMagic = "parley-sentiment-model"

// sentimentLabels are the classes, in the order of a model's weights.
var sentimentLabels = []string{Negative, Neutral, Positive}

// SentimentModel classifies text as negative, neutral or positive from its sentence embedding and its
// stemmed words and word pairs: one-vs-rest linear SVMs whose decision values a softmax turns into
// probabilities (its scale fitted on held-out data). The score in [-1, 1] is P(positive) − P(negative).
type SentimentModel struct {
	Magic       string
	Version     int
	Encoder     string // the embedder's name and fingerprint: a model is only used with the encoder it was trained on
	Fingerprint string
	Dim         int
	Vec         *vectorizer
	EmbWeight   float32 // the embedding block's length beside the unit-length word block
	W           [][]float32
	B           []float32
	Scale       float64
	Trained     time.Time
	Samples     int
	// Memory, when set, is labelled texts whose nearest neighbours vote beside the classifier (models
	// written before it have none).
	Memory *SentimentMemory
}

// SentimentTrainOptions tune TrainSentiment.
type SentimentTrainOptions struct {
	C         float64 // SVM regularisation (default 0.5)
	MinDF     int     // a word feature must appear in this many training texts (default 3)
	EmbWeight float64 // length of the embedding block (default 2)
}

// Sentiment result of one text.
type SentimentResult struct {
	Score float64    // P(positive) − P(negative)
	Label string     // the most probable class
	Probs [3]float64 // negative, neutral, positive
}

// TrainSentiment fits a model on examples and their embeddings (embs[i] for examples[i]); dev, with its
// embeddings, sets the probability scale (nil: the training data does).
func TrainSentiment(examples []Example, embs [][]float32, dev []Example, devEmbs [][]float32, enc Embedder, o SentimentTrainOptions) (*SentimentModel, error) {
	if len(examples) == 0 || len(embs) != len(examples) {
		return nil, parley.Errorf(parley.CodeConfig, "sentiment training: %d examples, %d embeddings", len(examples), len(embs))
	}
	if o.C == 0 {
		o.C = 0.5
	}
	if o.MinDF == 0 {
		o.MinDF = 3
	}
	if o.EmbWeight == 0 {
		o.EmbWeight = 2
	}
	ys, err := sentimentClasses(examples)
	if err != nil {
		return nil, err
	}
	texts := ExampleTexts(examples)
	m := &SentimentModel{Magic: sentimentMagic, Version: SentimentModelVersion, Encoder: enc.Name(), Fingerprint: enc.Fingerprint(), Dim: len(embs[0]),
		Vec: fitVectorizerBlocks(texts, 1, o.MinDF), EmbWeight: float32(o.EmbWeight), Trained: time.Now().UTC(), Samples: len(examples)}
	xs := make([]sparse, len(texts))
	for i, t := range texts {
		if xs[i], err = m.features(t, embs[i]); err != nil {
			return nil, err
		}
	}
	m.W, m.B = trainLinearSVM(xs, ys, len(sentimentLabels), len(m.Vec.IDF)+m.Dim, o.C, 1)
	if dev == nil {
		dev, devEmbs = examples, embs
	}
	dys, err := sentimentClasses(dev)
	if err != nil {
		return nil, err
	}
	m.Scale = 1
	best := math.Inf(1)
	for scale := 0.5; scale <= 12; scale += 0.25 {
		m.Scale = scale
		var loss float64
		for i, e := range dev {
			r, err := m.Classify(e.Text, devEmbs[i])
			if err != nil {
				return nil, err
			}
			loss -= math.Log(max(r.Probs[dys[i]], 1e-12))
		}
		if loss < best {
			best = loss
		} else {
			m.Scale -= 0.25
			break
		}
	}
	return m, nil
}

func sentimentClasses(examples []Example) ([]int, error) {
	ys := make([]int, len(examples))
	for i, e := range examples {
		ys[i] = slices.Index(sentimentLabels, e.Label)
		if ys[i] < 0 {
			return nil, parley.Errorf(parley.CodeConfig, "sentiment example %d (%q): label %q, want negative, neutral or positive", i+1, e.Text, e.Label)
		}
	}
	return ys, nil
}

// features joins the word block and the weighted embedding into one sparse vector.
func (m *SentimentModel) features(text string, emb []float32) (sparse, error) {
	if len(emb) != m.Dim {
		return sparse{}, parley.Errorf(parley.CodeConfig, "sentiment model wants %d-dimensional embeddings (encoder %s), got %d", m.Dim, m.Encoder, len(emb))
	}
	return appendDense(m.Vec.transform(text), len(m.Vec.IDF), emb, m.EmbWeight), nil
}

// Classify scores one text given its embedding.
func (m *SentimentModel) Classify(text string, emb []float32) (SentimentResult, error) {
	x, err := m.features(text, emb)
	if err != nil {
		return SentimentResult{}, err
	}
	var r SentimentResult
	for k := range sentimentLabels {
		r.Probs[k] = x.dot(m.W[k]) + float64(m.B[k])
	}
	softmax(r.Probs[:], m.Scale)
	if mem := m.Memory; mem != nil {
		v, err := mem.vote(emb)
		if err != nil {
			return SentimentResult{}, err
		}
		for k := range r.Probs {
			r.Probs[k] = (1-mem.Weight)*r.Probs[k] + mem.Weight*v[k]
		}
	}
	best := 0
	for k := range r.Probs {
		if r.Probs[k] > r.Probs[best] {
			best = k
		}
	}
	r.Label = sentimentLabels[best]
	r.Score = r.Probs[2] - r.Probs[0]
	return r, nil
}

// Unsupported labels text the English models cannot read (mostly letters of non-Latin scripts).
const Unsupported = "unsupported_language"

// LatinScript reports whether most letters of text are Latin (empty text counts as Latin): the English
// encoder turns Chinese, Korean or Arabic into unknown tokens, and a score of those would be a guess.
func LatinScript(text string) bool {
	latin, other := 0, 0
	for _, r := range text {
		switch {
		case unicode.In(r, unicode.Latin):
			latin++
		case unicode.IsLetter(r):
			other++
		}
	}
	return other <= latin
}

// Evaluate classifies examples (with their embeddings) and compares with their labels.
func (m *SentimentModel) Evaluate(examples []Example, embs [][]float32) (Eval, error) {
	return m.evaluate(examples, embs, false, nil, nil)
}

// EvaluateAsRead is Evaluate with each example read as the analyzer reads a turn of its speaker
// (Example.Speaker): a customer's text, or one whose speaker is not given, with a churn or escalation
// threat (kinds, from Threats.Texts; "" or a nil list for none) is negative; an agent's text that reads
// negative and apologises or sympathises is read again without those sentences (WithoutCare), embedded
// with enc, and is neutral when it had nothing else. enc may be nil when no example is an agent's.
func (m *SentimentModel) EvaluateAsRead(examples []Example, embs [][]float32, kinds []string, enc Embedder) (Eval, error) {
	return m.evaluate(examples, embs, true, kinds, enc)
}

// evaluate is Evaluate, or EvaluateAsRead when asRead.
func (m *SentimentModel) evaluate(examples []Example, embs [][]float32, asRead bool, kinds []string, enc Embedder) (Eval, error) {
	pred := make([]string, len(examples))
	// care: the agents' examples with sentences of apology or sympathy, each with the reading of the rest
	// of it (nil while unread, and when nothing else was left)
	care := map[int]*SentimentResult{}
	var restTexts []string
	var restOf []int // example index of each rest text
	for i, e := range examples {
		if !asRead || e.Speaker != parley.RoleAgent {
			continue
		}
		if rest, cared := WithoutCare(e.Text); cared {
			care[i] = nil
			if rest != "" {
				restTexts, restOf = append(restTexts, rest), append(restOf, i)
			}
		}
	}
	if len(restTexts) > 0 {
		if enc == nil {
			return Eval{}, fmt.Errorf("sentiment eval: an agent's apology is read again without it: needs the encoder")
		}
		v, err := enc.Embed(restTexts)
		if err != nil {
			return Eval{}, err
		}
		for k, i := range restOf {
			r, err := m.Classify(restTexts[k], v[k])
			if err != nil {
				return Eval{}, err
			}
			care[i] = &r
		}
	}
	for i, e := range examples {
		r, err := m.Classify(e.Text, embs[i])
		if err != nil {
			return Eval{}, err
		}
		if rest, ok := care[i]; ok {
			r = withCare(r, rest)
		} else if asRead && e.Speaker != parley.RoleAgent && kinds != nil && kinds[i] != "" {
			r = Threatened(r)
		}
		pred[i] = r.Label
	}
	return Evaluate(examples, pred), nil
}

// Save writes the model, gzip-compressed.
func (m *SentimentModel) Save(path string) error { return saveGob(path, m) }

// LoadSentimentModel reads a model written by Save; a file that is not one, or of another version, is
// refused naming the file.
func LoadSentimentModel(path string) (*SentimentModel, error) {
	var m SentimentModel
	if err := loadGob(path, &m); err != nil {
		return nil, parley.WrapError(parley.CodeModelCorrupt, err, "sentiment model %s", path)
	}
	if m.Magic != sentimentMagic {
		return nil, parley.Errorf(parley.CodeModelCorrupt, "%s is not a parley sentiment model", path)
	}
	if m.Version != SentimentModelVersion {
		return nil, parley.Errorf(parley.CodeModelCorrupt, "%s: sentiment model format %d, this parley reads %d: train it again (parley sentiment train)", path, m.Version, SentimentModelVersion)
	}
	if len(m.W) != 3 || len(m.B) != 3 || m.Vec == nil || len(m.W[0]) != len(m.Vec.IDF)+m.Dim {
		return nil, parley.Errorf(parley.CodeModelCorrupt, "%s: sentiment model weights do not fit its features", path)
	}
	if m.Memory != nil && !m.Memory.check(m.Dim) {
		return nil, parley.Errorf(parley.CodeModelCorrupt, "%s: sentiment model memory does not fit its embeddings", path)
	}
	return &m, nil
}

func saveGob(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(f)
	if err := gob.NewEncoder(zw).Encode(v); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func loadGob(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return decodeGob(f, v)
}

// errNotGzip: the file is not a gzip stream, so not a model parley wrote.
var errNotGzip = errors.New("not gzip")

func decodeGob(r io.Reader, v any) error {
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return fmt.Errorf("%w: %w", errNotGzip, err)
	}
	return gob.NewDecoder(zr).Decode(v)
}

// softmax turns decision values into probabilities in place: exp(scale·(d − max)), normalised.
func softmax(d []float64, scale float64) {
	top := math.Inf(-1)
	for _, v := range d {
		top = max(top, v)
	}
	var sum float64
	for k, v := range d {
		d[k] = math.Exp(scale * (v - top))
		sum += d[k]
	}
	for k := range d {
		d[k] /= sum
	}
}

// CheckEncoder refuses an embedder other than the one the model was trained on.
func (m *SentimentModel) CheckEncoder(enc Embedder) error {
	if m.Dim != enc.Dim() || (m.Fingerprint != "" && m.Fingerprint != enc.Fingerprint()) {
		return parley.Errorf(parley.CodeConfig, "the sentiment model was trained on the encoder %s (%d dimensions, weights %s); %s (%d, %s) is another",
			m.Encoder, m.Dim, m.Fingerprint, enc.Name(), enc.Dim(), enc.Fingerprint())
	}
	return nil
}

//go:embed data/sentiment-layers.safetensors
var sentimentLayers []byte

// SentimentLayers are the top layers of all-MiniLM-L6-v2 fine-tuned for sentiment
// (scripts/train/finetune-sentiment.sh): an encoder overlay (nlp/encoder Options.Overlay) whose
// embeddings the built-in sentiment model reads.
func SentimentLayers() []byte { return sentimentLayers }

// defaultSentimentModel is trained by scripts/train-sentiment.sh on the labelled sets named there.
//
//go:embed data/sentiment.model
var defaultSentimentModel []byte

// DefaultSentimentModel is the built-in model (for the all-MiniLM-L6-v2 encoder).
func DefaultSentimentModel() (*SentimentModel, error) {
	var m SentimentModel
	if err := decodeGob(bytes.NewReader(defaultSentimentModel), &m); err != nil {
		return nil, parley.WrapError(parley.CodeInternal, err, "built-in sentiment model")
	}
	resident.Drop(defaultSentimentModel) // read: its pages need not stay in memory
	return &m, nil
}
