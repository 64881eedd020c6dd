package transcribe

import (
	"math"
	"testing"
)

func sine(freq float64, rate, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(0.5 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return s
}

// sweep is a linear chirp from f0 to f1 Hz over n samples.
func sweep(f0, f1 float64, rate, n int) []float32 {
	s := make([]float32, n)
	T := float64(n) / float64(rate)
	for i := range s {
		t := float64(i) / float64(rate)
		s[i] = float32(0.5 * math.Sin(2*math.Pi*(f0*t+(f1-f0)*t*t/(2*T))))
	}
	return s
}

// amplitude measures the amplitude of the freq component of s (sampled at rate), ignoring the edges.
func amplitude(s []float32, freq float64, rate int) float64 {
	edge := len(s) / 10
	var re, im float64
	for i := edge; i < len(s)-edge; i++ {
		ph := 2 * math.Pi * freq * float64(i) / float64(rate)
		re += float64(s[i]) * math.Cos(ph)
		im += float64(s[i]) * math.Sin(ph)
	}
	n := float64(len(s) - 2*edge)
	return 2 * math.Hypot(re, im) / n
}

func rms(s []float32) float64 {
	edge := len(s) / 10
	var sum float64
	for _, v := range s[edge : len(s)-edge] {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(s)-2*edge))
}

func db(x float64) float64 { return 20 * math.Log10(x) }

func TestResampleLength(t *testing.T) {
	for _, tt := range []struct{ from, n, want int }{{8000, 8000, 16000}, {44100, 44100, 16000}, {48000, 4800, 1600}, {16000, 123, 123}, {22050, 2205, 1600}} {
		if got := len(NewResampler(tt.from, 16000).Resample(make([]float32, tt.n))); got != tt.want {
			t.Errorf("%d Hz × %d samples → %d samples, want %d", tt.from, tt.n, got, tt.want)
		}
	}
}

// TestResampleNoAliasing sweeps a sine across everything above the new Nyquist frequency: whatever
// comes out is aliasing, and must stay below -60 dB of the input level.
func TestResampleNoAliasing(t *testing.T) {
	for _, from := range []int{22050, 44100, 48000} {
		in := sweep(8600, float64(from)/2*0.98, from, from*2)
		out := NewResampler(from, 16000).Resample(in)
		if level := db(rms(out) / rms(in)); level > -60 {
			t.Errorf("%d Hz → 16 kHz: sweep above 8.6 kHz leaks at %.1f dB, want < -60 dB", from, level)
		}
	}
}

// TestResamplePassband: tones inside the pass band keep their level (within 0.1 dB) and frequency.
func TestResamplePassband(t *testing.T) {
	for _, from := range []int{8000, 11025, 44100, 48000} {
		for _, f := range []float64{300, 1000, 3400} {
			out := NewResampler(from, 16000).Resample(sine(f, from, from))
			if g := db(amplitude(out, f, 16000) / 0.5); math.Abs(g) > 0.1 {
				t.Errorf("%d Hz: %g Hz tone changed by %.2f dB", from, f, g)
			}
		}
	}
}

// TestResampleNoImaging: upsampling 8 kHz to 16 kHz must not mirror a 1 kHz tone to 7 kHz.
func TestResampleNoImaging(t *testing.T) {
	out := NewResampler(8000, 16000).Resample(sine(1000, 8000, 8000))
	if img := db(amplitude(out, 7000, 16000) / 0.5); img > -60 {
		t.Errorf("image of 1 kHz at 7 kHz: %.1f dB, want < -60 dB", img)
	}
}

func TestResampleIdentity(t *testing.T) {
	in := sine(440, 16000, 1000)
	out := NewResampler(16000, 16000).Resample(in)
	for i := range in {
		if in[i] != out[i] {
			t.Fatalf("sample %d changed", i)
		}
	}
	out[0] = 9
	if in[0] == 9 {
		t.Fatal("Resample returned its input slice")
	}
}

// TestResamplePieces: resampling a stretch from the input Span says it needs gives exactly the samples of
// resampling the whole signal — what lets the pipeline read a long recording piece by piece.
func TestResamplePieces(t *testing.T) {
	for _, from := range []int{8000, 11025, 16000, 44100, 48000} {
		in := sweep(50, float64(from)/2.2, from, from*3)
		r := NewResampler(from, 16000)
		whole := r.Resample(in)
		if len(whole) != r.OutLen(len(in)) {
			t.Fatalf("%d Hz: %d samples out, OutLen says %d", from, len(whole), r.OutLen(len(in)))
		}
		for _, span := range [][2]int{{0, 100}, {0, len(whole)}, {777, 4000}, {16000, 1}, {len(whole) - 300, 300}, {23456, 9999}} {
			at, n := span[0], span[1]
			a, b := r.Span(at, n)
			part := in[max(0, a):min(len(in), b)]
			got := r.ResampleAt(part, max(0, a), at, n)
			for j := range got {
				if got[j] != whole[at+j] {
					t.Fatalf("%d Hz, outputs %d+%d: sample %d is %v, whole gives %v", from, at, n, j, got[j], whole[at+j])
				}
			}
			// One sample short of the span on either side changes the result (the span is not wider
			// than it must be), unless that side is the signal's edge.
			if a > 0 && from != 16000 {
				if short := r.ResampleAt(in[a+1:min(len(in), b)], a+1, at, n); short[0] == whole[at] {
					t.Errorf("%d Hz, outputs %d+%d: the first input of the span is not needed", from, at, n)
				}
			}
		}
	}
}

func BenchmarkResample8kTo16k(b *testing.B) {
	in := sweep(100, 3900, 8000, 8000*60) // one minute of telephone audio
	r := NewResampler(8000, 16000)
	b.SetBytes(int64(len(in) * 4))
	for b.Loop() {
		r.Resample(in)
	}
}
