package transcribe

import (
	"bytes"
	"context"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-cc/parley"
)

// TestLevels: levels measured block by block, in blocks that do not line up with frames, give the
// RMS level and peak of the samples themselves.
func TestLevels(t *testing.T) {
	rate := 8000
	rng := rand.New(rand.NewSource(7))
	s := make([]float32, rate*3+123)
	for i := range s {
		s[i] = float32(rng.NormFloat64() * 0.05 * (1 + math.Sin(float64(i)/3000)))
	}
	s[5000] = -0.9
	l := newLevels(rate, 1, 20*time.Millisecond)
	for at := 0; at < len(s); {
		n := min(len(s)-at, 37+at%1001)
		l.add([][]float32{s[at : at+n]})
		at += n
	}
	if l.n != len(s) || l.frames() != (len(s)+159)/160 {
		t.Fatalf("%d samples in %d frames", l.n, l.frames())
	}
	if got := l.peakDBFS(0); math.Abs(got-20*math.Log10(0.9)) > 1e-6 {
		t.Errorf("peak %.3f dBFS", got)
	}
	rms := func(a, b int) float64 {
		var sum float64
		for _, v := range s[a:b] {
			sum += float64(v) * float64(v)
		}
		return 10 * math.Log10(sum/float64(b-a)+1e-12)
	}
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second / time.Duration(rate) }
	for _, span := range [][2]int{{0, 160}, {160, 8000}, {3200, 24000}, {0, len(s)}, {24000, len(s)}} {
		if got, want := l.dbfs(0, sec(span[0]), sec(span[1])), rms(span[0], span[1]); math.Abs(got-want) > 0.01 {
			t.Errorf("samples %v: %.3f dBFS, want %.3f", span, got, want)
		}
	}
	if got := l.dbfs(0, sec(len(s)), sec(len(s)+100)); got != -120 {
		t.Errorf("past the end: %v", got)
	}
	// The quietest 100 ms is found where the signal is quietest: a hole of silence cut into it.
	for i := 12000; i < 13600; i++ {
		s[i] = 0
	}
	l = newLevels(rate, 1, 20*time.Millisecond)
	l.add([][]float32{s})
	if q := l.quietest(0, 8000, 20000, 100*time.Millisecond); q < 12000 || q > 13600 {
		t.Errorf("quietest 100 ms at sample %d, want inside the silence 12000–13600", q)
	}
}

// windowsOf packs a call's speech as the pipeline does.
func windowsOf(t testing.TB, w *WAVReader, rs *Resampler) []Window {
	lv, err := measure(context.Background(), w, 20*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	regions := make([][]Region, w.NumChannels)
	for c := range regions {
		for _, r := range (VAD{}).speech(lv, c) {
			regions[c] = append(regions[c], Region{rs.OutLen(r.Start), rs.OutLen(r.End)})
		}
	}
	return Pack(regions, 16000*5, 4800, nil) // short windows: more pieces, more edges
}

// TestFillIsWholeResampling: the windows the pipeline reads piece by piece from the file hold exactly
// the samples they would if the whole file were decoded and resampled first.
func TestFillIsWholeResampling(t *testing.T) {
	path := filepath.Join("..", "testdata", "calls", "billing-dispute.wav")
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
	rs := NewResampler(a.SampleRate, parley.SampleRate)
	whole := [][]float32{rs.Resample(a.Channels[0]), rs.Resample(a.Channels[1])}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	w, err := OpenWAV(f, st.Size(), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{}
	windows := windowsOf(t, w, rs)
	if len(windows) < 5 {
		t.Fatalf("%d windows", len(windows))
	}
	pieces := 0
	for k, win := range windows {
		got, err := p.fill(w, rs, win, []track{{channel: 0}, {channel: 1}})
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, win.Len)
		for _, pc := range win.Pieces {
			copy(want[pc.At:], whole[pc.Channel][pc.From:pc.From+pc.Len])
			pieces++
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("window %d, sample %d: %v, whole-file resampling gives %v", k, i, got[i], want[i])
			}
		}
	}
	t.Logf("%d windows, %d pieces", len(windows), pieces)
}

// TestLongCallWindowsInFlight: on a long call the pipeline holds at most windowsInFlight windows at once,
// however slow the recogniser — the bound on its memory.
func TestLongCallWindowsInFlight(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.wav")
	writeBurstCall(t, path, 20*time.Minute)
	var mu sync.Mutex
	busy, most, windows := 0, 0, 0
	slow := parley.TranscriberFunc(func(ctx context.Context, s []float32) (parley.Recognition, error) {
		mu.Lock()
		busy++
		windows++
		most = max(most, busy)
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		busy--
		mu.Unlock()
		return parley.Recognition{Language: "en", Segments: []parley.Segment{{Start: 0, End: time.Second, Text: "hello"}}}, nil
	})
	p := &Pipeline{Transcriber: slow, VAD: &VAD{}, TurnGap: time.Second, SilenceDBFS: -50}
	res := p.File(context.Background(), path)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if most > windowsInFlight || windows < 40 {
		t.Errorf("%d windows, %d at once (limit %d)", windows, most, windowsInFlight)
	}
	if res.Call.Duration != 20*time.Minute || len(res.Transcript.Segments) == 0 {
		t.Errorf("duration %v, %d segments", res.Call.Duration, len(res.Transcript.Segments))
	}
}

// writeBurstCall writes a stereo 8 kHz µ-law call of the given length in which the two channels take
// turns: 4 s of a warbling tone on one, then the other, over faint line noise.
func writeBurstCall(t testing.TB, path string, d time.Duration) {
	t.Helper()
	const rate = 8000
	n := int(d.Seconds() * rate)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hdr := wavBytes(formatMuLaw, 2, rate, 8, 0, nil, int64(n*2))
	patch32(hdr, 4, uint32(len(hdr)-8+n*2))
	if _, err := f.Write(hdr); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	buf := make([]byte, 0, 2*rate)
	for i := range n {
		turn := (i / (4 * rate)) % 2
		for c := range 2 {
			v := rng.NormFloat64() * 0.001
			if c == turn && i%(4*rate) < 3*rate {
				v += 0.3 * math.Sin(2*math.Pi*(300+100*math.Sin(float64(i)/800))*float64(i)/rate)
			}
			buf = append(buf, muLawEncode(v))
		}
		if len(buf) == cap(buf) {
			if _, err := f.Write(buf); err != nil {
				t.Fatal(err)
			}
			buf = buf[:0]
		}
	}
	if _, err := f.Write(buf); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkLongCall runs the pipeline over a one-hour stereo call with a recogniser that returns at
// once, and reports the largest live heap seen while it ran: it stays near the few windows in flight
// (about 15 MB) whatever the call's length, where decoding whole took 16 bytes per second of audio at
// 8 kHz stereo plus 128 per second at 16 kHz (about 0.6 GB per hour).
func BenchmarkLongCall(b *testing.B) {
	path := filepath.Join(b.TempDir(), "hour.wav")
	writeBurstCall(b, path, time.Hour)
	none := parley.TranscriberFunc(func(ctx context.Context, s []float32) (parley.Recognition, error) {
		return parley.Recognition{Language: "en"}, nil
	})
	p := &Pipeline{Transcriber: none, VAD: &VAD{}, TurnGap: time.Second, SilenceDBFS: -50}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	runtime.GC()
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
		}
	})
	for b.Loop() {
		if res := p.File(context.Background(), path); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
	close(done)
	wg.Wait()
	b.ReportMetric(float64(peak-min(peak, base))/1e6, "peak-heap-MB")
	b.ReportMetric(3600*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
}

// muLawEncode is G.711 µ-law compression of a sample in [-1, 1] (the inverse of muLawDecode, to the
// code).
func muLawEncode(v float64) byte {
	x := int(math.Round(math.Max(-1, math.Min(1, v)) * 32767))
	sign := 0
	if x < 0 {
		x, sign = -x, 0x80
	}
	x = min(x+0x84, 0x7FFF)
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (x >> (exp + 3)) & 0x0F
	return ^byte(sign | exp<<4 | mant)
}

// FuzzPipeline runs the reading side of the pipeline on any 16-bit PCM recording at the common rates,
// with short windows so that long speech gets cut: every window fits, every piece lies inside its
// window and its channel, no two pieces of a channel overlap, every window read piece by piece from the
// file equals the same pieces of the whole channel resampled, and transcribing gives segments inside
// the call.
func FuzzPipeline(f *testing.F) {
	tone := make([]byte, 2*4000) // 1 s at 4 kHz: bursts of 250 ms
	for i := 0; i < len(tone)/2; i++ {
		v := int16(12000 * math.Sin(float64(i)/3) * float64((i/1000)%2))
		tone[2*i], tone[2*i+1] = byte(v), byte(uint16(v)>>8)
	}
	f.Add(uint8(3), uint8(0), tone)
	f.Add(uint8(0), uint8(1), tone[:3001])
	f.Add(uint8(5), uint8(1), []byte{0, 0x80, 0xff, 0x7f})
	rates := []int{8000, 16000, 11025, 4000, 44100, 48000, 22050, 6000}
	maxWindow := 400 * time.Millisecond
	// One pipeline for all inputs, so that its resamplers are built once per rate.
	p := &Pipeline{VAD: &VAD{MinSpeech: 20 * time.Millisecond}, MaxWindow: maxWindow, SilenceDBFS: -60, TurnGap: time.Second,
		Transcriber: parley.TranscriberFunc(func(ctx context.Context, s []float32) (parley.Recognition, error) {
			d := samplesToDuration(len(s), parley.SampleRate)
			return parley.Recognition{Language: "en", Segments: []parley.Segment{{Start: 0, End: d, Text: "words",
				Tokens: []parley.Token{{Start: 0, End: d / 2, Text: " wo"}, {Start: d / 2, End: d, Text: "rds"}}}}}, nil
		})}
	f.Fuzz(func(t *testing.T, ri, channels uint8, data []byte) {
		rate, nch := rates[int(ri)%len(rates)], 1+int(channels)%2
		data = data[:min(len(data), 32<<10)] // up to 4 s at 4 kHz: many windows, and quick to fuzz
		b := wavBytes(formatPCM, nch, rate, 16, 0, data, -1)
		a, err := decodeBytes(t, b, DecodeOptions{})
		if err != nil {
			return // the decoder's own fuzz target covers refusals
		}
		w, err := OpenWAV(bytes.NewReader(b), int64(len(b)), DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		lv, err := measure(context.Background(), w, 20*time.Millisecond, nil)
		if err != nil {
			t.Fatal(err)
		}
		active := []bool{true, true}[:nch]
		rs := p.resampler(rate)
		n16 := rs.OutLen(w.Frames)
		last := make([]int, nch)
		whole := make([][]float32, nch)
		for c := range whole {
			whole[c] = rs.Resample(a.Channels[c])
		}
		p.VAD = &VAD{}
		tracks, _ := p.speechTracks(lv, active, make([]bool, nch))
		for k, win := range p.windows(w.format(), lv, tracks, p.PackPerChannel) {
			if win.Len > int(maxWindow.Seconds()*parley.SampleRate) {
				t.Fatalf("window %d: %d samples", k, win.Len)
			}
			got, err := p.fill(w, rs, win, tracks)
			if err != nil {
				t.Fatal(err)
			}
			for _, pc := range win.Pieces {
				if pc.Len <= 0 || pc.At < 0 || pc.At+pc.Len > win.Len || pc.From < last[pc.Channel] || pc.From+pc.Len > n16 {
					t.Fatalf("window %d (%d samples): piece %+v (channel's speech so far ends at %d, channel %d samples)", k, win.Len, pc, last[pc.Channel], n16)
				}
				last[pc.Channel] = pc.From + pc.Len
				want := whole[pc.Channel][pc.From : pc.From+pc.Len]
				if !slices.Equal(got[pc.At:pc.At+pc.Len], want) {
					t.Fatalf("window %d, piece %+v: read piece by piece differs from the whole channel resampled", k, pc)
				}
			}
		}
		var call parley.Call
		tr, err := p.transcribe(context.Background(), audioSource{a}, &call)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tr.Segments {
			if s.Start < 0 || s.End < s.Start || s.End > call.Duration {
				t.Fatalf("segment %v–%v in a call of %v", s.Start, s.End, call.Duration)
			}
		}
	})
}

// detector is a recogniser that detects the language itself unless told: it answers DetectLanguage
// with its langs in turn (one per speaker) and counts the windows told each language.
type detector struct {
	mu       sync.Mutex
	langs    []string
	asked    int
	allowed  []string
	told     map[string]int
	untold   int
	detected int
}

func (d *detector) DetectsLanguage() bool { return true }

func (d *detector) DetectLanguage(ctx context.Context, s []float32, allowed []string) (string, float64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.langs[d.asked%len(d.langs)]
	d.asked++
	d.allowed = allowed
	return l, 0.9, nil
}

func (d *detector) Transcribe(ctx context.Context, s []float32) (parley.Recognition, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	lang := parley.LanguageFrom(ctx)
	if lang == "" {
		d.untold++
		lang = "xx"
	} else {
		d.told[lang]++
	}
	return parley.Recognition{Language: lang, Segments: []parley.Segment{{Start: 0, End: time.Second, Text: "hallo"}}}, nil
}

// fusingDetector also recognises a speaker's first speech with its detection (DetectAndTranscribe).
type fusingDetector struct {
	*detector
	fused int
}

func (d *fusingDetector) DetectAndTranscribe(ctx context.Context, s []float32, allowed []string) (string, float64, parley.Recognition, error) {
	lang, prob, err := d.DetectLanguage(ctx, s, allowed)
	if err != nil {
		return "", 0, parley.Recognition{}, err
	}
	rec, err := d.Transcribe(parley.WithLanguage(ctx, lang), s)
	d.mu.Lock()
	d.fused++
	d.mu.Unlock()
	return lang, prob, rec, err
}

// TestFirstWindowRecognisedWithDetection: with one party per window, a recogniser that can detect and
// recognise at once reads each speaker's first window that way — once, not detected and then
// recognised again — and the call reads as it does through DetectLanguage and Transcribe.
func TestFirstWindowRecognisedWithDetection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.wav")
	writeBurstCall(t, path, 3*time.Minute)
	run := func(tr parley.Transcriber) *parley.Transcript {
		p := &Pipeline{Transcriber: tr, VAD: &VAD{}, TurnGap: time.Second, SilenceDBFS: -50, PackPerChannel: true}
		res := p.File(context.Background(), path)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		return res.Transcript
	}
	plain := &detector{langs: []string{"de"}, told: map[string]int{}}
	want := run(plain)
	fusing := &fusingDetector{detector: &detector{langs: []string{"de"}, told: map[string]int{}}}
	got := run(fusing)
	if fusing.asked != 2 || fusing.fused != 2 || fusing.untold != 0 {
		t.Errorf("asked %d, detected and recognised at once %d, windows not told %d", fusing.asked, fusing.fused, fusing.untold)
	}
	if plain.told["de"] < 3 || fusing.told["de"] != plain.told["de"] {
		t.Errorf("recognitions: %d with the detection fused, %d without", fusing.told["de"], plain.told["de"])
	}
	if len(got.Segments) != len(want.Segments) || len(got.Languages) != 2 || got.Languages[1].Language != "de" || got.Languages[1].Probability != 0.9 {
		t.Errorf("%d segments (want %d), languages %+v", len(got.Segments), len(want.Segments), got.Languages)
	}
}

// panicky is a recogniser with a defect: it panics; panickyDetector also detects the language, and
// panics when it detects and recognises at once.
type panicky struct{}

func (panicky) Transcribe(context.Context, []float32) (parley.Recognition, error) { panic("a defect") }

type panickyDetector struct{ panicky }

func (panickyDetector) DetectsLanguage() bool { return true }
func (panickyDetector) DetectLanguage(context.Context, []float32, []string) (string, float64, error) {
	return "de", 0.9, nil // (in the call's own goroutine: process.Processor.Transcribe recovers a panic there)
}
func (panickyDetector) DetectAndTranscribe(context.Context, []float32, []string) (string, float64, parley.Recognition, error) {
	panic("a defect")
}

// TestRecogniserPanics: a panic in recognition, which runs in goroutines of the call's own, is the
// call's error (internal), in every way a call is recognised; the process goes on.
func TestRecogniserPanics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.wav")
	writeBurstCall(t, path, 3*time.Minute)
	for _, tr := range []parley.Transcriber{panicky{}, panickyDetector{}} {
		for _, pack := range []bool{true, false} {
			p := &Pipeline{Transcriber: tr, VAD: &VAD{}, TurnGap: time.Second, SilenceDBFS: -50, PackPerChannel: pack}
			res := p.File(context.Background(), path)
			if res.Err == nil || !strings.Contains(res.Err.Error(), "internal: recognition failed: a defect") {
				t.Errorf("%T, packed per channel %v: %v", tr, pack, res.Err)
			}
		}
	}
}

// TestLanguageDetectedOncePerSpeaker: a recogniser that detects the language is asked once per speaker
// — on their first speech, with the allowed languages — and every window is told its speaker's
// language; two speakers in different languages are read in windows of their own, and both languages
// are in the transcript.
func TestLanguageDetectedOncePerSpeaker(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.wav")
	writeBurstCall(t, path, 3*time.Minute)
	for _, tc := range []struct {
		langs []string
		mixed bool
	}{{[]string{"de"}, false}, {[]string{"de", "fr"}, true}} {
		d := &detector{langs: tc.langs, told: map[string]int{}}
		p := &Pipeline{Transcriber: d, VAD: &VAD{}, TurnGap: time.Second, SilenceDBFS: -50, Languages: []string{"de", "fr", "en"}}
		res := p.File(context.Background(), path)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		tr := res.Transcript
		if d.asked != 2 || d.untold != 0 || !slices.Equal(d.allowed, p.Languages) || len(tr.Languages) != 2 {
			t.Fatalf("%v: asked %d times (allowed %v), %d windows not told, languages %+v", tc.langs, d.asked, d.allowed, d.untold, tr.Languages)
		}
		if tr.Languages[0].Language != "de" || tr.Languages[0].Probability != 0.9 || tr.Languages[0].Speaker != parley.RoleAgent || tr.Languages[1].Channel != 1 {
			t.Errorf("%v: languages %+v", tc.langs, tr.Languages)
		}
		if tc.mixed && (d.told["de"] < 2 || d.told["fr"] < 2 || tr.Languages[1].Language != "fr") || !tc.mixed && d.told["fr"] != 0 {
			t.Errorf("%v: windows told %v", tc.langs, d.told)
		}
		if tr.Language != "de" && tr.Language != "fr" {
			t.Errorf("call language %q", tr.Language)
		}
	}
}
