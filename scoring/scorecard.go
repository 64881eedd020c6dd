package scoring

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/nlp"
)

// Item kinds.
const (
	KindRequired      = "required_phrase"
	KindProhibited    = "prohibited_phrase"
	KindSentiment     = "sentiment"
	KindAgentTone     = "agent_tone"
	KindTalkListen    = "talk_listen_ratio"
	KindDeadAir       = "dead_air"
	KindHold          = "hold"
	KindInterruptions = "interruptions"
	KindSpeakingRate  = "speaking_rate"
	KindMonologue     = "longest_monologue"
)

var kinds = map[string]bool{KindRequired: true, KindProhibited: true, KindSentiment: true, KindAgentTone: true,
	KindTalkListen: true, KindDeadAir: true, KindHold: true, KindInterruptions: true, KindSpeakingRate: true, KindMonologue: true}

// Scorecard is a QA form. See scoring/data/default.yaml for a complete, commented example.
type Scorecard struct {
	Version  int       `yaml:"version"`
	Name     string    `yaml:"name"`
	Settings Settings  `yaml:"settings"`
	Sections []Section `yaml:"sections"`

	enc nlp.Embedder // set by UseEncoder: items' examples are matched by meaning
}

// Default least cosines at which a sentence counts as an item's example. The required one was set on
// the labelled sentences of testdata/scorecard/items-tune.csv (README, Scoring): the middle of the
// per-item best values, with counter-examples keeping greetings and bare thanks from counting. A
// prohibited match fails the call, often automatically, so it needs a closer match.
const (
	DefaultRequiredSimilarity   = 0.45
	DefaultProhibitedSimilarity = 0.55
	maxExamples                 = 500
)

// UseEncoder embeds every item's examples so that Score matches them by meaning. Without it, examples
// are not used and items say so.
func (sc *Scorecard) UseEncoder(enc nlp.Embedder) error {
	for si := range sc.Sections {
		for ii := range sc.Sections[si].Items {
			it := &sc.Sections[si].Items[ii]
			if len(it.Examples) == 0 {
				continue
			}
			ex := make([]nlp.Example, len(it.Examples))
			for k, t := range it.Examples {
				ex[k] = nlp.Example{Text: t, Label: it.ID}
			}
			p, err := nlp.NewPrototypes(enc, ex, it.Similarity)
			if err != nil {
				return parley.WrapError(parley.CodeConfig, err, "scorecard %s: item %q: embedding its examples", sc.Name, it.ID)
			}
			if c := it.Classifier; c != nil {
				if err := c.model.CheckEncoder(enc); err != nil {
					return parley.WrapError(parley.CodeConfig, err, "scorecard %s: item %q: classifier %s", sc.Name, it.ID, c.Model)
				}
			}
			it.protos = p
			if err := p.AddCounters(enc, it.CounterExamples); err != nil {
				return parley.WrapError(parley.CodeConfig, err, "scorecard %s: item %q: embedding its counter-examples", sc.Name, it.ID)
			}
		}
	}
	sc.enc = enc
	return nil
}

// Settings of a scorecard.
type Settings struct {
	DeadAirS         float64 `yaml:"dead_air_s"`
	HoldMinS         float64 `yaml:"hold_min_s"`
	HoldUnannouncedS float64 `yaml:"hold_unannounced_s"`
	// ReviewBelow and ReviewBand leave a required item for a reviewer (status review) instead of
	// failing it when recognition may have hidden it: nothing counts, but the speaker's sentence closest
	// to the item's examples came within ReviewBand of its similarity and its turn was recognised with
	// a mean confidence below ReviewBelow. nil: the defaults; review_confidence_below: 0 turns it off.
	ReviewBelow *float64 `yaml:"review_confidence_below"`
	ReviewBand  *float64 `yaml:"review_band"`
}

// Defaults of the review settings, chosen on the tune calls of testdata/callset with tiny.en (README,
// Scoring).
const (
	DefaultReviewBelow = 0.8
	DefaultReviewBand  = 0.04
)

func (s Settings) reviewBelow() float64 {
	if s.ReviewBelow == nil {
		return DefaultReviewBelow
	}
	return *s.ReviewBelow
}

func (s Settings) reviewBand() float64 {
	if s.ReviewBand == nil {
		return DefaultReviewBand
	}
	return *s.ReviewBand
}

// Section groups items.
type Section struct {
	Name  string `yaml:"name"`
	Items []Item `yaml:"items"`
}

// Item is one thing graded on every call.
type Item struct {
	ID       string  `yaml:"id"`
	Label    string  `yaml:"label"`
	Kind     string  `yaml:"kind"`
	Weight   float64 `yaml:"weight"`
	AutoFail bool    `yaml:"auto_fail"`
	Speaker  string  `yaml:"speaker"` // agent, customer or any (default: agent)
	Window   Window  `yaml:"window"`
	When     *When   `yaml:"when"`
	// NotOn rules the item out where its condition holds, whatever is said: identity verification on a
	// prospect's call (intent sales_lead), where there is no account to protect and a name, address or
	// date of birth is taken to sign them up. When, by contrast, lets a required item be met where its
	// condition was not seen.
	NotOn *When `yaml:"not_on"`

	// required/prohibited: alternatives, "a|b" too — a list (English), or per language
	// ({en: […], es: […], ko: […]}): a call in another language is graded on its own language's
	// phrases, and an item without them is not applicable there.
	Phrases  Phrases  `yaml:"phrases"`
	Patterns []string `yaml:"patterns"` // required/prohibited: regular expressions on the turn text
	Match    string   `yaml:"match"`    // required: any (default) or all
	// required/prohibited: sentences that count, matched by meaning (sentence embeddings) against each
	// sentence of the speaker's turns; Similarity is the least cosine that counts (default per kind).
	Examples   []string `yaml:"examples"`
	Similarity float64  `yaml:"similarity"`
	// CounterExamples are sentences that do not count though they are close in words ("How can I help
	// you today?" is a greeting, not an offer of further help): a sentence counts only when it is closer
	// to an example than to every counter-example.
	CounterExamples []string `yaml:"counter_examples"`
	// StatementsOnly: a question never counts for the item, by phrase, pattern or meaning ("Can you
	// confirm your address?" is not a recap, though it shares its words with "I've updated your
	// address").
	StatementsOnly bool `yaml:"statements_only"`
	// Classifier reads each sentence the examples are compared with (required items): a sentence it
	// reads as its label counts, and a match by the examples that it reads as anything but counts no
	// longer. Examples follow the topic of a sentence; a classifier trained on what the act is and is
	// not ("I've moved your payment date" against "the payment date can be moved") follows the act.
	Classifier *Classifier `yaml:"classifier"`
	// AnsweredWith (required items of the agent or the customer): entity types of personal data
	// (nlp.PII: ACCOUNT_NUMBER, DATE_OF_BIRTH, ADDRESS, …). A turn of the other party right after one of
	// the speaker's, in the item's window, that is mostly such data (at least half its letters and
	// digits) is an answer to the speaker's question: the item is met there, however the question was
	// heard — unless the question's last sentence reads like a counter-example, at the item's
	// similarity and nearer it than every example ("What's the new address you're moving to?"); an
	// item with counter-examples needs the sentence encoder for that. Needs the NLP analysis (its
	// entities).
	AnsweredWith []string `yaml:"answered_with"`
	// AnsweredUnseenWith, when set, narrows AnsweredWith on a call whose condition (When) was not seen
	// to the types that show the act by themselves: an address, a phone number or an email is also
	// what a customer gives for a quote, a delivery or a call back, a date of birth seldom is. Each
	// must be one of AnsweredWith; empty: no answer counts there.
	AnsweredUnseenWith []string `yaml:"answered_unseen_with"`

	Of      string   `yaml:"of"`       // sentiment and metrics: whose (agent, customer)
	Measure string   `yaml:"measure"`  // sentiment: start, end, overall, min
	AtLeast *float64 `yaml:"at_least"` // sentiment, talk_listen_ratio (agent share), agent_tone score
	AtMost  *float64 `yaml:"at_most"`
	// States (sentiment, instead of at_least/at_most): the item passes when the speaker's state is
	// one of these labels (negative, neutral, positive) — at the end the classifier's most probable
	// class, as the review app, reports and evaluation show it (parley.SpeakerSentiment.EndState);
	// at start, overall or min the label of the score.
	States []string `yaml:"states"`

	MaxS      *float64 `yaml:"max_s"`     // dead_air, hold, longest_monologue
	Announced bool     `yaml:"announced"` // hold: must be announced
	Max       *int     `yaml:"max"`       // interruptions
	MinWPM    float64  `yaml:"min_wpm"`   // speaking_rate
	MaxWPM    float64  `yaml:"max_wpm"`

	line    int
	entries []phrases // one per Phrases entry, its alternatives compiled once at parse time
	// byLang are the other languages' phrase entries, compiled for their script (no English stemming).
	byLang   map[string][]phrases
	patterns []*regexp.Regexp
	protos   *nlp.Prototypes // Examples embedded (UseEncoder)
}

// Classifier is an item's sentence classifier: an intent model from `parley intent train` (a file) or a
// built-in one by name (builtinClassifiers), the label that is the item's act, the least confidence at
// which a sentence counts (Min, default 0.5: the model's own decision between two labels), and the
// confidence under which a sentence matched by the examples does not count (Veto, default 0.1).
type Classifier struct {
	Model string   `yaml:"model"`
	Label string   `yaml:"label"`
	Min   float64  `yaml:"min"`
	Veto  *float64 `yaml:"veto"`

	model *nlp.IntentModel
}

// Defaults of an item classifier's confidences: Min is where a two-label model decides, Veto was set on
// the tune calls of testdata/callset (README, Scoring: the recap's classifier).
const (
	DefaultClassifierMin  = 0.5
	DefaultClassifierVeto = 0.1
)

// classifierModels are the sentence classifiers shipped in the binary: data/NAME.model, trained by
// scripts/train-act.sh NAME with labels NAME and other — recap (the agent saying what was done),
// closing (the agent's goodbye) and empathy (the agent acknowledging how the customer feels).
//
//go:embed data/*.model
var classifierModels embed.FS

// builtinClassifiers are those classifiers by the name a scorecard gives as its classifier's model, the
// file's name. Each is decoded once per process (20 ms) and shared: a model is only read once loaded.
var builtinClassifiers = func() map[string]func() (*nlp.IntentModel, error) {
	files, _ := fs.Glob(classifierModels, "data/*.model") // the pattern is valid
	m := map[string]func() (*nlp.IntentModel, error){}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".model")
		m[name] = sync.OnceValues(func() (*nlp.IntentModel, error) {
			b, err := classifierModels.ReadFile(f)
			if err != nil {
				return nil, err
			}
			return nlp.ReadIntentModel(bytes.NewReader(b), "built-in classifier "+name)
		})
	}
	return m
}()

func (c *Classifier) veto() float64 {
	if c.Veto == nil {
		return DefaultClassifierVeto
	}
	return *c.Veto
}

// load reads the classifier's model and checks its settings.
func (c *Classifier) load() error {
	if c.Model == "" || c.Label == "" {
		return fmt.Errorf("classifier needs model and label")
	}
	if c.Min == 0 {
		c.Min = DefaultClassifierMin
	}
	if c.Min < 0 || c.Min > 1 {
		return fmt.Errorf("classifier min %g (want 0 < min ≤ 1)", c.Min)
	}
	if v := c.veto(); v < 0 || v >= c.Min {
		return fmt.Errorf("classifier veto %g (want 0 ≤ veto < min %g)", v, c.Min)
	}
	var err error
	if builtin, ok := builtinClassifiers[c.Model]; ok {
		c.model, err = builtin()
	} else {
		c.model, err = nlp.LoadIntentModel(c.Model)
	}
	if err != nil { // its code left off: the scorecard's error names one
		return fmt.Errorf("classifier: %s", strings.TrimPrefix(err.Error(), parley.ErrorCode(err)+": "))
	}
	if !slices.Contains(c.model.Labels, c.Label) {
		return fmt.Errorf("classifier %s has no label %q (it has %s)", c.Model, c.Label, strings.Join(slices.Sorted(slices.Values(c.model.Labels)), ", "))
	}
	return nil
}

// confidence is the classifier's confidence that a sentence (with its embedding) is the item's act.
func (c *Classifier) confidence(text string, emb []float32) float64 {
	for _, s := range c.model.PredictWith(text, emb) {
		if s.Label == c.Label {
			return s.Score
		}
	}
	return 0
}

// Phrases are an item's phrases: English ones (a plain list in YAML, or the en key) and, from a map,
// other languages' by code.
type Phrases struct {
	En     []string
	ByLang map[string][]string
}

// UnmarshalYAML reads a list (English) or a map of language code to list.
func (p *Phrases) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		return n.Decode(&p.En)
	}
	var m map[string][]string
	if err := n.Decode(&m); err != nil {
		return fmt.Errorf("line %d: phrases are a list, or a map of language code to list", n.Line)
	}
	for lang, list := range m {
		if strings.ToLower(lang) == "en" {
			p.En = append(p.En, list...)
			continue
		}
		if p.ByLang == nil {
			p.ByLang = map[string][]string{}
		}
		p.ByLang[strings.ToLower(lang)] = list
	}
	return nil
}

// Window limits where a phrase counts.
type Window struct {
	First Duration `yaml:"first"` // only in the first … of the call
	Last  Duration `yaml:"last"`  // only in the last … of the call
}

// When makes an item apply only to some calls; otherwise it is N/A.
type When struct {
	Phrases []string `yaml:"phrases"` // said by anyone
	Entity  string   `yaml:"entity"`  // an entity of this type was mentioned
	Intent  []string `yaml:"intent"`  // the call's intent is one of these
	// NotIntent: the call's intent is none of these (a recap is owed when something was asked to be
	// done, not on a question answered); an unclear or unknown intent (no NLP analysis) applies.
	NotIntent []string `yaml:"not_intent"`
	// CustomerSentiment: at least one customer turn has this sentiment (negative, neutral, positive):
	// empathy is owed when the customer has something to be upset about.
	CustomerSentiment string `yaml:"customer_sentiment"`
	// CustomerScoreAtMost: at least one customer turn scores this or lower (-1 … 1; with
	// CustomerSentiment, the same turn has that sentiment): a customer clearly upset, not a turn that
	// leans negative by a few hundredths.
	CustomerScoreAtMost *float64 `yaml:"customer_score_at_most"`

	phrases phrases
}

// Duration reads "30s", "2m".
type Duration float64

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 30s", n.Line, n.Value)
	}
	*d = Duration(v.Seconds())
	return nil
}

//go:embed data/default.yaml
var defaultScorecard []byte

// Default returns the built-in contact-center scorecard.
func Default() *Scorecard {
	sc, err := Parse(defaultScorecard, "default scorecard")
	if err != nil {
		panic(err)
	}
	return sc
}

// Parse reads and checks a scorecard. Every error names the line and the reason, so a bad scorecard
// is refused before any call is processed.
func Parse(data []byte, name string) (*Scorecard, error) {
	bad := func(line int, format string, args ...any) error {
		return parley.Errorf(parley.CodeConfig, "scorecard %s: line %d: %s", name, line, fmt.Sprintf(format, args...))
	}
	var sc Scorecard
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		return nil, parley.Errorf(parley.CodeConfig, "scorecard %s: %v", name, err)
	}
	if sc.Version != 1 {
		return nil, bad(1, "version %d (want version: 1)", sc.Version)
	}
	if sc.Settings.DeadAirS == 0 {
		sc.Settings.DeadAirS = DefaultMetricSettings.DeadAirS
	}
	if sc.Settings.HoldMinS == 0 {
		sc.Settings.HoldMinS = DefaultMetricSettings.HoldMinS
	}
	if sc.Settings.HoldUnannouncedS == 0 {
		sc.Settings.HoldUnannouncedS = DefaultMetricSettings.HoldUnannouncedS
	}
	if b := sc.Settings.reviewBelow(); b < 0 || b > 1 {
		return nil, bad(1, "settings: review_confidence_below %g (want 0 … 1; 0 turns review off)", b)
	}
	if b := sc.Settings.reviewBand(); b < 0 || b > 0.5 {
		return nil, bad(1, "settings: review_band %g (want 0 … 0.5)", b)
	}
	lines := itemLines(data)
	ids := map[string]bool{}
	var sum float64
	k := 0
	for si := range sc.Sections {
		for ii := range sc.Sections[si].Items {
			it := &sc.Sections[si].Items[ii]
			if k < len(lines) {
				it.line = lines[k]
			}
			k++
			if err := it.check(); err != nil {
				return nil, bad(it.line, "item %q: %v", it.ID, err)
			}
			if ids[it.ID] {
				return nil, bad(it.line, "item id %q used twice", it.ID)
			}
			ids[it.ID] = true
			sum += it.Weight
		}
	}
	if k == 0 {
		return nil, bad(1, "no items")
	}
	if math.Abs(sum-100) > 1e-9 {
		return nil, bad(1, "item weights add up to %g, not 100", sum)
	}
	return &sc, nil
}

func (it *Item) check() error {
	switch {
	case it.ID == "":
		return fmt.Errorf("no id")
	case !kinds[it.Kind]:
		return fmt.Errorf("unknown kind %q", it.Kind)
	case it.Weight <= 0:
		return fmt.Errorf("weight %g (want > 0)", it.Weight)
	}
	if it.Label == "" {
		it.Label = it.ID
	}
	if it.Speaker == "" {
		it.Speaker = "agent"
	}
	if it.Speaker != "agent" && it.Speaker != "customer" && it.Speaker != "any" {
		return fmt.Errorf("speaker %q (agent, customer or any)", it.Speaker)
	}
	if it.Of == "" {
		it.Of = it.Speaker
	}
	for _, e := range it.Phrases.En {
		if err := checkPlaceholders(e); err != nil {
			return err
		}
		it.entries = append(it.entries, compilePhrases([]string{e}))
	}
	for lang, list := range it.Phrases.ByLang {
		if len(list) == 0 {
			return fmt.Errorf("phrases for %q: an empty list", lang)
		}
		if it.byLang == nil {
			it.byLang = map[string][]phrases{}
		}
		for _, e := range list {
			if err := checkPlaceholders(e); err != nil {
				return fmt.Errorf("phrases for %q: %w", lang, err)
			}
			ps := compileForeign([]string{e})
			if len(ps) == 0 {
				return fmt.Errorf("phrases for %q: %q has no words", lang, e)
			}
			it.byLang[lang] = append(it.byLang[lang], ps)
		}
	}
	if n := len(it.Examples) + len(it.CounterExamples); n > maxExamples {
		return fmt.Errorf("%d examples and counter-examples (at most %d: they are embedded when the scorecard loads)", n, maxExamples)
	}
	for k, ex := range append(append([]string{}, it.Examples...), it.CounterExamples...) {
		if strings.TrimSpace(ex) == "" {
			return fmt.Errorf("example %d is empty", k+1)
		}
	}
	if len(it.CounterExamples) > 0 && len(it.Examples) == 0 {
		return fmt.Errorf("counter_examples without examples")
	}
	if len(it.Examples) > 0 && it.Kind != KindRequired && it.Kind != KindProhibited {
		return fmt.Errorf("examples are for required_phrase and prohibited_phrase items, not %s", it.Kind)
	}
	if it.Classifier != nil {
		if it.Kind != KindRequired || len(it.Examples) == 0 {
			return fmt.Errorf("a classifier is for required_phrase items with examples (it reads the sentences they are compared with)")
		}
		if err := it.Classifier.load(); err != nil {
			return err
		}
	}
	if len(it.AnsweredWith) > 0 {
		if it.Kind != KindRequired || (it.Speaker != "agent" && it.Speaker != "customer") {
			return fmt.Errorf("answered_with is for required_phrase items of the agent or the customer (the other party answers)")
		}
		for _, typ := range it.AnsweredWith {
			if !nlp.PII[typ] {
				return fmt.Errorf("answered_with: %q is not a type of personal data (%s)", typ, strings.Join(slices.Sorted(maps.Keys(nlp.PII)), ", "))
			}
		}
	}
	for _, typ := range it.AnsweredUnseenWith {
		if !slices.Contains(it.AnsweredWith, typ) {
			return fmt.Errorf("answered_unseen_with: %q is not one of answered_with %v", typ, it.AnsweredWith)
		}
	}
	if len(it.States) > 0 && it.Kind != KindSentiment {
		return fmt.Errorf("states is for sentiment items, not %s", it.Kind)
	}
	if it.StatementsOnly && it.Kind != KindRequired && it.Kind != KindProhibited {
		return fmt.Errorf("statements_only is for required_phrase and prohibited_phrase items, not %s", it.Kind)
	}
	if it.Similarity < 0 || it.Similarity >= 1 {
		return fmt.Errorf("similarity %g (want 0 < similarity < 1)", it.Similarity)
	}
	if it.Similarity == 0 {
		it.Similarity = DefaultRequiredSimilarity
		if it.Kind == KindProhibited {
			it.Similarity = DefaultProhibitedSimilarity
		}
	}
	for _, p := range it.Patterns {
		re, err := regexp.Compile("(?i)" + p)
		if err != nil {
			return fmt.Errorf("bad pattern %q: %v", p, err)
		}
		it.patterns = append(it.patterns, re)
	}
	switch it.Kind {
	case KindRequired, KindProhibited:
		if it.alternatives() == 0 && len(it.Examples) == 0 && len(it.byLang) == 0 {
			return fmt.Errorf("%s needs phrases, patterns or examples", it.Kind)
		}
		if it.Match == "" {
			it.Match = "any"
		}
		if it.Match != "any" && it.Match != "all" {
			return fmt.Errorf("match %q (any or all)", it.Match)
		}
	case KindSentiment:
		if it.Measure == "" {
			it.Measure = "end"
		}
		if !strings.Contains(" start end overall min ", " "+it.Measure+" ") {
			return fmt.Errorf("measure %q (start, end, overall or min)", it.Measure)
		}
		switch {
		case len(it.States) > 0 && (it.AtLeast != nil || it.AtMost != nil):
			return fmt.Errorf("sentiment takes states or at_least/at_most, not both")
		case len(it.States) == 0 && it.AtLeast == nil && it.AtMost == nil:
			return fmt.Errorf("sentiment needs states, at_least or at_most")
		}
		for i, st := range it.States {
			if !isSentiment(st) {
				return fmt.Errorf("states: %q is not a sentiment (negative, neutral, positive)", st)
			}
			if slices.Contains(it.States[:i], st) {
				return fmt.Errorf("states: %q twice", st)
			}
		}
	case KindTalkListen:
		if it.AtLeast == nil && it.AtMost == nil {
			return fmt.Errorf("talk_listen_ratio needs at_least or at_most (agent share of talk, 0–1)")
		}
	case KindDeadAir, KindMonologue:
		if it.MaxS == nil {
			return fmt.Errorf("%s needs max_s", it.Kind)
		}
	case KindHold:
		if it.MaxS == nil && !it.Announced {
			return fmt.Errorf("hold needs max_s or announced: true")
		}
	case KindInterruptions:
		if it.Max == nil {
			return fmt.Errorf("interruptions needs max")
		}
	case KindSpeakingRate:
		if it.MinWPM == 0 && it.MaxWPM == 0 {
			return fmt.Errorf("speaking_rate needs min_wpm or max_wpm")
		}
	}
	if err := it.When.check("when"); err != nil {
		return err
	}
	return it.NotOn.check("not_on")
}

// describe says what a condition that holds is, for an item it rules out (not_on).
func (w *When) describe() string {
	var parts []string
	if len(w.Phrases) > 0 {
		parts = append(parts, "someone said "+strings.Join(w.Phrases, " or "))
	}
	if w.Entity != "" {
		parts = append(parts, "a "+w.Entity+" was mentioned")
	}
	if len(w.Intent) > 0 {
		parts = append(parts, "the call's intent is "+strings.Join(w.Intent, " or "))
	}
	if len(w.NotIntent) > 0 {
		parts = append(parts, "the call's intent is not "+strings.Join(w.NotIntent, " or "))
	}
	if w.CustomerSentiment != "" || w.CustomerScoreAtMost != nil {
		parts = append(parts, "a customer turn reads "+cmp.Or(w.CustomerSentiment, "low enough"))
	}
	return strings.Join(parts, " and ")
}

// isSentiment: s is one of the sentiment labels (parley.SentimentLabel's).
func isSentiment(s string) bool {
	return s == parley.SentimentNegative || s == parley.SentimentNeutral || s == parley.SentimentPositive
}

// check compiles a condition's phrases and checks its settings; key names it in errors. A nil
// condition is none.
func (w *When) check(key string) error {
	if w == nil {
		return nil
	}
	w.phrases = compilePhrases(w.Phrases)
	if w.CustomerSentiment != "" && !isSentiment(w.CustomerSentiment) {
		return fmt.Errorf("%s: customer_sentiment %q (want negative, neutral or positive)", key, w.CustomerSentiment)
	}
	if v := w.CustomerScoreAtMost; v != nil && (*v < -1 || *v > 1) {
		return fmt.Errorf("%s: customer_score_at_most %g (want -1 … 1)", key, *v)
	}
	if len(w.phrases) == 0 && w.Entity == "" && len(w.Intent) == 0 && len(w.NotIntent) == 0 && w.CustomerSentiment == "" && w.CustomerScoreAtMost == nil {
		return fmt.Errorf("%s needs phrases, entity, intent, not_intent, customer_sentiment or customer_score_at_most", key)
	}
	return nil
}

// alternatives counts what a phrase item looks for: phrase alternatives and patterns.
func (it *Item) alternatives() int {
	n := len(it.patterns)
	for _, ps := range it.entries {
		n += len(ps)
	}
	return n
}

// itemLines returns the line of every item, in order, from the YAML tree.
func itemLines(data []byte) []int {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 {
		return nil
	}
	child := func(n *yaml.Node, key string) *yaml.Node {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
		return nil
	}
	var out []int
	if secs := child(root.Content[0], "sections"); secs != nil {
		for _, s := range secs.Content {
			if items := child(s, "items"); items != nil {
				for _, it := range items.Content {
					out = append(out, it.Line)
				}
			}
		}
	}
	return out
}

// Match is a sentence compared with an item's examples.
type Match struct {
	Turn       int     `json:"turn"` // -1 outside a call
	Start      float64 `json:"start"`
	Text       string  `json:"text"`
	Example    string  `json:"example"`
	Similarity float64 `json:"similarity"`
	// Counts: reaches the item's similarity and is closer to an example than to any counter-example (and
	// not vetoed by the item's classifier), or the classifier reads it as the item's act.
	Counts bool `json:"counts"`
	// ClassifierConfidence is the item's classifier's confidence in its act (items with a classifier).
	ClassifierConfidence *float64 `json:"classifier_confidence,omitempty"`
	// CounterExample is the counter-example the sentence is at least as close to as to its example.
	CounterExample string `json:"counter_example,omitempty"`
	// Question: the sentence asks, and the item counts statements only (it never counts).
	Question bool `json:"question,omitempty"`
	// Heard names the model of the second hearing for a sentence only its reading has (Turn is then
	// the transcript's turn at that time).
	Heard string `json:"heard,omitempty"`
}

// asks reports whether the item never counts a sentence because it is a question (statements_only).
func (it *Item) asks(sentence string) bool { return it.StatementsOnly && nlp.IsQuestion(sentence) }

// compare finds the example closest to a sentence's embedding and the similarity, the counter-example at
// least as close, if any, and whether the sentence counts: at the item's similarity or above and closer to
// an example than to every counter-example.
func (it *Item) compare(emb []float32) (k int, sim float64, counter string, counts bool) {
	k, sim, c, counts := it.protos.Match(emb)
	if c >= 0 {
		counter = it.protos.Counters.Texts[c]
	}
	return k, sim, counter, counts
}

// judgement is how one sentence stands to an item's examples and classifier.
type judgement struct {
	ex      int // the nearest example, -1 for none
	sim     float64
	counter string  // the counter-example as close as that example, if any
	conf    float64 // the classifier's confidence in the item's act; -1 without a classifier
	// near: at the item's similarity and nearer an example than every counter-example; disowned: the
	// classifier's confidence in the act is under its veto; byClassifier: read as the act by it.
	near, disowned, byClassifier bool
}

// byExample: the examples count the sentence and the classifier does not disown it.
func (j judgement) byExample() bool { return j.near && !j.disowned }

// vetoed: the examples alone would have counted the sentence.
func (j judgement) vetoed() bool { return j.near && j.disowned }

func (j judgement) counts() bool { return j.byExample() || j.byClassifier }

// judge compares a sentence (with its embedding) with the item's examples and reads it with its
// classifier: the one rule for Score and for Nearest.
func (it *Item) judge(text string, emb []float32) judgement {
	j := judgement{conf: -1}
	j.ex, j.sim, j.counter, j.near = it.compare(emb)
	if c := it.Classifier; c != nil {
		j.conf = c.confidence(text, emb)
		j.byClassifier, j.disowned = j.conf >= c.Min, j.conf < c.veto()
	}
	return j
}

// Item returns the item with the given id.
func (sc *Scorecard) Item(id string) (*Item, bool) {
	for si := range sc.Sections {
		for ii := range sc.Sections[si].Items {
			if it := &sc.Sections[si].Items[ii]; it.ID == id {
				return it, true
			}
		}
	}
	return nil, false
}

// Nearest compares texts with an item's examples (UseEncoder first): for each text, the closest example
// and the similarity, in the order of texts.
func (sc *Scorecard) Nearest(it *Item, texts []string) ([]Match, error) {
	if it.protos == nil || sc.enc == nil {
		return nil, parley.Errorf(parley.CodeConfig, "item %q: no examples matched by meaning (it has %d examples; the scorecard needs the sentence encoder)", it.ID, len(it.Examples))
	}
	if len(texts) == 0 {
		return nil, nil
	}
	embs, err := sc.enc.Embed(texts)
	if err != nil {
		return nil, err
	}
	out := make([]Match, len(texts))
	for i, e := range embs {
		j := it.judge(texts[i], e)
		out[i] = Match{Turn: -1, Text: texts[i], Similarity: math.Round(j.sim*1000) / 1000, Counts: j.counts()}
		if j.ex >= 0 {
			out[i].Example = it.protos.Texts[j.ex]
		}
		if j.conf >= 0 {
			conf := math.Round(j.conf*1000) / 1000
			out[i].ClassifierConfidence = &conf
		}
		out[i].CounterExample = j.counter
		if it.asks(texts[i]) {
			out[i].Question, out[i].Counts = true, false
		}
	}
	return out, nil
}

// Candidates lists the sentences of a call an item would compare with its examples: every sentence of
// the speaker's turns inside the item's window — and, when the agent was heard a second time, the
// sentences only that reading has (Match.Heard), which Score counts for required phrases too.
func (sc *Scorecard) Candidates(it *Item, c Call) []Match {
	if c.Transcript == nil {
		return nil
	}
	out := sc.candidates(it, c)
	if h := c.Transcript.Again; h != nil {
		type key struct {
			start float64
			text  string
		}
		seen := map[key]bool{}
		for _, m := range out {
			seen[key{m.Start, m.Text}] = true
		}
		again := h.Transcript(c.Transcript)
		for _, m := range sc.candidates(it, Call{Transcript: again, Analysis: c.Analysis, DurationS: c.DurationS}) {
			if seen[key{m.Start, m.Text}] {
				continue
			}
			t := again.Turns[m.Turn]
			m.Turn, m.Heard = turnAt(c.Transcript.Turns, t.Speaker, t.Start.Seconds(), t.End.Seconds()), h.By()
			out = append(out, m)
		}
	}
	return out
}

func (sc *Scorecard) candidates(it *Item, c Call) []Match {
	c.DurationS = duration(c.DurationS, c.Transcript)
	e := &evaluator{sc: sc, call: c, tr: c.Transcript}
	var out []Match
	for _, i := range e.turnsFor(it) {
		for _, s := range nlp.Sentences(c.Transcript.Turns[i].Text) {
			out = append(out, Match{Turn: i, Start: math.Round(c.Transcript.Turns[i].Start.Seconds()*1000) / 1000, Text: s})
		}
	}
	return out
}

// SortQuality is how a least similarity sorts labelled sentences: accuracy, precision and recall of
// "counts" (similarity ≥ threshold) against the labels.
func SortQuality(sims []float64, labels []bool, threshold float64) (acc, prec, rec float64) {
	var tp, fp, fn, ok int
	for i, s := range sims {
		got := s >= threshold
		switch {
		case got && labels[i]:
			tp++
		case got:
			fp++
		case labels[i]:
			fn++
		}
		if got == labels[i] {
			ok++
		}
	}
	if len(sims) > 0 {
		acc = float64(ok) / float64(len(sims))
	}
	if tp+fp > 0 {
		prec = float64(tp) / float64(tp+fp)
	}
	if tp+fn > 0 {
		rec = float64(tp) / float64(tp+fn)
	}
	return acc, prec, rec
}

// BestSimilarity is the least similarity (in steps of 0.01) that sorts labelled sentences most
// accurately, the middle one when several tie.
func BestSimilarity(sims []float64, labels []bool) (float64, float64) {
	var bestAcc float64
	var ties []float64
	for t := 0.30; t <= 0.95+1e-9; t += 0.01 {
		acc, _, _ := SortQuality(sims, labels, t)
		switch {
		case acc > bestAcc+1e-12:
			bestAcc, ties = acc, []float64{t}
		case math.Abs(acc-bestAcc) <= 1e-12:
			ties = append(ties, t)
		}
	}
	if len(ties) == 0 {
		return 0, 0
	}
	return math.Round(ties[len(ties)/2]*100) / 100, bestAcc
}
