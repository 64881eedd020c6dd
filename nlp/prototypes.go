package nlp

import (
	_ "embed"
	"math"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parley-cc/parley"
)

// Prototypes are labelled example sentences, embedded once. A sentence is matched by meaning: its most
// similar example (cosine of the embeddings) and that similarity.
type Prototypes struct {
	Labels    []string
	Texts     []string
	embs      [][]float32
	Threshold float64
	// Counters are sentences close in words to the examples that do not count ("How can I help you
	// today?" is no offer of further help; "When does my contract end?" is no threat to leave): a
	// sentence matches only when it is closer to an example than to every counter-example.
	Counters *Prototypes
}

// NewPrototypes embeds the examples (Text, Label) with enc.
func NewPrototypes(enc Embedder, examples []Example, threshold float64) (*Prototypes, error) {
	p := &Prototypes{Threshold: threshold}
	for _, e := range examples {
		if strings.TrimSpace(e.Text) == "" {
			continue
		}
		p.Labels = append(p.Labels, e.Label)
		p.Texts = append(p.Texts, e.Text)
	}
	if len(p.Texts) == 0 {
		return p, nil
	}
	var err error
	if p.embs, err = enc.Embed(p.Texts); err != nil {
		return nil, err
	}
	return p, nil
}

// AddCounters embeds counter-examples with enc and sets them as p's Counters.
func (p *Prototypes) AddCounters(enc Embedder, texts []string) error {
	cx := make([]Example, len(texts))
	for i, t := range texts {
		cx[i] = Example{Text: t, Label: "counter"}
	}
	var err error
	p.Counters, err = NewPrototypes(enc, cx, 0)
	return err
}

// Best returns the index of the example most similar to emb and the similarity (-1, 0 when there are no
// examples).
func (p *Prototypes) Best(emb []float32) (int, float64) {
	best, sim := -1, math.Inf(-1)
	for i, e := range p.embs {
		if c := Cosine(emb, e); c > sim {
			best, sim = i, c
		}
	}
	if best < 0 {
		return -1, 0
	}
	return best, sim
}

// Match compares emb with the examples: the closest example k and its similarity, the counter-example
// at least as close (-1 when none is), and whether the sentence counts (similarity at least the
// threshold and no counter-example as close).
func (p *Prototypes) Match(emb []float32) (k int, sim float64, counter int, counts bool) {
	k, sim = p.Best(emb)
	counter = -1
	if p.Counters != nil {
		if c, csim := p.Counters.Best(emb); c >= 0 && csim >= sim {
			counter = c
		}
	}
	return k, sim, counter, k >= 0 && sim >= p.Threshold && counter < 0
}

// Cosine is the cosine similarity of two vectors (their dot product when both are unit length).
func Cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

//go:embed data/threats.yaml
var threatsYAML []byte

// DefaultThreats embeds the built-in churn and escalation examples (nlp/data/threats.yaml).
func DefaultThreats(enc Embedder) (*Prototypes, error) {
	return loadPrototypes(enc, "threats.yaml", threatsYAML, parley.ThreatChurn, parley.ThreatEscalation)
}

// loadPrototypes embeds a file of examples by kind with a threshold and counter-examples (not).
func loadPrototypes(enc Embedder, name string, b []byte, kinds ...string) (*Prototypes, error) {
	var f struct {
		Threshold float64             `yaml:"threshold"`
		Kinds     map[string][]string `yaml:"kinds"`
		Not       []string            `yaml:"not"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, parley.WrapError(parley.CodeInternal, err, "%s", name)
	}
	var ex []Example
	for _, kind := range kinds {
		for _, t := range f.Kinds[kind] {
			ex = append(ex, Example{Text: t, Label: kind})
		}
	}
	p, err := NewPrototypes(enc, ex, f.Threshold)
	if err != nil {
		return nil, err
	}
	if err := p.AddCounters(enc, f.Not); err != nil {
		return nil, err
	}
	return p, nil
}

// findThreats matches the customer's sentences (embedded) against the threat examples.
func (a *Analyzer) findThreats(tr *parley.Transcript, cs []sentence) []parley.Threat {
	var out []parley.Threat
	for _, s := range cs {
		if s.emb == nil {
			continue
		}
		k, sim, _, counts := a.threats.Match(s.emb)
		if !counts {
			continue
		}
		t := tr.Turns[s.turn]
		out = append(out, parley.Threat{Kind: a.threats.Labels[k], Turn: s.turn, Speaker: t.Speaker, Start: secs(t.Start.Seconds()),
			Text: s.text, Example: a.threats.Texts[k], Similarity: round3(sim)})
	}
	return out
}
