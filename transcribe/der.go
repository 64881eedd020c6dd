package transcribe

import (
	"math"
	"slices"
	"strconv"
)

// SpeakerSpan is a stretch of one speaker's speech, in seconds, for scoring diarization.
type SpeakerSpan struct {
	Speaker    string
	Start, End float64
}

// DiarizationScore is the diarization error rate and its parts, as shares of the scored reference
// speech (seconds of speech per speaker, outside the collars).
type DiarizationScore struct {
	DER, Missed, FalseAlarm, Confusion float64
	Scored                             float64 // seconds of reference speech scored
	// Mapping names the reference speaker each hypothesis speaker was matched to.
	Mapping map[string]string
}

// derTick is the time step the error is counted in.
const derTick = 0.01

// ScoreDiarization compares hypothesis speaker spans with reference ones the usual way: time within
// collar seconds of a reference span's start or end is not scored; each hypothesis speaker is mapped to
// at most one reference speaker, the mapping that agrees longest; the error is missed speech plus false
// alarms plus speech given to the wrong speaker, over the reference speech.
func ScoreDiarization(ref, hyp []SpeakerSpan, collar float64) DiarizationScore {
	end := 0.0
	for _, s := range append(slices.Clone(ref), hyp...) {
		end = math.Max(end, s.End)
	}
	n := int(math.Ceil(end/derTick)) + 1
	refNames, hypNames := speakerNames(ref), speakerNames(hyp)
	active := func(spans []SpeakerSpan, names []string) [][]bool {
		out := make([][]bool, len(names))
		for i := range out {
			out[i] = make([]bool, n)
		}
		for _, s := range spans {
			k := slices.Index(names, s.Speaker)
			for t := int(math.Round(s.Start / derTick)); t < min(n, int(math.Round(s.End/derTick))); t++ {
				out[k][t] = true
			}
		}
		return out
	}
	r, h := active(ref, refNames), active(hyp, hypNames)
	scored := make([]bool, n)
	for i := range scored {
		scored[i] = true
	}
	c := int(math.Round(collar / derTick))
	for _, s := range ref {
		for _, at := range []float64{s.Start, s.End} {
			m := int(math.Round(at / derTick))
			for t := max(0, m-c); t < min(n, m+c); t++ {
				scored[t] = false
			}
		}
	}
	// overlap[i][j]: ticks where hypothesis speaker i and reference speaker j both speak
	overlap := make([][]float64, len(hypNames))
	for i := range overlap {
		overlap[i] = make([]float64, len(refNames))
		for j := range refNames {
			for t := range n {
				if scored[t] && h[i][t] && r[j][t] {
					overlap[i][j]++
				}
			}
		}
	}
	mapping := bestMapping(overlap, len(refNames))
	var sc DiarizationScore
	var miss, fa, conf, total float64
	for t := range n {
		if !scored[t] {
			continue
		}
		nr, nh, correct := 0, 0, 0
		for j := range refNames {
			if r[j][t] {
				nr++
			}
		}
		for i := range hypNames {
			if h[i][t] {
				nh++
				if m := mapping[i]; m >= 0 && r[m][t] {
					correct++
				}
			}
		}
		total += float64(nr)
		miss += float64(max(0, nr-nh))
		fa += float64(max(0, nh-nr))
		conf += float64(min(nr, nh) - correct)
	}
	sc.Scored = total * derTick
	if total > 0 {
		sc.Missed, sc.FalseAlarm, sc.Confusion = miss/total, fa/total, conf/total
		sc.DER = sc.Missed + sc.FalseAlarm + sc.Confusion
	}
	sc.Mapping = map[string]string{}
	for i, m := range mapping {
		if m >= 0 {
			sc.Mapping[hypNames[i]] = refNames[m]
		}
	}
	return sc
}

func speakerNames(spans []SpeakerSpan) []string {
	var names []string
	for _, s := range spans {
		if !slices.Contains(names, s.Speaker) {
			names = append(names, s.Speaker)
		}
	}
	return names
}

// bestMapping maps each hypothesis speaker (row) to a distinct reference speaker (column) or to none
// (-1), maximising the overlap: every assignment is tried, which is cheap for the few speakers of a call.
func bestMapping(overlap [][]float64, refs int) []int {
	best, bestV := make([]int, len(overlap)), -1.0
	cur := make([]int, len(overlap))
	used := make([]bool, refs)
	var try func(i int, v float64)
	try = func(i int, v float64) {
		if i == len(overlap) {
			if v > bestV {
				bestV = v
				copy(best, cur)
			}
			return
		}
		cur[i] = -1
		try(i+1, v)
		for j := range refs {
			if !used[j] {
				used[j], cur[i] = true, j
				try(i+1, v+overlap[i][j])
				used[j] = false
			}
		}
	}
	try(0, 0)
	return best
}

// VoiceSpans are a diarization's voices as speaker spans ("0", "1", …), for ScoreDiarization.
func VoiceSpans(d Diarization, rate int) []SpeakerSpan {
	out := make([]SpeakerSpan, 0, len(d.Voices))
	for _, v := range d.Voices {
		out = append(out, SpeakerSpan{strconv.Itoa(v.Speaker), float64(v.Start) / float64(rate), float64(v.End) / float64(rate)})
	}
	return out
}
