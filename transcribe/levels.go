package transcribe

import (
	"context"
	"math"
	"time"
)

// levels holds the energy of every short frame of each channel of a recording: all the voice detector,
// the loudness of segments and the search for sound without speech need. One pass over a recording
// measures it, so those run on a three-hour call without holding its samples (a 20 ms frame costs 4
// bytes per channel: 2 MB per channel-hour).
type levels struct {
	rate  int         // samples per second of the source
	frame int         // samples per frame
	n     int         // samples per channel so far
	sq    [][]float32 // sum of squares of each frame, per channel
	peak  []float32   // largest absolute sample, per channel
	ceps  []*cepstra  // each channel's cepstral change per frame, and the cepstra of those to diarize (nil: not measured)
}

func newLevels(rate, channels int, frame time.Duration) *levels {
	return &levels{rate: rate, frame: max(1, int(frame.Seconds()*float64(rate))),
		sq: make([][]float32, channels), peak: make([]float32, channels), ceps: make([]*cepstra, channels)}
}

// withCepstra makes add also compute the cepstra of the frames of channel c, keeping them (for the
// diarizer) or only how much they change (for telling steady sound from speech).
func (l *levels) withCepstra(c int, keep bool) {
	l.ceps[c] = newCepstra(l.rate, l.frame, keep)
}

// add appends the next samples of every channel (all of one length).
func (l *levels) add(chans [][]float32) {
	if len(chans) == 0 {
		return
	}
	n := len(chans[0])
	for c, s := range chans {
		sq := l.sq[c]
		peak := l.peak[c]
		for i := 0; i < n; {
			idx := (l.n + i) / l.frame
			end := min(n, (idx+1)*l.frame-l.n)
			if idx == len(sq) {
				sq = append(sq, 0)
			}
			var sum float64
			for _, v := range s[i:end] {
				sum += float64(v) * float64(v)
				peak = max(peak, v, -v)
			}
			sq[idx] += float32(sum)
			i = end
		}
		l.sq[c], l.peak[c] = sq, peak
		if l.ceps[c] != nil {
			l.ceps[c].add(s)
		}
	}
	l.n += n
}

// measure reads a whole source once, in blocks of a second, and returns its levels, with every
// channel's cepstral change and the cepstra of the channels marked in keep.
func measure(ctx context.Context, src source, frame time.Duration, keep []bool) (*levels, error) {
	f := src.format()
	l := newLevels(f.rate, f.channels, frame)
	for c := range f.channels {
		l.withCepstra(c, c < len(keep) && keep[c])
	}
	block := make([][]float32, f.channels)
	per := max(1, f.rate/l.frame) * l.frame
	for c := range block {
		block[c] = make([]float32, per)
	}
	for at := 0; at < f.frames; at += per {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(per, f.frames-at)
		part := make([][]float32, len(block))
		for c := range block {
			part[c] = block[c][:n]
		}
		if err := src.read(at, part); err != nil {
			return nil, err
		}
		l.add(part)
	}
	return l, nil
}

// channelDB is the level of every frame of channel c.
func (l *levels) channelDB(c int) []float64 {
	out := make([]float64, l.frames())
	for i := range out {
		out[i] = l.frameDB(c, i)
	}
	return out
}

// frames is the number of frames per channel (the last may be short).
func (l *levels) frames() int { return (l.n + l.frame - 1) / l.frame }

// count is the number of samples in frame i.
func (l *levels) count(i int) int { return min(l.frame, l.n-i*l.frame) }

// frameDB is the level of frame i of channel c in dBFS.
func (l *levels) frameDB(c, i int) float64 {
	return 10 * math.Log10(float64(l.sq[c][i])/float64(l.count(i))+1e-12)
}

// peakDBFS is the peak level of channel c (-Inf for digital silence).
func (l *levels) peakDBFS(c int) float64 {
	if l.peak[c] == 0 {
		return math.Inf(-1)
	}
	return 20 * math.Log10(float64(l.peak[c]))
}

// dbfs is the RMS level of channel c between two times, to the frame, in dBFS (-120 for silence).
func (l *levels) dbfs(c int, from, to time.Duration) float64 {
	sa := min(l.n, int(from.Seconds()*float64(l.rate)))
	sb := min(l.n, int(to.Seconds()*float64(l.rate)))
	if sb <= sa {
		return -120
	}
	a, b := sa/l.frame, (sb+l.frame-1)/l.frame
	var sum float64
	count := 0
	for i := a; i < b; i++ {
		sum += float64(l.sq[c][i])
		count += l.count(i)
	}
	return math.Max(-120, 10*math.Log10(sum/float64(count)+1e-12))
}

// quietest returns the sample of channel c at the middle of its quietest stretch of span, among the
// stretches starting in [from, to) samples, stepping one frame; to if there is none.
func (l *levels) quietest(c, from, to int, span time.Duration) int {
	w := max(1, int(math.Round(span.Seconds()*float64(l.rate)/float64(l.frame))))
	first := (from + l.frame - 1) / l.frame
	last := min(to/l.frame, l.frames()) - w // windows must end by to
	best, bestE := to, math.Inf(1)
	for i := first; i <= last; i++ {
		var e float64
		for _, v := range l.sq[c][i : i+w] {
			e += float64(v)
		}
		if e < bestE {
			best, bestE = (i*l.frame+(i+w)*l.frame)/2, e
		}
	}
	return best
}

// source is a recording the pipeline reads by range: a WAV file on disk, or audio already in memory.
type source interface {
	format() sourceFormat
	// read decodes the frames [from, from+n) into dst, one slice of n per channel (nil skips one).
	read(from int, dst [][]float32) error
}

type sourceFormat struct {
	rate, channels, frames int
	encoding               string
}

func (w *WAVReader) format() sourceFormat {
	return sourceFormat{rate: w.SampleRate, channels: w.NumChannels, frames: w.Frames, encoding: w.Encoding}
}

func (w *WAVReader) read(from int, dst [][]float32) error { return w.ReadFrames(from, dst) }

// audioSource reads decoded audio.
type audioSource struct{ *Audio }

func (a audioSource) format() sourceFormat {
	f := sourceFormat{rate: a.SampleRate, channels: len(a.Channels), encoding: a.Encoding}
	if len(a.Channels) > 0 {
		f.frames = len(a.Channels[0])
	}
	return f
}

func (a audioSource) read(from int, dst [][]float32) error {
	for c, d := range dst {
		if d != nil {
			copy(d, a.Channels[c][from:from+len(d)])
		}
	}
	return nil
}
