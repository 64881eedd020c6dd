package eval

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
)

// A call's tags are its label's, then its document's metadata where the label is silent, and its mix.
func TestCallTags(t *testing.T) {
	l, err := ReadLabel(filepath.Join("testdata", "good"+LabelSuffix))
	if err != nil {
		t.Fatal(err)
	}
	l.Tags = map[string]string{"agent": "sam", "accent": "scottish"}
	d := doc()
	d.Metadata = &parley.Metadata{AgentID: "a-17", Team: "billing"}
	got := Call(l, &d).Tags
	want := map[string]string{"agent": "sam", "accent": "scottish", "team": "billing", "mix": "stereo"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("tags %v, want %v", got, want)
	}
	l.Tags = nil
	if got := Call(l, &d).Tags; got["agent"] != "a-17" {
		t.Errorf("untagged label: agent %q, want the metadata's id a-17", got["agent"])
	}
	if got := Call(l, nil).Tags; got["mix"] != "stereo" || len(got) != 1 {
		t.Errorf("no document: tags %v", got)
	}
}

// Agent ben is scored worse than agent ana, and has most of the held-out calls: the held-out calls are
// 30 points worse than the tuned ones, but within each agent they are not — the gap is the agents' mix.
func TestGroupBy(t *testing.T) {
	var calls []CallResult
	add := func(agent, split string, n int, right bool) {
		for range n {
			items := []Check{{What: "greeting", Want: Met, Got: Met}, {What: "closing", Want: Met, Got: Met}}
			if !right {
				items[1].Got = NotMet
			}
			tags := map[string]string{}
			if agent != "" {
				tags["agent"] = agent
			}
			calls = append(calls, CallResult{ID: fmt.Sprint(len(calls)), Split: split, Tags: tags, Items: items})
		}
	}
	add("ana", SplitTune, 12, true) // every item right
	add("ana", SplitHeldout, 4, true)
	add("ben", SplitTune, 4, false) // half his items right in either split
	add("ben", SplitHeldout, 20, false)
	add("", SplitTune, 1, true)
	rep := &Report{Calls: calls, Summary: map[string]Summary{"all": summarise(calls)}, Gaps: gaps(calls)}
	rep.GroupBy([]string{"agent"})

	if g := rep.Gaps["item_agreement"]; g.Value > -0.25 || g.Interval[1] >= 0 {
		t.Fatalf("the splits' gap should be clear: %+v", g)
	}
	if len(rep.Groupings) != 1 {
		t.Fatalf("groupings %+v", rep.Groupings)
	}
	g := rep.Groupings[0]
	var order []string
	for _, gr := range g.Groups {
		order = append(order, fmt.Sprintf("%s %d/%d %d/%d", gr.Value, gr.Tune, gr.Heldout, gr.Summary.ItemAgreement.Right, gr.Summary.ItemAgreement.Total))
	}
	if got, want := strings.Join(order, ", "), "ben 4/20 24/48, (not tagged) 1/0 2/2, ana 12/4 32/32"; got != want {
		t.Errorf("groups %q, want %q (worst first)", got, want)
	}
	if g.Both != 2 || g.WithinGap == nil || math.Abs(g.WithinGap.Value) > 1e-9 || g.WithinGap.Interval[0] > 0 || g.WithinGap.Interval[1] < 0 {
		t.Errorf("within the agents the splits agree: %d groups with both, gap %+v", g.Both, g.WithinGap)
	}
	var text, page bytes.Buffer
	if err := rep.WriteText(&text, 0); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"by agent", "ben  ", "50.0% (24/48) [", "held out − tune within each agent: items +0.0 points [", "(2 of 3 groups have calls of both splits)"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text has no %q:\n%s", want, text.String())
		}
	}
	if err := rep.WriteHTML(&page); err != nil || !strings.Contains(page.String(), "<h2>By agent</h2>") || !strings.Contains(page.String(), "<td>ben</td><td>24 (4 / 20)</td>") {
		t.Errorf("html (%v):\n%s", err, page.String())
	}
	// A tag no call has: one group of every call, and no gap within it to speak of but the splits' own.
	rep.Groupings = nil
	rep.GroupBy([]string{"team"})
	if g := rep.Groupings[0]; len(g.Groups) != 1 || g.Groups[0].Value != Untagged || g.Groups[0].Summary.Calls != len(calls) {
		t.Errorf("by an unknown tag: %+v", g.Groups)
	}
}

// doc's metadata reaches the tags through Evaluate, as parley run writes it from file names or sidecars.
func TestEvaluateTagsFromMetadata(t *testing.T) {
	l, err := ReadLabel(filepath.Join("testdata", "good"+LabelSuffix))
	if err != nil {
		t.Fatal(err)
	}
	d := doc()
	d.Metadata = &parley.Metadata{AgentName: "Sam Jones"}
	rep := Evaluate([]*Label{l}, []calldoc.CallDoc{d}, nil)
	rep.GroupBy([]string{"agent"})
	if g := rep.Groupings[0].Groups; len(g) != 1 || g[0].Value != "Sam Jones" {
		t.Errorf("groups %+v", g)
	}
}
