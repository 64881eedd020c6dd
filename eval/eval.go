package eval

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/internal/stats"
	"github.com/parley-cc/parley/nlp"
	"github.com/parley-cc/parley/transcribe"
)

// Count is a number of right answers out of a total.
type Count struct {
	Right int `json:"right"`
	Total int `json:"total"`
}

// Rate is Right/Total, or -1 when nothing was judged.
func (c Count) Rate() float64 {
	if c.Total == 0 {
		return -1
	}
	return float64(c.Right) / float64(c.Total)
}

func (c *Count) add(ok bool) {
	c.Total++
	if ok {
		c.Right++
	}
}

// Words counts word errors against reference words.
type Words struct {
	Errors int `json:"errors"`
	Words  int `json:"words"`
}

// add counts o's words and errors in w.
func (w *Words) add(o Words) { w.Errors, w.Words = w.Errors+o.Errors, w.Words+o.Words }

// WER is Errors/Words, or -1 without reference words.
func (w Words) WER() float64 {
	if w.Words == 0 {
		return -1
	}
	return float64(w.Errors) / float64(w.Words)
}

// Check is one judgement compared: what the reviewer said and what parley said.
type Check struct {
	What string   `json:"what"` // intent, customer_end, greeting…
	Want string   `json:"want"`
	Got  string   `json:"got"` // "" when parley gave no answer (mono call, no analysis)
	At   *float64 `json:"at,omitempty"`
	Why  string   `json:"why,omitempty"` // parley's reason, for items
	// OnMoment, for an item parley passed that the label says was met at a moment (At): whether the
	// result's evidence covers that moment — a pass for what the reviewer heard, not for another sentence
	// that happened to come close ("Can you confirm your address?" taken for a recap).
	OnMoment *bool `json:"on_moment,omitempty"`
	// HeardAgain: the item passed on the second hearing of the agent (second_hearing), its evidence
	// quoting that reading.
	HeardAgain bool `json:"heard_again,omitempty"`
	// Ref is what parley decided from the label's reference transcript (Reference), when the call was
	// also measured so (CallResult.Referenced): a judgement wrong here and right there was lost in the
	// hearing.
	Ref string `json:"reference,omitempty"`
}

// Agree reports whether parley said what the reviewer said.
func (c Check) Agree() bool { return c.Want == c.Got }

// CallResult is one labelled call measured.
type CallResult struct {
	ID        string            `json:"id"`
	Split     string            `json:"split,omitempty"`
	Mix       string            `json:"mix"`
	Tags      map[string]string `json:"tags,omitempty"`  // what the call is (callTags), for parley eval --by
	Error     string            `json:"error,omitempty"` // no usable call document
	WER       map[string]Words  `json:"wer"`             // agent, customer (stereo), all
	Misplaced Words             `json:"misplaced"`       // stereo or diarized: reference words recognised on the other party's side
	// UnsureWords and SureWords: the recogniser's words under calldoc.UnsureBelow and the others, and how
	// many of each the alignment to the reference found wrong (Errors); calls whose words are known.
	UnsureWords   Words                  `json:"unsure_words"`
	SureWords     Words                  `json:"sure_words"`
	Intent        *Check                 `json:"intent,omitempty"`
	Threats       *Check                 `json:"threats,omitempty"` // the kinds, comma-separated
	Sentiment     []Check                `json:"sentiment"`
	Items         []Check                `json:"items"`
	Holds         HoldCount              `json:"holds"`
	Interruptions map[parley.Role][2]int `json:"interruptions"` // labelled, found
	PII           Count                  `json:"pii"`           // labelled PII found as a PII entity of that turn
	// SummaryRecap: on a call whose recap item is labelled met with its moment, whether the summary's
	// action or next-step line quotes the turn said then (nil when not labelled so).
	SummaryRecap *bool `json:"summary_recap,omitempty"`
	Wrong        int   `json:"wrong"` // judgements parley got wrong
	// Referenced: the call was also analysed and scored from its label's reference transcript, each
	// check's Ref.
	Referenced bool `json:"referenced,omitempty"`
}

// HoldCount compares holds: labelled ones found, and holds parley found that no label has.
type HoldCount struct {
	Labelled int `json:"labelled"`
	Found    int `json:"found"`
	Extra    int `json:"extra"`
}

// ItemStats are one scorecard item's results over a set: agreement with the reviewer, and precision and
// recall of parley's "pass" against the reviewer's "met", and of "fail" against "not_met".
type ItemStats struct {
	Agree    Count `json:"agree"`
	PassTP   int   `json:"pass_tp"`
	PassFP   int   `json:"pass_fp"`
	PassFN   int   `json:"pass_fn"`
	FailTP   int   `json:"fail_tp"`
	FailFP   int   `json:"fail_fp"`
	FailFN   int   `json:"fail_fn"`
	Unjudged int   `json:"unjudged"`        // parley had no result for the item
	OnMoment Count `json:"on_moment"`       // right passes of items labelled at a moment, and how many quote it (Check.OnMoment)
	Review   int   `json:"review"`          // parley left the item for a reviewer (counted as a pass or fail missed)
	RefAgree Count `json:"reference_agree"` // agreement from the reference transcripts, on the calls scored so too
}

func ratio(a, b int) float64 {
	if b == 0 {
		return -1
	}
	return float64(a) / float64(b)
}

// PassPrecision is the share of parley's passes that the reviewer passed.
func (s ItemStats) PassPrecision() float64 { return ratio(s.PassTP, s.PassTP+s.PassFP) }

// PassRecall is the share of the reviewer's passes that parley passed.
func (s ItemStats) PassRecall() float64 { return ratio(s.PassTP, s.PassTP+s.PassFN) }

// FailPrecision is the share of parley's fails that the reviewer failed: a QA team acts on these.
func (s ItemStats) FailPrecision() float64 { return ratio(s.FailTP, s.FailTP+s.FailFP) }

// FailRecall is the share of the reviewer's fails that parley failed.
func (s ItemStats) FailRecall() float64 { return ratio(s.FailTP, s.FailTP+s.FailFN) }

// Summary adds up the calls of one split.
type Summary struct {
	Calls          int                  `json:"calls"`
	Errors         int                  `json:"errors"`
	WER            map[string]Words     `json:"wer"`
	Misplaced      Words                `json:"misplaced"`    // stereo and diarized calls: words on the wrong speaker's side
	UnsureWords    Words                `json:"unsure_words"` // words heard unsurely, and how many wrong
	SureWords      Words                `json:"sure_words"`   // the other recognised words, and how many wrong
	Intent         Count                `json:"intent"`
	IntentUnclear  int                  `json:"intent_unclear"` // calls parley called unclear (not right, but no wrong guess)
	Threats        Count                `json:"threats"`        // calls whose churn and escalation threats parley found as labelled
	Sentiment      map[string]Count     `json:"sentiment"`      // customer_start, customer_end, agent_start, agent_end
	Items          map[string]ItemStats `json:"items"`
	ItemAgreement  Count                `json:"item_agreement"`
	ItemReview     int                  `json:"item_review"`      // item results parley left for a reviewer (in ItemAgreement, never right)
	ItemOnMoment   Count                `json:"item_on_moment"`   // right passes of items labelled at a moment whose evidence covers it
	ItemHeardAgain Count                `json:"item_heard_again"` // item passes the second hearing gave (Check.HeardAgain), and how many are right
	// On the calls also scored from their reference transcripts (CallResult.Referenced): the item
	// agreement there, and the item results not agreed with the label (left for review or wrong) that
	// the reference transcript gets right (lost in the hearing) or wrong too (in the judgement).
	RefItems Count `json:"reference_item_agreement"`
	// RefChecks: the other judgements from the reference transcripts (intent, threats, each sentiment),
	// by what they judge.
	RefChecks     map[string]Count `json:"reference_checks,omitempty"`
	MissHeard     int              `json:"items_missed_in_hearing"`
	MissJudged    int              `json:"items_missed_in_judgement"`
	Holds         HoldCount        `json:"holds"`
	Interruptions Count            `json:"interruptions"` // calls where parley counted each party's interruptions as labelled
	PII           Count            `json:"pii"`
	SummaryRecap  Count            `json:"summary_recap"` // calls whose summary quotes the labelled recap
	// Intervals are the 95 % intervals of the main measures (Measures) from drawing the split's calls
	// again: on 18 calls one call moves intent by 5.6 points. Measures never taken are left out.
	Intervals map[string][2]float64 `json:"intervals,omitempty"`
}

// Gap is a difference between the splits with its 95 % interval.
type Gap struct {
	Value    float64    `json:"value"`
	Interval [2]float64 `json:"interval"`
}

// gaps measures the held-out calls against the tuned ones, on the set and on draws of it.
func gaps(calls []CallResult) map[string]Gap {
	var tune, held []CallResult
	diff := func(tune, held []CallResult, out []float64) {
		if len(tune) == 0 || len(held) == 0 { // a draw without one of the splits measures no gap
			for k := range out {
				out[k] = math.NaN()
			}
			return
		}
		st, sh := summarise(tune), summarise(held)
		for k, m := range Measures {
			out[k] = m.Of(&sh) - m.Of(&st)
		}
	}
	pick := func(idx []int) {
		tune, held = tune[:0], held[:0]
		for _, i := range idx {
			switch calls[i].Split {
			case SplitTune:
				tune = append(tune, calls[i])
			case SplitHeldout:
				held = append(held, calls[i])
			}
		}
	}
	pick(stats.All(len(calls)))
	if len(tune) == 0 || len(held) == 0 {
		return nil
	}
	value := make([]float64, len(Measures))
	diff(tune, held, value)
	iv := stats.Intervals(len(calls), len(Measures), func(idx []int, out []float64) {
		pick(idx)
		diff(tune, held, out)
	})
	res := map[string]Gap{}
	for k, m := range Measures {
		if !math.IsNaN(value[k]) && !math.IsNaN(iv[k][0]) {
			res[m.Name] = Gap{value[k], iv[k]}
		}
	}
	return res
}

// Measures are the summary's main measures by name, NaN where nothing was measured: the word error rate
// of both sides, and the shares of intents, threats, customers' closing sentiment, scorecard items and
// PII that parley got right.
var Measures = []struct {
	Name, Label string
	Of          func(s *Summary) float64
}{
	{"wer", "WER", func(s *Summary) float64 { return nan(s.WER["all"].WER()) }},
	{"intent", "intent", func(s *Summary) float64 { return nan(s.Intent.Rate()) }},
	{"threats", "threats", func(s *Summary) float64 { return nan(s.Threats.Rate()) }},
	{"customer_end", "closing sentiment", func(s *Summary) float64 { return nan(s.Sentiment["customer_end"].Rate()) }},
	{"item_agreement", "items", func(s *Summary) float64 { return nan(s.ItemAgreement.Rate()) }},
	{"pii", "PII", func(s *Summary) float64 { return nan(s.PII.Rate()) }},
}

// nan turns the -1 of a rate that was never measured into NaN.
func nan(v float64) float64 {
	if v < 0 {
		return math.NaN()
	}
	return v
}

// intervals draws the calls again (stats.Intervals) and keeps the defined intervals of Measures.
func intervals(calls []CallResult) map[string][2]float64 {
	draw := make([]CallResult, len(calls))
	iv := stats.Intervals(len(calls), len(Measures), func(idx []int, out []float64) {
		for i, j := range idx {
			draw[i] = calls[j]
		}
		s := summarise(draw)
		for k, m := range Measures {
			out[k] = m.Of(&s)
		}
	})
	res := map[string][2]float64{}
	for k, m := range Measures {
		if !math.IsNaN(iv[k][0]) {
			res[m.Name] = iv[k]
		}
	}
	return res
}

// Report is a labelled set measured: every call and a summary per split ("all", "tune", "heldout").
type Report struct {
	Calls   []CallResult       `json:"calls"`
	Summary map[string]Summary `json:"summary"`
	// Gaps are the held-out calls' measures less the tuned calls' (Measures, rates as shares), with 95 %
	// intervals from drawing all the calls again: a gap whose interval holds 0 may be chance. Only when
	// the set has both splits.
	Gaps map[string]Gap `json:"heldout_gaps,omitempty"`
	// Groupings are the calls measured group by group, by the tags parley eval --by names (GroupBy).
	Groupings []Grouping `json:"groupings,omitempty"`
	Skipped   []string   `json:"skipped,omitempty"` // label files and call documents that could not be used, with why
	Notes     []string   `json:"notes,omitempty"`   // labels that were not measured, with why
	// HeldoutHidden: the held-out calls count in the summaries but are left out of the worst calls and
	// the per-call table (the text and the page; eval.json keeps them), so that tuning reads no held-out
	// miss.
	HeldoutHidden bool `json:"-"`
}

// sentimentOf names a speaker's start or end state the way parley labels turns.
func sentimentOf(s *parley.SpeakerSentiment, end bool) string {
	if s == nil {
		return ""
	}
	if end {
		return s.EndState()
	}
	return nlp.Label(s.Start)
}

// ForReview is parley's answer for an item it left for a reviewer (parley.ItemReview): not a label
// result, and never right, but no wrong verdict either.
const ForReview = "review"

var itemResult = map[string]string{parley.ItemPass: Met, parley.ItemFail: NotMet, parley.ItemNA: NotApplicable, parley.ItemReview: ForReview}

// heard counts the recogniser's words of role's turns (every turn for role "") heard unsurely and the
// others, and how many of each are wrong: aligned to the reference text ref, each word normalised as
// the word error rate's are. A side with a turn whose words are not known is not counted.
func (res *CallResult) heard(d *calldoc.CallDoc, role parley.Role, ref string) {
	var toks []string
	var unsure []bool
	for i, t := range d.Turns {
		if role != "" && t.Speaker != role {
			continue
		}
		ws := d.TurnWords(i)
		if ws == nil {
			return
		}
		for _, w := range ws {
			for _, tok := range transcribe.NormalizeWords(w.Text) {
				toks, unsure = append(toks, tok), append(unsure, w.Unsure())
			}
		}
	}
	for k, right := range transcribe.RightWords(ref, toks) {
		c := &res.SureWords
		if unsure[k] {
			c = &res.UnsureWords
		}
		c.Words++
		if !right {
			c.Errors++
		}
	}
}

// Call measures one call document against its label. A document that does not match the label (other
// length, other channel layout) is an error: its numbers would mean nothing.
func Call(l *Label, d *calldoc.CallDoc) CallResult {
	res := CallResult{ID: l.ID(), Split: l.Split, Mix: l.Mix, Tags: callTags(l, d), WER: map[string]Words{}, Interruptions: map[parley.Role][2]int{}}
	if d == nil {
		res.Error = "no call document for this recording"
		return res
	}
	if err := Matches(l, d); err != nil {
		res.Error = err.Error()
		return res
	}
	// Words. Stereo calls are measured per side, and "all" adds the sides up (the order of turns across
	// the sides is not the recogniser's to get right); mono calls as one text. Without a reference
	// transcript there are no words to measure.
	hyp := func(role parley.Role) string {
		var b strings.Builder
		for _, t := range d.Turns {
			if role == "" || t.Speaker == role {
				b.WriteString(t.Text + " ")
			}
		}
		return b.String()
	}
	// Mono calls whose voices parley told apart (diarization) are measured per side as well, so that
	// words given to the wrong speaker count as on stereo calls.
	perSide := l.Mix == "stereo" || d.SpeakersFrom == calldoc.SpeakersFromDiarization
	if len(l.Turns) > 0 && perSide {
		ra, ha := l.Text(parley.RoleAgent), hyp(parley.RoleAgent)
		rc, hc := l.Text(parley.RoleCustomer), hyp(parley.RoleCustomer)
		ea, na := transcribe.WordErrors(ra, ha)
		ec, nc := transcribe.WordErrors(rc, hc)
		res.WER[string(parley.RoleAgent)], res.WER[string(parley.RoleCustomer)] = Words{ea, na}, Words{ec, nc}
		res.WER["all"] = Words{ea + ec, na + nc}
		m, n := transcribe.Misplaced(ra, ha, rc, hc)
		res.Misplaced = Words{m, n}
		res.heard(d, parley.RoleAgent, ra)
		res.heard(d, parley.RoleCustomer, rc)
	}
	if len(l.Turns) > 0 && l.Mix == "mono" { // all: one text, as a mono recording is
		e, n := transcribe.WordErrors(l.Text(""), hyp(""))
		res.WER["all"] = Words{e, n}
		if !perSide {
			res.heard(d, "", l.Text(""))
		}
	}
	a := d.Analysis
	if l.Intent != "" {
		c := Check{What: "intent", Want: l.Intent}
		if a != nil && a.Intent != nil {
			c.Got = a.Intent.Label
		}
		res.Intent = &c
	}
	if l.Threats != nil {
		c := Check{What: "threats", Want: kinds(*l.Threats)}
		if a != nil {
			var got []string
			for _, th := range a.Threats {
				got = append(got, th.Kind)
			}
			c.Got = kinds(got)
		}
		res.Threats = &c
	}
	for _, role := range []parley.Role{parley.RoleCustomer, parley.RoleAgent} {
		se, ok := l.Sentiment[role]
		if !ok {
			continue
		}
		var got *parley.SpeakerSentiment
		if a != nil && a.Sentiment != nil {
			got = map[parley.Role]*parley.SpeakerSentiment{parley.RoleCustomer: a.Sentiment.Customer, parley.RoleAgent: a.Sentiment.Agent}[role]
		}
		if se.Start != "" {
			res.Sentiment = append(res.Sentiment, Check{What: string(role) + "_start", Want: se.Start, Got: sentimentOf(got, false)})
		}
		if se.End != "" {
			res.Sentiment = append(res.Sentiment, Check{What: string(role) + "_end", Want: se.End, Got: sentimentOf(got, true)})
		}
	}
	ids := make([]string, 0, len(l.Items))
	for id := range l.Items {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		it := l.Items[id]
		c := Check{What: id, Want: it.Result, At: it.At}
		if d.Score != nil {
			for _, r := range d.Score.Items {
				if r.ID == id {
					c.Got, c.Why = itemResult[r.Status], r.Reason
					c.HeardAgain = slices.ContainsFunc(r.Evidence, func(ev parley.Evidence) bool { return ev.Heard != "" })
					if c.Got == Met && c.Want == Met && c.At != nil {
						on := slices.ContainsFunc(r.Evidence, func(ev parley.Evidence) bool {
							return covers(*c.At, ev.Start, ev.End)
						})
						c.OnMoment = &on
					}
				}
			}
		}
		res.Items = append(res.Items, c)
	}
	var holds []parley.Span
	if d.Score != nil {
		holds = d.Score.Metrics.Holds
		for _, role := range []parley.Role{parley.RoleAgent, parley.RoleCustomer} {
			n := 0
			for _, in := range l.Interruptions {
				if in.By == role {
					n++
				}
			}
			res.Interruptions[role] = [2]int{n, d.Score.Metrics.Interruptions[role]}
		}
	}
	res.Holds = compareHolds(l.Holds, holds)
	if it, ok := l.Items["recap"]; ok && it.Result == Met && it.At != nil {
		quoted := false
		if a != nil {
			for _, sl := range a.Summary {
				if (sl.Kind == parley.SummaryAction || sl.Kind == parley.SummaryNextStep) && sl.Turn < len(d.Turns) {
					t := d.Turns[sl.Turn]
					quoted = quoted || covers(*it.At, t.Start, t.End)
				}
			}
		}
		res.SummaryRecap = &quoted
	}
	for _, p := range l.PII {
		res.PII.add(piiFound(p, d))
	}
	res.countWrong()
	return res
}

// covers reports whether a labelled moment at lies in the stretch start–end of a quoted turn or
// evidence, give or take half a second: the label's clock and the recogniser's turn edges differ by a
// few hundred milliseconds.
func covers(at, start, end float64) bool { return at >= start-0.5 && at <= end+0.5 }

func (r *CallResult) countWrong() {
	r.Wrong = 0
	for _, c := range r.Checks() {
		if !c.Agree() {
			r.Wrong++
		}
	}
}

// kinds lists threat kinds sorted, each once, comma-separated ("none" for none).
func kinds(k []string) string {
	k = slices.Compact(slices.Sorted(slices.Values(k)))
	if len(k) == 0 {
		return "none"
	}
	return strings.Join(k, ",")
}

// Checks are the call's judgements: intent, threats, sentiment and items.
func (r *CallResult) Checks() []Check {
	var out []Check
	for _, ch := range r.judgements() {
		out = append(out, *ch)
	}
	return append(out, r.Items...)
}

// judgements are the call's checks other than the scorecard items — intent, threats, each sentiment —,
// in place.
func (r *CallResult) judgements() []*Check {
	var out []*Check
	for _, ch := range []*Check{r.Intent, r.Threats} {
		if ch != nil {
			out = append(out, ch)
		}
	}
	for i := range r.Sentiment {
		out = append(out, &r.Sentiment[i])
	}
	return out
}

func overlaps(a, b parley.Span) bool { return a.Start < b.End && b.Start < a.End }

func compareHolds(want, got []parley.Span) HoldCount {
	h := HoldCount{Labelled: len(want)}
	for _, w := range want {
		if slices.ContainsFunc(got, func(g parley.Span) bool { return overlaps(w, g) }) {
			h.Found++
		}
	}
	for _, g := range got {
		if !slices.ContainsFunc(want, func(w parley.Span) bool { return overlaps(w, g) }) {
			h.Extra++
		}
	}
	return h
}

// piiFound: a PII entity of any redacted type in a turn of that speaker overlapping the labelled span.
// The type is not required to match (a card number read as an account number is still removed).
func piiFound(p PIILabel, d *calldoc.CallDoc) bool {
	if d.Analysis == nil {
		return false
	}
	span := parley.Span{Start: p.Start - 0.25, End: p.End + 0.25}
	for _, e := range d.Analysis.Entities {
		if !nlp.PII[e.Type] || e.Turn < 0 || e.Turn >= len(d.Turns) {
			continue
		}
		t := d.Turns[e.Turn]
		if (t.Speaker == p.Speaker || t.Speaker == parley.RoleUnknown) && overlaps(span, parley.Span{Start: t.Start, End: t.End}) {
			return true
		}
	}
	return false
}

// Matches checks that a call document is of the recording the label describes: the same length (within
// a second) and, for a stereo label, two channels.
func Matches(l *Label, d *calldoc.CallDoc) error {
	if l.DurationS > 0 && math.Abs(d.DurationS-l.DurationS) > 1 {
		return parley.Errorf(parley.CodeBadLabel, "label %s: recording is %.1f s, the label says %.1f s", l.Path(), d.DurationS, l.DurationS)
	}
	if l.Mix == "stereo" && len(d.Channels) != 2 {
		return parley.Errorf(parley.CodeBadLabel, "label %s: labelled stereo, the recording has %d channel(s)", l.Path(), len(d.Channels))
	}
	if l.Mix == "mono" && len(d.Channels) != 1 {
		return parley.Errorf(parley.CodeBadLabel, "label %s: labelled mono, the recording has %d channels", l.Path(), len(d.Channels))
	}
	return nil
}

// Evaluate measures the labelled calls against the call documents (by call id). Calls without a
// document are reported with an error and counted in the summary's Errors. refs, when given, are the
// same calls analysed and scored from their labels' reference transcripts (Reference): each check
// says what parley decided there too.
func Evaluate(labels []*Label, docs, refs []calldoc.CallDoc) *Report {
	byID, refByID := calldoc.ByID(docs), calldoc.ByID(refs)
	rep := &Report{Summary: map[string]Summary{}}
	scored := map[string]bool{} // items of the scorecard the documents were scored with
	for _, d := range docs {
		if d.Score != nil {
			for _, it := range d.Score.Items {
				scored[it.ID] = true
			}
		}
	}
	unknown := map[string]int{}
	for _, l := range labels {
		c := Call(l, byID[l.ID()])
		if ref := refByID[l.ID()]; ref != nil && c.Error == "" {
			asRead := *l
			asRead.Mix = "" // the reference puts each speaker on a channel of their own, whatever the recording's
			c.compareReference(Call(&asRead, ref))
		}
		if len(scored) > 0 {
			c.Items = slices.DeleteFunc(c.Items, func(ch Check) bool {
				if !scored[ch.What] {
					unknown[ch.What]++
					return true
				}
				return false
			})
			c.countWrong()
		}
		rep.Calls = append(rep.Calls, c)
	}
	for _, id := range slices.Sorted(maps.Keys(unknown)) {
		rep.Notes = append(rep.Notes, fmt.Sprintf("item %q is not in the scorecard the calls were scored with: its %d label(s) are not measured", id, unknown[id]))
	}
	for _, split := range []string{"all", SplitTune, SplitHeldout} {
		var calls []CallResult
		for _, c := range rep.Calls {
			if split == "all" || c.Split == split {
				calls = append(calls, c)
			}
		}
		if len(calls) > 0 {
			s := summarise(calls)
			s.Intervals = intervals(calls)
			rep.Summary[split] = s
		}
	}
	rep.Gaps = gaps(rep.Calls)
	return rep
}

// compareReference notes in each check what parley decided on the same call from its reference
// transcript (ref: Call on the Reference document).
func (c *CallResult) compareReference(ref CallResult) {
	if ref.Error != "" {
		return
	}
	c.Referenced = true
	got := map[string]string{}
	for _, ch := range ref.Checks() {
		got[ch.What] = ch.Got
	}
	for _, ch := range c.judgements() {
		ch.Ref = got[ch.What]
	}
	for i := range c.Items {
		c.Items[i].Ref = got[c.Items[i].What]
	}
}

func summarise(calls []CallResult) Summary {
	s := Summary{WER: map[string]Words{}, Sentiment: map[string]Count{}, Items: map[string]ItemStats{}, RefChecks: map[string]Count{}}
	for _, c := range calls {
		s.Calls++
		if c.Error != "" {
			s.Errors++
			continue
		}
		for k, w := range c.WER {
			t := s.WER[k]
			t.add(w)
			s.WER[k] = t
		}
		s.Misplaced.add(c.Misplaced)
		s.UnsureWords.add(c.UnsureWords)
		s.SureWords.add(c.SureWords)
		if c.Referenced {
			for _, ch := range c.judgements() {
				n := s.RefChecks[ch.What]
				n.add(ch.Ref == ch.Want)
				s.RefChecks[ch.What] = n
			}
		}
		if c.Intent != nil {
			s.Intent.add(c.Intent.Agree())
			if c.Intent.Got == parley.IntentUnclear && c.Intent.Want != parley.IntentUnclear {
				s.IntentUnclear++
			}
		}
		if c.Threats != nil {
			s.Threats.add(c.Threats.Agree())
		}
		for _, ch := range c.Sentiment {
			n := s.Sentiment[ch.What]
			n.add(ch.Agree())
			s.Sentiment[ch.What] = n
		}
		for _, ch := range c.Items {
			st := s.Items[ch.What]
			st.Agree.add(ch.Agree())
			s.ItemAgreement.add(ch.Agree())
			if ch.Got == ForReview {
				st.Review++
				s.ItemReview++
			}
			switch {
			case ch.Got == "":
				st.Unjudged++
			case ch.Got == Met && ch.Want == Met:
				st.PassTP++
			case ch.Got == Met:
				st.PassFP++
			case ch.Want == Met:
				st.PassFN++
			}
			switch {
			case ch.Got == NotMet && ch.Want == NotMet:
				st.FailTP++
			case ch.Got == NotMet:
				st.FailFP++
			case ch.Want == NotMet:
				st.FailFN++
			}
			if ch.OnMoment != nil {
				st.OnMoment.add(*ch.OnMoment)
				s.ItemOnMoment.add(*ch.OnMoment)
			}
			if ch.HeardAgain {
				s.ItemHeardAgain.add(ch.Agree())
			}
			if c.Referenced {
				st.RefAgree.add(ch.Ref == ch.Want)
				s.RefItems.add(ch.Ref == ch.Want)
				switch {
				case ch.Agree():
				case ch.Ref == ch.Want:
					s.MissHeard++
				default:
					s.MissJudged++
				}
			}
			s.Items[ch.What] = st
		}
		s.Holds.Labelled += c.Holds.Labelled
		s.Holds.Found += c.Holds.Found
		s.Holds.Extra += c.Holds.Extra
		ok := true
		for _, v := range c.Interruptions {
			ok = ok && v[0] == v[1]
		}
		s.Interruptions.add(ok)
		s.PII.Right += c.PII.Right
		s.PII.Total += c.PII.Total
		if c.SummaryRecap != nil {
			s.SummaryRecap.add(*c.SummaryRecap)
		}
	}
	return s
}

// Worst returns the n calls parley got most wrong: errors first, then most wrong judgements, then the
// highest word error rate.
func (r *Report) Worst(n int) []CallResult {
	calls := slices.DeleteFunc(slices.Clone(r.Calls), func(c CallResult) bool { return r.HeldoutHidden && c.Split == SplitHeldout })
	slices.SortStableFunc(calls, func(a, b CallResult) int {
		if (a.Error != "") != (b.Error != "") {
			if a.Error != "" {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.Wrong, a.Wrong); c != 0 {
			return c
		}
		return cmp.Compare(b.WER["all"].WER(), a.WER["all"].WER())
	})
	return calls[:min(n, len(calls))]
}

// Problems lists what parley got wrong on a call, one short phrase each.
func (c *CallResult) Problems() []string {
	var out []string
	if c.Error != "" {
		return []string{c.Error}
	}
	for _, ch := range c.Checks() {
		if !ch.Agree() {
			got := ch.Got
			if got == "" {
				got = "nothing"
			}
			p := fmt.Sprintf("%s: %s, want %s", ch.What, got, ch.Want)
			if c.Referenced && ch.Ref != "" {
				p += fmt.Sprintf(" (%s from the reference transcript)", ch.Ref)
			}
			out = append(out, p)
		}
	}
	return out
}
