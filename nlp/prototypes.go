package nlp

import (
	"bytes"
	_ "embed"
	"math"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/resident"
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
func (p *Prototypes) Best(emb []float32) (int, float64) { return p.BestOf("", emb) }

// BestOf is Best among the examples labelled label ("": all of them).
func (p *Prototypes) BestOf(label string, emb []float32) (int, float64) {
	best, sim := -1, 0.0
	for i, e := range p.embs {
		if label != "" && p.Labels[i] != label {
			continue
		}
		if c := Cosine(emb, e); best < 0 || c > sim {
			best, sim = i, c
		}
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

// DefaultThreats embeds the built-in churn and escalation examples (nlp/data/threats.yaml): they explain
// a threat the classifier found (the example of its kind nearest in meaning). Its counter-examples are
// training rows of the classifier only, so they are not embedded.
func DefaultThreats(enc Embedder) (*Prototypes, error) {
	return loadPrototypes(enc, "threats.yaml", threatsYAML, false, parley.ThreatChurn, parley.ThreatEscalation)
}

// The built-in threat classifier: an intent model over churn, escalation and none, on the n-grams and
// the base encoder's embedding of a customer sentence, trained by scripts/train-threats.sh.
//
//go:embed data/threats.model
var threatsModel []byte

// ThreatNone is the threat classifier's label for a sentence without a threat.
const ThreatNone = "none"

// DefaultThreatModel is the built-in threat classifier (for the all-MiniLM-L6-v2 encoder).
func DefaultThreatModel() (*IntentModel, error) {
	m, err := readIntentModel(bytes.NewReader(threatsModel), "built-in threat model")
	resident.Drop(threatsModel) // read: its pages need not stay in memory
	if err != nil {
		return nil, parley.WrapError(parley.CodeInternal, err, "built-in threat model")
	}
	return m, nil
}

// Threats finds churn and escalation threats in sentences: the built-in classifier on the base
// encoder's embeddings.
type Threats struct {
	model *IntentModel
	enc   Embedder
}

// NewThreats loads the built-in threat classifier for the base encoder enc.
func NewThreats(enc Embedder) (*Threats, error) {
	m, err := DefaultThreatModel()
	if err != nil {
		return nil, err
	}
	if err := m.CheckEncoder(enc); err != nil {
		return nil, parley.WrapError(parley.CodeConfig, err, "threat model")
	}
	return &Threats{model: m, enc: enc}, nil
}

// Sentence classifies one sentence with its embedding: the threat kind and the classifier's confidence,
// or ThreatNone. A prospect's sentence (prospective) is no churn.
func (t *Threats) Sentence(text string, emb []float32) (string, float64) {
	top := t.model.PredictWith(text, emb)[0]
	if top.Label == parley.ThreatChurn && prospective(text) {
		return ThreatNone, top.Score
	}
	return top.Label, top.Score
}

// afterOpener is what follows a sentence's opening reply word and a comma ("Good, I won't be staying
// with you after this" → "I won't be staying with you after this"), or "" when it has none (or leaves
// fewer than three words). Recognisers often join with a comma what a writer ends with a full stop, and
// the reply word then outweighs the threat after it; the threat readers read such a remainder as a
// sentence of its own as well. A greeting is no reply word: "Hi, I'm not with you yet" stays whole.
func afterOpener(s string) string {
	i := strings.IndexByte(s, ',')
	if i < 0 {
		return ""
	}
	if ws := words(strings.ToLower(s[:i])); len(ws) == 0 || len(ws) > 2 || !replyWords[ws[0]] {
		return ""
	}
	rest := strings.TrimSpace(s[i+1:])
	if len(words(rest)) < 3 {
		return ""
	}
	return rest
}

// replyWords open a reply to what the other party just said ("Good, …", "Fine, …", "Right then, …").
var replyWords = set("good fine right okay ok well yes yeah no look listen honestly great sure alright so brilliant lovely")

// Texts returns, for each text, the kind of the first threat among its sentences ("" for none; all ""
// from a nil Threats).
func (t *Threats) Texts(texts []string) ([]string, error) {
	if t == nil {
		return make([]string, len(texts)), nil
	}
	var sents []string
	var owner []int
	for i, text := range texts {
		for _, s := range Sentences(text) {
			sents, owner = append(sents, s), append(owner, i)
			if rest := afterOpener(s); rest != "" {
				sents, owner = append(sents, rest), append(owner, i)
			}
		}
	}
	out := make([]string, len(texts))
	if len(sents) == 0 {
		return out, nil
	}
	embs, err := t.enc.Embed(sents)
	if err != nil {
		return nil, err
	}
	for k, s := range sents {
		if kind, _ := t.Sentence(s, embs[k]); kind != ThreatNone && out[owner[k]] == "" {
			out[owner[k]] = kind
		}
	}
	return out, nil
}

// prospectRe: the caller says they are not a customer yet, or are coming over ("I'm not with you yet",
// "thinking of switching over to you", "we'd like to join you"); leavingRe: they are leaving after all
// ("I won't be a customer much longer", "not a customer any more").
var (
	prospectRe = regexp.MustCompile(`(?i)\b(?:(?:i'm|i am|we're|we are|i've|i have|we've|we have)(?: never| not)(?: been)? (?:a |an |your )?(?:existing )?(?:customers?|clients?|members?)\b|(?:i'm|i am|we're|we are|i've|i have|we've|we have) (?:not|never)(?: been)? with you|(?:switch|switching|move|moving|come|coming|swap|swapping)(?: \w+)? over to you|(?:switch|switching|move|moving) to you\b|(?:join|joining) you\b|(?:become|becoming) (?:a )?(?:new )?customers?\b)`)
	leavingRe  = regexp.MustCompile(`(?i)\b(?:any ?more|no longer|much longer|for long|leav(?:e|ing)|cancel\w*|clos(?:e|ing) (?:my|the|our) account)\b`)
)

// prospective reports whether a sentence is a caller saying they are not a customer yet: a churn
// reading of it is none (a prospect has nothing to leave), unless it also says they are leaving.
func prospective(s string) bool { return prospectRe.MatchString(s) && !leavingRe.MatchString(s) }

// threatScore is the highest score of a text with a churn or escalation threat.
const threatScore = -0.5

// Threatened reads a sentiment result as the analyzer reads a customer's turn with a churn or escalation
// threat: negative whatever else it says ("I won't be renewing, thanks").
func Threatened(r SentimentResult) SentimentResult {
	if r.Label != Negative {
		r.Label, r.Score, r.Probs = Negative, min(r.Score, threatScore), [3]float64{1, 0, 0}
	}
	return r
}

// loadPrototypes embeds a file of examples by kind with a threshold and, with counters, its
// counter-examples (not).
func loadPrototypes(enc Embedder, name string, b []byte, counters bool, kinds ...string) (*Prototypes, error) {
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
	if counters {
		if err := p.AddCounters(enc, f.Not); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// findThreats classifies the customer's sentences (embedded), and what follows a sentence's opening
// reply word (afterOpener): a sentence whose likeliest label is churn or escalation, or whose
// remainder's is, is a threat, explained by the example of that kind nearest in meaning.
func (a *Analyzer) findThreats(tr *parley.Transcript, cs []sentence) []parley.Threat {
	type reading struct {
		kind string
		conf float64
		emb  []float32 // of what was read: the sentence, or its remainder
	}
	rd := make([]reading, len(cs))
	var rests []sentence // remainders of sentences read as none, embedded in one batch
	var of []int         // the index in cs of each remainder
	for i, s := range cs {
		if s.emb == nil {
			continue
		}
		kind, conf := a.threatModel.Sentence(s.text, s.emb)
		rd[i] = reading{kind, conf, s.emb}
		if r := afterOpener(s.text); kind == ThreatNone && r != "" {
			rests, of = append(rests, sentence{turn: s.turn, text: r}), append(of, i)
		}
	}
	if a.embedSentences(rests) == nil { // on an error the whole sentences' readings stand
		for k, r := range rests {
			if kind, conf := a.threatModel.Sentence(r.text, r.emb); kind != ThreatNone {
				rd[of[k]] = reading{kind, conf, r.emb}
			}
		}
	}
	var out []parley.Threat
	for i, s := range cs {
		if rd[i].emb == nil || rd[i].kind == ThreatNone {
			continue
		}
		k, sim := a.threats.BestOf(rd[i].kind, rd[i].emb)
		t := tr.Turns[s.turn]
		th := parley.Threat{Kind: rd[i].kind, Turn: s.turn, Speaker: t.Speaker, Start: secs(t.Start.Seconds()),
			Text: s.text, Confidence: round3(rd[i].conf), Similarity: round3(sim)}
		if k >= 0 {
			th.Example = a.threats.Texts[k]
		}
		out = append(out, th)
	}
	return out
}
