package transcribe

import (
	"testing"
	"time"

	"github.com/parley-cc/parley"
)

func seg(ch int, start, end float64, text string) parley.Segment {
	role := []parley.Role{parley.RoleAgent, parley.RoleCustomer}[ch]
	return parley.Segment{Channel: ch, Speaker: role, Start: secs(start), End: secs(end), Text: text}
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func TestMergeTurns(t *testing.T) {
	type turn struct {
		ch         int
		start, end float64
		text       string
		overlap    bool
	}
	tests := []struct {
		name string
		segs []parley.Segment
		want []turn
	}{
		{"empty", nil, nil},
		{
			"same speaker within gap joins",
			[]parley.Segment{seg(0, 0, 2, " Hello."), seg(0, 2.5, 4, "How can I help?")},
			[]turn{{0, 0, 4, "Hello. How can I help?", false}},
		},
		{
			"same speaker after long pause splits",
			[]parley.Segment{seg(0, 0, 2, "Hello."), seg(0, 5, 6, "Are you there?")},
			[]turn{{0, 0, 2, "Hello.", false}, {0, 5, 6, "Are you there?", false}},
		},
		{
			"alternating speakers, channels given out of order",
			[]parley.Segment{seg(1, 3, 5, "I was charged twice."), seg(0, 0, 2.5, "Hi, Sarah speaking."), seg(0, 5.5, 7, "Sorry about that.")},
			[]turn{{0, 0, 2.5, "Hi, Sarah speaking.", false}, {1, 3, 5, "I was charged twice.", false}, {0, 5.5, 7, "Sorry about that.", false}},
		},
		{
			"interruption marks both turns",
			[]parley.Segment{seg(0, 0, 6, "Before we cancel, may I ask what went wrong?"), seg(1, 4.8, 8, "The connection drops every evening."), seg(0, 9, 10, "I see.")},
			[]turn{{0, 0, 6, "Before we cancel, may I ask what went wrong?", true}, {1, 4.8, 8, "The connection drops every evening.", true}, {0, 9, 10, "I see.", false}},
		},
		{
			"interruption splits the interrupted speaker's turn",
			[]parley.Segment{seg(0, 0, 3, "Let me check"), seg(1, 2.5, 3.5, "wait"), seg(0, 3.2, 5, "your account.")},
			[]turn{{0, 0, 3, "Let me check", true}, {1, 2.5, 3.5, "wait", true}, {0, 3.2, 5, "your account.", true}},
		},
		{
			"blank segments are dropped",
			[]parley.Segment{seg(0, 0, 1, "  "), seg(1, 1, 2, "Hello?")},
			[]turn{{1, 1, 2, "Hello?", false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MergeTurns(tt.segs, time.Second)
			if len(got) != len(tt.want) {
				t.Fatalf("%d turns, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Channel != w.ch || g.Start != secs(w.start) || g.End != secs(w.end) || g.Text != w.text || g.Overlap != w.overlap {
					t.Errorf("turn %d = {%d %v %v %q %v}, want %+v", i, g.Channel, g.Start, g.End, g.Text, g.Overlap, w)
				}
				if wantRole := []parley.Role{parley.RoleAgent, parley.RoleCustomer}[w.ch]; g.Speaker != wantRole {
					t.Errorf("turn %d speaker %s, want %s", i, g.Speaker, wantRole)
				}
			}
		})
	}
}
