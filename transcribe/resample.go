package transcribe

import (
	"math"
)

// Resampler converts between two sample rates with a polyphase windowed-sinc filter (Kaiser window). Its
// low-pass cut-off sits just below the Nyquist frequency of the lower rate, so downsampling does not
// alias and upsampling does not image. A Resampler is safe for concurrent use.
type Resampler struct {
	from, to int
	up, down int         // to/g and from/g for g = gcd(from, to)
	half     int         // taps each side of the centre
	bank     [][]float32 // one filter per output phase, 2*half taps each
}

// Filter design: 64 zero crossings of the sinc inside the window and β = 9 give about 90 dB of
// stop-band rejection; the pass band ends at 95 % of the lower Nyquist frequency (7.6 kHz at 16 kHz).
const (
	resampleZeros   = 32
	resampleBeta    = 9.0
	resampleRolloff = 0.95
)

// NewResampler returns a Resampler from one positive rate to another.
func NewResampler(from, to int) *Resampler {
	g := gcd(from, to)
	r := &Resampler{from: from, to: to, up: to / g, down: from / g}
	if from == to {
		return r
	}
	// Cut-off in cycles per input sample.
	cutoff := resampleRolloff * 0.5 * float64(min(from, to)) / float64(from)
	r.half = int(math.Ceil(resampleZeros / (2 * cutoff)))
	r.bank = make([][]float32, r.up)
	i0beta := besselI0(resampleBeta)
	for p := range r.up {
		frac := float64(p) / float64(r.up) // output position past the input sample, in input samples
		taps := make([]float32, 2*r.half)
		var sum float64
		for k := range taps {
			t := float64(k-r.half+1) - frac // distance from the output position to input tap k
			x := t / float64(r.half)
			if x <= -1 || x >= 1 {
				continue
			}
			w := besselI0(resampleBeta*math.Sqrt(1-x*x)) / i0beta
			v := 2 * cutoff * sinc(2*cutoff*t) * w
			taps[k] = float32(v)
			sum += v
		}
		for k := range taps {
			taps[k] = float32(float64(taps[k]) / sum) // unity gain at DC for every phase
		}
		r.bank[p] = taps
	}
	return r
}

// Resample returns in converted to the target rate.
func (r *Resampler) Resample(in []float32) []float32 {
	return r.ResampleAt(in, 0, 0, r.OutLen(len(in)))
}

// OutLen is the number of output samples for n input samples.
func (r *Resampler) OutLen(n int) int { return int(int64(n) * int64(r.up) / int64(r.down)) }

// Span returns the input samples [from, to) that the outputs [at, at+n) depend on (from may be below 0:
// the signal's start).
func (r *Resampler) Span(at, n int) (from, to int) {
	if n <= 0 {
		return 0, 0
	}
	first := int(int64(at) * int64(r.down) / int64(r.up))
	last := int(int64(at+n-1) * int64(r.down) / int64(r.up))
	if r.from == r.to {
		return first, last + 1
	}
	return first - r.half + 1, last + r.half + 1
}

// ResampleAt returns the outputs [at, at+n) of resampling a signal of which in holds the samples from
// input position off on; samples outside in count as silence. Given the whole Span, the result is the
// same as those outputs of resampling the whole signal, so a long recording can be converted piece by
// piece.
func (r *Resampler) ResampleAt(in []float32, off, at, n int) []float32 {
	out := make([]float32, n)
	if r.from == r.to {
		for j := range out {
			if s := at + j - off; s >= 0 && s < len(in) {
				out[j] = in[s]
			}
		}
		return out
	}
	for j := range out {
		pos := int64(at+j) * int64(r.down)
		i := int(pos / int64(r.up))
		taps := r.bank[pos%int64(r.up)]
		start := i - r.half + 1 - off
		var acc float32
		if start >= 0 && start+len(taps) <= len(in) {
			for k, h := range taps {
				acc += h * in[start+k]
			}
		} else { // edges: samples outside the signal count as silence
			for k, h := range taps {
				if s := start + k; s >= 0 && s < len(in) {
					acc += h * in[s]
				}
			}
		}
		out[j] = acc
	}
	return out
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the modified Bessel function of the first kind, order 0, by its power series.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
