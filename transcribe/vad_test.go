package transcribe

import (
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
)

// refSpeech reads a testdata call's reference utterance times per channel (agent 0, customer 1).
func refSpeech(t *testing.T, name string) [2][][2]float64 {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "calls", name+".turns.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var out [2][][2]float64
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if i == 0 {
			continue
		}
		f := strings.Split(line, "\t")
		s, _ := strconv.ParseFloat(f[0], 64)
		e, _ := strconv.ParseFloat(f[1], 64)
		ch := 0
		if f[2] == "customer" {
			ch = 1
		}
		out[ch] = append(out[ch], [2]float64{s, e})
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
		rs := NewResampler(a.SampleRate, parley.SampleRate)
		for ch, samples := range a.Channels {
			s16 := rs.Resample(samples)
			regs := VAD{}.Speech(s16, parley.SampleRate)
			var chKept, chRef, chSent float64
			for _, u := range ref[ch] {
				chRef += u[1] - u[0]
				for _, r := range regs {
					chKept += overlap(u, [2]float64{float64(r.Start) / 16000, float64(r.End) / 16000})
				}
			}
			for _, r := range regs {
				chSent += float64(r.End-r.Start) / 16000
			}
			dur := float64(len(s16)) / 16000
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
	rate := 100 // samples are their own index, to check every piece lands where it says
	samples := make([]float32, 10000)
	for i := range samples {
		samples[i] = float32(i)
	}
	regions := []Region{{100, 300}, {500, 1500}, {2000, 2100}, {3000, 7000}}
	maxLen, gap := 1500, 30
	ws := Pack(samples, regions, maxLen, gap, rate)
	total := 0
	for _, w := range ws {
		if len(w.Samples) > maxLen {
			t.Errorf("window of %d samples", len(w.Samples))
		}
		for _, p := range w.Pieces {
			for k := 0; k < p.Len; k++ {
				if w.Samples[p.At+k] != float32(p.From+k) {
					t.Fatalf("piece %+v: sample %d is %v", p, k, w.Samples[p.At+k])
				}
			}
			total += p.Len
			// A time inside the piece maps back exactly.
			mid := time.Duration(float64(p.At+p.Len/2) / float64(rate) * float64(time.Second))
			if got, want := w.ToChannel(mid, rate), time.Duration(float64(p.From+p.Len/2)/float64(rate)*float64(time.Second)); absDur(got-want) > 10*time.Millisecond {
				t.Errorf("piece %+v: %v maps to %v, want %v", p, mid, got, want)
			}
		}
	}
	if total != 200+1000+100+4000 {
		t.Errorf("packed %d samples of speech", total)
	}
	// 5,300 samples of speech in windows of 1,500: at least 4 windows, and the 4,000-sample region is cut.
	if len(ws) < 4 || len(ws) > 5 {
		t.Errorf("%d windows", len(ws))
	}
	// A time in the gap after a piece belongs to that piece's end.
	w := ws[0]
	p0 := w.Pieces[0]
	inGap := time.Duration(float64(p0.At+p0.Len+gap/2) / float64(rate) * float64(time.Second))
	if got := w.ToChannel(inGap, rate); absDur(got-time.Duration(float64(p0.From+p0.Len)/float64(rate)*float64(time.Second))) > 10*time.Millisecond {
		t.Errorf("gap time maps to %v", got)
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
