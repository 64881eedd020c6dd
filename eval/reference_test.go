package eval

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
)

// The reference transcript of a labelled call: the label's turns on a channel per speaker, merged as a
// recognised transcript is (the customer's two turns half a second apart become one), over the call
// document's call — its length, sounds and metadata — whatever the recording's layout.
func TestReference(t *testing.T) {
	l, err := ReadLabel(filepath.Join("testdata", "good"+LabelSuffix))
	if err != nil {
		t.Fatal(err)
	}
	d := doc()
	d.Channels = []parley.Channel{{Index: 0, Role: parley.RoleUnknown}} // a mono recording
	d.Sound = []parley.Span{{Start: 13, End: 19}}
	d.Metadata = &parley.Metadata{AgentID: "a7"}
	res, ok := Reference(l, &d, time.Second)
	if !ok {
		t.Fatal("no reference")
	}
	tr := res.Transcript
	if len(tr.Segments) != 4 || len(tr.Turns) != 3 || tr.Turns[1].Text != "Hi, I was charged twice. My account is seven two four one nine." {
		t.Fatalf("segments %+v turns %+v", tr.Segments, tr.Turns)
	}
	if ch := res.Call.Channels; len(ch) != 2 || ch[0].Role != parley.RoleAgent || ch[1].Role != parley.RoleCustomer ||
		tr.Turns[0].Channel != 0 || tr.Turns[1].Channel != 1 || tr.Turns[1].Speaker != parley.RoleCustomer {
		t.Errorf("channels %+v, turns %+v", ch, tr.Turns)
	}
	if res.Call.Duration != d.Result().Call.Duration || len(tr.Sound) != 1 || res.Metadata.AgentID != "a7" || tr.Segments[0].Confidence != 0 {
		t.Errorf("call %+v sound %v metadata %+v", res.Call, tr.Sound, res.Metadata)
	}
	if _, ok := Reference(l, nil, time.Second); ok {
		t.Error("a reference without a call document")
	}
	l.Turns = nil
	if _, ok := Reference(l, &d, time.Second); ok {
		t.Error("a reference from a label without turns")
	}
}

// Measured with the calls scored from their reference transcripts too, each item not agreed with the
// label is lost in the hearing (right from the reference) or in the judgement (wrong there too), the
// item table gains the reference's agreement, and the worst calls say what the reference gave.
func TestEvaluateReference(t *testing.T) {
	l, err := ReadLabel(filepath.Join("testdata", "good"+LabelSuffix))
	if err != nil {
		t.Fatal(err)
	}
	ref := doc()
	ref.Score = &parley.Score{Items: []parley.ItemResult{{ID: "greeting", Status: parley.ItemPass}, {ID: "empathy", Status: parley.ItemPass}, {ID: "holds", Status: parley.ItemNA}}}
	ref.Analysis.Intent.Label = "cancellation"
	ref.Channels = append(ref.Channels, parley.Channel{Index: 2, Role: parley.RoleUnknown}) // not the recording's layout: still compared
	rep := Evaluate([]*Label{l}, []calldoc.CallDoc{doc()}, []calldoc.CallDoc{ref})
	c := rep.Calls[0]
	if !c.Referenced || c.Intent.Ref != "cancellation" || c.Items[0].What != "empathy" || c.Items[0].Ref != Met || c.Items[1].Ref != Met {
		t.Fatalf("call %+v", c)
	}
	// greeting: failed, met from the reference — lost in the hearing; empathy: failed as labelled,
	// passed from the reference (no miss to place); holds agree both ways.
	s := rep.Summary["all"]
	if s.RefChecks["intent"] != (Count{0, 1}) || s.RefChecks["customer_end"] != (Count{0, 1}) || s.RefChecks["customer_start"] != (Count{1, 1}) {
		t.Errorf("other judgements from the reference: %+v", s.RefChecks)
	}
	if s.RefItems != (Count{2, 3}) || s.MissHeard != 1 || s.MissJudged != 0 || s.Items["greeting"].RefAgree != (Count{1, 1}) || s.Items["empathy"].RefAgree != (Count{0, 1}) {
		t.Errorf("summary: reference %+v, missed in hearing %d, in judgement %d, items %+v", s.RefItems, s.MissHeard, s.MissJudged, s.Items)
	}
	rep.GroupBy([]string{"mix"}) // the group table says where each group's misses were lost
	var b bytes.Buffer
	if err := rep.WriteText(&b, 5); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(b.String()), " ") // the table's padding aside
	for _, want := range []string{"scorecard item agreement, reference transcript 66.7% (2/3)", "items not agreed: lost in hearing / judgement 1 / 0",
		"agreement, reference transcript", "greeting: not_met, want met (met from the reference transcript)",
		"customer's closing sentiment not agreed: lost in hearing / judgement", "0.0% (0/1) 1 / 0",
		"intent, reference transcript 0.0% (0/1)"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	// Without references nothing of it shows.
	b.Reset()
	plain := Evaluate([]*Label{l}, []calldoc.CallDoc{doc()}, nil)
	plain.WriteText(&b, 5)
	if plain.Calls[0].Referenced || strings.Contains(b.String(), "reference") {
		t.Errorf("without references:\n%s", b.String())
	}
	// A reference document that is not of this call's recording changes nothing.
	ref.DurationS = 200
	if c := Evaluate([]*Label{l}, []calldoc.CallDoc{doc()}, []calldoc.CallDoc{ref}).Calls[0]; c.Referenced {
		t.Errorf("a reference of another length was compared: %+v", c)
	}
}
