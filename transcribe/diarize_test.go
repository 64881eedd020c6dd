package transcribe

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
)

// refTurns reads a testdata call's reference turns as speaker spans.
func refTurns(t testing.TB, name string) []SpeakerSpan {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "calls", name+".turns.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var out []SpeakerSpan
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i == 0 {
			continue
		}
		f := strings.Split(line, "\t")
		s, _ := strconv.ParseFloat(f[0], 64)
		e, _ := strconv.ParseFloat(f[1], 64)
		out = append(out, SpeakerSpan{f[2], s, e})
	}
	return out
}

// monoMix reads a stereo testdata call and sums its channels, as a mono recorder would have heard it.
func monoMix(t testing.TB, path string) *Audio {
	a := readWAV(t, path)
	if len(a.Channels) == 2 {
		for i, v := range a.Channels[1] {
			a.Channels[0][i] += v
		}
		a.Channels = a.Channels[:1]
	}
	return a
}

// diarizeAudio runs the diarizer on channel c of a and gives its voices as speaker spans.
func diarizeAudio(t testing.TB, a *Audio, c int, d Diarizer) (Diarization, []SpeakerSpan) {
	dz, err := Diarize(context.Background(), a, c, VAD{}, d)
	if err != nil {
		t.Fatal(err)
	}
	return dz, VoiceSpans(dz, a.SampleRate)
}

var testCalls = []string{"address-change", "billing-dispute", "cancel-service", "identity-check"}

// TestDiarizeMonoMixes: the stereo testdata calls mixed to mono, as a mono recorder hears them, come
// apart into their two speakers; the channels are the truth (the reference turns' times).
func TestDiarizeMonoMixes(t *testing.T) {
	var errS, total float64
	for _, name := range testCalls {
		a := monoMix(t, filepath.Join("..", "testdata", "calls", name+".wav"))
		dz, hyp := diarizeAudio(t, a, 0, Diarizer{})
		sc := ScoreDiarization(refTurns(t, name), hyp, 0.25)
		t.Logf("%s: %d voices, separation %.2f, purity %.2f, DER %.3f (missed %.3f, false alarm %.3f, confusion %.3f)",
			name, dz.Speakers, dz.Separation, dz.Purity, sc.DER, sc.Missed, sc.FalseAlarm, sc.Confusion)
		if dz.Speakers != 2 {
			t.Errorf("%s: %d voices, want 2", name, dz.Speakers)
		}
		if sc.DER > 0.10 {
			t.Errorf("%s: DER %.3f, want at most 0.10", name, sc.DER)
		}
		errS += sc.DER * sc.Scored
		total += sc.Scored
	}
	t.Logf("all: DER %.3f over %.0f s of speech", errS/total, total)
}

// readWAV decodes a WAV file whole.
func readWAV(t testing.TB, path string) *Audio {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	a, err := DecodeWAV(f, st.Size(), DecodeOptions{MaxChannels: 2})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// turnsOf cuts one channel of a testdata call into its reference turns' samples, as [speaker, samples].
func turnsOf(t testing.TB, name string, c int) [][]float32 {
	a := readWAV(t, filepath.Join("..", "testdata", "calls", name+".wav"))
	role := []string{"agent", "customer"}[c]
	var out [][]float32
	for _, tu := range refTurns(t, name) {
		if tu.Speaker == role {
			out = append(out, a.Channels[c][int(tu.Start*float64(a.SampleRate)):min(len(a.Channels[c]), int(tu.End*float64(a.SampleRate)))])
		}
	}
	return out
}

// shift raises the pitch (and the formants, and the pace) of a voice by a factor, by reading it faster.
func shift(s []float32, factor float64) []float32 {
	out := make([]float32, int(float64(len(s))/factor))
	for i := range out {
		x := float64(i) * factor
		k := int(x)
		if k+1 >= len(s) {
			break
		}
		f := float32(x - float64(k))
		out[i] = s[k]*(1-f) + s[k+1]*f
	}
	return out
}

// conversation lays turns one after another with a pause between them and returns the mono audio and
// the reference (voice i speaks turn j when speakerOf[j] == i).
func conversation(rate int, turns [][]float32, speakerOf []int, pause float64) (*Audio, []SpeakerSpan) {
	var s []float32
	var ref []SpeakerSpan
	gap := make([]float32, int(pause*float64(rate)))
	s = append(s, gap...)
	for j, tu := range turns {
		start := float64(len(s)) / float64(rate)
		s = append(s, tu...)
		ref = append(ref, SpeakerSpan{fmt.Sprint(speakerOf[j]), start, float64(len(s)) / float64(rate)})
		s = append(s, gap...)
	}
	return &Audio{SampleRate: rate, Encoding: "float32", Channels: [][]float32{s}}, ref
}

// TestDiarizeHardCases: what a mono channel may hold besides two speakers taking turns.
func TestDiarizeHardCases(t *testing.T) {
	const rate = 8000
	agent := turnsOf(t, "billing-dispute", 0)    // one synthetic voice (espeak-ng)
	customer := turnsOf(t, "billing-dispute", 1) // another (flite)
	var third [][]float32                        // and the second, higher and quicker
	for _, tu := range turnsOf(t, "identity-check", 1) {
		third = append(third, shift(tu, 1.4))
	}
	silence := &Audio{SampleRate: rate, Encoding: "float32", Channels: [][]float32{make([]float32, 30*rate)}}
	music := make([]float32, 40*rate) // hold music: two tones, a slow swell
	for i := range music {
		x := float64(i) / rate
		music[i] = float32(0.06 * (math.Sin(2*math.Pi*440*x) + math.Sin(2*math.Pi*554*x)) * (0.6 + 0.4*math.Sin(2*math.Pi*x)))
	}

	oneVoice, _ := conversation(rate, agent, make([]int, len(agent)), 0.6)
	var libri *Audio
	for _, f := range []string{"0870", "0880", "0890", "0920", "0930"} {
		a := readWAV(t, "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-"+f+".wav")
		if libri == nil {
			libri = a
		} else {
			libri.Channels[0] = append(libri.Channels[0], a.Channels[0]...)
		}
	}
	var pitched [][]float32
	var who []int
	for j, tu := range agent { // the same voice, every other turn a fifth higher
		if j%2 == 1 {
			tu = shift(tu, 1.5)
		}
		pitched, who = append(pitched, tu), append(who, j%2)
	}
	samePitched, samePitchedRef := conversation(rate, pitched, who, 0.6)
	var three [][]float32
	who = nil
	for j := range 9 {
		src := [][][]float32{agent, customer, third}[j%3]
		three, who = append(three, src[(j/3)%len(src)]), append(who, j%3)
	}
	threeVoices, threeRef := conversation(rate, three, who, 0.6)
	short, _ := conversation(rate, [][]float32{agent[0][:3*rate]}, []int{0}, 0.3)
	var withMusic []float32
	withMusic = append(withMusic, oneVoice.Channels[0]...)
	withMusic = append(withMusic, music...)

	for _, tc := range []struct {
		name   string
		audio  *Audio
		d      Diarizer
		voices int
		ref    []SpeakerSpan // when set: DER at most 0.15
	}{
		{"one voice", oneVoice, Diarizer{}, 1, nil},
		{"one reader (LibriVox)", libri, Diarizer{}, 1, nil},
		{"one voice, two asked for", oneVoice, Diarizer{Speakers: 2}, 1, nil},
		{"silence", silence, Diarizer{}, 1, nil},
		{"under 5 s", short, Diarizer{}, 1, nil},
		{"one voice then 40 s of hold music", &Audio{SampleRate: rate, Encoding: "float32", Channels: [][]float32{withMusic}}, Diarizer{}, 1, nil},
		{"same voice at two pitches", samePitched, Diarizer{}, 2, samePitchedRef},
		{"three voices, up to three looked for", threeVoices, Diarizer{MaxSpeakers: 3}, 3, threeRef},
		{"three voices, three said", threeVoices, Diarizer{Speakers: 3}, 3, threeRef},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dz, hyp := diarizeAudio(t, tc.audio, 0, tc.d)
			t.Logf("%d voices, separation %.2f, purity %.2f", dz.Speakers, dz.Separation, dz.Purity)
			if dz.Speakers != tc.voices {
				t.Errorf("%d voices, want %d", dz.Speakers, tc.voices)
			}
			var voiced float64
			for _, h := range hyp {
				voiced += h.End - h.Start
				if h.End > float64(len(oneVoice.Channels[0]))/rate+0.5 && tc.name == "one voice then 40 s of hold music" {
					t.Errorf("hold music given to a voice: %.2f–%.2f s", h.Start, h.End)
				}
			}
			if tc.name == "silence" && voiced > 0 {
				t.Errorf("%.1f s of voice in silence", voiced)
			}
			if tc.ref != nil {
				sc := ScoreDiarization(tc.ref, hyp, 0.25)
				t.Logf("DER %.3f (missed %.3f, false alarm %.3f, confusion %.3f)", sc.DER, sc.Missed, sc.FalseAlarm, sc.Confusion)
				if sc.DER > 0.15 {
					t.Errorf("DER %.3f, want at most 0.15", sc.DER)
				}
			}
		})
	}
}

// TestScoreDiarization checks the error rate on spans worked out by hand.
func TestScoreDiarization(t *testing.T) {
	ref := []SpeakerSpan{{"agent", 0, 10}, {"customer", 10, 20}}
	for _, tc := range []struct {
		name string
		hyp  []SpeakerSpan
		want float64
	}{
		{"right, other names", []SpeakerSpan{{"1", 0, 10}, {"0", 10, 20}}, 0},
		{"all one voice", []SpeakerSpan{{"0", 0, 20}}, 0.5},
		{"half missed", []SpeakerSpan{{"0", 0, 10}}, 0.5},
		{"a second too long", []SpeakerSpan{{"0", 0, 11}, {"1", 11, 20}}, 0.5 / 19}, // 10.25–11 wrong; collars 9.75–10.25 and 19.75–20
		{"extra speech", []SpeakerSpan{{"0", 0, 10}, {"1", 10, 20}, {"1", 30, 35}}, 5.0 / 19},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// scored reference speech: 20 s less the collars around 0, 10 (twice) and 20: 19 s... within 0.01 s
			got := ScoreDiarization(ref, tc.hyp, 0.25)
			if math.Abs(got.DER-tc.want) > 0.02 {
				t.Errorf("DER %.4f, want %.4f (%+v)", got.DER, tc.want, got)
			}
		})
	}
}

// BenchmarkDiarize: the levels pass with cepstra, the voice detector and the diarizer on a 51 s mono
// call (billing-dispute mixed to mono); BenchmarkLevels is the levels pass alone, which every call
// pays anyway. Compare with recognising the same call (parley bench, or BenchmarkTranscribeCall in
// transcribe/whisper) for the share diarization adds.
func BenchmarkDiarize(b *testing.B) {
	a := monoMix(b, filepath.Join("..", "testdata", "calls", "billing-dispute.wav"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Diarize(context.Background(), a, 0, VAD{}, Diarizer{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(a.Duration().Seconds()*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
}

func BenchmarkLevels(b *testing.B) {
	a := monoMix(b, filepath.Join("..", "testdata", "calls", "billing-dispute.wav"))
	for b.Loop() {
		if _, err := measure(context.Background(), audioSource{a}, 20*time.Millisecond, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(a.Duration().Seconds()*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
}

// TestPipelineDiarizes: a mono call goes through the pipeline as two voices, each recognised on its own
// and given a role; diarize: off keeps one unknown speaker; without the voice detector the transcript
// says diarization did not run; diarize: all splits a stereo channel carrying two voices, whose voices
// keep the channel's role.
func TestPipelineDiarizes(t *testing.T) {
	sayHello := parley.TranscriberFunc(func(ctx context.Context, s []float32) (parley.Recognition, error) {
		d := samplesToDuration(len(s), parley.SampleRate)
		return parley.Recognition{Language: "en", Segments: []parley.Segment{{Start: 0, End: d, Text: "Hello there.", Confidence: 0.9}}}, nil
	})
	mix := func() *Audio { return monoMix(t, filepath.Join("..", "testdata", "calls", "billing-dispute.wav")) }
	run := func(p *Pipeline, a *Audio) (*parley.Transcript, parley.Call) {
		var call parley.Call
		tr, err := p.Audio(context.Background(), a, &call)
		if err != nil {
			t.Fatal(err)
		}
		return tr, call
	}
	voicesOf := func(tr *parley.Transcript) map[int]parley.Role {
		out := map[int]parley.Role{}
		for _, s := range tr.Segments {
			out[s.Voice] = s.Speaker
		}
		return out
	}

	tr, call := run(&Pipeline{Transcriber: sayHello, VAD: &VAD{}}, mix())
	if len(tr.Diarization) != 1 || tr.Diarization[0].Voices != 2 || tr.Diarization[0].RolesBy != "words" || call.Channels[0].Role != parley.RoleUnknown {
		t.Fatalf("mono: diarization %+v, channels %+v", tr.Diarization, call.Channels)
	}
	if v := voicesOf(tr); len(v) != 2 || v[1] != parley.RoleAgent || v[2] != parley.RoleCustomer {
		t.Errorf("mono: voices and roles %v (the same words from both: the first voice heard is the agent)", v)
	}
	for _, tu := range tr.Turns {
		if tu.Voice == 0 || tu.Overlap {
			t.Errorf("mono turn %+v: a voice, and no overlap measured between voices", tu)
		}
	}

	tr, _ = run(&Pipeline{Transcriber: sayHello, VAD: &VAD{}, Diarize: DiarizeOff}, mix())
	if v := voicesOf(tr); len(tr.Diarization) != 0 || len(v) != 1 || v[0] != parley.RoleUnknown {
		t.Errorf("diarize off: %+v, voices %v", tr.Diarization, v)
	}

	tr, _ = run(&Pipeline{Transcriber: sayHello}, mix())
	if len(tr.Diarization) != 0 || len(tr.Warnings) != 1 || !strings.Contains(tr.Warnings[0], "needs the voice detector") {
		t.Errorf("without vad: %+v, warnings %v", tr.Diarization, tr.Warnings)
	}

	st := mix()
	st.Channels = append(st.Channels, turnsOfConcat(turnsOf(t, "address-change", 1), len(st.Channels[0])))
	tr, call = run(&Pipeline{Transcriber: sayHello, VAD: &VAD{}, Diarize: DiarizeAll}, st)
	if len(tr.Diarization) != 2 || tr.Diarization[0].Voices != 2 || tr.Diarization[0].RolesBy != "channels" || tr.Diarization[1].Voices != 1 {
		t.Fatalf("stereo, diarize all: %+v", tr.Diarization)
	}
	for _, s := range tr.Segments {
		if s.Speaker != call.Channels[s.Channel].Role || (s.Channel == 0) != (s.Voice > 0) {
			t.Errorf("stereo, diarize all: segment %+v (channels %+v)", s, call.Channels)
		}
	}
}

// turnsOfConcat lays turns one after another with a second between them, padded or cut to n samples.
func turnsOfConcat(turns [][]float32, n int) []float32 {
	var out []float32
	for _, tu := range turns {
		out = append(out, make([]float32, 8000)...)
		out = append(out, tu...)
	}
	if len(out) < n {
		out = append(out, make([]float32, n-len(out))...)
	}
	return out[:n]
}
