package transcribe

import (
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Cepstra of a frame: the voice's spectral envelope, which the diarizer compares between speakers.
// Coefficient 0 (the frame's log energy) is not computed: a voice's level says nothing of whose it is.
const (
	numCeps  = 16
	numBands = 26
	melLow   = 100.0  // Hz
	melHigh  = 3800.0 // Hz: telephone band, so 8 kHz and 16 kHz recordings of one voice compare
)

// cepstra computes mel-frequency cepstral coefficients of every frame of one channel as its samples
// arrive (the levels pass reads a recording once, block by block; frames may straddle blocks). It
// keeps how much each frame's cepstrum changed from the frame before (4 bytes a frame: what tells
// steady sound from speech), and, for a channel to diarize, the cepstra themselves: numCeps float32 per
// frame, 3.2 KB a second at 20 ms frames, 11.5 MB per channel-hour.
type cepstra struct {
	frame   int // samples per frame
	fft     *fourier.FFT
	window  []float64
	bands   []melBand
	dct     [][]float64 // numCeps × numBands: coefficients 1…numCeps (0, the frame's energy, is left out)
	pending []float32
	seq     []float64
	coef    []complex128
	energy  []float64
	keep    bool      // keep the cepstra (out), not only their change (delta)
	cur     []float32 // the last frame's cepstrum
	prev    []float32
	delta   []float32 // squared distance of each frame's cepstrum from the frame before's (0 for the first)
	out     []float32 // numCeps per frame, when keep
}

type melBand struct {
	first   int
	weights []float64
}

func newCepstra(rate, frame int, keep bool) *cepstra {
	n := 1
	for n < frame {
		n *= 2
	}
	c := &cepstra{frame: frame, fft: fourier.NewFFT(n), window: make([]float64, frame), seq: make([]float64, n),
		coef: make([]complex128, n/2+1), energy: make([]float64, numBands), keep: keep,
		cur: make([]float32, numCeps), prev: make([]float32, numCeps)}
	for i := range c.window {
		c.window[i] = 0.54 - 0.46*math.Cos(2*math.Pi*float64(i)/float64(max(1, frame-1)))
	}
	mel := func(f float64) float64 { return 2595 * math.Log10(1+f/700) }
	hz := func(m float64) float64 { return 700 * (math.Pow(10, m/2595) - 1) }
	high := math.Min(melHigh, float64(rate)/2)
	lo, hi := mel(melLow), mel(high)
	edges := make([]float64, numBands+2) // in FFT bins
	for i := range edges {
		edges[i] = hz(lo+(hi-lo)*float64(i)/float64(numBands+1)) * float64(n) / float64(rate)
	}
	for b := range numBands {
		l, m, r := edges[b], edges[b+1], edges[b+2]
		band := melBand{first: int(math.Ceil(l))}
		for k := band.first; float64(k) < r && k <= n/2; k++ {
			w := (float64(k) - l) / (m - l)
			if float64(k) > m {
				w = (r - float64(k)) / (r - m)
			}
			band.weights = append(band.weights, math.Max(0, w))
		}
		c.bands = append(c.bands, band)
	}
	c.dct = make([][]float64, numCeps) // row k is coefficient k+1
	for k := range c.dct {
		c.dct[k] = make([]float64, numBands)
		for b := range numBands {
			c.dct[k][b] = math.Cos(math.Pi * float64(k+1) * (float64(b) + 0.5) / numBands)
		}
	}
	return c
}

// add takes the channel's next samples.
func (c *cepstra) add(s []float32) {
	for len(s) > 0 {
		if len(c.pending) == 0 && len(s) >= c.frame {
			c.compute(s[:c.frame])
			s = s[c.frame:]
			continue
		}
		k := min(len(s), c.frame-len(c.pending))
		c.pending = append(c.pending, s[:k]...)
		s = s[k:]
		if len(c.pending) == c.frame {
			c.compute(c.pending)
			c.pending = c.pending[:0]
		}
	}
}

func (c *cepstra) compute(x []float32) {
	var mean float64
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	prev := 0.0
	for i, v := range x { // DC removed, pre-emphasised, windowed
		cur := float64(v) - mean
		c.seq[i] = (cur - 0.97*prev) * c.window[i]
		prev = cur
	}
	clear(c.seq[len(x):])
	c.fft.Coefficients(c.coef, c.seq)
	top := 0.0
	for b, band := range c.bands {
		var e float64
		for i, w := range band.weights {
			z := c.coef[band.first+i]
			e += w * (real(z)*real(z) + imag(z)*imag(z))
		}
		c.energy[b] = e
		top = math.Max(top, e)
	}
	// Bands more than 40 dB below the frame's loudest are floored there (the window's leakage of a loud tone lies below): empty bands, or
	// digital silence, would otherwise make the cepstra follow rounding noise.
	floor := math.Max(top*1e-4, 1e-10)
	for b, e := range c.energy {
		c.energy[b] = math.Log(math.Max(e, floor))
	}
	c.prev, c.cur = c.cur, c.prev
	var d float64
	for k, row := range c.dct {
		var v float64
		for b, e := range c.energy {
			v += row[b] * e
		}
		c.cur[k] = float32(v)
		d += (v - float64(c.prev[k])) * (v - float64(c.prev[k]))
	}
	if len(c.delta) == 0 {
		d = 0
	}
	c.delta = append(c.delta, float32(d))
	if c.keep {
		c.out = append(c.out, c.cur...)
	}
}

// frames is the number of whole frames computed.
func (c *cepstra) frames() int { return len(c.delta) }

// at is the cepstrum (coefficients 1…numCeps) of frame i.
func (c *cepstra) at(i int) []float32 { return c.out[i*numCeps : (i+1)*numCeps] }
