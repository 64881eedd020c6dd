package web

import (
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/index"
)

// The call header counts an item left for a reviewer apart from the passed, failed and N/A ones.
func TestGlanceCountsReview(t *testing.T) {
	sc := &parley.Score{Scored: true, Items: []parley.ItemResult{
		{ID: "a", Status: parley.ItemPass}, {ID: "b", Status: parley.ItemFail}, {ID: "c", Status: parley.ItemNA}, {ID: "d", Status: parley.ItemReview}}}
	if g := glanceOf(index.Call{}, sc, nil); g.Pass != 1 || g.Fail != 1 || g.NA != 1 || g.Review != 1 {
		t.Errorf("glance %+v", g)
	}
}

// The call header gives the share of words heard unsurely, and each party's when both parties' words
// are known; none when no words are.
func TestGlanceHeard(t *testing.T) {
	w := func(text string, c float64) calldoc.WordDoc { return calldoc.WordDoc{Text: text, Confidence: c} }
	d := calldoc.CallDoc{
		Segments: []calldoc.SegmentDoc{
			{Speaker: parley.RoleAgent, Start: 0, End: 1, Text: "North wind", Words: []calldoc.WordDoc{w("North", 0.2), w("wind", 0.9)}},
			{Speaker: parley.RoleCustomer, Channel: 1, Start: 2, End: 3, Text: "Hi there you", Words: []calldoc.WordDoc{w("Hi", 0.9), w("there", 0.9), w("you", 0.9)}},
		},
		Turns: []calldoc.TurnDoc{{Speaker: parley.RoleAgent, Start: 0, End: 1, Text: "North wind"},
			{Speaker: parley.RoleCustomer, Channel: 1, Start: 2, End: 3, Text: "Hi there you"}},
	}
	g := glance{}.heard(d)
	if !g.HasWords || g.UnsureShare != 0.2 || len(g.UnsureBy) != 2 || g.UnsureBy[0] != (speakerShare{parley.RoleAgent, 0.5}) || g.UnsureBy[1] != (speakerShare{parley.RoleCustomer, 0}) {
		t.Errorf("both parties known: %+v", g)
	}
	d.Segments[1].Words = nil // the customer's words not known: no split
	if g := (glance{}).heard(d); !g.HasWords || g.UnsureShare != 0.5 || g.UnsureBy != nil {
		t.Errorf("the agent's words alone: %+v", g)
	}
	d.Segments[0].Words = nil
	if g := (glance{}).heard(d); g.HasWords || g.UnsureBy != nil {
		t.Errorf("no words known: %+v", g)
	}
}
