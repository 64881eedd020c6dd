package transcribe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
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
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	a, err := DecodeWAV(f, st.Size(), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Channels) == 2 {
		for i, v := range a.Channels[1] {
			a.Channels[0][i] += v
		}
		a.Channels = a.Channels[:1]
	}
	return a
}

// diarizeAudio runs the levels pass, the voice detector and the diarizer on channel c of a.
func diarizeAudio(t testing.TB, a *Audio, c int, d Diarizer) (Diarization, []SpeakerSpan) {
	vad := VAD{}.withDefaults()
	want := make([]bool, len(a.Channels))
	want[c] = true
	lv, err := measure(context.Background(), audioSource{a}, vad.Frame, want)
	if err != nil {
		t.Fatal(err)
	}
	dz := d.split(lv, c, vad, vad.speech(lv, c))
	var spans []SpeakerSpan
	for _, v := range dz.Voices {
		spans = append(spans, SpeakerSpan{fmt.Sprint(v.Speaker), float64(v.Start) / float64(a.SampleRate), float64(v.End) / float64(a.SampleRate)})
	}
	return dz, spans
}

var testCalls = []string{"address-change", "billing-dispute", "cancel-service", "identity-check"}

func TestDiarizeMonoMixes(t *testing.T) {
	for _, name := range testCalls {
		a := monoMix(t, filepath.Join("..", "testdata", "calls", name+".wav"))
		dz, hyp := diarizeAudio(t, a, 0, Diarizer{})
		sc := ScoreDiarization(refTurns(t, name), hyp, 0.25)
		t.Logf("%s: %d speakers, separation %.2f, DER %.3f (miss %.3f, fa %.3f, conf %.3f) %v", name, dz.Speakers, dz.Separation, sc.DER, sc.Missed, sc.FalseAlarm, sc.Confusion, sc.Mapping)
	}
}

func TestDiarizeDebug(t *testing.T) {
	for _, name := range testCalls {
		a := monoMix(t, filepath.Join("..", "testdata", "calls", name+".wav"))
		dz, hyp := diarizeAudio(t, a, 0, Diarizer{Speakers: 2})
		sc := ScoreDiarization(refTurns(t, name), hyp, 0.25)
		t.Logf("%s: %d speakers, separation %.2f, DER %.3f (miss %.3f, fa %.3f, conf %.3f) %v", name, dz.Speakers, dz.Separation, sc.DER, sc.Missed, sc.FalseAlarm, sc.Confusion, sc.Mapping)
		if name == "billing-dispute" {
			for _, h := range hyp {
				t.Logf("  %s %.2f-%.2f", h.Speaker, h.Start, h.End)
			}
			for _, h := range refTurns(t, name) {
				t.Logf("  REF %s %.2f-%.2f", h.Speaker, h.Start, h.End)
			}
		}
	}
}

func TestDiarizeCallsetDebug(t *testing.T) {
	dir := os.Getenv("CALLSET")
	if dir == "" {
		t.Skip()
	}
	wavs, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
	var tot, err float64
	for _, w := range wavs {
		var lab struct {
			Turns []struct {
				Start, End float64
				Speaker    string
			}
		}
		b, _ := os.ReadFile(strings.TrimSuffix(w, ".wav") + ".labels.yaml")
		if e := yaml.Unmarshal(b, &lab); e != nil {
			t.Fatal(e)
		}
		var ref []SpeakerSpan
		for _, tu := range lab.Turns {
			ref = append(ref, SpeakerSpan{tu.Speaker, tu.Start, tu.End})
		}
		f, _ := os.Open(w)
		st, _ := f.Stat()
		a, e := DecodeWAV(f, st.Size(), DecodeOptions{})
		f.Close()
		if e != nil {
			t.Fatal(e)
		}
		singles := ""
		if len(a.Channels) == 2 {
			for c := range 2 {
				dz, _ := diarizeAudio(t, a, c, Diarizer{Speakers: 2})
				singles += fmt.Sprintf(" ch%d %.2f/%.2f/%d", c, dz.Separation, dz.Purity, dz.Speakers)
			}
		}
		m := monoMix(t, w)
		dz, hyp := diarizeAudio(t, m, 0, Diarizer{})
		sc := ScoreDiarization(ref, hyp, 0.25)
		tot += sc.Scored
		err += sc.DER * sc.Scored
		t.Logf("%-28s mix %.2f/%.2f/%d DER %.3f (miss %.3f fa %.3f conf %.3f)%s", filepath.Base(w), dz.Separation, dz.Purity, dz.Speakers, sc.DER, sc.Missed, sc.FalseAlarm, sc.Confusion, singles)
	}
	t.Logf("overall DER %.3f", err/tot)
}

func TestDiarizeFilesDebug(t *testing.T) {
	for _, w := range strings.Fields(os.Getenv("DZFILES")) {
		m := monoMix(t, w)
		for _, k := range []int{2, 0} {
			dz, hyp := diarizeAudio(t, m, 0, Diarizer{Speakers: k})
			talk := map[string]float64{}
			for _, h := range hyp {
				talk[h.Speaker] += h.End - h.Start
			}
			t.Logf("%s k=%d: %d speakers sep %.2f purity %.2f talk %v", filepath.Base(w), k, dz.Speakers, dz.Separation, dz.Purity, talk)
			if os.Getenv("DZSPANS") != "" {
				for _, h := range hyp {
					t.Logf("   %s %.2f-%.2f", h.Speaker, h.Start, h.End)
				}
			}
		}
	}
}
