package transcribe

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/parley-cc/parley"
)

// VAD finds speech in one channel by the energy of short frames against the channel's own noise floor.
// In a stereo call each channel holds one party: the other party's turns, holds and pauses are near
// silence on it, so most of a channel is not speech and need not be recognised.
//
// A frame is speech when its level is ThresholdDB above the noise floor (a low percentile of the
// channel's frame levels) and above MinDBFS; gaps shorter than MinSilence are bridged, stretches
// shorter than MinSpeech dropped, and Pad added on both sides so that word onsets and tails survive.
type VAD struct {
	Frame       time.Duration // default 20 ms
	ThresholdDB float64       // above the noise floor; default 12
	MinDBFS     float64       // never speech below this; default -50
	MinSpeech   time.Duration // default 150 ms
	MinSilence  time.Duration // default 400 ms
	Pad         time.Duration // default 250 ms
	// BleedDB: on a stereo call, a frame of one channel is not speech when the other channel is this
	// much louder there, each measured against its own speech level (its 95th percentile frame): the
	// other party's voice leaking into this line (crosstalk, echo), which whisper would otherwise
	// transcribe on the wrong side. Default 15; negative turns it off.
	BleedDB float64
}

// Region is a stretch of samples [Start, End).
type Region struct{ Start, End int }

func (v VAD) withDefaults() VAD {
	if v.Frame == 0 {
		v.Frame = 20 * time.Millisecond
	}
	if v.ThresholdDB == 0 {
		v.ThresholdDB = 12
	}
	if v.MinDBFS == 0 {
		v.MinDBFS = -50
	}
	if v.MinSpeech == 0 {
		v.MinSpeech = 150 * time.Millisecond
	}
	if v.MinSilence == 0 {
		v.MinSilence = 400 * time.Millisecond
	}
	if v.Pad == 0 {
		v.Pad = 250 * time.Millisecond
	}
	if v.BleedDB == 0 {
		v.BleedDB = 15
	}
	return v
}

// Speech returns the speech regions of samples at rate, in order and not overlapping.
func (v VAD) Speech(samples []float32, rate int) []Region {
	v = v.withDefaults()
	l := newLevels(rate, 1, v.Frame)
	l.add([][]float32{samples})
	return v.speech(l, 0)
}

// speech returns the speech regions of channel c from its levels (measured in frames of v.Frame), in
// samples of the source.
func (v VAD) speech(l *levels, c int) []Region {
	v = v.withDefaults()
	n := l.frames()
	if n == 0 {
		return nil
	}
	levels := l.channelDB(c)
	sorted := slices.Clone(levels)
	slices.Sort(sorted)
	threshold := v.threshold(sorted)

	frame := l.frame
	frames := func(d time.Duration) int { return int(math.Ceil(d.Seconds() * float64(l.rate) / float64(frame))) }
	bleed := v.bleed(l, c, levels, sorted)
	var regs []Region // in frames
	for i := 0; i < n; {
		if levels[i] < threshold || bleed[i] {
			i++
			continue
		}
		j := i
		for j < n && levels[j] >= threshold && !bleed[j] {
			j++
		}
		if len(regs) > 0 && i-regs[len(regs)-1].End < frames(v.MinSilence) {
			regs[len(regs)-1].End = j
		} else {
			regs = append(regs, Region{i, j})
		}
		i = j
	}
	pad := frames(v.Pad)
	var out []Region
	for _, r := range regs {
		if r.End-r.Start < frames(v.MinSpeech) {
			continue
		}
		s, e := max(0, (r.Start-pad)*frame), min(l.n, (r.End+pad)*frame)
		if len(out) > 0 && s <= out[len(out)-1].End {
			out[len(out)-1].End = e
			continue
		}
		out = append(out, Region{s, e})
	}
	return out
}

// threshold is the level above which a frame may be speech, given a channel's frame levels in order.
// The noise floor is their 10th percentile: a channel that is all speech has a high floor, but
// MinDBFS and the threshold above the quietest frames still separate pauses.
func (v VAD) threshold(sorted []float64) float64 {
	return max(v.MinDBFS, sorted[len(sorted)/10]+v.ThresholdDB)
}

// bleed marks the frames of channel c that carry the other channel's voice leaking in (see BleedDB);
// sorted is the channel's levels in order.
func (v VAD) bleed(l *levels, c int, levels, sorted []float64) []bool {
	out := make([]bool, len(levels))
	if len(l.sq) != 2 || v.BleedDB < 0 {
		return out
	}
	other := l.channelDB(1 - c)
	otherSorted := slices.Sorted(slices.Values(other))
	own, theirs := sorted[len(sorted)*95/100], otherSorted[len(otherSorted)*95/100]
	for i := range out {
		out[i] = (other[i]-theirs)-(levels[i]-own) >= v.BleedDB
	}
	return out
}

// Window is audio for one recognition: speech regions packed one after another with a short silence
// between them, and where each piece came from.
type Window struct {
	Len    int // samples, gaps included
	Pieces []Piece
	// Opening is a track's first speech in a window of its own, read with the vocabulary prompt.
	Opening bool
}

// Piece is a region of a channel placed in a window: At samples into the window, From samples into
// channel Channel, Len samples long.
type Piece struct{ Channel, At, From, Len int }

// Pack places the speech regions of the channels into windows of at most maxLen samples, with gap
// samples of silence between pieces. A region longer than a window is cut into pieces: cut(ch, start)
// says how long the piece starting there is (nil: maxLen) — the pipeline cuts at the quietest 100 ms in
// the last fifth, so that a cut rarely falls inside a word. Pieces go in order of their start in the
// call (so a window reads like the conversation, and a long recording is read front to back).
func Pack(regions [][]Region, maxLen, gap int, cut func(ch, start int) int) []Window {
	var all []Piece
	for ch, rs := range regions {
		for _, r := range rs {
			for start := r.Start; start < r.End; {
				length := r.End - start
				if length > maxLen {
					length = maxLen
					if cut != nil {
						length = min(maxLen, max(1, cut(ch, start)))
					}
				}
				all = append(all, Piece{Channel: ch, From: start, Len: length})
				start += length
			}
		}
	}
	slices.SortStableFunc(all, func(a, b Piece) int {
		if a.From != b.From {
			return a.From - b.From
		}
		return a.Channel - b.Channel
	})
	var out []Window
	var cur *Window
	for _, pc := range all {
		if cur == nil || cur.Len+gap+pc.Len > maxLen {
			out = append(out, Window{})
			cur = &out[len(out)-1]
		} else {
			cur.Len += gap
		}
		pc.At = cur.Len
		cur.Pieces = append(cur.Pieces, pc)
		cur.Len += pc.Len
	}
	return out
}

// piece returns the index of the piece a window time belongs to: the piece it falls in, or in a gap
// the nearer of the two pieces around it.
func (w Window) piece(t time.Duration, rate int) int {
	at := int(t.Seconds() * float64(rate))
	k := 0
	for i, p := range w.Pieces {
		if p.At > at {
			break
		}
		k = i
	}
	if p := w.Pieces[k]; at >= p.At+p.Len && k+1 < len(w.Pieces) && w.Pieces[k+1].At-at < at-(p.At+p.Len) {
		k++
	}
	return k
}

// toChannel maps a window time into piece k's channel, clamped to the piece.
func (w Window) toChannel(t time.Duration, k, rate int) time.Duration {
	p := w.Pieces[k]
	off := min(max(int(t.Seconds()*float64(rate))-p.At, 0), p.Len)
	return time.Duration(float64(p.From+off) / float64(rate) * float64(time.Second))
}

// uncovered counts the window's pieces of 0.8 s or more that no segment with text overlaps: speech
// the recogniser skipped.
func (w Window) uncovered(rec parley.Recognition, rate int) int {
	n := 0
	for _, p := range w.Pieces {
		if p.Len < rate*4/5 {
			continue
		}
		ps := time.Duration(float64(p.At) / float64(rate) * float64(time.Second))
		pe := time.Duration(float64(p.At+p.Len) / float64(rate) * float64(time.Second))
		if !slices.ContainsFunc(rec.Segments, func(s parley.Segment) bool {
			return strings.TrimSpace(s.Text) != "" && !nonSpeech.MatchString(s.Text) && s.Start < pe && s.End > ps
		}) {
			n++
		}
	}
	return n
}

// SplitAll maps the window's segments, in whisper's order, back to the channels (Split): a segment
// begins a sentence when it is the first or the one before it ended a sentence.
func (w Window) SplitAll(segs []parley.Segment, rate int) []parley.Segment {
	var out []parley.Segment
	for i, seg := range segs {
		out = append(out, w.Split(seg, rate, i == 0 || parley.EndsSentence(segs[i-1].Text))...)
	}
	return out
}

// Split maps a segment recognised in the window back to the channels: its tokens are grouped by the
// piece each falls in (by its middle), and every group becomes a segment of that piece's channel with
// times in the channel. A segment without tokens goes whole to the piece it overlaps most. sentenceStart
// says the segment begins a sentence (the window's segment before it ended one, or there was none).
func (w Window) Split(seg parley.Segment, rate int, sentenceStart bool) []parley.Segment {
	seg.Text = TrimLeadingPunctuation(seg.Text)
	if len(seg.Tokens) == 0 {
		best, bestOv := w.piece(seg.Start, rate), time.Duration(-1)
		for k, p := range w.Pieces {
			ps := time.Duration(float64(p.At) / float64(rate) * float64(time.Second))
			pe := time.Duration(float64(p.At+p.Len) / float64(rate) * float64(time.Second))
			if ov := min(seg.End, pe) - max(seg.Start, ps); ov > bestOv {
				best, bestOv = k, ov
			}
		}
		seg.Channel = w.Pieces[best].Channel
		seg.Start, seg.End = w.toChannel(seg.Start, best, rate), w.toChannel(seg.End, best, rate)
		return []parley.Segment{seg}
	}
	var out []parley.Segment
	var text strings.Builder
	var sum float64
	flush := func(k int, toks []parley.Token) {
		if len(toks) == 0 {
			return
		}
		text.Reset()
		sum = 0
		s := parley.Segment{Channel: w.Pieces[k].Channel}
		for _, t := range toks {
			text.WriteString(t.Text)
			sum += t.P
			t.Start, t.End = w.toChannel(t.Start, k, rate), w.toChannel(t.End, k, rate)
			s.Tokens = append(s.Tokens, t)
		}
		// Punctuation before the first word ended the previous piece's words (whisper puts the full stop
		// of a sentence in the silence after it): it is not this piece's.
		s.Text = TrimLeadingPunctuation(strings.TrimSpace(text.String()))
		s.Start, s.End = s.Tokens[0].Start, s.Tokens[len(s.Tokens)-1].End
		s.Confidence = sum / float64(len(toks))
		if s.Text != "" {
			out = append(out, s)
		}
	}
	pieces := make([]int, len(seg.Tokens)) // the piece of each token
	cur := -1
	for i, t := range seg.Tokens {
		k := w.piece((t.Start+t.End)/2, rate)
		// A token that does not start with a space continues the word before it ("It" + "'s", "079" +
		// "11") or ends it (a full stop, a comma): it stays in that word's piece.
		if cur >= 0 && !strings.HasPrefix(t.Text, " ") {
			k = cur
		}
		pieces[i], cur = k, k
	}
	w.snapToSentences(seg.Tokens, pieces, rate, sentenceStart)
	cur, from := -1, 0
	for i, k := range pieces {
		if cur >= 0 && k != cur {
			flush(cur, seg.Tokens[from:i])
			from = i
		}
		cur = k
	}
	flush(cur, seg.Tokens[from:])
	// A segment that stays in one piece keeps whisper's own segment times and text.
	if len(out) == 1 && cur >= 0 {
		k := cur
		out[0].Start, out[0].End = w.toChannel(seg.Start, k, rate), w.toChannel(seg.End, k, rate)
		out[0].Text, out[0].Confidence = seg.Text, seg.Confidence
	}
	return out
}

// snapTolerance is how far whisper's token times may put a word across the gap between two pieces.
const snapTolerance = 800 * time.Millisecond

// snapToSentences moves each change of piece within a segment to the nearest end of a sentence within
// snapTolerance of the gap between the two pieces. Token times are whisper's estimate and often put
// the last word of a turn into the next one ("… like me to" + "check. Alright, …"), while a turn
// nearly always ends a sentence. The start of a segment that begins a sentence is one too: whisper
// may open a segment with the next turn's first word timed before the gap ("Anything" + "else?"). A
// change with no sentence end near it stays where the times put it.
func (w Window) snapToSentences(toks []parley.Token, pieces []int, rate int, sentenceStart bool) {
	from := 1
	if sentenceStart {
		from = 0
	}
	for i := 1; i < len(toks); i++ {
		a, b := pieces[i-1], pieces[i]
		if a == b || b != a+1 {
			continue
		}
		gap := time.Duration(float64(w.Pieces[a].At+w.Pieces[a].Len+w.Pieces[b].At) / 2 / float64(rate) * float64(time.Second))
		best, bestD := -1, time.Duration(math.MaxInt64)
		for j := from; j <= len(toks); j++ {
			// a split before token j: it starts a word, the token before it ends a sentence (or j opens
			// the segment and the segment a sentence, or j closes the segment and its last token ends
			// a sentence), it is near the gap, and the tokens it moves are all of the one piece they
			// leave (a before i, b after)
			if j < len(toks) && !strings.HasPrefix(toks[j].Text, " ") || j > 0 && !parley.EndsSentence(toks[j-1].Text) {
				continue
			}
			leaves, at, before := a, time.Duration(0), pieces[0]
			switch {
			case j == 0:
				at = toks[0].Start
			case j == len(toks):
				at, before = toks[j-1].End, pieces[j-1]
			default:
				at, before = (toks[j-1].End+toks[j].Start)/2, pieces[j-1]
			}
			if j > i {
				leaves = b
			}
			if d := (at - gap).Abs(); d <= snapTolerance && d < bestD && before == leaves {
				best, bestD = j, d
			}
		}
		if best < 0 || best == i {
			continue
		}
		joins := a // the piece the moved tokens join
		if best < i {
			joins = b
		}
		for j := min(i, best); j < max(i, best); j++ {
			pieces[j] = joins
		}
		i = max(i, best)
	}
}

// TrimLeadingPunctuation drops the punctuation that opens a text before its first word: the end of the
// sentence before it, which whisper timed into the text's piece. Documents written before the window
// split kept it with its words are shown through it too.
func TrimLeadingPunctuation(text string) string { return strings.TrimLeft(text, ".,?!;: ") }
