package scoring

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/testenv"
	"github.com/parley-cc/parley/nlp"
	"github.com/parley-cc/parley/transcribe"
)

type line struct {
	who        parley.Role
	start, end float64
	text       string
}

// transcript builds a transcript from hand-written lines (agent on channel 0, customer on 1).
func transcript(lines ...line) *parley.Transcript {
	tr := &parley.Transcript{Language: "en"}
	for _, l := range lines {
		ch := 0
		if l.who == parley.RoleCustomer {
			ch = 1
		}
		tr.Segments = append(tr.Segments, parley.Segment{Channel: ch, Speaker: l.who, Start: dur(l.start), End: dur(l.end), Text: l.text})
	}
	tr.Turns = transcribe.MergeTurns(tr.Segments, time.Second)
	return tr
}

func dur(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

const A, C = parley.RoleAgent, parley.RoleCustomer

// oneItem wraps one item (weight 100) in a scorecard.
func oneItem(t *testing.T, item string) *Scorecard {
	t.Helper()
	sc, err := Parse([]byte("version: 1\nname: t\nsections:\n  - name: s\n    items:\n      - id: x\n        weight: 100\n"+indent(item)), "t")
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// items wraps a YAML list of items (each line indented as in a scorecard file) in a scorecard.
func items(t *testing.T, list string) *Scorecard {
	t.Helper()
	sc, err := Parse([]byte("version: 1\nname: t\nsections:\n  - name: s\n    items:\n"+strings.TrimLeft(list, "\n")), "t")
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		b.WriteString("        " + l + "\n")
	}
	return b.String()
}

var call = transcript(
	line{A, 0, 4, "Thank you for calling Northwind, my name is Sarah. How can I help?"},
	line{C, 4.5, 9, "Hi, I was charged twice on my bill and it is ridiculous."},
	line{A, 8, 12, "I am so sorry about that. Let me put you on hold while I check."},
	line{A, 30, 34, "Thanks for holding. I have issued a refund for the second charge."},
	line{C, 35, 37, "Great, thank you so much."},
	line{A, 38, 41, "Is there anything else I can help you with today?"},
	line{C, 42, 43, "No, that is all."},
	line{A, 44, 46, "Thanks for calling, have a great day."},
)

func TestItemKinds(t *testing.T) {
	a, err := nlp.NewAnalyzer(nlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	analysis := a.Analyze(transcript(
		line{A, 0, 4, "Thank you for calling Northwind, my name is Sarah. How can I help?"},
		line{C, 4.5, 9, "Hi, I was charged twice on my bill and it is ridiculous."},
		line{A, 30, 34, "Thanks for holding. I have issued a refund for the second charge."},
		line{C, 35, 37, "Great, thank you so much."},
	))
	tests := []struct {
		name, item string
		status     string
		reason     string // part of the reason
	}{
		{"evidence once per turn", "kind: required_phrase\nmatch: all\nphrases: [thank you for calling, my name is]", "pass", "my name is"},
		{"required any, fuzzy word", "kind: required_phrase\nphrases: [thank you for caling]", "pass", "found \"thank you for caling\" at 0:00"},
		{"required all, one missing", "kind: required_phrase\nmatch: all\nphrases: [my name is, date of birth]", "fail", `found "my name is" at 0:00; not said by the agent (5 turns): "date of birth"`},
		{"required in window", "kind: required_phrase\nwindow: {first: 10s}\nphrases: [refund]", "fail", "first 10 s"},
		{"required, last window", "kind: required_phrase\nwindow: {last: 20s}\nphrases: [have a great day]", "pass", "have a great day"},
		{"required, outside last window", "kind: required_phrase\nwindow: {last: 10s}\nphrases: [refund]", "fail", "last 10 s"},
		{"required by pattern", "kind: required_phrase\npatterns: ['refund(ed)? for']", "pass", "refund"},
		{"required, extra word inside", "kind: required_phrase\nphrases: [i am sorry]", "pass", "i am sorry"},
		{"customer phrase", "kind: required_phrase\nspeaker: customer\nphrases: [charged twice]", "pass", "charged twice"},
		{"prohibited said", "kind: prohibited_phrase\nspeaker: any\nphrases: [ridiculous]", "fail", "ridiculous"},
		{"prohibited clean", "kind: prohibited_phrase\nphrases: [calm down]", "pass", "none of"},
		{"when: phrase absent", "kind: required_phrase\nphrases: [date of birth]\nwhen: {phrases: [password]}", "na", "nobody said password"},
		{"when: phrase present", "kind: required_phrase\nphrases: [date of birth]\nwhen: {phrases: [bill]}", "fail", "date of birth"},
		{"when: intent", "kind: required_phrase\nphrases: [date of birth]\nwhen: {intent: [cancel_service]}", "na", "intent is"},
		{"when: not this intent", "kind: required_phrase\nphrases: [date of birth]\nwhen: {not_intent: [cancel_service]}", "fail", "date of birth"},
		{"when: not the call's intent", "kind: required_phrase\nphrases: [date of birth]\nwhen: {not_intent: [billing_dispute]}", "na", "intent is billing_dispute"},
		{"when: a negative customer turn", "kind: required_phrase\nphrases: [date of birth]\nwhen: {customer_sentiment: negative}", "fail", "date of birth"},
		{"when: no customer turn that negative", "kind: required_phrase\nphrases: [date of birth]\nwhen: {customer_sentiment: negative, customer_score_at_most: -0.99}", "na", "no negative customer turn scoring -0.99 or lower"},
		{"when: a customer turn scoring low enough", "kind: required_phrase\nphrases: [date of birth]\nwhen: {customer_score_at_most: 0.99}", "fail", "date of birth"},
		{"not on the call's intent, though said", "kind: required_phrase\nphrases: [my name is]\nnot_on: {intent: [billing_dispute]}", "na", "does not apply: the call's intent is billing_dispute"},
		{"not on another intent", "kind: required_phrase\nphrases: [my name is]\nnot_on: {intent: [sales_lead]}", "pass", "my name is"},
		{"not on, and when seen", "kind: required_phrase\nphrases: [date of birth]\nwhen: {phrases: [bill]}\nnot_on: {phrases: [ridiculous], intent: [billing_dispute]}", "na", "someone said ridiculous and the call's intent is billing_dispute"},
		{"when not seen, said in words only", "kind: required_phrase\nphrases: [refund]\nwhen: {intent: [cancel_service]}", "na", "intent is"},
		{"when not seen, prohibited", "kind: prohibited_phrase\nphrases: [ridiculous]\nspeaker: any\nwhen: {phrases: [password]}", "na", "nobody said password"},
		{"sentiment end", "kind: sentiment\nof: customer\nmeasure: end\nat_least: 0", "pass", "customer end sentiment"},
		{"sentiment start", "kind: sentiment\nof: customer\nmeasure: start\nat_least: 0", "fail", "customer start sentiment"},
		{"agent tone", "kind: agent_tone\nat_least: 0.5", "pass", "politeness"},
		{"talk listen", "kind: talk_listen_ratio\nat_most: 0.5", "fail", "agent talked"},
		{"dead air", "kind: dead_air\nmax_s: 3", "pass", "longest dead air 0.0"},
		{"hold announced and short", "kind: hold\nannounced: true\nmax_s: 40", "pass", "announced"},
		{"hold too long", "kind: hold\nmax_s: 10", "fail", "lasted 18 s"},
		{"interruptions", "kind: interruptions\nof: agent\nmax: 0", "fail", "agent interrupted 1"},
		{"speaking rate", "kind: speaking_rate\nof: agent\nmin_wpm: 100\nmax_wpm: 250", "pass", "words per minute"},
		{"monologue", "kind: longest_monologue\nof: agent\nmax_s: 3", "fail", "longest monologue 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// DurationS 0: the call's length comes from its speech (46 s), as for documents without one.
			s := oneItem(t, tt.item).Score(Call{Transcript: call, Analysis: analysis})
			r := s.Items[0]
			if r.Status != tt.status || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("%s: %q, want %s with %q", r.Status, r.Reason, tt.status, tt.reason)
			}
			if r.Status != parley.ItemNA && r.Kind != KindTalkListen && r.Kind != KindInterruptions && r.Kind != KindSpeakingRate &&
				r.Kind != KindProhibited && r.Kind != KindDeadAir && len(r.Evidence) == 0 && r.Status == parley.ItemPass {
				t.Errorf("a pass without evidence: %+v", r)
			}
			if tt.name == "evidence once per turn" && len(r.Evidence) != 1 {
				t.Errorf("evidence %+v: one turn quoted twice", r.Evidence)
			}
			want := map[string]float64{"pass": 100, "fail": 0, "na": 0}[tt.status]
			if s.Score != want || s.Scored != (tt.status != "na") {
				t.Errorf("score %v, want %v", s.Score, want)
			}
		})
	}
}

// A sentiment item with states reads the speaker's state as the rest of parley shows it: at the end the
// classifier's most probable class, even where the expected score sits just past a bound (a customer
// most likely neutral at -0.051 ends neutral, not negative); elsewhere, and from a lexicon analysis
// without a class, the label of the score.
func TestSentimentStates(t *testing.T) {
	end := oneItem(t, "kind: sentiment\nof: customer\nmeasure: end\nstates: [neutral, positive]")
	start := oneItem(t, "kind: sentiment\nof: customer\nmeasure: start\nstates: [negative]")
	bound := oneItem(t, "kind: sentiment\nof: customer\nmeasure: end\nat_least: -0.05")
	tests := []struct {
		name                      string
		s                         parley.SpeakerSentiment
		end, start, bound, reason string
	}{
		{"neutral class, score just under", parley.SpeakerSentiment{Start: -0.4, End: -0.051, EndLabel: "neutral"}, "pass", "pass", "fail", "customer end sentiment neutral (-0.05; counts: neutral, positive)"},
		{"negative class, score above", parley.SpeakerSentiment{Start: 0.3, End: 0.02, EndLabel: "negative"}, "fail", "fail", "pass", "customer end sentiment negative (+0.02; counts: neutral, positive)"},
		{"lexicon: the score's label", parley.SpeakerSentiment{Start: -0.04, End: -0.2}, "fail", "fail", "fail", "customer end sentiment negative (-0.20"},
		{"lexicon, neutral", parley.SpeakerSentiment{Start: -0.05, End: 0.01}, "pass", "pass", "pass", "customer end sentiment neutral (+0.01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			an := &parley.Analysis{Sentiment: &parley.CallSentiment{Customer: &tt.s}}
			status := func(sc *Scorecard) (string, string) {
				r := sc.Score(Call{Transcript: call, Analysis: an}).Items[0]
				return map[string]string{parley.ItemPass: "pass", parley.ItemFail: "fail"}[r.Status], r.Reason
			}
			got, why := status(end)
			if got != tt.end || !strings.Contains(why, tt.reason) {
				t.Errorf("end: %s %q, want %s %q", got, why, tt.end, tt.reason)
			}
			if got, why := status(start); got != tt.start {
				t.Errorf("start: %s %q, want %s", got, why, tt.start)
			}
			if got, why := status(bound); got != tt.bound {
				t.Errorf("at_least -0.05: %s %q, want %s", got, why, tt.bound)
			}
		})
	}
}

// On a mono call whose voices were told apart, interruptions are not measured: the item does not apply
// rather than passing with none found.
func TestInterruptionsOnSharedChannel(t *testing.T) {
	tr := *call
	tr.Diarization = []parley.Diarization{{Channel: 0, Voices: 2, Roles: []parley.Role{parley.RoleAgent, parley.RoleCustomer}, RolesBy: "words"}}
	r := oneItem(t, "kind: interruptions\nof: agent\nmax: 0").Score(Call{Transcript: &tr}).Items[0]
	if r.Status != parley.ItemNA || !strings.Contains(r.Reason, "sharing a channel") {
		t.Errorf("%s: %q", r.Status, r.Reason)
	}
}

func TestAutoFailAndNoAgent(t *testing.T) {
	sc := Default()
	rude := transcript(line{A, 0, 3, "Thank you for calling, my name is Tom."}, line{C, 4, 6, "My bill is wrong."},
		line{A, 7, 9, "Calm down, I am sorry but that is not my problem."})
	s := sc.Score(Call{Transcript: rude, DurationS: 10})
	if !s.AutoFailed || s.Score != 0 {
		t.Errorf("prohibited language: score %v auto_failed %v", s.Score, s.AutoFailed)
	}
	if s := sc.Score(Call{Transcript: &parley.Transcript{}, DurationS: 30}); s.Scored || s.Note == "" {
		t.Errorf("an empty call must be marked not scored: %+v", s)
	}
	mono := &parley.Transcript{Segments: []parley.Segment{{Speaker: parley.RoleUnknown, Start: 0, End: dur(3), Text: "Thank you for calling, my name is Tom."}}}
	mono.Turns = transcribe.MergeTurns(mono.Segments, time.Second)
	s = sc.Score(Call{Transcript: mono, DurationS: 3})
	for _, it := range s.Items {
		if it.Status != parley.ItemNA || !strings.Contains(it.Reason, "not available for mono") && !strings.Contains(it.Reason, "no hold") {
			t.Errorf("mono %s: %s %q", it.ID, it.Status, it.Reason)
		}
	}
	customerOnly := transcript(line{C, 0, 3, "Hello? Is anyone there?"})
	s = sc.Score(Call{Transcript: customerOnly, DurationS: 5})
	for _, it := range s.Items {
		if it.Kind == KindRequired && (it.Status != parley.ItemNA || !strings.Contains(it.Reason, "agent channel has no speech")) {
			t.Errorf("no agent %s: %s %q", it.ID, it.Status, it.Reason)
		}
	}
}

// TestTestdataCalls scores the reference transcripts of the testdata calls with the default scorecard.
// The expected results were written down from the call scripts before running:
//   - billing-dispute: no identity check although the account is discussed, and the agent lets the
//     customer say goodbye without a closing → 75 (85 of 100: identity 15 and closing 10 fail).
//   - cancel-service: greets with "Good morning, this is Daniel from Northwind", no identity check, no
//     offer of further help, no closing, customer ends negative; no hold → 45/90.
//   - address-change: the customer speaks first, so no greeting; no identity check, no further help, no
//     closing; "has been updated" is the recap; nothing upsets the customer, so empathy is N/A → 35/80.
//   - identity-check: everything but closing; empathy N/A as the customer is never upset → 70/80.
//
// This test scores without the sentence encoder (TestLabelledCallsWithEncoder scores with it): an item
// with examples whose phrases were not said is then left for a reviewer (R), not failed, and counts
// like N/A, so the scores are of the items decided.
func TestTestdataCalls(t *testing.T) {
	a, err := nlp.NewAnalyzer(nlp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sc := Default()
	P, F, N, R := parley.ItemPass, parley.ItemFail, parley.ItemNA, parley.ItemReview
	ids := []string{"greeting", "identity_verification", "empathy", "no_prohibited", "holds", "recap", "further_help", "closing", "customer_end_sentiment"}
	tests := []struct {
		call   string
		score  float64
		status []string
	}{
		{"billing-dispute", 100, []string{P, R, P, P, P, P, P, R, P}},
		{"cancel-service", 81.8, []string{P, R, P, P, N, P, R, R, F}},
		{"address-change", 100, []string{R, R, N, P, N, P, R, R, P}},
		{"identity-check", 100, []string{P, P, N, P, N, P, P, R, P}},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			tr := testenv.RefTranscript(t, tt.call)
			s := sc.Score(Call{Transcript: tr, Analysis: a.Analyze(tr), DurationS: tr.Segments[len(tr.Segments)-1].End.Seconds() + 1})
			for i, it := range s.Items {
				if it.ID != ids[i] || it.Status != tt.status[i] {
					t.Errorf("%s: %s (%s), want %s", it.ID, it.Status, it.Reason, tt.status[i])
				}
				// A failed phrase says in plain words what was not said, and where; the scorecard's
				// phrases and patterns themselves are in the detail, never in the reason.
				if it.Status == F && it.Kind == KindRequired && (!strings.Contains(it.Reason, "not said by the agent") ||
					!strings.HasPrefix(it.Detail, "looked for ") || strings.Contains(it.Reason, "|") || strings.Contains(it.Reason, "(?i)")) {
					t.Errorf("%s: reason %q, detail %q", it.ID, it.Reason, it.Detail)
				}
				if it.Status == R && (!strings.Contains(it.Reason, "not said by the agent") || !strings.Contains(it.Reason, "no sentence encoder")) {
					t.Errorf("%s: reason %q", it.ID, it.Reason)
				}
			}
			if s.Score != tt.score || s.AutoFailed {
				t.Errorf("score %v (auto-failed %v), want %v", s.Score, s.AutoFailed, tt.score)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	head := "version: 1\nname: t\nsections:\n  - name: s\n    items:\n"
	item := func(body string) string { return "      - id: x\n" + indentN(body, 8) }
	tests := []struct{ yaml, says string }{
		{head + item("kind: shouting\nweight: 100"), "line 6: item \"x\": unknown kind \"shouting\""},
		{head + item("kind: required_phrase\npatterns: ['(unclosed']\nweight: 100"), "line 6: item \"x\": bad pattern"},
		{head + item("kind: required_phrase\nphrases: [hello]\nweight: 60"), "weights add up to 60, not 100"},
		{head + item("kind: required_phrase\nphrasse: [hello]\nweight: 100"), "phrasse"},
		{head + item("kind: required_phrase\nphrases: [a]\nweight: 50") + item("kind: required_phrase\nphrases: [b]\nweight: 50"), "line 10: item id \"x\" used twice"},
		{head + item("kind: dead_air\nweight: 100"), "dead_air needs max_s"},
		{head + item("kind: required_phrase\nphrases: [a]\nspeaker: caller\nweight: 100"), "speaker \"caller\""},
		{head + item("kind: required_phrase\nphrases: [a]\nwindow: {first: soon}\nweight: 100"), "soon"},
		{head + item("kind: required_phrase\nexamples: ['Can I take your name?', '']\nweight: 100"), "line 6: item \"x\": example 2 is empty"},
		{head + item("kind: required_phrase\nexamples: ["+strings.Repeat("'hi', ", 501)+"'hi']\nweight: 100"), "502 examples and counter-examples (at most 500"},
		{head + item("kind: dead_air\nmax_s: 5\nexamples: [hello]\nweight: 100"), "examples are for required_phrase and prohibited_phrase items"},
		{head + item("kind: required_phrase\nexamples: [hello]\nsimilarity: 1.5\nweight: 100"), "similarity 1.5"},
		{head + item("kind: required_phrase\nphrases: [a]\ncounter_examples: [hello]\nweight: 100"), "counter_examples without examples"},
		{head + item("kind: dead_air\nmax_s: 5\nstatements_only: true\nweight: 100"), "statements_only is for required_phrase and prohibited_phrase items, not dead_air"},
		{head + item("kind: prohibited_phrase\nphrases: [a]\nanswered_with: [NUMBER]\nweight: 100"), "answered_with is for required_phrase items of the agent or the customer"},
		{head + item("kind: required_phrase\nspeaker: any\nphrases: [a]\nanswered_with: [NUMBER]\nweight: 100"), "answered_with is for required_phrase items of the agent or the customer"},
		{head + item("kind: required_phrase\nphrases: [a]\nnot_on: {customer_sentiment: cross}\nweight: 100"), `not_on: customer_sentiment "cross"`},
		{head + item("kind: required_phrase\nphrases: [a]\nnot_on: {}\nweight: 100"), "not_on needs phrases, entity, intent"},
		{head + item("kind: required_phrase\nphrases: [a]\nanswered_with: [NUMBER]\nanswered_unseen_with: [ADDRESS]\nweight: 100"), `line 6: item "x": answered_unseen_with: "ADDRESS" is not one of answered_with [NUMBER]`},
		{head + item("kind: required_phrase\nphrases: [a]\nanswered_with: [NUMBER, GPE]\nweight: 100"), `line 6: item "x": answered_with: "GPE" is not a type of personal data (ACCOUNT_NUMBER, ADDRESS, CARD_NUMBER, DATE_OF_BIRTH, EMAIL, NUMBER, ORDER_NUMBER, PERSON, PHONE)`},
		{head + item("kind: required_phrase\nweight: 100"), "needs phrases, patterns or examples"},
		{head + item("kind: required_phrase\nphrases: ['hello|{company}']\nweight: 100"), `line 6: item "x": phrase "hello|{company}": "{company}" is no placeholder parley knows ({vocabulary}, alone between |, is the call's vocabulary)`},
		{head + item("kind: required_phrase\nphrases: ['welcome to {vocabulary}']\nweight: 100"), `"welcome to {vocabulary}" is no placeholder`},
		{head + item("kind: required_phrase\nphrases: {es: ['hola|{empresa}']}\nweight: 100"), `phrases for "es": phrase "hola|{empresa}": "{empresa}" is no placeholder`},
		{head + item("kind: required_phrase\nphrases: [a]\nwhen: {customer_score_at_most: -2}\nweight: 100"), "customer_score_at_most -2 (want -1 … 1)"},
		{head + item("kind: dead_air\nmax_s: 5\nclassifier: {model: recap, label: recap}\nweight: 100"), "a classifier is for required_phrase items with examples"},
		{head + item("kind: required_phrase\nphrases: [a]\nclassifier: {model: recap, label: recap}\nweight: 100"), "a classifier is for required_phrase items with examples"},
		{head + item("kind: required_phrase\nexamples: [a]\nclassifier: {model: recap}\nweight: 100"), "classifier needs model and label"},
		{head + item("kind: required_phrase\nexamples: [a]\nclassifier: {model: recap, label: greeting}\nweight: 100"), `classifier recap has no label "greeting" (it has other, recap)`},
		{head + item("kind: required_phrase\nexamples: [a]\nclassifier: {model: recap, label: recap, min: 1.5}\nweight: 100"), "classifier min 1.5"},
		{head + item("kind: required_phrase\nexamples: [a]\nclassifier: {model: recap, label: recap, min: 0.4, veto: 0.4}\nweight: 100"), "classifier veto 0.4 (want 0 ≤ veto < min 0.4)"},
		{head + item("kind: required_phrase\nexamples: [a]\nclassifier: {model: no/such.model, label: recap}\nweight: 100"), "line 6: item \"x\": classifier: intent model: open no/such.model"},
		{head + item("kind: required_phrase\nexamples: [a]\nclassifier: {model: data/default.yaml, label: recap}\nweight: 100"), "classifier: data/default.yaml is not a parley intent model"},
		{head + item("kind: sentiment\nof: customer\nweight: 100"), "sentiment needs states, at_least or at_most"},
		{head + item("kind: sentiment\nof: customer\nstates: [neutral]\nat_least: 0\nweight: 100"), "sentiment takes states or at_least/at_most, not both"},
		{head + item("kind: sentiment\nof: customer\nstates: [calm]\nweight: 100"), `line 6: item "x": states: "calm" is not a sentiment (negative, neutral, positive)`},
		{head + item("kind: sentiment\nof: customer\nstates: [neutral, neutral]\nweight: 100"), `states: "neutral" twice`},
		{head + item("kind: required_phrase\nphrases: [a]\nstates: [neutral]\nweight: 100"), "states is for sentiment items, not required_phrase"},
		{"version: 3\nname: t\n", "version 3"},
		{head, "no items"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.yaml), "t.yaml")
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%v\nwant an error with %q for\n%s", err, tt.says, tt.yaml)
		}
	}
}

func indentN(s string, n int) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		b.WriteString(strings.Repeat(" ", n) + l + "\n")
	}
	return b.String()
}

// BenchmarkScoreTenMinuteCall scores a 10-minute call (the testdata calls' turns repeated) with the
// default scorecard; the target is ≤ 1 ms a call.
func BenchmarkScoreTenMinuteCall(b *testing.B) {
	a, err := nlp.NewAnalyzer(nlp.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var lines []line
	offset := 0.0
	for offset < 600 {
		for _, c := range []string{"billing-dispute", "cancel-service", "address-change", "identity-check"} {
			for _, t := range testenv.RefTranscript(b, c).Segments {
				lines = append(lines, line{t.Speaker, offset + t.Start.Seconds(), offset + t.End.Seconds(), t.Text})
			}
			offset += 52
		}
	}
	tr := transcript(lines...)
	an := a.Analyze(tr)
	sc := Default()
	b.ResetTimer()
	for b.Loop() {
		sc.Score(Call{Transcript: tr, Analysis: an, DurationS: offset})
	}
	b.ReportMetric(float64(len(tr.Turns)), "turns")
}

func TestAudioSignals(t *testing.T) {
	// An agent whose fourth segment is 10 dB above the others.
	tr := transcript(
		line{A, 0, 2, "Hello, thanks for calling."}, line{A, 3, 5, "I see what you mean."}, line{A, 6, 8, "One more thing."},
		line{A, 9, 11, "I said no!"}, line{A, 12, 14, "Anything else?"},
		line{C, 20, 22, "No."},
	)
	for i, l := range []float64{-20, -21, -19, -10, -20} {
		tr.Segments[i].LoudnessDB = l
	}
	tr.Sound = []parley.Span{{Start: 14.5, End: 19.5}} // music in the silence before the customer speaks
	m := Metrics(tr, 22, DefaultMetricSettings)
	if m.RaisedVoice[A] != 1 || m.RaisedVoice[C] != 0 {
		t.Errorf("raised voice %v", m.RaisedVoice)
	}
	if len(m.Holds) != 1 || len(m.DeadAir) != 0 {
		t.Errorf("an unannounced silence with music is a hold: holds %v dead air %v", m.Holds, m.DeadAir)
	}
	s := oneItem(t, "kind: agent_tone\nat_least: 0.5").Score(Call{Transcript: tr})
	if !strings.Contains(s.Items[0].Reason, "1 raised-voice") || !strings.Contains(fmt.Sprint(s.Items[0].Evidence), "I said no!") {
		t.Errorf("tone %q %+v", s.Items[0].Reason, s.Items[0].Evidence)
	}
	tr.Sound = nil
	if m := Metrics(tr, 22, DefaultMetricSettings); len(m.Holds) != 0 || len(m.DeadAir) != 1 {
		t.Errorf("without music the silence is dead air: %+v %+v", m.Holds, m.DeadAir)
	}
}

// FuzzScorecard parses any YAML as a scorecard: a refusal is a configuration error with the file's
// name; an accepted scorecard has weights adding up to 100 and scores a call without panicking.
func FuzzScorecard(f *testing.F) {
	f.Add(defaultScorecard)
	f.Add([]byte("version: 1\nname: x\nsections:\n  - name: s\n    items:\n      - id: a\n        label: A\n        kind: required_phrase\n        weight: 100\n        phrases: ['hello', '/(?i)good (morning|day)/']\n"))
	f.Add([]byte("version: 1\nname: x\nsections: [{name: s, items: [{id: a, kind: dead_air, weight: 100, max_seconds: -1}]}]"))
	f.Add([]byte("{{{"))
	tr := testenv.RefTranscript(f, "billing-dispute")
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, err := Parse(b, "fuzz.yaml")
		if err != nil {
			if parley.ErrorCode(err) != parley.CodeConfig || !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("refusal without its code or file: %v", err)
			}
			return
		}
		s := sc.Score(Call{Transcript: tr, DurationS: 50})
		if s.Score < 0 || s.Score > 100 || s.Score != s.Score {
			t.Fatalf("score %v", s.Score)
		}
	})
}

// The default recap on recognised text: the "'ve" dropped or garbled still counts for a verb of an
// action done, but "I" with any past tense does not; a promise to send with its "'ll" dropped counts.
// Without the encoder, as here, a recap its phrases do not find is left for a reviewer.
func TestRecapOnRecognisedText(t *testing.T) {
	sc := Default()
	it, _ := sc.Item("recap")
	for _, c := range []struct {
		text string
		want string
	}{
		{"Right, I booked a call back for six tonight.", parley.ItemPass},
		{"No, fair enough, I'm taken the fee off, so your balance is normal.", parley.ItemPass},
		{"The fifty pounds has been sent to your bank.", parley.ItemPass},
		{"I noticed the bill went up last month.", parley.ItemReview},
		{"I'm surprised nobody told you.", parley.ItemReview},
		{"Sure, I email the details and a quote for twenty pounds today.", parley.ItemPass}, // "I'll email"
		{"I post my letters myself, usually.", parley.ItemReview},
		{"Right, that's changed for you from today.", parley.ItemPass},
		{"OK, I'm booking the engineer for Friday morning now.", parley.ItemPass},
		// A question recaps nothing, whatever its words (statements_only).
		{"Could you just confirm, has that been processed on your side?", parley.ItemReview},
		{"And is the new plan set up already?", parley.ItemReview},
		{"Is the address updated? Great, so I've sent the new card out to you.", parley.ItemPass},
	} {
		tr := transcript(line{A, 0, 3, "Thanks for calling Northwind, this is Sam."}, line{C, 4, 6, "I was charged twice."}, line{A, 7, 10, c.text})
		var r parley.ItemResult
		for _, x := range sc.Score(Call{Transcript: tr, DurationS: 11}).Items {
			if x.ID == it.ID {
				r = x
			}
		}
		if r.Status != c.want {
			t.Errorf("%q: %s (%s), want %s", c.text, r.Status, r.Reason, c.want)
		}
	}
}

// A hold counts as announced by short phrases, which survive recognition that garbles the rest; "in a
// minute" and its like say when something will happen, not that the caller is to wait.
func TestHoldAnnounced(t *testing.T) {
	for _, tc := range []struct {
		said string
		want bool
	}{
		{"Let me put you on hold while I check.", true},
		{"And, there with me a moment while I pull up your payments.", true}, // "bear with me a moment"
		{"Give me a few seconds to check availability at your address.", true},
		{"Just a second while I look.", true},
		{"Let me find the visit, one moment unfold please.", true}, // "one moment on hold please"
		{"Can you confirm the first line of your address?", false},
		{"I've refunded the charge to your card.", false},
		{"I'm sending an update to the box now. It'll restart by itself in a minute.", false},
		{"In a second you'll get a text with the code.", false},
		{"You'll see it on your account in a few seconds.", false},
		{"Bear with me, I'll be back with you in a moment.", true},
		{"Let me check that, it takes a minute.", true},
		{"It'll restart in a minute, just a moment while it does.", true},
	} {
		tr := transcript(line{A, 10, 14, tc.said}, line{C, 30, 32, "Okay."})
		if got := announcedBefore(tr, 14); got != tc.want {
			t.Errorf("%q announces a hold: %v, want %v", tc.said, got, tc.want)
		}
	}
}

// TestSecondHearing: a required phrase the first reading missed passes when the agent's second
// reading says it, quoting that reading on the transcript's turn at that time; a required phrase
// passed on the first reading, one missed in both, and a prohibited phrase only the second reading
// has keep the first reading's result.
func TestSecondHearing(t *testing.T) {
	sc := items(t, `
      - id: greeting
        weight: 25
        kind: required_phrase
        speaker: agent
        phrases: ["thank you for calling"]
      - id: closing
        weight: 25
        kind: required_phrase
        speaker: agent
        phrases: ["have a great day"]
      - id: recap
        weight: 25
        kind: required_phrase
        speaker: agent
        phrases: ["I have updated your address"]
      - id: polite
        weight: 25
        kind: prohibited_phrase
        speaker: agent
        phrases: ["shut up"]
`)
	first := transcript(
		line{A, 0, 4, "Thank you for coloring North wind."},
		line{C, 4.5, 9, "Hi, I moved house."},
		line{A, 10, 14, "Have a great day."},
	)
	again := transcript(
		line{A, 0.2, 4.1, "Thank you for calling Northwind."},
		line{A, 10, 14, "Have a great day, shut up."},
	)
	byID := func(s *parley.Score) map[string]parley.ItemResult {
		out := map[string]parley.ItemResult{}
		for _, r := range s.Items {
			out[r.ID] = r
		}
		return out
	}
	once := byID(sc.Score(Call{Transcript: first}))
	if once["greeting"].Status != parley.ItemFail {
		t.Fatalf("greeting heard once: %+v", once["greeting"])
	}
	first.Again = &parley.Hearing{Model: "whisper-base-q8_0.bin", BeamSize: 5, Segments: again.Segments, Turns: again.Turns}
	score := sc.Score(Call{Transcript: first})
	got := byID(score)
	g := got["greeting"]
	if g.Status != parley.ItemPass || !strings.HasPrefix(g.Reason, "heard again by whisper-base-q8_0.bin (beam 5): ") || len(g.Evidence) != 1 {
		t.Fatalf("greeting: %+v", g)
	}
	if ev := g.Evidence[0]; ev.Heard != "whisper-base-q8_0.bin (beam 5)" || ev.Turn != 0 || ev.Quote != "Thank you for calling Northwind." || ev.Start != 0.2 {
		t.Errorf("greeting's evidence: %+v", ev)
	}
	if c := got["closing"]; c.Status != parley.ItemPass || c.Evidence[0].Heard != "" || c.Evidence[0].Quote != "Have a great day." {
		t.Errorf("closing passed on the first reading, quoted from the second: %+v", c)
	}
	if r := got["recap"]; r.Status != parley.ItemFail || strings.Contains(r.Reason, "heard again") {
		t.Errorf("recap said in neither reading: %+v", r)
	}
	if p := got["polite"]; p.Status != parley.ItemPass {
		t.Errorf("a prohibited phrase only the second reading heard failed the call: %+v", p)
	}
	if score.Score != 75 || first.Again.Turns[0].Text != "Thank you for calling Northwind." || first.Turns[0].Text != "Thank you for coloring North wind." {
		t.Errorf("score %v (want 75: 3 of 4 items), the readings changed: %q / %q", score.Score, first.Turns[0].Text, first.Again.Turns[0].Text)
	}
	// The sentences an item compares (parley scorecard test) include those only the second reading has.
	greeting, _ := sc.Item("greeting")
	var heardAgain []string
	for _, m := range sc.Candidates(greeting, Call{Transcript: first}) {
		if m.Heard != "" {
			heardAgain = append(heardAgain, fmt.Sprintf("%d %s", m.Turn, m.Text))
		}
	}
	if strings.Join(heardAgain, "|") != "0 Thank you for calling Northwind.|2 Have a great day, shut up." {
		t.Errorf("sentences only the second reading has: %q", heardAgain)
	}
	// No turn of the transcript's agent at the time of the second reading's evidence: -1.
	if i := turnAt(first.Turns, A, 20, 22); i != -1 {
		t.Errorf("turn at 20–22 s: %d", i)
	}
}

// TestMisses: a first reading is worth a second hearing when a required phrase of the agent is not
// passed; not for a customer's required phrase (the agent alone is heard again), nor for an item whose
// condition needs the NLP analysis, which is not there yet; a phrase of the call's vocabulary counts.
func TestMisses(t *testing.T) {
	sc := items(t, `
      - id: greeting
        weight: 40
        kind: required_phrase
        phrases: ["thank you for calling|{vocabulary}"]
      - id: consent
        weight: 30
        kind: required_phrase
        speaker: customer
        phrases: ["I agree"]
      - id: empathy
        weight: 30
        kind: required_phrase
        phrases: ["sorry"]
        when: {customer_sentiment: negative}
`)
	for _, tc := range []struct {
		name  string
		agent string
		terms []string
		want  bool
	}{
		{"greeting said", "Thank you for calling Northwind.", nil, false},
		{"greeting missed", "Thank you for coloring North wind.", nil, true},
		{"the company's name", "Northwind billing, Sam speaking.", []string{"Northwind"}, false},
		{"no vocabulary", "Northwind billing, Sam speaking.", nil, true},
	} {
		tr := transcript(line{A, 0, 4, tc.agent}, line{C, 5, 8, "This is a disgrace, I want my money back."})
		if got := sc.Misses(tr, tc.terms); got != tc.want {
			t.Errorf("%s: misses %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestVocabularyPhrase: the alternative {vocabulary} is the call's terms — the company's name opens
// the greeting where the call's vocabulary names it, in any letter case and one letter off as other
// phrases are; without terms, or with another company's, it matches nothing and the reason names the
// entry; the second reading of the agent's speech is scored with the same terms.
func TestVocabularyPhrase(t *testing.T) {
	sc := oneItem(t, `kind: required_phrase
match: all
window: {first: 30s}
phrases:
  - hello|good morning|{vocabulary}
  - speaking|my name is`)
	greet := transcript(line{A, 0, 3, "Northwinds billing, Luke speaking."}, line{C, 3.5, 6, "Hi, it's about my bill."})
	for _, tc := range []struct {
		terms []string
		want  string
	}{
		{[]string{"Northwind Telecom", "northwind"}, parley.ItemPass},
		{nil, parley.ItemFail},
		{[]string{"Acme"}, parley.ItemFail},
	} {
		r := sc.Score(Call{Transcript: greet, Vocabulary: tc.terms}).Items[0]
		if r.Status != tc.want {
			t.Errorf("terms %q: %s %q", tc.terms, r.Status, r.Reason)
		}
		if tc.want == parley.ItemPass && (len(r.Evidence) != 1 || !strings.Contains(r.Reason, `"northwind"`)) {
			t.Errorf("terms %q: reason %q, evidence %+v", tc.terms, r.Reason, r.Evidence)
		}
		if tc.want == parley.ItemFail && !strings.Contains(r.Reason, `"hello" (or one of 2 like it)`) {
			t.Errorf("terms %q: reason %q", tc.terms, r.Reason)
		}
	}
	// Heard again: the first reading garbled the company, the second heard it.
	first := transcript(line{A, 0, 3, "North wind billing, Luke speaking."})
	again := transcript(line{A, 0, 3, "Northwind billing, Luke speaking."})
	first.Again = &parley.Hearing{Model: "m2", Segments: again.Segments, Turns: again.Turns}
	if r := sc.Score(Call{Transcript: first, Vocabulary: []string{"Northwind"}}).Items[0]; r.Status != parley.ItemPass || !strings.HasPrefix(r.Reason, "heard again by m2: ") {
		t.Errorf("heard again: %s %q", r.Status, r.Reason)
	}
}
