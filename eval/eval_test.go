package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
)

func TestReadLabelRejectsBadFiles(t *testing.T) {
	for _, tt := range []struct{ file, want string }{
		{"bad-result", `result "passed"`},
		{"bad-speaker", `speaker "supervisor"`},
		{"bad-field", "field intnet not found"},
		{"bad-mix", `mix "quad"`},
		{"bad-times", "after the recording"},
		{"bad-sentiment", `"angry"`},
		{"bad-tag", `tag "agent": ""`},
		{"missing", "no such file"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file+LabelSuffix)
			_, err := ReadLabel(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want one naming %s and %q", err, path, tt.want)
			}
			if code := parley.ErrorCode(err); tt.file != "missing" && code != parley.CodeBadLabel {
				t.Errorf("code %s, want %s", code, parley.CodeBadLabel)
			}
		})
	}
	// A folder with good and bad files: the good one is kept, every bad one named.
	labels, errs := ReadLabels([]string{"testdata"})
	if len(labels) != 1 || labels[0].ID() != "good" || len(errs) != 7 {
		t.Errorf("%d labels, %d errors: %v", len(labels), len(errs), errs)
	}
}

// doc is a call document for testdata/good.labels.yaml: what parley might have made of the call.
func doc() calldoc.CallDoc {
	return calldoc.CallDoc{
		SchemaVersion: parley.SchemaVersion, CallID: "good", DurationS: 20.3,
		Channels: []parley.Channel{{Index: 0, Role: parley.RoleAgent}, {Index: 1, Role: parley.RoleCustomer}},
		Turns: []calldoc.TurnDoc{
			{Speaker: parley.RoleAgent, Start: 0.5, End: 3, Text: "Thanks for calling North Wind, this is Sam. Hi,"},
			{Speaker: parley.RoleCustomer, Start: 3.6, End: 5.5, Text: "I was charged twice."},
			{Speaker: parley.RoleCustomer, Start: 6, End: 8, Text: "My account is 72419."},
			{Speaker: parley.RoleAgent, Start: 9, End: 12, Text: "I've refunded the second charge."},
		},
		Analysis: &parley.Analysis{
			Intent:    &parley.IntentResult{Label: "billing_dispute"},
			Sentiment: &parley.CallSentiment{Customer: &parley.SpeakerSentiment{Start: -0.6, End: 0.1, EndLabel: "neutral"}},
			Entities:  []parley.EntityMention{{Type: "ACCOUNT_NUMBER", Speaker: parley.RoleCustomer, Turn: 2, Start: 6}},
		},
		Score: &parley.Score{
			Items:   []parley.ItemResult{{ID: "greeting", Status: parley.ItemFail}, {ID: "empathy", Status: parley.ItemFail}, {ID: "holds", Status: parley.ItemNA}},
			Metrics: parley.TalkMetrics{Interruptions: map[parley.Role]int{parley.RoleCustomer: 0}},
		},
	}
}

func TestEvaluate(t *testing.T) {
	l, err := ReadLabel(filepath.Join("testdata", "good"+LabelSuffix))
	if err != nil {
		t.Fatal(err)
	}
	rep := Evaluate([]*Label{l}, []calldoc.CallDoc{doc()}, nil)
	c := rep.Calls[0]
	// Words: "North Wind" for "Northwind" is 2 errors of the agent's 12 words; the customer's "Hi" was
	// heard on the agent's side (1 deletion there, 1 insertion here, and misplaced); numbers compare as
	// digits, so "72419" matches "seven two four one nine".
	if w := c.WER["agent"]; w.Errors != 3 || w.Words != 12 {
		t.Errorf("agent words %+v", w)
	}
	if w := c.WER["customer"]; w.Errors != 1 || w.Words != 13 {
		t.Errorf("customer words %+v", w)
	}
	if c.Misplaced.Errors != 1 {
		t.Errorf("misplaced %+v, want the customer's hi", c.Misplaced)
	}
	// Words heard unsurely: with the agent's words known, "North" and "Wind," under the bar are both
	// wrong (one word for "Northwind"); of the other 12, the customer's "Hi" is.
	if c.UnsureWords.Words != 0 || c.SureWords.Words != 0 {
		t.Errorf("words counted without the recogniser's words: %+v %+v", c.UnsureWords, c.SureWords)
	}
	heard := doc()
	for _, i := range []int{0, 3} {
		tn := heard.Turns[i]
		var ws []calldoc.WordDoc
		for _, w := range strings.Fields(tn.Text) {
			conf := 0.9
			if w == "North" || w == "Wind," {
				conf = 0.3
			}
			ws = append(ws, calldoc.WordDoc{Text: w, Confidence: conf})
		}
		heard.Segments = append(heard.Segments, calldoc.SegmentDoc{Speaker: tn.Speaker, Start: tn.Start, End: tn.End, Text: tn.Text, Words: ws})
	}
	hc := Evaluate([]*Label{l}, []calldoc.CallDoc{heard}, nil).Calls[0]
	if hc.UnsureWords != (Words{2, 2}) || hc.SureWords != (Words{1, 12}) {
		t.Errorf("heard unsurely %+v, the others %+v", hc.UnsureWords, hc.SureWords)
	}
	if c.Intent == nil || !c.Intent.Agree() {
		t.Errorf("intent %+v", c.Intent)
	}
	want := map[string][2]string{"customer_start": {"negative", "negative"}, "customer_end": {"positive", "neutral"}}
	for _, s := range c.Sentiment {
		if w := want[s.What]; s.Want != w[0] || s.Got != w[1] {
			t.Errorf("sentiment %+v, want %v", s, w)
		}
	}
	// greeting: parley failed what the reviewer passed; empathy and holds agree; the made-up item is
	// not in the scorecard and is noted, not counted.
	if len(c.Items) != 3 || c.Wrong != 2 {
		t.Errorf("items %+v, wrong %d", c.Items, c.Wrong)
	}
	if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "made_up_item") {
		t.Errorf("notes %v", rep.Notes)
	}
	if c.PII != (Count{1, 1}) || c.Holds != (HoldCount{}) || c.Interruptions[parley.RoleCustomer] != [2]int{1, 0} {
		t.Errorf("pii %+v holds %+v interruptions %v", c.PII, c.Holds, c.Interruptions)
	}
	s := rep.Summary["heldout"]
	if s.Calls != 1 || s.ItemAgreement != (Count{2, 3}) || s.Items["greeting"].PassFN != 1 || s.Items["greeting"].FailFP != 1 {
		t.Errorf("summary %+v", s)
	}
	if _, ok := rep.Summary[SplitTune]; ok {
		t.Error("a tune summary without tune calls")
	}
	// An intent parley could not tell is counted apart from a wrong one: not right either way.
	for _, c := range []struct {
		got              string
		unclear, wrongly int
	}{{"billing_dispute", 0, 0}, {parley.IntentUnclear, 1, 0}, {"refund_request", 0, 1}} {
		d := doc()
		d.Analysis.Intent = &parley.IntentResult{Label: c.got}
		s := Evaluate([]*Label{l}, []calldoc.CallDoc{d}, nil).Summary["heldout"]
		if s.IntentUnclear != c.unclear || s.Intent.Total-s.Intent.Right-s.IntentUnclear != c.wrongly {
			t.Errorf("intent %s: %d unclear, %+v", c.got, s.IntentUnclear, s.Intent)
		}
	}
	// An item left for a reviewer is counted apart from a wrong verdict, not right either, and a pass
	// the reviewer expected is missed (pass recall).
	d := doc()
	d.Score.Items[0].Status = parley.ItemReview
	rs := Evaluate([]*Label{l}, []calldoc.CallDoc{d}, nil).Summary["heldout"]
	if g := rs.Items["greeting"]; rs.ItemReview != 1 || rs.ItemAgreement != (Count{2, 3}) || g.Review != 1 || g.PassFN != 1 || g.FailFP != 0 {
		t.Errorf("review: %d for review, agreement %+v, greeting %+v", rs.ItemReview, rs.ItemAgreement, g)
	}
	// A pass is on the labelled moment when its evidence covers it (greeting: met at 0.5 s): quoting the
	// greeting's turn it is; quoting a later turn it passed for another sentence. Only right passes of
	// items labelled with a moment are counted.
	for _, c := range []struct {
		ev   []parley.Evidence
		want Count
	}{
		{[]parley.Evidence{{Turn: 0, Start: 0.6, End: 3}}, Count{1, 1}},
		{[]parley.Evidence{{Turn: 3, Start: 9, End: 12}}, Count{0, 1}},
		{[]parley.Evidence{{Turn: 3, Start: 9, End: 12}, {Turn: 0, Start: 0.6, End: 3}}, Count{1, 1}},
		{nil, Count{0, 1}},
	} {
		d := doc()
		d.Score.Items[0].Status, d.Score.Items[0].Evidence = parley.ItemPass, c.ev
		d.Score.Items[1].Status = parley.ItemPass // empathy: a wrong pass, labelled without a moment
		s := Evaluate([]*Label{l}, []calldoc.CallDoc{d}, nil).Summary["heldout"]
		if s.ItemOnMoment != c.want || s.Items["greeting"].OnMoment != c.want || s.Items["empathy"].OnMoment != (Count{}) {
			t.Errorf("evidence %+v: on the moment %+v, greeting %+v, want %+v", c.ev, s.ItemOnMoment, s.Items["greeting"].OnMoment, c.want)
		}
	}
	// Passes the second hearing gave are counted, right (greeting: met) and wrong (empathy: not met),
	// and the text report shows the line only then.
	d = doc()
	d.Score.Items[0].Status, d.Score.Items[0].Evidence = parley.ItemPass, []parley.Evidence{{Turn: 0, Start: 0.6, End: 3, Heard: "base.bin"}}
	d.Score.Items[1].Status, d.Score.Items[1].Evidence = parley.ItemPass, []parley.Evidence{{Turn: 3, Start: 9, End: 12, Heard: "base.bin"}}
	again := Evaluate([]*Label{l}, []calldoc.CallDoc{d}, nil)
	var againText bytes.Buffer
	if s := again.Summary["heldout"]; s.ItemHeardAgain != (Count{1, 2}) || again.WriteText(&againText, 0) != nil ||
		!strings.Contains(againText.String(), "items passed on the second hearing: right  50.0% (1/2)") {
		t.Errorf("second hearing: %+v\n%s", s.ItemHeardAgain, againText.String())
	}
	var text, page bytes.Buffer
	if err := rep.WriteText(&text, 5); err != nil || strings.Contains(text.String(), "second hearing") || !strings.Contains(text.String(), "greeting: not_met, want met") || !strings.Contains(text.String(), "intent unclear / wrong") ||
		!strings.Contains(text.String(), "items for review / wrong") || !strings.Contains(text.String(), "items decided: right") ||
		!strings.Contains(text.String(), "item passes on the labelled moment") {
		t.Errorf("text report: %v\n%s", err, text.String())
	}
	if err := rep.WriteHTML(&page); err != nil || !strings.Contains(page.String(), "<td>good</td>") {
		t.Errorf("html report: %v", err)
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Error(err)
	}
}

func TestEvaluateMismatchedRecording(t *testing.T) {
	l, err := ReadLabel(filepath.Join("testdata", "good"+LabelSuffix))
	if err != nil {
		t.Fatal(err)
	}
	long, mono := doc(), doc()
	long.DurationS = 95
	mono.Channels = mono.Channels[:1]
	for name, d := range map[string]*calldoc.CallDoc{"other length": &long, "mono": &mono, "no document": nil} {
		c := Call(l, d)
		if c.Error == "" {
			t.Errorf("%s: measured anyway", name)
		}
		if d != nil && !strings.Contains(c.Error, parley.CodeBadLabel) {
			t.Errorf("%s: error %q", name, c.Error)
		}
	}
	rep := Evaluate([]*Label{l}, nil, nil)
	if rep.Summary["all"].Errors != 1 || rep.Worst(1)[0].Error == "" {
		t.Errorf("a call without its document: %+v", rep.Summary["all"])
	}
}

// The intervals and the held-out gap: a gap of 40 points on 60 calls is no chance, an equal share is;
// measures never taken (no reference words, no PII) get no interval, and the report still encodes.
func TestIntervalsAndGaps(t *testing.T) {
	var calls []CallResult
	for i := range 60 {
		split, right := SplitTune, i%10 != 0 // tune: 36 of 40 intents right
		if i >= 40 {
			split, right = SplitHeldout, i%2 == 0 // held out: 10 of 20
		}
		got := "billing_dispute"
		if !right {
			got = "refund_request"
		}
		items := []Check{{What: "greeting", Want: Met, Got: Met}, {What: "closing", Want: Met, Got: Met}}
		if i%4 == 0 {
			items[1].Got = NotMet // a quarter of the closings wrong in both splits
		}
		calls = append(calls, CallResult{ID: fmt.Sprint(i), Split: split, Intent: &Check{What: "intent", Want: "billing_dispute", Got: got}, Items: items})
	}
	rep := &Report{Calls: calls, Summary: map[string]Summary{}}
	for _, split := range []string{SplitTune, SplitHeldout} {
		var in []CallResult
		for _, c := range calls {
			if c.Split == split {
				in = append(in, c)
			}
		}
		s := summarise(in)
		s.Intervals = intervals(in)
		rep.Summary[split] = s
	}
	rep.Gaps = gaps(calls)

	tune := rep.Summary[SplitTune].Intervals["intent"]
	if tune[0] > 0.9 || tune[1] < 0.9 || tune[1]-tune[0] < 0.1 || tune[1]-tune[0] > 0.3 {
		t.Errorf("tune intent 0.9 on 40 calls: interval %v", tune)
	}
	if _, ok := rep.Summary[SplitTune].Intervals["wer"]; ok {
		t.Errorf("an interval for a WER never measured: %v", rep.Summary[SplitTune].Intervals)
	}
	g := rep.Gaps["intent"]
	if math.Abs(g.Value+0.4) > 1e-9 || g.Interval[0] > -0.4 || g.Interval[1] < -0.4 || g.Interval[1] >= 0 {
		t.Errorf("intent gap -0.4: %+v", g)
	}
	if g := rep.Gaps["item_agreement"]; g.Interval[0] >= 0 || g.Interval[1] <= 0 {
		t.Errorf("items equal in both splits: gap %+v should hold 0", g)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text, 0); err != nil || !strings.Contains(text.String(), "held out − tune: intent -40.0 points [") {
		t.Errorf("text (%v):\n%s", err, text.String())
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Errorf("json: %v", err)
	}
}

// With the held-out calls hidden they count in the summary, but neither the worst calls nor the page
// name them.
func TestHeldoutHidden(t *testing.T) {
	calls := []CallResult{
		{ID: "tuned", Split: SplitTune, Intent: &Check{What: "intent", Want: "a", Got: "b"}, Wrong: 1},
		{ID: "secret", Split: SplitHeldout, Intent: &Check{What: "intent", Want: "a", Got: "b"}, Wrong: 1},
	}
	rep := &Report{Calls: calls, Summary: map[string]Summary{"all": summarise(calls)}, HeldoutHidden: true}
	var text, page bytes.Buffer
	if err := rep.WriteText(&text, 5); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "page": page.String()} {
		if strings.Contains(out, "secret") || !strings.Contains(out, "tuned") || !strings.Contains(out, "their misses not shown") {
			t.Errorf("%s:\n%s", name, out)
		}
	}
	if rep.Summary["all"].Intent.Total != 2 {
		t.Errorf("the held-out call is not counted: %+v", rep.Summary["all"].Intent)
	}
}

// The item table gives each item's agreement in the tuned and the held-out calls beside all calls', so
// that an item fitted to the tuned calls shows; an item no held-out call judged reads "–" there.
func TestItemAgreementBySplit(t *testing.T) {
	var calls []CallResult
	for i := range 8 {
		split, got := SplitTune, Met
		if i >= 4 {
			split = SplitHeldout
			if i%2 == 0 {
				got = NotMet
			}
		}
		items := []Check{{What: "recap", Want: Met, Got: got}}
		if split == SplitTune {
			items = append(items, Check{What: "holds", Want: NotApplicable, Got: NotApplicable})
		}
		calls = append(calls, CallResult{ID: fmt.Sprint(i), Split: split, Items: items})
	}
	rep := &Report{Calls: calls, Summary: map[string]Summary{"all": summarise(calls)}}
	for _, split := range []string{SplitTune, SplitHeldout} {
		var in []CallResult
		for _, c := range calls {
			if c.Split == split {
				in = append(in, c)
			}
		}
		rep.Summary[split] = summarise(in)
	}
	var text, page bytes.Buffer
	if err := rep.WriteText(&text, 0); err != nil {
		t.Fatal(err)
	}
	lines := map[string]string{} // first word → the line's words, one space apart
	for _, l := range strings.Split(text.String(), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			lines[f[0]] = strings.Join(f, " ")
		}
	}
	for first, want := range map[string]string{
		"item":  "passes on the moment agreement, tune agreement, held out",
		"recap": "100.0% (4/4) 50.0% (2/4)",
		"holds": "100.0% (4/4) –", // judged in the tuned calls only
	} {
		if !strings.HasSuffix(lines[first], want) {
			t.Errorf("item table: %q does not end %q", lines[first], want)
		}
	}
	if !strings.HasPrefix(lines["recap"], "recap 75.0% (6/8)") {
		t.Errorf("recap row: %q", lines["recap"])
	}
	if err := rep.WriteHTML(&page); err != nil || !strings.Contains(page.String(), "<th>agreement, held out</th>") ||
		!strings.Contains(page.String(), "<td>100.0% (4/4)</td><td>50.0% (2/4)</td></tr>") {
		t.Errorf("html (%v):\n%s", err, page.String())
	}
}
