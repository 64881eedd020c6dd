package parley

import (
	"strings"
	"testing"
	"time"
)

func TestEndsSentence(t *testing.T) {
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"That's all.", true},
		{"Anything else?", true},
		{"Brilliant!", true},
		{`"No, that's it."`, true},
		{"(thanks.) ", true},
		{"so I can find the", false},
		{"", false},
		{"Mr.", true}, // an abbreviation reads as an end: the cost of not knowing the language's abbreviations
		{"2.5", false},
	} {
		if got := EndsSentence(tt.text); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.text, got, tt.want)
		}
	}
}

// TestHearingTranscript: the call as heard the second time has the agent's segments and turns of the
// second reading and everyone else's of the first, in call order; the first reading is unchanged.
func TestHearingTranscript(t *testing.T) {
	s := func(r Role, at int, text string) Segment {
		return Segment{Speaker: r, Start: time.Duration(at) * time.Second, End: time.Duration(at+1) * time.Second, Text: text}
	}
	tu := func(r Role, at int, text string) Turn {
		return Turn{Speaker: r, Start: time.Duration(at) * time.Second, End: time.Duration(at+1) * time.Second, Text: text}
	}
	first := &Transcript{Language: "en",
		Segments: []Segment{s(RoleAgent, 0, "Hollow"), s(RoleCustomer, 2, "Hi"), s(RoleAgent, 4, "Buy")},
		Turns:    []Turn{tu(RoleAgent, 0, "Hollow"), tu(RoleCustomer, 2, "Hi"), tu(RoleAgent, 4, "Buy")}}
	h := &Hearing{Model: "m", Segments: []Segment{s(RoleAgent, 0, "Hello"), s(RoleAgent, 5, "Bye")},
		Turns: []Turn{tu(RoleAgent, 0, "Hello"), tu(RoleAgent, 5, "Bye")}}
	first.Again = h
	got := h.Transcript(first)
	var segs, turns []string
	for _, x := range got.Segments {
		segs = append(segs, x.Text)
	}
	for _, x := range got.Turns {
		turns = append(turns, x.Text)
	}
	if strings.Join(segs, " ") != "Hello Hi Bye" || strings.Join(turns, " ") != "Hello Hi Bye" || got.Again != nil || got.Language != "en" {
		t.Errorf("heard again: segments %q, turns %q, again %v", segs, turns, got.Again)
	}
	if first.Segments[0].Text != "Hollow" || first.Turns[2].Text != "Buy" || len(first.Segments) != 3 {
		t.Errorf("the first reading changed: %+v", first.Segments)
	}
}
