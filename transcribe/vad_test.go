package transcribe

import (
	"context"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/parley-cc/parley"
)

// refSpeech reads a testdata call's reference utterance times per channel (agent 0, customer 1).
func refSpeech(t *testing.T, name string) [2][][2]float64 {
	var out [2][][2]float64
	for _, tu := range refTurns(t, name) {
		ch := 0
		if tu.Speaker == "customer" {
			ch = 1
		}
		out[ch] = append(out[ch], [2]float64{tu.Start, tu.End})
	}
	return out
}

func overlap(a [2]float64, b [2]float64) float64 {
	return math.Max(0, math.Min(a[1], b[1])-math.Max(a[0], b[0]))
}

// TestVADOnCalls checks the detector against the reference utterance times of the testdata calls:
// it must keep practically all speech (recall) while sending little else (most of each channel is the
// other party's turns).
func TestVADOnCalls(t *testing.T) {
	var refTotal, kept, sent, chanTotal float64
	for _, name := range []string{"billing-dispute", "cancel-service", "address-change", "identity-check"} {
		f, err := os.Open(filepath.Join("..", "testdata", "calls", name+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		a, err := DecodeWAV(f, st.Size(), DecodeOptions{})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		ref := refSpeech(t, name)
		rate := float64(a.SampleRate) // the pipeline detects speech at the recording's own rate
		for ch, samples := range a.Channels {
			regs := VAD{}.Speech(samples, a.SampleRate)
			var chKept, chRef, chSent float64
			for _, u := range ref[ch] {
				chRef += u[1] - u[0]
				for _, r := range regs {
					chKept += overlap(u, [2]float64{float64(r.Start) / rate, float64(r.End) / rate})
				}
			}
			for _, r := range regs {
				chSent += float64(r.End-r.Start) / rate
			}
			dur := float64(len(samples)) / rate
			t.Logf("%s ch%d: %.1f s, reference speech %.1f s, sent %.1f s in %d regions, recall %.3f", name, ch, dur, chRef, chSent, len(regs), chKept/chRef)
			if chKept/chRef < 0.97 {
				t.Errorf("%s channel %d: only %.1f%% of the reference speech is kept", name, ch, 100*chKept/chRef)
			}
			refTotal, kept, sent, chanTotal = refTotal+chRef, kept+chKept, sent+chSent, chanTotal+dur
		}
	}
	t.Logf("all: recall %.3f, sent %.1f s of %.1f s of channel audio (reference speech %.1f s)", kept/refTotal, sent, chanTotal, refTotal)
	// The speech regions with their padding: at most a third more than the speech itself, and well under
	// the channels' length.
	if sent > 1.35*refTotal || sent > 0.75*chanTotal {
		t.Errorf("sent %.1f s for %.1f s of speech in %.1f s of channels", sent, refTotal, chanTotal)
	}
}

func TestVADSilenceAndNoise(t *testing.T) {
	rate := 16000
	silence := make([]float32, 10*rate)
	if r := (VAD{}).Speech(silence, rate); len(r) != 0 {
		t.Errorf("digital silence: %v", r)
	}
	// Line noise at -60 dBFS with a 1 s burst of a 300 Hz tone at -20 dBFS in the middle.
	rng := rand.New(rand.NewSource(1))
	noisy := make([]float32, 10*rate)
	for i := range noisy {
		noisy[i] = float32(rng.NormFloat64() * 0.001)
		if i >= 4*rate && i < 5*rate {
			noisy[i] += float32(0.1 * math.Sin(2*math.Pi*300*float64(i)/float64(rate)))
		}
	}
	r := (VAD{}).Speech(noisy, rate)
	if len(r) != 1 || math.Abs(float64(r[0].Start)/16000-3.75) > 0.03 || math.Abs(float64(r[0].End)/16000-5.25) > 0.03 {
		t.Errorf("burst at 4–5 s with 250 ms padding: %v", r)
	}
	// Bursts 200 ms apart are one region; a 50 ms click is not speech.
	clicks := make([]float32, 10*rate)
	for _, span := range [][2]float64{{1, 1.5}, {1.7, 2.2}, {6, 6.05}} {
		for i := int(span[0] * float64(rate)); i < int(span[1]*float64(rate)); i++ {
			clicks[i] = 0.2
		}
	}
	if r := (VAD{}).Speech(clicks, rate); len(r) != 1 || r[0].End > 3*rate {
		t.Errorf("two close bursts and a click: %v", r)
	}
}

func TestPackAndMapBack(t *testing.T) {
	rate := 100
	chans := [][]float32{make([]float32, 10000), make([]float32, 10000)}
	regions := [][]Region{{{100, 300}, {3000, 7000}}, {{500, 1500}, {2000, 2100}}}
	maxLen, gap := 1500, 30
	ws := Pack(regions, maxLen, gap, nil)
	total := 0
	var order []int
	for _, w := range ws {
		if w.Len > maxLen {
			t.Errorf("window of %d samples", w.Len)
		}
		for k, p := range w.Pieces {
			if k > 0 && p.At < w.Pieces[k-1].At+w.Pieces[k-1].Len+gap {
				t.Errorf("piece %+v overlaps the one before or its gap", p)
			}
			if p.At+p.Len > w.Len || p.From+p.Len > len(chans[p.Channel]) {
				t.Errorf("piece %+v outside its window (%d) or channel", p, w.Len)
			}
			total += p.Len
			order = append(order, p.From)
		}
	}
	if total != 200+1000+100+4000 {
		t.Errorf("packed %d samples of speech", total)
	}
	if !slices.IsSorted(order) {
		t.Errorf("pieces are not in call order: %v", order)
	}
	// 5,300 samples of speech in windows of 1,500: at least 4 windows, and the 4,000-sample region is cut.
	if len(ws) < 4 || len(ws) > 5 {
		t.Errorf("%d windows", len(ws))
	}

	// The first window holds agent 100–300 and customer 500–1500: [0,200) gap [230,1230).
	w := ws[0]
	if len(w.Pieces) < 2 || w.Pieces[0].Channel != 0 || w.Pieces[1].Channel != 1 {
		t.Fatalf("first window: %+v", w.Pieces)
	}
	sec := func(samples int) time.Duration { return time.Duration(samples) * time.Second / time.Duration(rate) }
	// A segment whose tokens run from the agent's piece into the customer's is split in two, each with
	// its own words and times in its own channel.
	seg := parley.Segment{Start: sec(10), End: sec(900), Text: " yes please. My bill", Tokens: []parley.Token{
		{Start: sec(10), End: sec(90), Text: " yes", P: 0.9},
		{Start: sec(90), End: sec(190), Text: " please.", P: 0.7},
		{Start: sec(240), End: sec(500), Text: " My", P: 0.5},
		{Start: sec(500), End: sec(900), Text: " bill", P: 0.3},
	}}
	got := w.Split(seg, rate, true)
	if len(got) != 2 {
		t.Fatalf("split into %d: %+v", len(got), got)
	}
	if got[0].Channel != 0 || got[0].Text != "yes please." || got[0].Start != sec(110) || got[0].End != sec(290) || math.Abs(got[0].Confidence-0.8) > 1e-9 {
		t.Errorf("agent part: %+v", got[0])
	}
	if got[1].Channel != 1 || got[1].Text != "My bill" || got[1].Start != sec(510) || got[1].End != sec(1170) {
		t.Errorf("customer part: %+v", got[1])
	}
	// A full stop whisper times in the gap after the agent's words stays with them, and punctuation that
	// opens a segment is dropped: it ended words the segment does not hold.
	dot := w.Split(parley.Segment{Start: sec(10), End: sec(900), Text: " yes. Fine", Tokens: []parley.Token{
		{Start: sec(10), End: sec(190), Text: " yes", P: 0.9},
		{Start: sec(205), End: sec(260), Text: ".", P: 0.9},
		{Start: sec(300), End: sec(600), Text: " Fine", P: 0.9},
	}}, rate, true)
	if len(dot) != 2 || dot[0].Text != "yes." || dot[1].Text != "Fine" {
		t.Errorf("punctuation in the gap: %+v", dot)
	}
	// So does the rest of a word whisper times in the gap ("It" + "'s").
	its := w.Split(parley.Segment{Start: sec(10), End: sec(900), Text: " It's fine", Tokens: []parley.Token{
		{Start: sec(10), End: sec(190), Text: " It", P: 0.9},
		{Start: sec(232), End: sec(260), Text: "'s", P: 0.9},
		{Start: sec(300), End: sec(600), Text: " fine", P: 0.9},
	}}, rate, true)
	if len(its) != 2 || its[0].Text != "It's" || its[1].Text != "fine" {
		t.Errorf("a word split across pieces: %+v", its)
	}
	if lead := w.Split(parley.Segment{Start: sec(300), End: sec(800), Text: ". Nope.",
		Tokens: []parley.Token{{Start: sec(300), End: sec(320), Text: ".", P: 0.5}, {Start: sec(320), End: sec(800), Text: " Nope.", P: 0.6}}}, rate, true); len(lead) != 1 || lead[0].Text != "Nope." {
		t.Errorf("leading punctuation: %+v", lead)
	}
	// A segment inside one piece keeps whisper's text and times, mapped.
	one := w.Split(parley.Segment{Start: sec(300), End: sec(800), Text: "thanks", Confidence: 0.6,
		Tokens: []parley.Token{{Start: sec(300), End: sec(800), Text: " thanks", P: 0.6}}}, rate, true)
	if len(one) != 1 || one[0].Channel != 1 || one[0].Text != "thanks" || one[0].Start != sec(570) || one[0].End != sec(1070) {
		t.Errorf("one piece: %+v", one)
	}
	// Without tokens, the segment goes to the piece it overlaps most.
	whole := w.Split(parley.Segment{Start: sec(150), End: sec(700), Text: "mostly customer"}, rate, true)
	if len(whole) != 1 || whole[0].Channel != 1 || whole[0].Start != sec(500) {
		t.Errorf("no tokens: %+v", whole)
	}
}

// TestSplitSnapsToSentenceEnds: a change of piece inside a segment moves to the end of a sentence near
// the gap, since whisper's token times often put a turn's last word into the next turn or the next
// turn's first word into this one; with no sentence end near the gap the times decide.
func TestSplitSnapsToSentenceEnds(t *testing.T) {
	rate := 100
	sec := func(samples int) time.Duration { return time.Duration(samples) * time.Second / time.Duration(rate) }
	// Two turns of one speaker in one window: window samples [0,200) and [230,1230), the gap at 2.15 s.
	w := Window{Len: 1230, Pieces: []Piece{{Channel: 0, At: 0, From: 100, Len: 200}, {Channel: 0, At: 230, From: 3000, Len: 1000}}}
	type tok struct {
		from, to int
		text     string
	}
	split := func(sentenceStart bool, toks ...tok) []string {
		seg := parley.Segment{Start: sec(toks[0].from), End: sec(toks[len(toks)-1].to)}
		for _, tk := range toks {
			seg.Tokens = append(seg.Tokens, parley.Token{Start: sec(tk.from), End: sec(tk.to), Text: tk.text, P: 0.9})
			seg.Text += tk.text
		}
		var out []string
		for _, s := range w.Split(seg, rate, sentenceStart) {
			out = append(out, s.Text)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		toks []tok
		want []string
		// mid: the segment goes on a sentence the window's segment before it did not end
		mid bool
	}{
		{"the turn's last word timed into the next turn", []tok{{0, 50, " like"}, {50, 100, " me"}, {100, 180, " to"}, {215, 260, " check"}, {260, 265, "."}, {270, 400, " Alright"}, {400, 600, " then"}},
			[]string{"like me to check.", "Alright then"}, false},
		{"the next turn's first word timed into this one", []tok{{0, 100, " anything"}, {100, 180, " else?"}, {180, 205, " Thank"}, {232, 300, " you,"}, {300, 400, " goodbye."}},
			[]string{"anything else?", "Thank you, goodbye."}, false},
		{"no sentence end near the gap", []tok{{0, 100, " the"}, {100, 190, " line"}, {235, 300, " keeps"}, {300, 400, " dropping."}},
			[]string{"the line", "keeps dropping."}, false},
		{"a sentence end too far from the gap", []tok{{0, 50, " no."}, {60, 120, " I"}, {120, 190, " mean"}, {235, 300, " maybe"}, {300, 400, " later"}},
			[]string{"no. I mean", "maybe later"}, false},
		{"a segment opening with the next turn's first word timed before the gap", []tok{{170, 205, " Anything"}, {240, 300, " else?"}},
			[]string{"Anything else?"}, false},
		{"the same, the segment going on with a sentence begun before it", []tok{{170, 205, " anything"}, {240, 300, " else?"}},
			[]string{"anything", "else?"}, true},
		{"a segment's first word too far from the gap", []tok{{60, 120, " Anything"}, {240, 300, " else?"}},
			[]string{"Anything", "else?"}, false},
		// The segment's own end is a sentence end too: "… nobody has fixed" + "it." timed into the next turn.
		{"the turn's last word timed into the next turn, ending the segment", []tok{{0, 100, " nobody"}, {100, 190, " has"}, {190, 199, " fixed"}, {235, 260, " it"}, {260, 262, "."}},
			[]string{"nobody has fixed it."}, false},
		{"the segment ending far from the gap", []tok{{0, 100, " nobody"}, {100, 199, " fixed"}, {235, 300, " it"}, {300, 420, " again"}, {420, 425, "."}},
			[]string{"nobody fixed", "it again."}, false},
	} {
		if got := split(!tc.mid, tc.toks...); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// TestPackedCallComesBackToItsChannels runs the pipeline with the voice detector over the testdata
// calls with a recogniser that hears every burst of sound in a window and, as whisper may, puts them
// all in one segment with a token per burst. Every segment must come back on the channel whose reference
// utterance it falls in, at that utterance's time.
func TestPackedCallComesBackToItsChannels(t *testing.T) {
	asr := parley.TranscriberFunc(func(_ context.Context, samples []float32) (parley.Recognition, error) {
		seg := parley.Segment{Text: "all of it"}
		for _, r := range (VAD{MinSilence: 100 * time.Millisecond, Pad: time.Millisecond}).Speech(samples, parley.SampleRate) {
			seg.Tokens = append(seg.Tokens, parley.Token{Start: time.Duration(r.Start) * time.Second / parley.SampleRate,
				End: time.Duration(r.End) * time.Second / parley.SampleRate, Text: " w", P: 1})
		}
		if len(seg.Tokens) == 0 {
			return parley.Recognition{Language: "en"}, nil
		}
		seg.Start, seg.End = seg.Tokens[0].Start, seg.Tokens[len(seg.Tokens)-1].End
		return parley.Recognition{Language: "en", Segments: []parley.Segment{seg}}, nil
	})
	for _, name := range []string{"billing-dispute", "cancel-service", "address-change", "identity-check"} {
		windows := 0
		counting := parley.TranscriberFunc(func(ctx context.Context, s []float32) (parley.Recognition, error) {
			windows++
			return asr(ctx, s)
		})
		p := &Pipeline{Transcriber: counting, VAD: &VAD{}, TurnGap: time.Second, SilenceDBFS: -50}
		res := p.File(context.Background(), filepath.Join("..", "testdata", "calls", name+".wav"))
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		ref := refSpeech(t, name)
		var speech float64
		for _, ch := range ref {
			for _, u := range ch {
				speech += u[1] - u[0]
			}
		}
		if max := int(math.Ceil(speech*1.3/29.5)) + 1; windows > max {
			t.Errorf("%s: %d windows for %.1f s of speech", name, windows, speech)
		}
		if len(res.Transcript.Segments) == 0 {
			t.Fatalf("%s: no segments", name)
		}
		for _, s := range res.Transcript.Segments {
			span := [2]float64{s.Start.Seconds(), s.End.Seconds()}
			var own, other float64
			for ch, us := range ref {
				for _, u := range us {
					if ch == s.Channel {
						own += overlap(span, u)
					} else {
						other += overlap(span, u)
					}
				}
			}
			if own == 0 && other == 0 {
				continue // sound that is nobody's speech (the hold music): a recogniser writes [Music]
			}
			if l := span[1] - span[0]; own < 0.5*l || other > own {
				t.Errorf("%s: segment on channel %d at %.2f–%.2f s overlaps its channel's speech %.2f s, the other's %.2f s", name, s.Channel, span[0], span[1], own, other)
			}
		}
		t.Logf("%s: %d windows, %d segments", name, windows, len(res.Transcript.Segments))
	}
}

// A window's speech counts as skipped unless a segment with words overlaps it: a prompted whisper can
// answer a whole window of speech with one sound annotation, which leaves nothing to read.
func TestUncovered(t *testing.T) {
	rate := 100
	w := Window{Len: 3000, Pieces: []Piece{{0, 0, 0, 500}, {0, 600, 900, 400}, {0, 1100, 2000, 50}}}
	seg := func(from, to float64, text string) parley.Segment {
		return parley.Segment{Start: time.Duration(from * float64(time.Second)), End: time.Duration(to * float64(time.Second)), Text: text}
	}
	for _, tc := range []struct {
		name string
		segs []parley.Segment
		want int
	}{
		{"both pieces read", []parley.Segment{seg(0, 4.5, "Good morning."), seg(6.2, 9.5, "How can I help?")}, 0},
		{"one piece skipped", []parley.Segment{seg(0, 4.5, "Good morning.")}, 1},
		{"nothing read", nil, 2},
		{"an empty segment", []parley.Segment{seg(0, 30, " ")}, 2},
		{"a sound annotation over the whole window", []parley.Segment{seg(0, 30, "(Inaudible)")}, 2},
		{"music marks", []parley.Segment{seg(0, 4.5, "♪ ♪"), seg(6.2, 9.5, "[Music]")}, 2},
		{"words beside an annotation", []parley.Segment{seg(0, 4.5, "(Inaudible)"), seg(6.2, 9.5, "How can I help?")}, 1},
	} {
		if got := w.uncovered(parley.Recognition{Segments: tc.segs}, rate); got != tc.want {
			t.Errorf("%s: %d pieces uncovered, want %d (the third, under 0.8 s, never counts)", tc.name, got, tc.want)
		}
	}
}
