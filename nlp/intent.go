package nlp

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/stats"
)

// Example is one labelled utterance.
type Example struct {
	Text, Label string
	// Speaker is who said it, from an optional speaker column (agent, customer; "" when not given): the
	// analyzer reads an agent's turn and a customer's differently (SentimentModel.EvaluateAsRead).
	Speaker parley.Role
}

// IntentModelVersion is the format version of saved intent models. Loading a file of another version is
// refused with a message to retrain.
const IntentModelVersion = 1

const intentMagic = "parley-intent-model"

// IntentModel classifies utterances into intents (call drivers).
type IntentModel struct {
	Magic   string
	Version int
	Labels  []string
	Vec     *vectorizer
	W       [][]float32 // per label
	B       []float32
	C       float64
	Trained time.Time
	Samples int
	// With an encoder: sentence embeddings (scaled by EmbWeight) beside the n-grams. Fingerprint names the
	// encoder's weights; Dim is 0 for an n-gram-only model.
	Encoder     string
	Fingerprint string
	Dim         int
	EmbWeight   float32
}

// DefaultC is the SVM regularisation parameter; measured on Banking77, results move by under 0.002
// between 0.3 and 1.
const DefaultC = 0.5

// IntentEmbWeight is the length of the embedding block beside the three unit-length n-gram blocks
// (measured on Banking77 train/test, README, NLP).
const IntentEmbWeight = 1.5

// TrainIntent fits an n-gram intent model on labelled examples.
func TrainIntent(examples []Example, c float64) (*IntentModel, error) {
	return TrainIntentWith(examples, nil, nil, c)
}

// TrainIntentWith fits an intent model on labelled examples and, with an encoder, their embeddings
// (embs[i] for examples[i]; nil: the encoder embeds them).
func TrainIntentWith(examples []Example, embs [][]float32, enc Embedder, c float64) (*IntentModel, error) {
	if len(examples) == 0 {
		return nil, parley.Errorf(parley.CodeConfig, "no training examples")
	}
	labelIdx := map[string]int{}
	var labels []string
	for _, e := range examples {
		if _, ok := labelIdx[e.Label]; !ok {
			labelIdx[e.Label] = len(labels)
			labels = append(labels, e.Label)
		}
	}
	if len(labels) < 2 {
		return nil, parley.Errorf(parley.CodeConfig, "training data has %d label(s); an intent model needs at least 2", len(labels))
	}
	texts := make([]string, len(examples))
	ys := make([]int, len(examples))
	for i, e := range examples {
		texts[i], ys[i] = e.Text, labelIdx[e.Label]
	}
	m := &IntentModel{Magic: intentMagic, Version: IntentModelVersion, Labels: labels, Vec: fitVectorizer(texts), C: c,
		Trained: time.Now().UTC(), Samples: len(examples)}
	if enc != nil {
		if embs == nil {
			var err error
			if embs, err = enc.Embed(texts); err != nil {
				return nil, err
			}
		}
		m.Encoder, m.Fingerprint, m.Dim, m.EmbWeight = enc.Name(), enc.Fingerprint(), enc.Dim(), IntentEmbWeight
	}
	xs := make([]sparse, len(texts))
	for i, t := range texts {
		var emb []float32
		if embs != nil {
			emb = embs[i]
		}
		xs[i] = m.features(t, emb)
	}
	m.W, m.B = trainLinearSVM(xs, ys, len(labels), len(m.Vec.IDF)+m.Dim, c, 1)
	return m, nil
}

// features are the n-gram blocks and, for a model with an encoder, the weighted embedding (a missing
// one reads as zeros).
func (m *IntentModel) features(text string, emb []float32) sparse {
	x := m.Vec.transform(text)
	if m.Dim > 0 && len(emb) == m.Dim {
		x = appendDense(x, len(m.Vec.IDF), emb, m.EmbWeight)
	}
	return x
}

// appendDense appends a dense vector, scaled, after base features.
func appendDense(x sparse, base int, v []float32, scale float32) sparse {
	for j, f := range v {
		x.idx = append(x.idx, int32(base+j))
		x.val = append(x.val, f*scale)
	}
	return x
}

// Scored is a label with a score.
type Scored struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// confidenceScale turns SVM margins into a probability-like confidence through a softmax. The margins
// of a one-vs-rest SVM are not calibrated; the scale makes a clear winner (margin gap ≈ 1) read ≈ 0.95.
const confidenceScale = 3.0

// Predict returns every label with a confidence in [0, 1] summing to 1, best first (an n-gram model, or
// a model with an encoder reading its n-grams alone).
func (m *IntentModel) Predict(text string) []Scored { return m.PredictWith(text, nil) }

// PredictWith is Predict with the text's embedding from the model's encoder.
func (m *IntentModel) PredictWith(text string, emb []float32) []Scored {
	out, _ := m.predict(text, emb)
	return out
}

// predict is PredictWith, also returning the largest SVM margin: near or above 0 when the text reads as
// one of the intents, well below when it reads as none.
func (m *IntentModel) predict(text string, emb []float32) ([]Scored, float64) {
	x := m.features(text, emb)
	d := make([]float64, len(m.Labels))
	best := math.Inf(-1)
	for k := range m.Labels {
		d[k] = x.dot(m.W[k]) + float64(m.B[k])
		best = max(best, d[k])
	}
	softmax(d, confidenceScale)
	out := make([]Scored, len(m.Labels))
	for k, l := range m.Labels {
		out[k] = Scored{l, d[k]}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	return out, best
}

// Save writes the model, gzip-compressed.
func (m *IntentModel) Save(path string) error { return saveGob(path, m) }

// LoadIntentModel reads a model written by Save. Files that are not intent models, or of another format
// version, are refused with a message naming the file.
func LoadIntentModel(path string) (*IntentModel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, parley.WrapError(parley.CodeConfig, err, "intent model")
	}
	defer f.Close()
	return readIntentModel(f, path)
}

// ReadIntentModel reads a model written by Save from r (a built-in one embedded in the binary); name
// says where it came from in errors.
func ReadIntentModel(r io.Reader, name string) (*IntentModel, error) { return readIntentModel(r, name) }

// readIntentModel decodes and checks an intent model written by Save; name says where it came from.
func readIntentModel(r io.Reader, path string) (*IntentModel, error) {
	var m IntentModel
	switch err := decodeGob(r, &m); {
	case errors.Is(err, errNotGzip):
		return nil, parley.Errorf(parley.CodeConfig, "%s is not a parley intent model (train one with parley intent train)", path)
	case err != nil:
		return nil, parley.Errorf(parley.CodeConfig, "%s is not a readable parley intent model of format version %d (from another parley version? retrain with parley intent train): %v", path, IntentModelVersion, err)
	}
	if m.Magic != intentMagic {
		return nil, parley.Errorf(parley.CodeConfig, "%s is not a parley intent model", path)
	}
	if m.Version != IntentModelVersion {
		return nil, parley.Errorf(parley.CodeConfig, "%s is an intent model of format version %d; this parley reads version %d: retrain it with parley intent train", path, m.Version, IntentModelVersion)
	}
	if len(m.W) != len(m.Labels) || len(m.B) != len(m.Labels) || m.Vec == nil {
		return nil, parley.Errorf(parley.CodeConfig, "%s: intent model is damaged", path)
	}
	for _, w := range m.W {
		if len(w) != len(m.Vec.IDF)+m.Dim {
			return nil, parley.Errorf(parley.CodeConfig, "%s: intent model is damaged", path)
		}
	}
	return &m, nil
}

// ReadExamplesCSV reads labelled examples from CSV with a header row naming the columns text and
// category (or label). Errors name the line.
func ReadExamplesCSV(r io.Reader, name string) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, parley.Errorf(parley.CodeConfig, "%s: line 1: no header row (want text,category): %v", name, err)
	}
	ti, ci, si := slices.Index(header, "text"), slices.Index(header, "category"), slices.Index(header, "speaker")
	if ci < 0 {
		ci = slices.Index(header, "label")
	}
	if ti < 0 || ci < 0 {
		return nil, parley.Errorf(parley.CodeConfig, "%s: line 1: header %q must name the columns text and category (or label)", name, strings.Join(header, ","))
	}
	var out []Example
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return nil, parley.Errorf(parley.CodeConfig, "%s: line %d: %v", name, line, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) <= max(ti, ci) {
			return nil, parley.Errorf(parley.CodeConfig, "%s: line %d: %d fields, want text and category", name, line, len(rec))
		}
		text, label := strings.TrimSpace(rec[ti]), strings.TrimSpace(rec[ci])
		if text == "" || label == "" {
			return nil, parley.Errorf(parley.CodeConfig, "%s: line %d: empty text or category", name, line)
		}
		ex := Example{Text: text, Label: label}
		if si >= 0 && si < len(rec) {
			switch sp := parley.Role(strings.TrimSpace(rec[si])); sp {
			case parley.RoleAgent, parley.RoleCustomer, parley.RoleUnknown, "":
				ex.Speaker = sp
			default:
				return nil, parley.Errorf(parley.CodeConfig, "%s: line %d: speaker %q: want agent, customer, unknown or nothing", name, line, sp)
			}
		}
		out = append(out, ex)
	}
	if len(out) == 0 {
		return nil, parley.Errorf(parley.CodeConfig, "%s: no examples after the header", name)
	}
	return out, nil
}

// ExampleTexts lists the examples' texts, in order.
func ExampleTexts(ex []Example) []string {
	texts := make([]string, len(ex))
	for i, e := range ex {
		texts[i] = e.Text
	}
	return texts
}

// ReadExamplesFile reads a CSV file of examples.
func ReadExamplesFile(path string) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, parley.WrapError(parley.CodeConfig, err, "training data")
	}
	defer f.Close()
	return ReadExamplesCSV(bufio.NewReader(f), path)
}

// Eval is the quality of a model on labelled examples.
type Eval struct {
	N        int     `json:"n"`
	Accuracy float64 `json:"accuracy"`
	MacroF1  float64 `json:"macro_f1"`
	// MacroF1Interval is the 95 % interval of MacroF1 from drawing the examples again (stats.Interval).
	MacroF1Interval [2]float64  `json:"macro_f1_interval"`
	PerLabel        []LabelEval `json:"per_label"`
	Confused        []Confusion `json:"most_confused"`
}

// LabelEval is precision, recall and F1 of one label.
type LabelEval struct {
	Label     string  `json:"label"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Confusion counts examples of True predicted as Predicted.
type Confusion struct {
	True      string `json:"true"`
	Predicted string `json:"predicted"`
	Count     int    `json:"count"`
}

// Evaluate scores the model on examples: accuracy, macro-averaged F1 over the labels present in the
// examples or predicted, and the most frequent confusions.
func (m *IntentModel) Evaluate(examples []Example, embs [][]float32) Eval {
	pred := make([]string, len(examples))
	for i, e := range examples {
		var emb []float32
		if embs != nil {
			emb = embs[i]
		}
		pred[i] = m.PredictWith(e.Text, emb)[0].Label
	}
	return Evaluate(examples, pred)
}

// CheckEncoder refuses an encoder other than the one the model was trained with (nil for n-gram models).
func (m *IntentModel) CheckEncoder(enc Embedder) error {
	switch {
	case m.Dim == 0:
		return nil
	case enc == nil:
		return parley.Errorf(parley.CodeModelMissing, "the intent model reads sentence embeddings (%s): the sentence encoder is not installed", m.Encoder)
	case m.Dim != enc.Dim() || m.Fingerprint != enc.Fingerprint():
		return parley.Errorf(parley.CodeConfig, "the intent model was trained with the encoder %s (weights %s); %s (%s) is another", m.Encoder, m.Fingerprint, enc.Name(), enc.Fingerprint())
	}
	return nil
}

// macroF1 is the F1 averaged over the labels present or predicted, 2·tp / (2·tp + fp + fn) each, and its
// 95 % bootstrap interval: one measure for the examples as given and for every draw of them.
func macroF1(examples []Example, predicted []string) (value float64, interval [2]float64) {
	ids := map[string]int{}
	id := func(l string) int {
		if i, ok := ids[l]; ok {
			return i
		}
		ids[l] = len(ids)
		return len(ids) - 1
	}
	truth, pred := make([]int, len(examples)), make([]int, len(examples))
	for i, e := range examples {
		truth[i], pred[i] = id(e.Label), id(predicted[i])
	}
	tp, fp, fn := make([]int, len(ids)), make([]int, len(ids)), make([]int, len(ids))
	measure := func(idx []int) float64 {
		clear(tp)
		clear(fp)
		clear(fn)
		for _, i := range idx {
			if t, p := truth[i], pred[i]; t == p {
				tp[t]++
			} else {
				fp[p]++
				fn[t]++
			}
		}
		sum, n := 0.0, 0
		for l := range tp {
			if tp[l]+fp[l]+fn[l] == 0 {
				continue // neither present nor predicted in this draw
			}
			n++
			sum += 2 * float64(tp[l]) / float64(2*tp[l]+fp[l]+fn[l])
		}
		return sum / float64(n)
	}
	interval[0], interval[1] = stats.Interval(len(examples), measure)
	return measure(stats.All(len(examples))), interval
}

// Evaluate compares predicted labels with the examples' labels.
func Evaluate(examples []Example, predicted []string) Eval {
	tp, fp, fn, support := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	conf := map[[2]string]int{}
	correct := 0
	for i, e := range examples {
		p := predicted[i]
		support[e.Label]++
		if p == e.Label {
			correct++
			tp[p]++
		} else {
			fp[p]++
			fn[e.Label]++
			conf[[2]string{e.Label, p}]++
		}
	}
	ev := Eval{N: len(examples)}
	if len(examples) == 0 {
		return ev
	}
	ev.Accuracy = float64(correct) / float64(len(examples))
	labels := map[string]bool{}
	for l := range support {
		labels[l] = true
	}
	for l := range fp {
		labels[l] = true
	}
	for l := range labels {
		le := LabelEval{Label: l, Support: support[l]}
		if d := tp[l] + fp[l]; d > 0 {
			le.Precision = float64(tp[l]) / float64(d)
		}
		if d := tp[l] + fn[l]; d > 0 {
			le.Recall = float64(tp[l]) / float64(d)
		}
		if le.Precision+le.Recall > 0 {
			le.F1 = 2 * le.Precision * le.Recall / (le.Precision + le.Recall)
		}
		ev.PerLabel = append(ev.PerLabel, le)
	}
	ev.MacroF1, ev.MacroF1Interval = macroF1(examples, predicted)
	sort.Slice(ev.PerLabel, func(a, b int) bool { return ev.PerLabel[a].Label < ev.PerLabel[b].Label })
	for k, n := range conf {
		ev.Confused = append(ev.Confused, Confusion{k[0], k[1], n})
	}
	sort.Slice(ev.Confused, func(a, b int) bool {
		if ev.Confused[a].Count != ev.Confused[b].Count {
			return ev.Confused[a].Count > ev.Confused[b].Count
		}
		return ev.Confused[a].True+ev.Confused[a].Predicted < ev.Confused[b].True+ev.Confused[b].Predicted
	})
	if len(ev.Confused) > 10 {
		ev.Confused = ev.Confused[:10]
	}
	return ev
}

// Taxonomy is a user-defined set of intents with example utterances.
type Taxonomy struct {
	Version int      `yaml:"version"`
	Intents []Intent `yaml:"intents"`
}

// Intent is one call driver of a taxonomy.
type Intent struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Examples    []string `yaml:"examples"`
}

// ParseTaxonomy reads a taxonomy from YAML. Unknown keys, duplicate names and intents without examples
// are errors that give the line.
func ParseTaxonomy(data []byte, name string) (*Taxonomy, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, parley.Errorf(parley.CodeConfig, "taxonomy %s: %v", name, err)
	}
	var t Taxonomy
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return nil, parley.Errorf(parley.CodeConfig, "taxonomy %s: %v", name, err)
	}
	if t.Version != 1 {
		return nil, parley.Errorf(parley.CodeConfig, "taxonomy %s: version %d (want version: 1)", name, t.Version)
	}
	lines := intentLines(&root)
	seen := map[string]bool{}
	for i, in := range t.Intents {
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		switch {
		case strings.TrimSpace(in.Name) == "":
			return nil, parley.Errorf(parley.CodeConfig, "taxonomy %s: line %d: intent without a name", name, line)
		case seen[in.Name]:
			return nil, parley.Errorf(parley.CodeConfig, "taxonomy %s: line %d: intent %q defined twice", name, line, in.Name)
		case len(in.Examples) == 0:
			return nil, parley.Errorf(parley.CodeConfig, "taxonomy %s: line %d: intent %q has no examples", name, line, in.Name)
		}
		seen[in.Name] = true
	}
	if len(t.Intents) < 2 {
		return nil, parley.Errorf(parley.CodeConfig, "taxonomy %s: %d intent(s); at least 2 are needed", name, len(t.Intents))
	}
	return &t, nil
}

// intentLines finds the line of each item of the intents list.
func intentLines(root *yaml.Node) []int {
	if len(root.Content) == 0 {
		return nil
	}
	doc := root.Content[0]
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "intents" {
			var out []int
			for _, it := range doc.Content[i+1].Content {
				out = append(out, it.Line)
			}
			return out
		}
	}
	return nil
}

// Examples flattens the taxonomy into training examples; each description counts as one more example.
func (t *Taxonomy) Examples() []Example {
	var out []Example
	for _, in := range t.Intents {
		for _, e := range in.Examples {
			out = append(out, Example{Text: e, Label: in.Name})
		}
		if in.Description != "" {
			out = append(out, Example{Text: in.Description, Label: in.Name})
		}
	}
	return out
}
