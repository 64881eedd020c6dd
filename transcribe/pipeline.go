package transcribe

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/parley-cc/parley"
)

// Pipeline transcribes one recording at a time: decode, split channels, resample to 16 kHz, recognise
// each channel, merge into turns. It is safe for concurrent use; the Transcriber decides how much
// recognition runs at once.
type Pipeline struct {
	Transcriber parley.Transcriber
	// Roles maps the channels of a stereo recording to speakers, by index. Contact-center recorders
	// differ, so this is set per source; mono recordings are always RoleUnknown.
	Roles []parley.Role
	// MaxDuration refuses longer recordings before decoding them (0: no limit).
	MaxDuration time.Duration
	// MaxFileSize refuses larger files before reading them (0: no limit).
	MaxFileSize int64
	// TurnGap is the longest silence inside one turn.
	TurnGap time.Duration
	// SilenceDBFS: a channel whose peak stays below this level is not sent to the recogniser
	// (recognisers invent text on silence). 0 disables the check.
	SilenceDBFS float64
	// VAD, when set, sends only each channel's speech to the recogniser, packed into windows of at
	// most MaxWindow (default 29.5 s: whisper encodes 30 s at a time whatever the input's length), and
	// maps the timestamps back. nil recognises whole channels.
	VAD       *VAD
	MaxWindow time.Duration
	// PackPerChannel keeps each window to one channel's speech (the default packs both parties'
	// turns, in call order, and splits the recognised text back by token times).
	PackPerChannel bool

	mu         sync.Mutex
	resamplers map[int]*Resampler
}

// DefaultRoles is the usual stereo layout: agent on the left channel, customer on the right.
var DefaultRoles = []parley.Role{parley.RoleAgent, parley.RoleCustomer}

// File transcribes the recording at path. Errors are returned inside the Result, never panicked, so a
// batch can go on with the next file.
func (p *Pipeline) File(ctx context.Context, path string) parley.Result {
	start := time.Now()
	res := parley.Result{Call: parley.Call{ID: CallID(path), Source: path}}
	res.Transcript, res.Err = p.file(ctx, path, &res.Call)
	res.Elapsed = time.Since(start)
	return res
}

// CallID is the name of a recording or transcript without directory and extension (see BaseName).
func CallID(path string) string { return filepath.Base(BaseName(path)) }

func (p *Pipeline) file(ctx context.Context, path string, call *parley.Call) (*parley.Transcript, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, parley.WrapError(parley.CodeIO, err, "open")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, parley.WrapError(parley.CodeIO, err, "stat")
	}
	if st.IsDir() {
		return nil, parley.Errorf(parley.CodeIO, "%s is a directory", path)
	}
	if p.MaxFileSize > 0 && st.Size() > p.MaxFileSize {
		return nil, parley.Errorf(parley.CodeTooLarge, "%d bytes, over the %d-byte limit (max_file_size)", st.Size(), p.MaxFileSize)
	}
	audio, err := DecodeWAV(f, st.Size(), DecodeOptions{MaxDuration: p.MaxDuration})
	if err != nil {
		return nil, err
	}
	return p.Audio(ctx, audio, call)
}

// Audio transcribes decoded audio and fills in the call's audio facts.
func (p *Pipeline) Audio(ctx context.Context, audio *Audio, call *parley.Call) (*parley.Transcript, error) {
	call.Duration = audio.Duration()
	call.SampleRate = audio.SampleRate
	call.Encoding = audio.Encoding
	call.Channels = p.channels(len(audio.Channels))

	rs := p.resampler(audio.SampleRate)
	tr := &parley.Transcript{Segments: []parley.Segment{}}
	s16 := make([][]float32, len(audio.Channels))
	for i, samples := range audio.Channels {
		if p.SilenceDBFS != 0 && peakDBFS(samples) < p.SilenceDBFS {
			continue
		}
		s16[i] = rs.Resample(samples)
	}
	recs, errs := p.recognise(ctx, s16)
	for i, samples := range audio.Channels {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := recs[i], errs[i]
		if err != nil {
			return nil, parley.WrapError(parley.CodeTranscribe, err, "channel %d", i)
		}
		if tr.Language == "" {
			tr.Language = rec.Language
		}
		var kept []parley.Segment
		for _, s := range rec.Segments {
			s.Channel, s.Speaker = i, call.Channels[i].Role
			s.End = min(s.End, call.Duration)
			s.Start = min(s.Start, s.End)
			if nonSpeech.MatchString(s.Text) { // "[Music]", "(upbeat music)", "♪": sound, not words
				continue
			}
			s.LoudnessDB = levelDBFS(samples, audio.SampleRate, s.Start, s.End)
			kept = append(kept, s)
		}
		tr.Segments = append(tr.Segments, kept...)
		if call.Channels[i].Role == parley.RoleAgent {
			tr.Sound = soundWithoutSpeech(samples, audio.SampleRate, kept)
		}
	}
	tr.Turns = MergeTurns(tr.Segments, p.TurnGap)
	if tr.Turns == nil {
		tr.Turns = []parley.Turn{}
	}
	return tr, nil
}

// gapBetweenPieces is the silence between packed speech regions: enough for the recogniser to end a
// segment there.
const gapBetweenPieces = 300 * time.Millisecond

// recognise runs the recogniser on the channels at 16 kHz (nil: skipped). Without a VAD each channel
// is recognised whole. With one, the channels' speech is packed into windows — by default across the
// channels, in call order, so that the short turns of both parties share windows; with PackPerChannel
// each channel's own — and each window's segments are split back to their channels by their tokens'
// times. All recognitions are started at once: the Transcriber runs as many as it has states for.
func (p *Pipeline) recognise(ctx context.Context, channels [][]float32) ([]parley.Recognition, []error) {
	recs := make([]parley.Recognition, len(channels))
	errs := make([]error, len(channels))
	var wg sync.WaitGroup
	if p.VAD == nil {
		for i, s := range channels {
			if s != nil {
				wg.Go(func() { recs[i], errs[i] = p.Transcriber.Transcribe(ctx, s) })
			}
		}
		wg.Wait()
		return recs, errs
	}
	maxWindow := p.MaxWindow
	if maxWindow == 0 {
		maxWindow = 29500 * time.Millisecond
	}
	rate := parley.SampleRate
	regions := make([][]Region, len(channels))
	for i, s := range channels {
		if s != nil {
			regions[i] = p.VAD.Speech(s, rate)
		}
	}
	maxLen, gap := int(maxWindow.Seconds()*float64(rate)), int(gapBetweenPieces.Seconds()*float64(rate))
	var windows []Window
	if p.PackPerChannel {
		for i := range channels {
			only := make([][]Region, len(channels))
			only[i] = regions[i]
			windows = append(windows, Pack(channels, only, maxLen, gap, rate)...)
		}
	} else {
		windows = Pack(channels, regions, maxLen, gap, rate)
	}
	wrecs := make([]parley.Recognition, len(windows))
	werrs := make([]error, len(windows))
	for k, w := range windows {
		wg.Go(func() { wrecs[k], werrs[k] = p.Transcriber.Transcribe(ctx, w.Samples) })
	}
	wg.Wait()
	for k, w := range windows {
		if werrs[k] != nil {
			for _, pc := range w.Pieces {
				errs[pc.Channel] = werrs[k]
			}
			continue
		}
		for _, seg := range wrecs[k].Segments {
			for _, s := range w.Split(seg, rate) {
				recs[s.Channel].Segments = append(recs[s.Channel].Segments, s)
			}
		}
		for _, pc := range w.Pieces {
			if recs[pc.Channel].Language == "" {
				recs[pc.Channel].Language = wrecs[k].Language
			}
		}
	}
	for i := range recs {
		slices.SortStableFunc(recs[i].Segments, func(a, b parley.Segment) int { return int(a.Start - b.Start) })
	}
	return recs, errs
}

func (p *Pipeline) channels(n int) []parley.Channel {
	if n == 1 {
		return []parley.Channel{{Index: 0, Role: parley.RoleUnknown}}
	}
	roles := p.Roles
	if len(roles) == 0 {
		roles = DefaultRoles
	}
	chs := make([]parley.Channel, n)
	for i := range chs {
		chs[i] = parley.Channel{Index: i, Role: parley.RoleUnknown}
		if i < len(roles) {
			chs[i].Role = roles[i]
		}
	}
	return chs
}

// resampler returns the cached Resampler from rate to 16 kHz: building its filter bank costs more than
// resampling a short call.
func (p *Pipeline) resampler(rate int) *Resampler {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resamplers == nil {
		p.resamplers = map[int]*Resampler{}
	}
	r, ok := p.resamplers[rate]
	if !ok {
		r = NewResampler(rate, parley.SampleRate)
		p.resamplers[rate] = r
	}
	return r
}

// nonSpeech matches what recognisers write for sounds that are not words.
var nonSpeech = regexp.MustCompile(`^\s*([\[(♪*][^\])]*[\])♪*]\s*)+$`)

// levelDBFS is the RMS level of samples between two times, in dBFS (-120 for silence).
func levelDBFS(samples []float32, rate int, from, to time.Duration) float64 {
	a := min(len(samples), int(from.Seconds()*float64(rate)))
	b := min(len(samples), int(to.Seconds()*float64(rate)))
	if b <= a {
		return -120
	}
	var sum float64
	for _, v := range samples[a:b] {
		sum += float64(v) * float64(v)
	}
	return math.Max(-120, 10*math.Log10(sum/float64(b-a)+1e-12))
}

// Sound without speech: half-second windows louder than this, for at least this long, outside the
// channel's recognised speech.
const (
	soundWindow   = 500 * time.Millisecond
	soundDBFS     = -45.0
	soundMinSpans = 6 // windows: 3 s
)

// soundWithoutSpeech finds stretches where a channel carries sound but nothing was recognised in them.
func soundWithoutSpeech(samples []float32, rate int, segs []parley.Segment) []parley.Span {
	out := []parley.Span{}
	n := int(time.Duration(len(samples)) * time.Second / time.Duration(rate) / soundWindow)
	runStart := -1
	flush := func(end int) {
		if runStart >= 0 && end-runStart >= soundMinSpans {
			out = append(out, parley.Span{Start: (time.Duration(runStart) * soundWindow).Seconds(), End: (time.Duration(end) * soundWindow).Seconds()})
		}
		runStart = -1
	}
	for w := 0; w < n; w++ {
		from, to := time.Duration(w)*soundWindow, time.Duration(w+1)*soundWindow
		speech := false
		for _, s := range segs {
			if s.Start < to+300*time.Millisecond && from < s.End+300*time.Millisecond {
				speech = true
				break
			}
		}
		if !speech && levelDBFS(samples, rate, from, to) > soundDBFS {
			if runStart < 0 {
				runStart = w
			}
			continue
		}
		flush(w)
	}
	flush(n)
	return out
}

func peakDBFS(s []float32) float64 {
	var peak float32
	for _, v := range s {
		peak = max(peak, v, -v)
	}
	if peak == 0 {
		return math.Inf(-1)
	}
	return 20 * math.Log10(float64(peak))
}

// ValidateRoles checks a stereo role map.
func ValidateRoles(roles []parley.Role) error {
	if len(roles) != 2 {
		return parley.Errorf(parley.CodeConfig, "channel roles: want 2 (left, right), got %d", len(roles))
	}
	if roles[0] == roles[1] && roles[0] != parley.RoleUnknown {
		return parley.Errorf(parley.CodeConfig, "channel roles: both channels are %s", roles[0])
	}
	return nil
}
