package transcribe_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/parley-cc/parley/eval"
	"github.com/parley-cc/parley/internal/callset"
	"github.com/parley-cc/parley/internal/testenv"
	"github.com/parley-cc/parley/transcribe"
)

// diarizeMisses are the calls of the set the diarizer is known to get wrong, with the error rate
// measured when they were found: a call here is held to a little above that, so a change that makes it worse fails,
// and one that mends it says so.
var diarizeMisses = map[string]float64{
	// A stereo held-out call written on 2026-12-02: the agent (espeak-ng en-gb-x-rp+m4) and the customer
	// (flite kal), both low male voices, summed to one channel: 2 voices found, but 0.32 of the speech
	// given to the wrong one. Parley reads stereo calls by channel and never diarizes them.
	"complaint-repeat-faults": 0.50, // 0.468 measured
}

// TestDiarizeCallSet: every call of the labelled call set mixed to mono (the stereo ones summed, the
// mono ones as they are) comes apart into two voices with a diarization error rate under 10 %
// (collar 0.25 s), each call (but diarizeMisses) and all together; the labels' turns are the truth.
func TestDiarizeCallSet(t *testing.T) {
	set, err := callset.Cached(filepath.Join(testenv.Root(), "testdata", "callset"), callset.CacheRoot())
	if err != nil {
		t.Fatal(err)
	}
	labels, errs := eval.ReadLabels([]string{filepath.Join(set, callset.AudioDir)})
	if len(errs) > 0 || len(labels) == 0 {
		t.Fatalf("%d labels: %v", len(labels), errs)
	}
	var errS, total float64
	for _, l := range labels {
		a := testenv.DecodeWAV(t, l.RecordingPath())
		if len(a.Channels) == 2 {
			for i, v := range a.Channels[1] {
				a.Channels[0][i] += v
			}
			a.Channels = a.Channels[:1]
		}
		dz, err := transcribe.Diarize(context.Background(), a, 0, transcribe.VAD{}, transcribe.Diarizer{})
		if err != nil {
			t.Fatal(err)
		}
		var ref []transcribe.SpeakerSpan
		for _, tu := range l.Turns {
			ref = append(ref, transcribe.SpeakerSpan{Speaker: string(tu.Speaker), Start: tu.Start, End: tu.End})
		}
		sc := transcribe.ScoreDiarization(ref, transcribe.VoiceSpans(dz, a.SampleRate), 0.25)
		t.Logf("%-28s %s %d voices, separation %.2f, purity %.2f, DER %.3f (missed %.3f, false alarm %.3f, confusion %.3f)",
			l.ID(), l.Mix, dz.Speakers, dz.Separation, dz.Purity, sc.DER, sc.Missed, sc.FalseAlarm, sc.Confusion)
		limit, known := diarizeMisses[l.ID()]
		if !known {
			limit = 0.10
		}
		if dz.Speakers != 2 || sc.DER > limit {
			t.Errorf("%s: %d voices, DER %.3f; want 2 and at most %.2f", l.ID(), dz.Speakers, sc.DER, limit)
		}
		if known && sc.DER <= 0.10 {
			t.Errorf("%s: DER %.3f, no longer a miss: take it out of diarizeMisses", l.ID(), sc.DER)
		}
		errS += sc.DER * sc.Scored
		total += sc.Scored
	}
	t.Logf("%d calls: DER %.3f over %.0f s of speech", len(labels), errS/total, total)
	if errS/total > 0.05 {
		t.Errorf("DER %.3f over the set, want at most 0.05", errS/total)
	}
}

// TestDiarizeOneRealVoice: real recordings of one speaker stay one voice — the JFK speech (crowd noise
// behind it) and a LibriVox reader's five utterances one after another.
func TestDiarizeOneRealVoice(t *testing.T) {
	jfk, _ := testenv.JFK(t)
	reader := &transcribe.Audio{SampleRate: 16000, Encoding: "pcm_s16le", Channels: [][]float32{nil}}
	for _, u := range testenv.Librivox(t) {
		reader.Channels[0] = append(reader.Channels[0], testenv.DecodeWAV(t, u.Path).Channels[0]...)
	}
	for name, a := range map[string]*transcribe.Audio{"jfk": testenv.DecodeWAV(t, jfk), "librivox": reader} {
		dz, err := transcribe.Diarize(context.Background(), a, 0, transcribe.VAD{}, transcribe.Diarizer{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d voices, separation %.2f, purity %.2f, gain %.2f", name, dz.Speakers, dz.Separation, dz.Purity, dz.Gain)
		if dz.Speakers != 1 || len(dz.Voices) == 0 {
			t.Errorf("%s: %d voices in %d stretches, want 1 voice", name, dz.Speakers, len(dz.Voices))
		}
	}
}

// TestSteadySoundLeftOut: on every call of the labelled set, the hold music is not sent to the
// recogniser (at most 10 % of each labelled hold left in the speech regions) while the speech is (at
// least 98.5 % of the labelled turns' time, each side on its own channel, both on a mono one; the voice
// detector alone keeps 98.7 %: the labels' turns include the synthesiser's silence at their ends).
func TestSteadySoundLeftOut(t *testing.T) {
	set, err := callset.Cached(filepath.Join(testenv.Root(), "testdata", "callset"), callset.CacheRoot())
	if err != nil {
		t.Fatal(err)
	}
	labels, errs := eval.ReadLabels([]string{filepath.Join(set, callset.AudioDir)})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	covered := func(regions []transcribe.Region, rate int, from, to float64) float64 {
		var s float64
		for _, r := range regions {
			a, b := float64(r.Start)/float64(rate), float64(r.End)/float64(rate)
			s += max(0, min(b, to)-max(a, from))
		}
		return s
	}
	var holdIn, holdAll, speechIn, speechAll float64
	for _, l := range labels {
		a := testenv.DecodeWAV(t, l.RecordingPath())
		regions := make([][]transcribe.Region, len(a.Channels))
		for c := range a.Channels {
			if regions[c], err = transcribe.SpeechRegions(context.Background(), a, c, transcribe.VAD{}); err != nil {
				t.Fatal(err)
			}
		}
		agent := regions[0]
		for _, h := range l.Holds {
			in := covered(agent, a.SampleRate, h.Start, h.End)
			holdIn, holdAll = holdIn+in, holdAll+h.End-h.Start
			if in > 0.1*(h.End-h.Start) {
				t.Errorf("%s: %.1f of the %.1f s hold at %.1f s sent to the recogniser", l.ID(), in, h.End-h.Start, h.Start)
			}
		}
		for _, tu := range l.Turns {
			c := 0
			if len(a.Channels) == 2 && tu.Speaker == "customer" {
				c = 1
			}
			speechIn += covered(regions[c], a.SampleRate, tu.Start, tu.End)
			speechAll += tu.End - tu.Start
		}
	}
	t.Logf("hold music sent to the recogniser: %.1f of %.1f s; speech: %.1f of %.1f s", holdIn, holdAll, speechIn, speechAll)
	if speechIn < 0.985*speechAll || holdAll == 0 {
		t.Errorf("speech kept %.1f of %.1f s; holds %.1f s", speechIn, speechAll, holdAll)
	}
}
