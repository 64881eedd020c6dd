package transcribe

import (
	"slices"
	"strings"
	"time"

	"github.com/parley-cc/parley"
)

// MergeTurns orders the segments of all channels by time and joins consecutive segments of one speaker
// (one channel, or one voice of a diarized channel) into turns when the silence between them is at
// most maxGap. A turn during which another channel's speaker talks is marked Overlap, and so is the
// other speaker's turn; the voices of one channel are never marked (diarization gives each moment to
// one voice, so overlap on one channel is not measured).
func MergeTurns(segs []parley.Segment, maxGap time.Duration) []parley.Turn {
	sorted := slices.Clone(segs)
	slices.SortStableFunc(sorted, func(a, b parley.Segment) int {
		if a.Start != b.Start {
			return int(a.Start - b.Start)
		}
		return a.Channel - b.Channel
	})
	var turns []parley.Turn
	for _, s := range sorted {
		text := strings.TrimSpace(s.Text)
		if text == "" {
			continue
		}
		if n := len(turns); n > 0 && turns[n-1].Channel == s.Channel && turns[n-1].Voice == s.Voice && s.Start-turns[n-1].End <= maxGap {
			t := &turns[n-1]
			t.Text += " " + text
			t.End = max(t.End, s.End)
			continue
		}
		turns = append(turns, parley.Turn{Speaker: s.Speaker, Channel: s.Channel, Voice: s.Voice, Start: s.Start, End: s.End, Text: text})
	}
	for i := range turns {
		for j := i + 1; j < len(turns) && turns[j].Start < turns[i].End; j++ {
			if turns[j].Channel != turns[i].Channel {
				turns[i].Overlap = true
				turns[j].Overlap = true
			}
		}
	}
	return turns
}
