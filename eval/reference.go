package eval

import (
	"slices"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/transcribe"
)

// Reference is the call d as the label's reference transcript has it: d's call, sounds and metadata,
// each labelled turn one segment of its speaker — every role on a channel of its own, whatever the
// recording's layout — merged into turns as a recognised transcript is (transcribe.MergeTurns with
// turnGap). Analysed and scored as d was, it is what parley decides had it heard every word right and
// known who said it; what parley gets wrong from the recording and right from this is lost in the
// hearing, the rest in the judgement. ok is false when the label has no turns or d no call.
func Reference(l *Label, d *calldoc.CallDoc, turnGap time.Duration) (res parley.Result, ok bool) {
	if d == nil || len(l.Turns) == 0 {
		return res, false
	}
	heard := d.Result()
	res = parley.Result{Call: heard.Call, Metadata: heard.Metadata}
	res.Call.Channels = nil
	channel := map[parley.Role]int{}
	for _, role := range append([]parley.Role{parley.RoleAgent, parley.RoleCustomer}, roles(l.Turns)...) {
		if _, seen := channel[role]; !seen {
			channel[role] = len(res.Call.Channels)
			res.Call.Channels = append(res.Call.Channels, parley.Channel{Index: len(res.Call.Channels), Role: role})
		}
	}
	segs := []parley.Segment{}
	for _, t := range l.Turns {
		segs = append(segs, parley.Segment{Channel: channel[t.Speaker], Speaker: t.Speaker, Text: t.Text,
			Start: time.Duration(t.Start * float64(time.Second)), End: time.Duration(t.End * float64(time.Second))})
	}
	slices.SortStableFunc(segs, func(a, b parley.Segment) int { return int(a.Start - b.Start) })
	res.Transcript = &parley.Transcript{Language: heard.Transcript.Language, Segments: segs, Turns: transcribe.MergeTurns(segs, turnGap),
		Sound: heard.Transcript.Sound}
	if res.Transcript.Turns == nil {
		res.Transcript.Turns = []parley.Turn{}
	}
	return res, true
}

// roles are the speakers of the turns, in the order they first speak.
func roles(turns []Turn) []parley.Role {
	var out []parley.Role
	for _, t := range turns {
		if !slices.Contains(out, t.Speaker) {
			out = append(out, t.Speaker)
		}
	}
	return out
}
