package nlp

import (
	_ "embed"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/nlp/tagger"
)

//go:embed data/taxonomy.yaml
var defaultTaxonomy []byte

// DefaultTaxonomy is the built-in contact-center call-driver taxonomy.
func DefaultTaxonomy() *Taxonomy {
	t, err := ParseTaxonomy(defaultTaxonomy, "default taxonomy")
	if err != nil {
		panic(err)
	}
	return t
}

// Options configure an Analyzer.
type Options struct {
	Intent     *IntentModel // nil: trained at start from the default taxonomy
	Products   []string     // product names to find as entities
	Redact     bool         // replace PII with [TYPE] in the transcript and everything derived from it
	KeyPhrases int          // how many key phrases per call (default 10)
	Method     string       // key-phrase ranking, TextRank (default) or RAKE
	// Encoder embeds sentences for sentiment and threat detection; nil: sentiment comes from the word
	// lexicon, and the analysis says so.
	Encoder Embedder
	// SentimentEncoder gives the embeddings the sentiment classifier reads (nil: Encoder), and Sentiment
	// is that classifier (nil: the built-in model, which reads the built-in sentiment layers).
	SentimentEncoder Embedder
	Sentiment        *SentimentModel
	// UnclearBelow: a call whose leading intent has less of the vote is unclear (0: the built-in
	// UnclearBelow, calibrated for the default taxonomy).
	UnclearBelow float64
}

// Analyzer runs the NLP stage on transcripts. It is safe for concurrent use.
type Analyzer struct {
	opts    Options
	sent    *Sentiment
	model   *SentimentModel
	threats *Prototypes
	// threatModel classifies customer sentences as churn, escalation or none.
	threatModel *Threats
	threatNote  string      // why threats are not read, with an encoder
	summary     *Prototypes // agents' actions and next steps
	x           *Extractor
	intent      *IntentModel
}

// NewAnalyzer prepares an analyser, training the default intent model when none is given (about 0.1 s).
func NewAnalyzer(opts Options) (*Analyzer, error) {
	if opts.KeyPhrases == 0 {
		opts.KeyPhrases = 10
	}
	if opts.Method == "" {
		opts.Method = TextRank
	}
	if opts.UnclearBelow == 0 {
		opts.UnclearBelow = UnclearBelow
	}
	if opts.Method != TextRank && opts.Method != RAKE {
		return nil, parley.Errorf(parley.CodeConfig, "key-phrase method %q (want textrank or rake)", opts.Method)
	}
	a := &Analyzer{opts: opts, sent: NewSentiment(), x: NewExtractor(opts.Products), intent: opts.Intent}
	if opts.Encoder != nil {
		a.model = opts.Sentiment
		if a.model == nil {
			m, err := DefaultSentimentModel()
			if err != nil {
				return nil, err
			}
			a.model = m
		}
		if opts.SentimentEncoder == nil {
			a.opts.SentimentEncoder = opts.Encoder
		}
		if err := a.model.CheckEncoder(a.opts.SentimentEncoder); err != nil {
			return nil, err
		}
		var err error
		switch a.threatModel, err = NewThreats(opts.Encoder); {
		case err == nil:
			if a.threats, err = DefaultThreats(opts.Encoder); err != nil {
				return nil, err
			}
		case parley.ErrorCode(err) == parley.CodeConfig:
			// Another encoder than the built-in threat model's (a sentiment model trained on it): the
			// analysis says threats are not read rather than refusing to analyse.
			a.threatNote = fmt.Sprintf("no churn or escalation threats: %v", err)
		default:
			return nil, err
		}
		if a.summary, err = DefaultSummary(opts.Encoder); err != nil {
			return nil, err
		}
	}
	if a.intent == nil {
		m, err := TrainIntentWith(DefaultTaxonomy().Examples(), nil, opts.Encoder, DefaultC)
		if err != nil {
			return nil, err
		}
		a.intent = m
	}
	if err := a.intent.CheckEncoder(opts.Encoder); err != nil {
		return nil, err
	}
	if _, err := tagger.Default(); err != nil { // read once per process, here rather than on the first turn
		return nil, err
	}
	return a, nil
}

// Sentiment returns the sentiment analyser.
func (a *Analyzer) Sentiment() *Sentiment { return a.sent }

// maxTurnWords bounds the text one turn sends through the tagger and recogniser: a 10,000-word "turn"
// (a recogniser running on without pause) is analysed in pieces of this size.
const maxTurnWords = 400

// Analyze analyses a transcript. With Redact set it first replaces PII in the transcript's segments and
// turns, so that nothing written afterwards holds it.
func (a *Analyzer) Analyze(tr *parley.Transcript) *parley.Analysis {
	an := &parley.Analysis{Status: parley.AnalysisOK, Language: tr.Language, Redacted: a.opts.Redact,
		KeyPhrases: []parley.KeyPhrase{}, Entities: []parley.EntityMention{}, Notes: []string{}}
	type turnInfo struct {
		toks []ptoken
		ents []Entity
	}
	infos := make([]turnInfo, len(tr.Turns))
	names := map[string]bool{}
	for i := range tr.Turns {
		t := &tr.Turns[i]
		context := ""
		if i > 0 {
			context = lastWords(tr.Turns[i-1].Text, 12)
		}
		for k, piece := range chunkWords(t.Text, maxTurnWords) {
			toks, _ := tag(piece.text, false)
			var ents []Entity
			if k == 0 {
				ents = a.x.FindAfter(context, piece.text, toks)
			} else {
				ents = a.x.Find(piece.text, toks)
			}
			for k := range toks {
				toks[k].start += piece.offset
				toks[k].end += piece.offset
			}
			for k := range ents {
				ents[k].Start += piece.offset
				ents[k].End += piece.offset
			}
			infos[i].toks = append(infos[i].toks, toks...)
			infos[i].ents = append(infos[i].ents, ents...)
		}
		for _, e := range infos[i].ents {
			if e.Type == EntPerson {
				for _, w := range tokenize(e.Text) {
					if !commonWord(w.text) && len(w.text) > 1 {
						names[w.text] = true
					}
				}
			}
		}
	}
	for i := range tr.Turns {
		t := &tr.Turns[i]
		infos[i].ents = resolve(append(infos[i].ents, nameMentions(t.Text, names)...))
		for _, e := range infos[i].ents {
			text := e.Text
			if a.opts.Redact && PII[e.Type] {
				text = "[" + e.Type + "]"
			}
			an.Entities = append(an.Entities, parley.EntityMention{Type: e.Type, Text: text, Speaker: t.Speaker, Turn: i, Start: secs(t.Start.Seconds())})
		}
		if a.opts.Redact {
			t.Text = Redact(t.Text, infos[i].ents)
		}
	}
	if a.opts.Redact {
		// Segments are redacted on their own: a number read across two segments leaves a run of digits
		// in each, and every run of three or more digits is PII. So is every other text the transcript
		// keeps: the translation, and the agent's speech as a second recogniser heard it.
		a.redactTexts(segmentTexts(tr.Segments), names)
		a.redactTexts(segmentTexts(tr.Translation), names)
		if h := tr.Again; h != nil {
			a.redactTexts(segmentTexts(h.Segments), names)
			var turns []timedText
			for i := range h.Turns {
				turns = append(turns, timedText{h.Turns[i].Start, &h.Turns[i].Text})
			}
			a.redactTexts(turns, names)
		}
	}
	// English NLP is never applied to another language: not the call's, nor any one speaker's.
	other := ""
	if !parley.IsEnglish(tr.Language) {
		other = fmt.Sprintf("%q", tr.Language)
	}
	for _, l := range tr.Languages {
		if other == "" && !parley.IsEnglish(l.Language) {
			other = fmt.Sprintf("%q (%s)", l.Language, l.Speaker)
		}
	}
	if other != "" {
		an.Status = parley.AnalysisUnsupportedLanguage
		an.Notes = append(an.Notes, fmt.Sprintf("language %s: sentiment, intent and key phrases are only available for English", other))
		return an
	}
	if len(tr.Turns) == 0 {
		an.Status = parley.AnalysisEmpty
		an.Notes = append(an.Notes, "no speech was recognised")
		return an
	}

	// Threats first: a turn that threatens to leave or escalate is negative whatever else it says.
	var ents [][]Entity
	if !a.opts.Redact {
		ents = make([][]Entity, len(infos))
		for i, info := range infos {
			ents[i] = info.ents
		}
	}
	cs, csErr := a.customerSentences(tr, ents)
	if csErr != nil {
		an.Notes = append(an.Notes, fmt.Sprintf("sentence encoder failed (%v): no threat detection, intent from words alone", csErr))
	}
	switch {
	case a.threatModel != nil && csErr == nil:
		an.Threats = a.findThreats(tr, cs)
	case a.threatNote != "":
		an.Notes = append(an.Notes, a.threatNote)
	}

	// Sentiment per turn, then per speaker.
	an.Sentiment = &parley.CallSentiment{Turns: []parley.TurnSentiment{}}
	scored, method, err := a.scoreTurns(tr)
	if err != nil {
		an.Notes = append(an.Notes, fmt.Sprintf("sentence encoder failed (%v): sentiment comes from the word lexicon", err))
	}
	an.Sentiment.Method = method
	if a.model == nil {
		an.Notes = append(an.Notes, "sentiment from the word lexicon and no churn or escalation threats: the sentence encoder is not installed (parley models list)")
	}
	for _, th := range an.Threats {
		if st := &scored[th.Turn]; st.model {
			r := Threatened(SentimentResult{Score: st.score, Label: st.label, Probs: st.probs})
			st.label, st.score, st.probs = r.Label, r.Score, r.Probs
		}
	}
	byRole := map[parley.Role][]scoredTurn{}
	for i, t := range tr.Turns {
		st := scored[i]
		an.Sentiment.Turns = append(an.Sentiment.Turns, parley.TurnSentiment{Turn: i, Speaker: t.Speaker, Start: secs(t.Start.Seconds()), Score: round3(st.score), Label: st.label})
		byRole[t.Speaker] = append(byRole[t.Speaker], st)
	}
	an.Sentiment.Customer = speakerSentiment(byRole[parley.RoleCustomer])
	an.Sentiment.Agent = speakerSentiment(byRole[parley.RoleAgent])
	an.Sentiment.Unknown = speakerSentiment(byRole[parley.RoleUnknown])
	if an.Sentiment.Customer == nil && an.Sentiment.Unknown != nil {
		an.Notes = append(an.Notes, "customer and agent sentiment are not available for mono recordings: see sentiment.unknown")
	}

	var reason int
	an.Intent, reason = a.callIntent(cs)
	an.Summary, err = a.summarize(tr, an, cs, reason)
	if err != nil {
		an.Notes = append(an.Notes, fmt.Sprintf("sentence encoder failed (%v): the summary gives no actions or next steps", err))
	}
	var cands []candidate
	for i, info := range infos {
		cands = append(cands, candidates(info.toks, info.ents, i)...)
	}
	an.KeyPhrases = a.keyPhrases(tr, cands)
	return an
}

type scoredTurn struct {
	score float64
	label string
	probs [3]float64 // negative, neutral, positive (zero with the lexicon)
	model bool       // probs are set
	words int
}

// MethodLexicon names the word-lexicon sentiment in the analysis.
const MethodLexicon = "lexicon"

// scoreTurns scores every turn with the classifier on sentence embeddings, or with the lexicon when the
// analyzer has no encoder (or the encoder fails). A short answer is read with the question before it:
// "No." after "Is there anything else?" is not the "No." after "Is it working now?". An agent's turn
// that reads negative is read again without its sentences of apology and sympathy (withoutCare), and is
// neutral when it has nothing else: "I'm so sorry, that sounds awful." is care, not a negative agent.
func (a *Analyzer) scoreTurns(tr *parley.Transcript) ([]scoredTurn, string, error) {
	out := make([]scoredTurn, len(tr.Turns))
	for i, t := range tr.Turns {
		out[i].words = max(1, len(words(t.Text)))
	}
	lexicon := func() {
		for i, t := range tr.Turns {
			sc := a.sent.Score(t.Text)
			out[i].score, out[i].label, out[i].model = sc, Label(sc), false
		}
	}
	if a.model == nil {
		lexicon()
		return out, MethodLexicon, nil
	}
	texts := make([]string, len(tr.Turns))
	for i, t := range tr.Turns {
		texts[i] = withQuestion(tr, i)
		if texts[i] == "" {
			texts[i] = t.Text
		}
	}
	// An agent's turn with an apology or sympathy in it is read once more without them (withoutCare):
	// when the whole turn reads negative, the rest of it is what the agent's tone was.
	care := withoutCare(tr)
	var rests []int // the turns read again, in the order of their texts after texts
	for i := range tr.Turns {
		if rest, ok := care[i]; ok && rest != "" {
			texts, rests = append(texts, rest), append(rests, i)
		}
	}
	embs, err := a.opts.SentimentEncoder.Embed(texts)
	if err != nil {
		lexicon()
		return out, MethodLexicon, err
	}
	results := make([]SentimentResult, len(texts))
	for k := range texts {
		if results[k], err = a.model.Classify(texts[k], embs[k]); err != nil {
			lexicon()
			return out, MethodLexicon, err
		}
	}
	restOf := map[int]*SentimentResult{}
	for k, i := range rests {
		restOf[i] = &results[len(tr.Turns)+k]
	}
	for i, t := range tr.Turns {
		r := results[i]
		if _, ok := care[i]; ok {
			r = withCare(r, restOf[i])
		}
		out[i].score, out[i].label, out[i].probs, out[i].model = r.Score, r.Label, r.Probs, true
		if !LatinScript(t.Text) { // not read: neutral weight, labelled as such
			out[i].score, out[i].label, out[i].probs = 0, Unsupported, [3]float64{0, 1, 0}
		}
	}
	return out, "encoder:" + a.opts.SentimentEncoder.Name(), nil
}

// withQuestion returns the question a short answer (three words or fewer) answers joined to the answer,
// or "" when turn i is not such an answer.
func withQuestion(tr *parley.Transcript, i int) string {
	t := tr.Turns[i]
	if i == 0 || len(words(t.Text)) > 3 {
		return ""
	}
	prev := tr.Turns[i-1]
	if prev.Speaker == t.Speaker {
		return ""
	}
	ss := sentences(prev.Text)
	if len(ss) == 0 || !IsQuestion(ss[len(ss)-1]) {
		return ""
	}
	return ss[len(ss)-1] + " " + strings.TrimSpace(t.Text)
}

func speakerSentiment(turns []scoredTurn) *parley.SpeakerSentiment {
	if len(turns) == 0 {
		return nil
	}
	third := (len(turns) + 2) / 3
	mean := func(ts []scoredTurn) float64 {
		var s, w float64
		for _, t := range ts {
			s += t.score * float64(t.words)
			w += float64(t.words)
		}
		return s / w
	}
	ss := &parley.SpeakerSentiment{Start: mean(turns[:third]), End: mean(turns[len(turns)-third:]), Min: math.Inf(1), Overall: mean(turns)}
	if turns[0].model {
		ss.End, ss.EndLabel = closing(turns)
	}
	for _, t := range turns {
		ss.Min = min(ss.Min, t.score)
	}
	ss.Change = ss.End - ss.Start
	ss.Label = Label(ss.Overall)
	ss.Start, ss.End, ss.Min, ss.Overall, ss.Change = round3(ss.Start), round3(ss.End), round3(ss.Min), round3(ss.Overall), round3(ss.Change)
	return ss
}

// closing is the speaker's state at the end of the call: walking back from their last turn, each turn
// weighs by its words (at most 30) times how far it is from neutral, until the weight of about one
// clearly felt sentence is gathered or half their turns (at least three) are read. Closing pleasantries ("Okay. Thanks,
// bye.") are mostly neutral and weigh little, so a call that went badly ends negative even when the
// customer says goodbye politely, and one that was put right ends positive.
func closing(turns []scoredTurn) (float64, string) {
	const enough = 6.0
	var w, s float64
	var probs [3]float64
	limit := max(3, (len(turns)+1)/2)
	for k := len(turns) - 1; k >= 0; k-- {
		t := turns[k]
		wt := float64(min(t.words, 30)) * (1 - t.probs[1])
		w += wt
		s += wt * t.score
		for c := range probs {
			probs[c] += wt * t.probs[c]
		}
		if w >= enough || len(turns)-k >= limit {
			break
		}
	}
	if w < 0.5 { // nothing felt at the end: neutral
		return 0, Neutral
	}
	best := 0
	for c := range probs {
		if probs[c] > probs[best] {
			best = c
		}
	}
	return s / w, sentimentLabels[best]
}

// sentence is a sentence of a turn, with its embedding once embedSentences ran.
type sentence struct {
	turn int
	text string
	emb  []float32
}

// embedSentences embeds the sentences in one batch with the analyzer's encoder (none: left without).
func (a *Analyzer) embedSentences(ss []sentence) error {
	if a.opts.Encoder == nil || len(ss) == 0 {
		return nil
	}
	texts := make([]string, len(ss))
	for i, s := range ss {
		texts[i] = s.text
	}
	embs, err := a.opts.Encoder.Embed(texts)
	if err != nil {
		return err
	}
	for i := range ss {
		ss[i].emb = embs[i]
	}
	return nil
}

// speaks reports whether role has a turn in the transcript (on mono calls neither party has one).
func speaks(tr *parley.Transcript, role parley.Role) bool {
	return slices.ContainsFunc(tr.Turns, func(t parley.Turn) bool { return t.Speaker == role })
}

// customerSentences lists (and embeds) the sentences intent and threats read: the customer's (everyone's
// on mono calls) of three words or more that are not mostly personal data. ents are each turn's
// entities (nil: none found, or the text already redacted, where "[ADDRESS]" is one word).
func (a *Analyzer) customerSentences(tr *parley.Transcript, ents [][]Entity) ([]sentence, error) {
	hasCustomer := speaks(tr, parley.RoleCustomer)
	var out []sentence
	for i, t := range tr.Turns {
		if hasCustomer && t.Speaker != parley.RoleCustomer {
			continue
		}
		for _, sp := range sentenceSpans(t.Text) {
			s := strings.TrimSpace(t.Text[sp[0]:sp[1]])
			if len(words(s)) >= 3 && (i >= len(ents) || !mostlyPersonal(t.Text, sp, ents[i])) {
				out = append(out, sentence{turn: i, text: s})
			}
		}
	}
	return out, a.embedSentences(out)
}

// mostlyPersonal tells a sentence (the span sp of text) that is mostly personal data — an address, a
// date of birth, a number read out in answer to a security question — by the share of its letters and
// digits inside PII entities: at least half. Such a sentence says nothing about why the customer called
// or whether they threaten to leave ("16 Hawthorne Close" read as "close my account").
func mostlyPersonal(text string, sp [2]int, ents []Entity) bool {
	return mostlyOf(text, sp, ents, func(typ string) bool { return PII[typ] })
}

// mostlyOf: at least half the letters and digits of the span sp of text lie inside entities of the
// types it takes.
func mostlyOf(text string, sp [2]int, ents []Entity, of func(typ string) bool) bool {
	alnum, inside := 0, 0
	for i, r := range text[sp[0]:sp[1]] {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			continue
		}
		alnum++
		at := sp[0] + i
		for _, e := range ents {
			if of(e.Type) && at >= e.Start && at < e.End {
				inside++
				break
			}
		}
	}
	return alnum > 0 && 2*inside >= alnum
}

// MostlyMentions reports whether a turn's text is mostly personal data of the given types, by the rule
// that keeps such sentences out of intent and threats (at least half its letters and digits), from the
// entity mentions the analysis recorded for the turn (its text as the call document keeps it, redacted
// or not): an answer to a security question ("Second of July 1979.", "3391502"). It returns the mentions
// of those types found in the text.
func MostlyMentions(text string, mentions []parley.EntityMention, types []string) ([]parley.EntityMention, bool) {
	var ents []Entity
	var used []parley.EntityMention
	from := 0
	for _, m := range mentions {
		if m.Text == "" || !slices.Contains(types, m.Type) {
			continue
		}
		start := from + strings.Index(text[from:], m.Text)
		if start < from { // mentions out of order: look from the start
			start = strings.Index(text, m.Text)
		}
		if start < 0 {
			continue
		}
		from = start + len(m.Text)
		ents = append(ents, Entity{Type: m.Type, Text: m.Text, Start: start, End: from})
		used = append(used, m)
	}
	if len(ents) == 0 {
		return nil, false
	}
	return used, mostlyOf(text, [2]int{0, len(text)}, ents, func(string) bool { return true })
}

// UnclearBelow: a call whose leading intent has less of the vote than this is "unclear" (its runners-up
// are kept in top). Calibrated on the tune split of the labelled call set (parley eval --labels), with
// the default taxonomy and each customer turn read whole: from the reference transcripts the wrong
// intents led with 0.225 or less and the right ones with 0.421 or more; from tiny.en text the wrong
// ones with 0.247 or less and the right ones, but one at 0.202, with 0.332 or more. The threshold sits
// in the middle of the gap both share, so that a call parley cannot tell is unclear, not wrong.
const UnclearBelow = 0.29

// A turn votes for the call's intent by how much it reads as one of the intents at all: a turn whose
// strongest intent margin is at most voteNone (a date of birth, a number read out, "Lovely, thanks") has
// no vote, one at voteFull or above a whole vote, linearly between. Without it the answers to the
// agent's questions outvoted the reason for the call on garbled recognised text. The bounds come from
// the spread of the margins of the customer turns of the labelled call set's tune calls (reference
// transcripts, not their labels): voteNone below the lowest tenth (−0.48), voteFull at the top fifth
// (0.37; 0.27 before the taxonomy grew). voteFull was −0.2 until the taxonomy grew to about 40 examples
// a customer intent: then "It's Priya Shah, I'm ringing about my order." (margin −0.20, complaint) had
// a whole vote and outvoted "My internet has been down since Friday." (0.85) two turns later.
const (
	voteNone = -0.6
	voteFull = 0.3
)

func voteWeight(margin float64) float64 {
	return math.Max(0, math.Min(1, (margin-voteNone)/(voteFull-voteNone)))
}

// intentUnit is what votes for the call's intent: one customer turn, read whole, made of the sentences
// cs[first:end] (of three words or more).
type intentUnit struct {
	sentence
	first, end int
}

// intentUnits reads each customer turn whole: the sentences of one turn say why the customer called
// together ("You charged me for March though I left in February. I'd like that money returned." asks
// for a refund; its first sentence alone disputes a charge). A turn of one sentence is that sentence; the texts of longer turns
// are embedded in one batch (when that fails, their sentences are read one by one). An intent model
// without embeddings reads sentences one by one: the n-grams of a whole turn blend its requests ("I want
// to cancel my account. This is the third time I am calling about the same problem." read as a
// complaint), where its meaning does not.
func (a *Analyzer) intentUnits(cs []sentence) []intentUnit {
	oneByOne := func() []intentUnit {
		units := make([]intentUnit, len(cs))
		for k, s := range cs {
			units[k] = intentUnit{sentence: s, first: k, end: k + 1}
		}
		return units
	}
	if a.intent.Dim == 0 || a.opts.Encoder == nil {
		return oneByOne()
	}
	var units []intentUnit
	var joined []sentence
	for k := 0; k < len(cs); {
		end := k + 1
		for end < len(cs) && cs[end].turn == cs[k].turn {
			end++
		}
		u := intentUnit{sentence: cs[k], first: k, end: end}
		if end-k > 1 {
			texts := make([]string, 0, end-k)
			for _, s := range cs[k:end] {
				texts = append(texts, s.text)
			}
			u.sentence = sentence{turn: cs[k].turn, text: strings.Join(texts, " ")}
			joined = append(joined, u.sentence)
		}
		units = append(units, u)
		k = end
	}
	if len(joined) == 0 {
		return units
	}
	if err := a.embedSentences(joined); err != nil {
		return oneByOne()
	}
	j := 0
	for i := range units {
		if units[i].end-units[i].first > 1 {
			units[i].emb = joined[j].emb
			j++
		}
	}
	return units
}

// callIntent classifies the customer's turns (intentUnits), weighting the opening of the call: customers
// say why they call first. Each turn votes by how much it reads as an intent; when none reads as one at
// all (an intent model of another taxonomy, whose margins sit lower), every turn votes whole. It also
// returns the sentence (an index of cs) that says why they called: of the turn that gave the leading
// label most of its vote, the sentence that reads most as that label.
func (a *Analyzer) callIntent(cs []sentence) (*parley.IntentResult, int) {
	type vote struct {
		k int
		v float64
	}
	type scored struct {
		ps     []Scored
		w      float64 // the opening's and the length's weight
		margin float64
	}
	units := a.intentUnits(cs)
	sents := make([]scored, len(units))
	for k, u := range units {
		n := len(words(u.text))
		sents[k].w = math.Pow(0.7, float64(k)) * math.Min(float64(n), 12) / 12
		sents[k].ps, sents[k].margin = a.intent.predict(u.text, u.emb)
	}
	var votes map[string]float64
	var most map[string]vote
	var total float64
	for _, byMargin := range []bool{true, false} {
		votes, most, total = map[string]float64{}, map[string]vote{}, 0
		for k, s := range sents {
			w := s.w
			if byMargin {
				w *= voteWeight(s.margin)
			}
			for _, p := range s.ps {
				votes[p.Label] += w * p.Score
				total += w * p.Score
				if m, ok := most[p.Label]; !ok || w*p.Score > m.v {
					most[p.Label] = vote{k, w * p.Score}
				}
			}
		}
		if total > 0 {
			break
		}
	}
	if total == 0 {
		return nil, -1
	}
	res := &parley.IntentResult{}
	for l, v := range votes {
		res.Top = append(res.Top, parley.LabelScore{Label: l, Score: v / total})
	}
	sort.Slice(res.Top, func(i, j int) bool {
		if res.Top[i].Score != res.Top[j].Score {
			return res.Top[i].Score > res.Top[j].Score
		}
		return res.Top[i].Label < res.Top[j].Label
	})
	res.Top = res.Top[:min(3, len(res.Top))]
	for i := range res.Top {
		res.Top[i].Score = round3(res.Top[i].Score)
	}
	res.Label, res.Confidence = res.Top[0].Label, res.Top[0].Score
	u := units[most[res.Label].k]
	reason, best := u.first, -1.0
	for k := u.first; u.end-u.first > 1 && k < u.end; k++ {
		for _, p := range a.intent.PredictWith(cs[k].text, cs[k].emb) {
			if p.Label == res.Label && p.Score > best {
				reason, best = k, p.Score
			}
		}
	}
	if res.Confidence < a.opts.UnclearBelow {
		res.Label = parley.IntentUnclear
	}
	return res, reason
}

func (a *Analyzer) keyPhrases(tr *parley.Transcript, cands []candidate) []parley.KeyPhrase {
	scores := rankPhrases(cands, a.opts.Method)
	out := []parley.KeyPhrase{}
	for _, p := range topPhrases(scores, a.opts.KeyPhrases) {
		kp := parley.KeyPhrase{Text: p, Score: round3(scores[p]), BySpeaker: map[parley.Role]int{}, Occurrences: []parley.Occurrence{}}
		for _, c := range cands {
			if strings.Join(c.words, " ") != p {
				continue
			}
			t := tr.Turns[c.turn]
			kp.Count++
			kp.BySpeaker[t.Speaker]++
			kp.Occurrences = append(kp.Occurrences, parley.Occurrence{Speaker: t.Speaker, Turn: c.turn, Start: secs(t.Start.Seconds())})
		}
		out = append(out, kp)
	}
	return out
}

// Sentences splits text after ., ? and !. ASR text without punctuation stays one sentence.
func Sentences(text string) []string { return sentences(text) }

// IsQuestion reports whether a sentence (one of Sentences) asks: it ends in a question mark, before any
// closing quote or bracket or a "!" ("Really?!"). A question neither does nor promises anything: no
// recap, no apology.
func IsQuestion(sentence string) bool {
	return strings.HasSuffix(strings.TrimRight(sentence, " \t\n\"')]}”’!"), "?")
}

func sentences(text string) []string {
	var out []string
	for _, sp := range sentenceSpans(text) {
		if s := strings.TrimSpace(text[sp[0]:sp[1]]); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// lastWords returns the last n words of text.
func lastWords(text string, n int) string {
	toks := tokenize(text)
	if len(toks) <= n {
		return text
	}
	return text[toks[len(toks)-n].start:]
}

type piece struct {
	text   string
	offset int
}

// chunkWords splits text into pieces of at most n words, keeping byte offsets.
func chunkWords(text string, n int) []piece {
	toks := tokenize(text)
	if len(toks) <= n {
		return []piece{{text, 0}}
	}
	var out []piece
	for i := 0; i < len(toks); i += n {
		start := toks[i].start
		end := len(text)
		if i+n < len(toks) {
			end = toks[i+n].start
		}
		out = append(out, piece{text[start:end], start})
	}
	return out
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
func secs(v float64) float64   { return math.Round(v*1000) / 1000 }

// timedText is a text of the transcript to redact in place, and when it was said.
type timedText struct {
	at   time.Duration
	text *string
}

func segmentTexts(segs []parley.Segment) []timedText {
	out := make([]timedText, len(segs))
	for i := range segs {
		out[i] = timedText{segs[i].Start, &segs[i].Text}
	}
	return out
}

// redactTexts replaces the PII in texts, each read after the one before it in time (whichever
// channel) for context, and the names said anywhere in the call.
func (a *Analyzer) redactTexts(texts []timedText, names map[string]bool) {
	sort.SliceStable(texts, func(x, y int) bool { return texts[x].at < texts[y].at })
	context := ""
	for _, t := range texts {
		raw := *t.text
		*t.text = Redact(raw, resolve(append(a.x.FindAfter(context, raw, nil), nameMentions(raw, names)...)))
		context = lastWords(raw, 12)
	}
}
