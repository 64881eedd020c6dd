package scoring

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/nlp"
)

// Call is what a scorecard grades: the transcript, the NLP analysis (may be nil) and the call length.
type Call struct {
	Transcript *parley.Transcript
	Analysis   *parley.Analysis
	DurationS  float64
	// Vocabulary is the call's terms (vocabulary and vocabulary_by_prefix: company, product and agent
	// names), which the phrase alternative {vocabulary} stands for.
	Vocabulary []string
}

// Score grades a call. It never fails: an item that cannot be judged on this call is N/A with the reason.
// When the agent's speech was heard a second time (Transcript.Again), a required phrase the first
// reading did not find (a fail, or left for review) passes when the second reading says it: what was
// said counts whichever recogniser heard it, and its evidence quotes that reading.
func (sc *Scorecard) Score(c Call) *parley.Score {
	out := sc.score(c)
	if c.Transcript == nil || c.Transcript.Again == nil {
		return out
	}
	h := c.Transcript.Again
	again := sc.score(Call{Transcript: h.Transcript(c.Transcript), Analysis: c.Analysis, DurationS: c.DurationS, Vocabulary: c.Vocabulary})
	for i := range out.Items {
		r, a := &out.Items[i], again.Items[i]
		if !missed(*r) || a.Status != parley.ItemPass {
			continue
		}
		a.Reason = fmt.Sprintf("heard again by %s: %s", h.By(), a.Reason)
		for k := range a.Evidence {
			ev := &a.Evidence[k]
			ev.Turn = turnAt(c.Transcript.Turns, ev.Speaker, ev.Start, ev.End)
			if ev.Speaker == parley.RoleAgent { // the others' turns are the first reading's
				ev.Heard = h.By()
			}
		}
		*r = a
	}
	out.Total()
	return out
}

// Misses reports whether a first reading of a call leaves a required phrase of the agent not passed (a
// fail, or left for review) — whether a second hearing of the agent could change the score. It is
// judged from the words alone, before the NLP analysis: an item whose condition needs the analysis
// (the customer's sentiment, the intent, entities) does not count. terms are the call's vocabulary
// (Call.Vocabulary), which {vocabulary} stands for.
func (sc *Scorecard) Misses(tr *parley.Transcript, terms []string) bool {
	for _, r := range sc.score(Call{Transcript: tr, Vocabulary: terms}).Items {
		if it, _ := sc.Item(r.ID); missed(r) && it.Speaker != "customer" {
			return true
		}
	}
	return false
}

// missed reports whether a required phrase was not found: failed, or left for a reviewer — what a second
// hearing can mend.
func missed(r parley.ItemResult) bool {
	return r.Kind == KindRequired && (r.Status == parley.ItemFail || r.Status == parley.ItemReview)
}

// turnAt is the turn of speaker that overlaps start–end (seconds) the most; -1 when none does.
func turnAt(turns []parley.Turn, speaker parley.Role, start, end float64) int {
	best, most := -1, 0.0
	for i, t := range turns {
		if t.Speaker != speaker {
			continue
		}
		if o := min(end, t.End.Seconds()) - max(start, t.Start.Seconds()); o > most {
			best, most = i, o
		}
	}
	return best
}

func (sc *Scorecard) score(c Call) *parley.Score {
	tr := c.Transcript
	if tr == nil {
		tr = &parley.Transcript{}
	}
	c.DurationS = duration(c.DurationS, tr)
	set := MetricSettings{DeadAirS: sc.Settings.DeadAirS, HoldMinS: sc.Settings.HoldMinS, HoldUnannouncedS: sc.Settings.HoldUnannouncedS}
	e := &evaluator{sc: sc, call: c, tr: tr, metrics: Metrics(tr, c.DurationS, set), words: make([][]word, len(tr.Turns)), spoke: map[parley.Role]bool{},
		terms: compilePhrases(c.Vocabulary)}
	for i, t := range tr.Turns {
		e.words[i] = turnWords(t.Text)
		e.spoke[t.Speaker] = true
	}
	out := &parley.Score{Scorecard: sc.Name, Version: sc.Version, Metrics: e.metrics, Items: []parley.ItemResult{}}
	for _, sec := range sc.Sections {
		for i := range sec.Items {
			it := &sec.Items[i]
			r := parley.ItemResult{ID: it.ID, Section: sec.Name, Label: it.Label, Kind: it.Kind, Weight: it.Weight, AutoFail: it.AutoFail, Evidence: []parley.Evidence{}}
			e.grade(it, &r)
			r.Evidence = dedupe(r.Evidence)
			out.Items = append(out.Items, r)
		}
	}
	out.Total()
	return out
}

// duration is a call's length: at least as long as its speech (documents may lack duration).
func duration(d float64, tr *parley.Transcript) float64 {
	for _, s := range tr.Segments {
		d = math.Max(d, s.End.Seconds())
	}
	return d
}

type evaluator struct {
	sc      *Scorecard
	call    Call
	tr      *parley.Transcript
	metrics parley.TalkMetrics
	words   [][]word
	// stated and statedWords are the turns without their questions, for statements_only items (said)
	stated      []string
	statedWords [][]word
	foreign     [][]word // the turns' words as written, for phrases of another language (findForeign)
	spoke       map[parley.Role]bool
	terms       phrases            // the call's vocabulary, for {vocabulary} (withTerms)
	sents       map[int][]sentence // sentences of a turn with embeddings, embedded on first use
	encErr      error
}

// sentence is one sentence of a turn and its embedding.
type sentence struct {
	text string
	emb  []float32
}

// sentencesOf embeds the sentences of the given turns that are not embedded yet, in one batch.
func (e *evaluator) sentencesOf(turns []int) error {
	if e.sents == nil {
		e.sents = map[int][]sentence{}
	}
	var texts []string
	var owners []int
	for _, i := range turns {
		if _, done := e.sents[i]; done {
			continue
		}
		e.sents[i] = nil
		for _, s := range nlp.Sentences(e.tr.Turns[i].Text) {
			texts = append(texts, s)
			owners = append(owners, i)
		}
	}
	if len(texts) == 0 {
		return nil
	}
	embs, err := e.sc.enc.Embed(texts)
	if err != nil {
		return err
	}
	for k, i := range owners {
		e.sents[i] = append(e.sents[i], sentence{texts[k], embs[k]})
	}
	return nil
}

// meaning matches an item's examples against every sentence of the turns it covers. It reports whether
// the best sentence reaches the item's similarity and a sentence saying what was found (empty when the
// item has no examples); a match adds evidence quoting the sentence and the example.
func (e *evaluator) meaning(it *Item, r *parley.ItemResult) (bool, string, cand) {
	none := cand{turn: -1}
	if len(it.Examples) == 0 {
		return false, "", none
	}
	if it.protos == nil || e.sc.enc == nil {
		return false, "not matched by meaning: no sentence encoder", none
	}
	turns := e.turnsFor(it)
	if e.encErr == nil {
		e.encErr = e.sentencesOf(turns)
	}
	if e.encErr != nil {
		return false, fmt.Sprintf("not matched by meaning: sentence encoder failed (%v)", e.encErr), none
	}
	// The best sentence that counts by the examples; failing one, the one the item's classifier is
	// surest of; failing that, the closest sentence, to say what came nearest.
	var best, act, closest cand
	best.turn, act.turn, closest.turn, closest.sim = -1, -1, -1, -2
	for _, i := range turns {
		for _, s := range e.sents[i] {
			if it.asks(s.text) {
				continue
			}
			j := it.judge(s.text, s.emb)
			if j.ex < 0 {
				continue
			}
			c := cand{i, s.text, j}
			if j.sim > closest.sim {
				closest = c
			}
			if j.byExample() && (best.turn < 0 || j.sim > best.sim) {
				best = c
			}
			if j.byClassifier && (act.turn < 0 || j.conf > act.conf) {
				act = c
			}
		}
	}
	if closest.turn < 0 {
		return false, fmt.Sprintf("no %s sentence to compare with its examples", it.Speaker), none
	}
	if best.turn < 0 && act.turn >= 0 {
		r.Evidence = append(r.Evidence, e.meantEvidence(it, act))
		return true, fmt.Sprintf("%q at %s reads as %s (classifier %.2f, needs %.2f; %.2f like %q)", act.text, clock(e.tr.Turns[act.turn].Start.Seconds()), it.Classifier.Label, act.conf, it.Classifier.Min, act.sim, it.protos.Texts[act.ex]), act
	}
	if best.turn < 0 {
		at := clock(e.tr.Turns[closest.turn].Start.Seconds())
		switch {
		case closest.vetoed():
			return false, fmt.Sprintf("closest in meaning: %q at %s, %.2f like %q, but the classifier reads it as no %s (%.2f)", closest.text, at, closest.sim, it.protos.Texts[closest.ex], it.Classifier.Label, closest.conf), closest
		case closest.counter != "":
			return false, fmt.Sprintf("closest in meaning: %q at %s, %.2f like %q but as close to %q, which does not count", closest.text, at, closest.sim, it.protos.Texts[closest.ex], closest.counter), closest
		}
		return false, fmt.Sprintf("closest in meaning: %q at %s, %.2f like %q (needs %.2f)", closest.text, at, closest.sim, it.protos.Texts[closest.ex], it.Similarity), closest
	}
	r.Evidence = append(r.Evidence, e.meantEvidence(it, best))
	return true, fmt.Sprintf("%q at %s means %q (similarity %.2f, needs %.2f)", best.text, clock(e.tr.Turns[best.turn].Start.Seconds()), it.protos.Texts[best.ex], best.sim, it.Similarity), best
}

// cand is a sentence of turn as it stands to an item's examples and classifier (judge). turn is -1 when
// there was none.
type cand struct {
	turn int
	text string
	judgement
}

// unsure reports whether recognition may have decided an item by meaning: the sentence c came within
// the scorecard's review band of the item's similarity — a required item's closest sentence just under
// it (no counter-example as close), a prohibited item's match just over it — and its turn was
// recognised with a mean confidence below the review bar. It says why.
func (e *evaluator) unsure(it *Item, c cand) (string, bool) {
	set := e.sc.Settings
	if c.turn < 0 || c.counter != "" || set.reviewBelow() <= 0 || math.Abs(c.sim-it.Similarity) > set.reviewBand() {
		return "", false
	}
	conf, ok := e.turnConfidence(c.turn)
	if !ok || conf >= set.reviewBelow() {
		return "", false
	}
	what := "nothing said counts, but the closest sentence"
	if c.sim >= it.Similarity {
		what = "the only sign of it"
	}
	return fmt.Sprintf("left for a reviewer: %s, %q at %s, is %.2f like %q (needs %.2f) and was recognised with confidence %.2f (below %.2f) — listen to it",
		what, c.text, clock(e.tr.Turns[c.turn].Start.Seconds()), c.sim, it.protos.Texts[c.ex], it.Similarity, conf, set.reviewBelow()), true
}

// partlyHeard reports whether recognition may have hidden the rest of an item that needs all of its
// phrases: some were found (evidence ev quotes their turns) and not the others, and a turn they were
// found in was recognised with a mean confidence below the review bar — an agent's "…, this is Kim
// speaking" after a company name and "thank you for calling" the recogniser could not make out. It
// says why.
func (e *evaluator) partlyHeard(it *Item, found, missing []string, ev []parley.Evidence) (string, bool) {
	bar := e.sc.Settings.reviewBelow()
	if it.Match != "all" || len(found) == 0 || len(missing) == 0 || bar <= 0 {
		return "", false
	}
	for _, v := range ev {
		if conf, ok := e.turnConfidence(v.Turn); ok && conf < bar {
			return fmt.Sprintf("left for a reviewer: found %s but not %s, and the turn at %s was recognised with confidence %.2f (below %.2f) — listen to it",
				strings.Join(found, ", "), strings.Join(missing, "; "), clock(e.tr.Turns[v.Turn].Start.Seconds()), conf, bar), true
		}
	}
	return "", false
}

// turnConfidence is the recogniser's confidence in turn i: the mean of its segments' confidences, each
// weighing by its words (false when no segment with words and a confidence lies in the turn; a
// confidence of 0 is none given, as in a hand-written transcript).
func (e *evaluator) turnConfidence(i int) (float64, bool) {
	t := e.tr.Turns[i]
	var sum, n float64
	for _, s := range e.tr.Segments {
		if s.Speaker != t.Speaker || s.Channel != t.Channel || s.Voice != t.Voice || s.Start < t.Start || s.End > t.End || s.Confidence <= 0 {
			continue
		}
		w := float64(len(strings.Fields(s.Text)))
		sum += s.Confidence * w
		n += w
	}
	if n == 0 {
		return 0, false
	}
	return sum / n, true
}

// meantEvidence quotes the sentence of c, with the item's example nearest to it and the similarity, and
// the classifier's reading when the item has one.
func (e *evaluator) meantEvidence(it *Item, c cand) parley.Evidence {
	ev := e.evidence(c.turn)
	ev.Quote, ev.Example, ev.Similarity = c.text, it.protos.Texts[c.ex], math.Round(c.sim*1000)/1000
	if c.conf >= 0 {
		ev.Classified, ev.ClassifierConfidence = it.Classifier.Label, math.Round(c.conf*1000)/1000
	}
	return ev
}

// phraseMeant finds the first sentence of the item's turns that holds one of its phrases or patterns and
// is closer to one of its examples than to every counter-example (below the item's similarity too): what
// a phrase item counts on a call whose condition was not seen. It makes that sentence the result's only
// evidence and says why. Needs the sentences embedded (meaning).
func (e *evaluator) phraseMeant(it *Item, r *parley.ItemResult) (string, bool) {
	if it.protos == nil || it.Match == "all" || e.encErr != nil {
		return "", false
	}
	entries := make([]phrases, len(it.entries))
	for k, ps := range it.entries {
		entries[k] = e.withTerms(ps)
	}
	for _, i := range e.turnsFor(it) {
		for _, s := range e.sents[i] {
			if it.asks(s.text) {
				continue
			}
			said := ""
			ws := turnWords(s.text)
			for _, ps := range entries {
				if a, ok := ps.find(ws); ok {
					said = ps.text(a)
					break
				}
			}
			for _, re := range it.patterns {
				if said != "" {
					break
				}
				said = re.FindString(s.text)
			}
			if said == "" {
				continue
			}
			c := cand{i, s.text, it.judge(s.text, s.emb)}
			if c.ex < 0 || c.counter != "" || c.disowned {
				continue
			}
			r.Evidence = []parley.Evidence{e.meantEvidence(it, c)}
			return fmt.Sprintf("found %q in %q at %s, closer to %q (%.2f) than to any sentence that does not count",
				said, s.text, clock(e.tr.Turns[i].Start.Seconds()), it.protos.Texts[c.ex], c.sim), true
		}
	}
	return "", false
}

// answered finds the first turn of the other party that answers one of the item's speaker's turns in
// its window with personal data of the types it names (Item.AnsweredWith, or AnsweredUnseenWith when
// unseen: the item's condition was not seen): the item is met there. The
// question's last sentence may not read like a counter-example — at the item's similarity and nearer
// it than every example (needs the sentences embedded: meaning; an item with counter-examples is not
// answered without the sentence encoder). The evidence is the question's turn and the answer's; it
// says why.
func (e *evaluator) answered(it *Item, r *parley.ItemResult, unseen bool) (string, bool) {
	an := e.call.Analysis
	types := it.AnsweredWith
	if unseen && it.AnsweredUnseenWith != nil {
		types = it.AnsweredUnseenWith
	}
	if len(types) == 0 || an == nil {
		return "", false
	}
	if len(it.CounterExamples) > 0 && (it.protos == nil || e.sc.enc == nil || e.encErr != nil) {
		return "", false // what the question asked for cannot be told from its counter-examples
	}
	for _, q := range e.turnsFor(it) {
		a := q + 1
		if a >= len(e.tr.Turns) || e.tr.Turns[a].Speaker == e.tr.Turns[q].Speaker || e.tr.Turns[a].Speaker == parley.RoleUnknown {
			continue
		}
		var mentions []parley.EntityMention
		for _, m := range an.Entities {
			if m.Turn == a {
				mentions = append(mentions, m)
			}
		}
		said, mostly := nlp.MostlyMentions(e.tr.Turns[a].Text, mentions, types)
		if !mostly {
			continue
		}
		if p, s := it.protos, e.sents[q]; p != nil && p.Counters != nil && len(s) > 0 {
			// Garbled questions are near nothing; one that reads like a counter-example, at the
			// item's similarity, asked for something else.
			last := s[len(s)-1].emb
			_, sim := p.Best(last)
			if c, csim := p.Counters.Best(last); c >= 0 && csim >= sim && csim >= it.Similarity {
				continue
			}
		}
		var what []string
		for _, m := range said {
			what = append(what, fmt.Sprintf("%s %q", m.Type, m.Text))
		}
		r.Evidence = []parley.Evidence{e.evidence(q), e.evidence(a)}
		return fmt.Sprintf("the %s answered the %s's turn at %s with %s: asked for and given",
			e.tr.Turns[a].Speaker, it.Speaker, clock(e.tr.Turns[q].Start.Seconds()), strings.Join(what, ", ")), true
	}
	return "", false
}

// sharedChannel reports whether the agent and the customer were told apart on one channel
// (diarization), where overlapping speech is not measured.
func sharedChannel(tr *parley.Transcript) bool {
	for _, d := range tr.Diarization {
		if d.Voices > 1 {
			return true
		}
	}
	return false
}

func (e *evaluator) grade(it *Item, r *parley.ItemResult) {
	na := func(format string, args ...any) { r.Status, r.Reason = parley.ItemNA, fmt.Sprintf(format, args...) }
	// Whose turns the item needs, and whether that speaker is on the call.
	need := it.Speaker
	if it.Kind != KindRequired && it.Kind != KindProhibited {
		need = it.Of
	}
	if need == "agent" || need == "customer" {
		if !e.spoke[parley.Role(need)] {
			if e.spoke[parley.RoleUnknown] {
				na("needs the %s's turns: not available for mono recordings", need)
			} else {
				na("needs the %s's turns: the %s channel has no speech", need, need)
			}
			return
		}
	}
	// A call (or this speaker) in another language is graded on what holds in any language (talk
	// metrics) and on the item's own phrases for that language; nothing English is read into it.
	if lang := e.language(need); lang != "" {
		switch it.Kind {
		case KindRequired, KindProhibited:
			if it.byLang[lang] == nil {
				na("not available for %s: the item has no phrases in that language", lang)
				return
			}
		case KindSentiment, KindAgentTone:
			na("not available for %s: the analysis reads English only", lang)
			return
		}
		if it.When != nil {
			na("not available for %s: whether it applies is judged in English", lang)
			return
		}
		if it.Kind == KindRequired || it.Kind == KindProhibited {
			found, missing, searched := e.findForeign(it, lang, r)
			ok := len(found) > 0
			if it.Kind == KindProhibited {
				ok = !ok
			} else if it.Match == "all" {
				ok = len(missing) == 0
			}
			r.Status, r.Reason = parley.ItemFail, describe(found, missing, it, searched)
			if it.Kind == KindProhibited && ok {
				r.Reason = fmt.Sprintf("none of %d prohibited phrases in %s said by the %s", len(it.byLang[lang]), lang, it.Speaker)
			}
			if ok {
				r.Status = parley.ItemPass
			}
			return
		}
	}
	// A required phrase item whose condition was not seen is met when a sentence of the speaker means
	// what it asks (by its examples): doing it shows the situation arose — an agent who verifies
	// identity before the account comes up, or says "that must be frustrating" to a customer whose
	// words read neutral. Otherwise, and for phrases matched by words alone, it is N/A.
	if it.NotOn != nil {
		if ok, _ := e.applies(it.NotOn); ok {
			na("does not apply: %s", it.NotOn.describe())
			return
		}
	}
	unseen := ""
	if it.When != nil {
		if ok, why := e.applies(it.When); !ok {
			if it.Kind != KindRequired {
				na("does not apply: %s", why)
				return
			}
			unseen = why
		}
	}
	pass := func(ok bool, format string, args ...any) {
		r.Status = parley.ItemFail
		if ok {
			r.Status = parley.ItemPass
		}
		r.Reason = fmt.Sprintf(format, args...)
	}
	m := e.metrics
	role := parley.Role(it.Of)
	switch it.Kind {
	case KindRequired:
		if it.alternatives() == 0 && it.protos == nil {
			na("matches its examples by meaning: needs the sentence encoder")
			return
		}
		found, missing, searched := e.findAll(it, r)
		ok := len(found) > 0
		if it.Match == "all" {
			ok = len(missing) == 0
		}
		reason := describe(found, missing, it, searched)
		meant, matched, closest := e.meaning(it, r)
		switch {
		case meant:
			ok = true
			reason = matched
		case !ok && matched != "": // a miss says what came closest in meaning too
			reason = strings.TrimPrefix(reason+"; "+matched, "; ")
		}
		answered := false
		if !ok {
			if why, found := e.answered(it, r, unseen != ""); found {
				ok, answered, reason = true, true, why
			}
		}
		if !ok && unseen == "" {
			// Its phrases are only part of the item; what its examples would have matched is unknown.
			if len(it.Examples) > 0 && (it.protos == nil || e.sc.enc == nil || e.encErr != nil) {
				r.Status, r.Reason = parley.ItemReview, "left for a reviewer: "+reason+" — read the call"
				return
			}
			if why, review := e.partlyHeard(it, found, missing, r.Evidence); review {
				r.Status, r.Reason = parley.ItemReview, why
				return
			}
			if why, review := e.unsure(it, closest); review {
				r.Status, r.Reason = parley.ItemReview, why
				r.Evidence = append(r.Evidence, e.meantEvidence(it, closest))
				return
			}
		}
		if unseen != "" {
			// Only a sentence that means what the item asks counts there: one at its similarity, or
			// one with a phrase of the item that is closer to its examples than to every
			// counter-example ("Ah, I'm sorry, that's a nasty surprise" to a customer whose words
			// read neutral). A bare "sorry" ("Sorry, say that again?") is no empathy. Nor is a sentence
			// that only the item's classifier reads as the act: on garbled text that is the weaker sign
			// ("It's everything else on your mind." read as empathy at 0.79).
			if (!meant || !closest.byExample()) && !answered {
				said, found := e.phraseMeant(it, r)
				if !found {
					r.Evidence, r.Detail = nil, ""
					na("does not apply: %s", unseen)
					return
				}
				ok, reason = true, said
			}
			reason += fmt.Sprintf(" (said although its condition was not seen: %s)", unseen)
		}
		pass(ok, "%s", reason)
	case KindProhibited:
		if it.alternatives() == 0 && it.protos == nil {
			na("matches its examples by meaning: needs the sentence encoder")
			return
		}
		found, _, _ := e.findAll(it, r)
		m, matched, best := e.meaning(it, r)
		switch {
		case len(found) > 0:
			pass(false, "said %s", strings.Join(found, ", "))
		case m:
			if why, review := e.unsure(it, best); review { // only just over the bar, and heard unsurely
				r.Status, r.Reason = parley.ItemReview, why
				return
			}
			pass(false, "%s", matched)
		default:
			pass(true, "none of %d prohibited phrases said by the %s", it.alternatives()+len(it.Examples), it.Speaker)
		}
	case KindSentiment:
		an := e.call.Analysis
		if an == nil || an.Sentiment == nil {
			na("needs the NLP analysis (sentiment)")
			return
		}
		s := an.Sentiment.Customer
		if role == parley.RoleAgent {
			s = an.Sentiment.Agent
		}
		if s == nil {
			na("no %s sentiment", role)
			return
		}
		v := map[string]float64{"start": s.Start, "end": s.End, "overall": s.Overall, "min": s.Min}[it.Measure]
		if len(it.States) > 0 {
			st := parley.SentimentLabel(v)
			if it.Measure == "end" {
				st = s.EndState()
			}
			pass(slices.Contains(it.States, st), "%s %s sentiment %s (%+.2f; counts: %s)", role, it.Measure, st, v, strings.Join(it.States, ", "))
		} else {
			pass(within(v, it.AtLeast, it.AtMost), "%s %s sentiment %+.2f (%s)", role, it.Measure, v, bounds(it.AtLeast, it.AtMost))
		}
		e.sentimentEvidence(role, it.Measure, r)
	case KindAgentTone:
		v, why := e.tone(r)
		lo := 0.5
		if it.AtLeast != nil {
			lo = *it.AtLeast
		}
		pass(v >= lo, "tone %.2f (at least %.2f): %s", v, lo, why)
	case KindTalkListen:
		if m.AgentTalkShare < 0 {
			na("needs both agent and customer speech")
			return
		}
		pass(within(m.AgentTalkShare, it.AtLeast, it.AtMost), "agent talked %.0f%% of the talk time (%s)", m.AgentTalkShare*100, bounds(it.AtLeast, it.AtMost))
	case KindDeadAir:
		longest := 0.0
		for _, d := range m.DeadAir {
			longest = math.Max(longest, d.End-d.Start)
			r.Evidence = append(r.Evidence, parley.Evidence{Turn: -1, Start: d.Start, End: d.End, Quote: fmt.Sprintf("%.0f s of silence", d.End-d.Start)})
		}
		pass(longest <= *it.MaxS, "longest dead air %.1f s (at most %.0f s)", longest, *it.MaxS)
	case KindHold:
		if len(m.Holds) == 0 {
			na("no hold on this call")
			return
		}
		ok, notes := true, []string{}
		for _, h := range m.Holds {
			length := h.End - h.Start
			announced := announcedBefore(e.tr, h.Start)
			r.Evidence = append(r.Evidence, parley.Evidence{Turn: -1, Start: h.Start, End: h.End, Quote: fmt.Sprintf("hold of %.0f s", length)})
			if it.MaxS != nil && length > *it.MaxS {
				ok = false
				notes = append(notes, fmt.Sprintf("hold at %s lasted %.0f s (max %.0f s)", clock(h.Start), length, *it.MaxS))
			}
			if it.Announced && !announced {
				ok = false
				notes = append(notes, fmt.Sprintf("hold at %s was not announced", clock(h.Start)))
			}
		}
		if ok {
			notes = append(notes, fmt.Sprintf("%d hold(s), %.0f s in all, announced", len(m.Holds), m.HoldS))
		}
		pass(ok, "%s", strings.Join(notes, "; "))
	case KindInterruptions:
		if sharedChannel(e.tr) {
			na("interruptions are not measured between voices sharing a channel (diarization gives each moment to one voice)")
			return
		}
		n := m.Interruptions[role]
		pass(n <= *it.Max, "%s interrupted %d time(s) (at most %d)", role, n, *it.Max)
	case KindSpeakingRate:
		wpm := m.WordsPerMinute[role]
		ok := (it.MinWPM == 0 || wpm >= it.MinWPM) && (it.MaxWPM == 0 || wpm <= it.MaxWPM)
		pass(ok, "%s spoke %.0f words per minute (%.0f–%.0f)", role, wpm, it.MinWPM, it.MaxWPM)
	case KindMonologue:
		longest, at := 0.0, -1
		for i, t := range e.tr.Turns {
			if d := (t.End - t.Start).Seconds(); t.Speaker == role && d > longest {
				longest, at = d, i
			}
		}
		if at >= 0 {
			r.Evidence = append(r.Evidence, e.evidence(at))
		}
		pass(longest <= *it.MaxS, "%s's longest monologue %.0f s (at most %.0f s)", role, longest, *it.MaxS)
	}
}

// findAll looks for every phrase entry (and pattern) in the turns the item covers and adds evidence.
// It returns the entries found, those missing, and how many turns it searched.
func (e *evaluator) findAll(it *Item, r *parley.ItemResult) (found, missing []string, searched int) {
	turns := e.turnsFor(it)
	var looked []string
	text, words := e.said(it)
	found, missed := e.findEntries(it.entries, it.Phrases.En, turns, words, r)
	for _, entry := range missed {
		missing = append(missing, plainAlts(entry))
		looked = append(looked, fmt.Sprintf("%q", entry))
	}
	var patternsMissed []string
	for _, re := range it.patterns {
		hit := false
		for _, i := range turns {
			if re.MatchString(text(i)) {
				r.Evidence = append(r.Evidence, e.evidence(i))
				found = append(found, fmt.Sprintf("%q at %s", re.FindString(text(i)), clock(e.tr.Turns[i].Start.Seconds())))
				hit = true
				break
			}
		}
		if !hit {
			patternsMissed = append(patternsMissed, "/"+re.String()[4:]+"/")
		}
	}
	if len(patternsMissed) > 0 {
		missing = append(missing, fmt.Sprintf("a sentence of %d pattern(s)", len(patternsMissed)))
		looked = append(looked, patternsMissed...)
	}
	if len(looked) > 0 {
		r.Detail = "looked for " + strings.Join(looked, ", ")
	}
	return found, missing, len(turns)
}

// said returns what an item is matched on, per turn: its text and its words — all of the turn, or for a
// statements_only item the turn without its questions.
func (e *evaluator) said(it *Item) (text func(int) string, words [][]word) {
	if !it.StatementsOnly {
		return func(i int) string { return e.tr.Turns[i].Text }, e.words
	}
	if e.stated == nil {
		e.stated = make([]string, len(e.tr.Turns))
		e.statedWords = make([][]word, len(e.tr.Turns))
		for i, t := range e.tr.Turns {
			var keep []string
			for _, s := range nlp.Sentences(t.Text) {
				if !nlp.IsQuestion(s) {
					keep = append(keep, s)
				}
			}
			e.stated[i] = strings.Join(keep, " ")
			e.statedWords[i] = turnWords(e.stated[i])
		}
	}
	return func(i int) string { return e.stated[i] }, e.statedWords
}

// language is the language a speaker ("agent", "customer", "any") spoke when it is not English (""
// for English or unknown): their detected language, else the call's.
func (e *evaluator) language(who string) string {
	lang := e.tr.Language
	for _, l := range e.tr.Languages {
		if who != "any" && string(l.Speaker) == who {
			lang = l.Language
			break
		}
		if who == "any" && !parley.IsEnglish(l.Language) {
			lang = l.Language
		}
	}
	if parley.IsEnglish(lang) {
		return ""
	}
	return strings.ToLower(lang)
}

// findForeign is findAll for a call in another language: the item's phrases for it, matched on the
// words as written (see foreignWords).
func (e *evaluator) findForeign(it *Item, lang string, r *parley.ItemResult) (found, missing []string, searched int) {
	turns := e.turnsFor(it)
	if e.foreign == nil { // the turns' words as written, once per call
		e.foreign = make([][]word, len(e.tr.Turns))
		for i, t := range e.tr.Turns {
			e.foreign[i] = foreignWords(t.Text)
		}
	}
	found, missed := e.findEntries(it.byLang[lang], it.Phrases.ByLang[lang], turns, e.foreign, r)
	for _, entry := range missed {
		missing = append(missing, plainAlts(entry))
	}
	r.Detail = fmt.Sprintf("looked for %s phrases: %q", lang, it.Phrases.ByLang[lang])
	return found, missing, len(turns)
}

// findEntries looks for each phrase entry (texts[k] as written in the scorecard) in the turns' words:
// what was found, with its evidence, and the entries not found.
func (e *evaluator) findEntries(entries []phrases, texts []string, turns []int, words [][]word, r *parley.ItemResult) (found, missed []string) {
	for k, ps := range entries {
		ps = e.withTerms(ps)
		hit := false
		for _, i := range turns {
			if a, ok := ps.find(words[i]); ok {
				r.Evidence = append(r.Evidence, e.evidence(i))
				found = append(found, fmt.Sprintf("%q at %s", ps.text(a), clock(e.tr.Turns[i].Start.Seconds())))
				hit = true
				break
			}
		}
		if !hit {
			missed = append(missed, texts[k])
		}
	}
	return found, missed
}

// withTerms is ps with its {vocabulary} alternative, if any, replaced by the call's terms (none: it
// matches nothing).
func (e *evaluator) withTerms(ps phrases) phrases {
	i := slices.IndexFunc(ps, func(alt []word) bool { return len(alt) == 1 && alt[0].text == VocabularyPhrase })
	if i < 0 {
		return ps
	}
	return append(slices.Delete(slices.Clone(ps), i, i+1), e.terms...)
}

// plainAlts names a phrase entry for a reason: its first phrase, and how many others would count.
func plainAlts(entry string) string {
	alts := strings.Split(entry, "|")
	if len(alts) > 1 {
		return fmt.Sprintf("%q (or one of %d like it)", alts[0], len(alts)-1)
	}
	return fmt.Sprintf("%q", entry)
}

// describe says in plain words what was found and what was not, and where it was looked for; the
// phrases and patterns themselves go to the result's Detail.
func describe(found, missing []string, it *Item, searched int) string {
	who := "anyone"
	if it.Speaker != "any" {
		who = "the " + it.Speaker
	}
	where := ""
	switch {
	case it.Window.First > 0:
		where = fmt.Sprintf(" in the first %.0f s", float64(it.Window.First))
	case it.Window.Last > 0:
		where = fmt.Sprintf(" in the last %.0f s", float64(it.Window.Last))
	}
	var parts []string
	if len(found) > 0 {
		parts = append(parts, "found "+strings.Join(found, ", "))
	}
	if len(missing) > 0 && (it.Match == "all" || len(found) == 0) { // one found is enough unless all must be
		parts = append(parts, fmt.Sprintf("not said by %s%s (%d turns): %s", who, where, searched, strings.Join(missing, "; ")))
	}
	return strings.Join(parts, "; ")
}

// turnsFor lists the turns an item covers: its speaker, inside its window.
func (e *evaluator) turnsFor(it *Item) []int {
	var out []int
	for i, t := range e.tr.Turns {
		if it.Speaker != "any" && string(t.Speaker) != it.Speaker {
			continue
		}
		if w := float64(it.Window.First); w > 0 && t.Start.Seconds() >= w {
			continue
		}
		if w := float64(it.Window.Last); w > 0 && t.End.Seconds() <= e.call.DurationS-w {
			continue
		}
		out = append(out, i)
	}
	return out
}

// applies checks an item's condition.
func (e *evaluator) applies(w *When) (bool, string) {
	if len(w.phrases) > 0 {
		hit := false
		for i := range e.tr.Turns {
			if _, ok := w.phrases.find(e.words[i]); ok {
				hit = true
				break
			}
		}
		if !hit {
			return false, fmt.Sprintf("nobody said %s", strings.Join(w.Phrases, ", "))
		}
	}
	an := e.call.Analysis
	if w.Entity != "" {
		if an == nil {
			return false, "needs the NLP analysis (entities)"
		}
		if !slices.ContainsFunc(an.Entities, func(m parley.EntityMention) bool { return m.Type == w.Entity }) {
			return false, "no " + w.Entity + " mentioned"
		}
	}
	if len(w.Intent) > 0 {
		if an == nil || an.Intent == nil {
			return false, "needs the NLP analysis (intent)"
		}
		if !slices.Contains(w.Intent, an.Intent.Label) {
			return false, "intent is " + an.Intent.Label
		}
	}
	// Any intent but these: an intent not known (no NLP analysis, or unclear) does not rule the item out.
	if len(w.NotIntent) > 0 && an != nil && an.Intent != nil && slices.Contains(w.NotIntent, an.Intent.Label) {
		return false, "intent is " + an.Intent.Label
	}
	if w.CustomerSentiment != "" || w.CustomerScoreAtMost != nil {
		if an == nil || an.Sentiment == nil {
			return false, "needs the NLP analysis (sentiment)"
		}
		if !slices.ContainsFunc(an.Sentiment.Turns, func(t parley.TurnSentiment) bool {
			return t.Speaker == parley.RoleCustomer && (w.CustomerSentiment == "" || t.Label == w.CustomerSentiment) &&
				(w.CustomerScoreAtMost == nil || t.Score <= *w.CustomerScoreAtMost)
		}) {
			what := "no " + w.CustomerSentiment + " customer turn"
			if w.CustomerSentiment == "" {
				what = "no customer turn"
			}
			if w.CustomerScoreAtMost != nil {
				what += fmt.Sprintf(" scoring %+.2f or lower", *w.CustomerScoreAtMost)
			}
			return false, what
		}
	}
	return true, ""
}

func (e *evaluator) evidence(i int) parley.Evidence {
	t := e.tr.Turns[i]
	q := t.Text
	if r := []rune(q); len(r) > 200 {
		q = string(r[:200]) + "…"
	}
	return parley.Evidence{Turn: i, Speaker: t.Speaker, Start: round(t.Start.Seconds()), End: round(t.End.Seconds()), Quote: q}
}

// sentimentEvidence quotes the speaker's lowest turn (for min) or the turns of the measured third.
func (e *evaluator) sentimentEvidence(role parley.Role, measure string, r *parley.ItemResult) {
	an := e.call.Analysis
	var ts []parley.TurnSentiment
	for _, t := range an.Sentiment.Turns {
		if t.Speaker == role && t.Turn < len(e.tr.Turns) {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return
	}
	third := (len(ts) + 2) / 3
	switch measure {
	case "start":
		ts = ts[:third]
	case "end":
		ts = ts[len(ts)-third:]
	case "min":
		lo := ts[0]
		for _, t := range ts {
			if t.Score < lo.Score {
				lo = t
			}
		}
		ts = []parley.TurnSentiment{lo}
	default:
		return
	}
	for _, t := range ts {
		r.Evidence = append(r.Evidence, e.evidence(t.Turn))
	}
}

var (
	politeness = compilePhrases([]string{"please", "thank you|thanks", "you're welcome|you are welcome", "my pleasure", "happy to help|glad to help", "of course|certainly|absolutely", "appreciate"})
	empathy    = compilePhrases([]string{"I understand|I can understand", "sorry|apologise|apologize", "that must be|I can imagine|I hear you", "frustrating|frustration"})
)

// tone scores the agent's tone in [0, 1]: politeness and empathy markers, the agent's sentiment, and
// a penalty for interrupting the customer.
func (e *evaluator) tone(r *parley.ItemResult) (float64, string) {
	polite, emp := 0, 0
	for i, t := range e.tr.Turns {
		if t.Speaker != parley.RoleAgent {
			continue
		}
		hit := false
		for _, p := range politeness {
			if _, ok := (phrases{p}).find(e.words[i]); ok {
				polite++
				hit = true
			}
		}
		for _, p := range empathy {
			if _, ok := (phrases{p}).find(e.words[i]); ok {
				emp++
				hit = true
			}
		}
		if hit && len(r.Evidence) < 5 {
			r.Evidence = append(r.Evidence, e.evidence(i))
		}
	}
	sent := 0.0
	if an := e.call.Analysis; an != nil && an.Sentiment != nil && an.Sentiment.Agent != nil {
		sent = an.Sentiment.Agent.Overall
	}
	intr := e.metrics.Interruptions[parley.RoleAgent]
	raised := raisedSegments(e.tr, parley.RoleAgent)
	for _, i := range raised {
		s := e.tr.Segments[i]
		r.Evidence = append(r.Evidence, parley.Evidence{Turn: -1, Speaker: s.Speaker, Start: round(s.Start.Seconds()), End: round(s.End.Seconds()),
			Quote: fmt.Sprintf("raised voice (%.0f dBFS): %s", s.LoudnessDB, s.Text)})
	}
	v := 0.4*math.Min(1, float64(polite)/3) + 0.3*math.Min(1, float64(emp)) + 0.3*(sent+1)/2 - 0.1*float64(intr) - 0.15*float64(len(raised))
	v = math.Max(0, math.Min(1, v))
	return round(v), fmt.Sprintf("%d politeness and %d empathy markers, agent sentiment %+.2f, %d interruptions, %d raised-voice segments", polite, emp, sent, intr, len(raised))
}

// dedupe keeps one piece of evidence per turn, where its first was; a match by meaning on the same turn
// lends it its sentence, example and similarity, which the reason quotes.
func dedupe(ev []parley.Evidence) []parley.Evidence {
	out := ev[:0]
	at := map[int]int{}
	for _, e := range ev {
		if k, ok := at[e.Turn]; ok && e.Turn >= 0 {
			if e.Example != "" && out[k].Example == "" {
				out[k].Quote, out[k].Example, out[k].Similarity = e.Quote, e.Example, e.Similarity
			}
			continue
		}
		at[e.Turn] = len(out)
		out = append(out, e)
	}
	return out
}

func within(v float64, lo, hi *float64) bool {
	return (lo == nil || v >= *lo) && (hi == nil || v <= *hi)
}

func bounds(lo, hi *float64) string {
	switch {
	case lo != nil && hi != nil:
		return fmt.Sprintf("%.2f to %.2f", *lo, *hi)
	case lo != nil:
		return fmt.Sprintf("at least %.2f", *lo)
	case hi != nil:
		return fmt.Sprintf("at most %.2f", *hi)
	}
	return "any"
}

func clock(s float64) string { return fmt.Sprintf("%d:%02d", int(s)/60, int(s)%60) }
