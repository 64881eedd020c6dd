// Package scoring grades calls against QA scorecards: required and prohibited phrases with fuzzy
// matching, sentiment, agent tone, and talk metrics (talk/listen, dead air, holds, interruptions,
// speaking rate, monologues), each item with its evidence.
package scoring

import (
	"math"
	"slices"
	"strings"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/nlp"
)

// MetricSettings tune how talk metrics read silence.
type MetricSettings struct {
	DeadAirS float64 // a silence at least this long, not a hold, is dead air
	HoldMinS float64 // an announced silence at least this long is a hold
	// HoldUnannouncedS: a silence this long is a hold even without an announcement.
	HoldUnannouncedS float64
}

// DefaultMetricSettings are used where a scorecard sets nothing.
var DefaultMetricSettings = MetricSettings{DeadAirS: 5, HoldMinS: 5, HoldUnannouncedS: 60}

// holdAnnouncement is what agents say before a hold. Short phrases, because recognisers often garble the
// rest ("bear with me a moment" → "there with me a moment", "put you on hold" → "put you on the").
var holdAnnouncement = compilePhrases([]string{"hold", "bear with me", "one moment", "a moment", "a minute", "a second", "a few seconds", "let me check"})

// announcesHold tells whether an agent's turn announces a hold: one of holdAnnouncement's phrases, not
// counting "in a minute" and its like, which say when something will happen ("it'll restart by itself
// in a minute", "you'll get a text in a second"), not that the caller is to wait.
func announcesHold(text string) bool {
	ws := turnWords(text)
	var kept []word
	for i := 0; i < len(ws); i++ {
		if n := soonAt(ws[i:]); n > 0 {
			i += n - 1
			continue
		}
		kept = append(kept, ws[i])
	}
	_, ok := holdAnnouncement.find(kept)
	return ok
}

// soonAt is how many words of ws, from its start, say "in a minute", "in a second", "in a moment" or "in
// a few seconds"; 0 when they do not.
func soonAt(ws []word) int {
	if len(ws) < 3 || ws[0].text != "in" || ws[1].text != "a" {
		return 0
	}
	switch {
	case ws[2].text == "minute" || ws[2].text == "second" || ws[2].text == "moment" || ws[2].text == "sec":
		return 3
	case ws[2].text == "few" && len(ws) > 3 && ws[3].stem == nlp.Stem("seconds"):
		return 4
	}
	return 0
}

type interval struct{ start, end float64 }

// speech returns the merged speech intervals of the segments of a role ("" for everyone).
func speech(tr *parley.Transcript, role parley.Role) []interval {
	var iv []interval
	for _, s := range tr.Segments {
		if (role == "" || s.Speaker == role) && strings.TrimSpace(s.Text) != "" {
			iv = append(iv, interval{s.Start.Seconds(), s.End.Seconds()})
		}
	}
	slices.SortFunc(iv, func(a, b interval) int {
		switch {
		case a.start < b.start:
			return -1
		case a.start > b.start:
			return 1
		}
		return 0
	})
	var out []interval
	for _, v := range iv {
		if n := len(out); n > 0 && v.start <= out[n-1].end {
			out[n-1].end = math.Max(out[n-1].end, v.end)
			continue
		}
		out = append(out, v)
	}
	return out
}

func total(iv []interval) float64 {
	var t float64
	for _, v := range iv {
		t += v.end - v.start
	}
	return t
}

// Metrics computes talk metrics from the segments and turns of a transcript.
func Metrics(tr *parley.Transcript, duration float64, set MetricSettings) parley.TalkMetrics {
	m := parley.TalkMetrics{DurationS: round(duration), TalkS: map[parley.Role]float64{}, Interruptions: map[parley.Role]int{},
		WordsPerMinute: map[parley.Role]float64{}, LongestMonologue: map[parley.Role]float64{}, DeadAir: []parley.Span{}, Holds: []parley.Span{}, AgentTalkShare: -1,
		RaisedVoice: map[parley.Role]int{}}
	roles := map[parley.Role]bool{}
	for _, s := range tr.Segments {
		roles[s.Speaker] = true
	}
	words := map[parley.Role]int{}
	for _, t := range tr.Turns {
		words[t.Speaker] += len(nlp.Words(t.Text))
		d := (t.End - t.Start).Seconds()
		m.LongestMonologue[t.Speaker] = round(math.Max(m.LongestMonologue[t.Speaker], d))
	}
	for r := range roles {
		talk := total(speech(tr, r))
		m.TalkS[r] = round(talk)
		if talk > 0 {
			m.WordsPerMinute[r] = round(float64(words[r]) / (talk / 60))
		}
	}
	if a, c := m.TalkS[parley.RoleAgent], m.TalkS[parley.RoleCustomer]; a+c > 0 && roles[parley.RoleAgent] && roles[parley.RoleCustomer] {
		m.AgentTalkShare = round(a / (a + c))
	}
	all := speech(tr, "")
	m.NonTalkS = round(math.Max(0, duration-total(all)))
	// Silences between speech: holds when announced (or very long), else dead air.
	for i := 1; i < len(all); i++ {
		gap := parley.Span{Start: round(all[i-1].end), End: round(all[i].start)}
		length := gap.End - gap.Start
		switch {
		case length >= set.HoldUnannouncedS || length >= set.HoldMinS && (announcedBefore(tr, all[i-1].end) || soundDuring(tr, gap)):
			m.Holds = append(m.Holds, gap)
			m.HoldS = round(m.HoldS + length)
		case length >= set.DeadAirS:
			m.DeadAir = append(m.DeadAir, gap)
		}
	}
	for r := range roles {
		m.RaisedVoice[r] = len(raisedSegments(tr, r))
	}
	// Interruptions: a segment that starts while the other speaker's speech runs on for more than half a
	// second (back-channel "mhm" at a turn's last syllable is not an interruption).
	for r := range roles {
		other := speech(tr, otherRole(r))
		for _, s := range tr.Segments {
			if s.Speaker != r || strings.TrimSpace(s.Text) == "" {
				continue
			}
			st := s.Start.Seconds()
			for _, o := range other {
				if st > o.start && st < o.end-0.5 {
					m.Interruptions[r]++
					m.OvertalkS = round(m.OvertalkS + math.Min(o.end, s.End.Seconds()) - st)
					break
				}
			}
		}
	}
	return m
}

// soundDuring reports whether the agent channel carried sound without speech (hold music, a recorded
// message) through at least half of a silence.
func soundDuring(tr *parley.Transcript, gap parley.Span) bool {
	var covered float64
	for _, s := range tr.Sound {
		covered += math.Max(0, math.Min(s.End, gap.End)-math.Max(s.Start, gap.Start))
	}
	return covered >= (gap.End-gap.Start)/2
}

// RaisedVoiceDB is how far above the speaker's own median level a segment counts as a raised voice.
const RaisedVoiceDB = 6

// raisedSegments returns the indices of a speaker's segments at least RaisedVoiceDB above their median
// level. Segments without a level (imported transcripts) are left out; fewer than four give no baseline.
func raisedSegments(tr *parley.Transcript, r parley.Role) []int {
	var levels []float64
	var idx []int
	for i, s := range tr.Segments {
		if s.Speaker == r && s.LoudnessDB < 0 && s.LoudnessDB > -100 {
			levels = append(levels, s.LoudnessDB)
			idx = append(idx, i)
		}
	}
	if len(levels) < 4 {
		return nil
	}
	sorted := slices.Clone(levels)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	var out []int
	for k, l := range levels {
		if l >= median+RaisedVoiceDB {
			out = append(out, idx[k])
		}
	}
	return out
}

func otherRole(r parley.Role) parley.Role {
	switch r {
	case parley.RoleAgent:
		return parley.RoleCustomer
	case parley.RoleCustomer:
		return parley.RoleAgent
	}
	return "none"
}

// announcedBefore reports whether an agent announced a hold in the 30 s before t.
func announcedBefore(tr *parley.Transcript, t float64) bool {
	for _, turn := range tr.Turns {
		if turn.Speaker == parley.RoleAgent && turn.End.Seconds() <= t+0.5 && turn.End.Seconds() >= t-30 {
			if announcesHold(turn.Text) {
				return true
			}
		}
	}
	return false
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }
