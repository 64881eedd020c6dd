package transcribe

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parley-cc/parley"
)

// Pipeline transcribes recordings: decode, split channels, resample to 16 kHz, recognise, merge into
// turns — reading a WAV file by range rather than whole (see transcribe). It is safe for concurrent use;
// the Transcriber decides how much recognition runs at once.
type Pipeline struct {
	Transcriber parley.Transcriber
	// Roles maps the channels of a stereo recording to speakers, by index. Contact-center recorders
	// differ, so this is set per source; mono recordings are always RoleUnknown.
	Roles []parley.Role
	// MaxDuration refuses longer recordings before decoding them (0: no limit).
	MaxDuration time.Duration
	// MaxChannels refuses recordings with more channels (0: 2). Channels past the Roles are RoleUnknown.
	MaxChannels int
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
	// turns, in call order, and splits the recognised text back by token times). Speakers detected in
	// different languages are always read in windows of their own.
	PackPerChannel bool
	// Languages restricts language detection to these codes (empty: any whisper knows). A recogniser
	// that detects the language (a multilingual model with language auto) is asked once per speaker, on
	// their first speech; with the voice detector only.
	Languages []string
	// LanguagesByPrefix restricts detection for the calls whose source starts with a prefix (a queue's
	// folder, a market's bucket) instead of Languages; the longest matching prefix wins.
	LanguagesByPrefix map[string][]string
	// Translate also asks the recogniser for an English translation of the speakers it detected in
	// another language (whisper's translate task, a second reading of their windows), kept beside the
	// transcript in Transcript.Translation.
	Translate bool
	// Vocabulary, when set, corrects near misses of its terms in the text and, with Vocabulary.Prompt,
	// is given to the recogniser as its prompt for the opening of every channel but the customer's:
	// with the voice detector the first region of speech is read again, alone and with the prompt, and
	// that reading replaces its text (without the detector the whole channel is read with it). An
	// opening in which the prompt made the recogniser skip speech (a piece of 0.8 s or more without any
	// text) is recognised again without it, and the transcript warns.
	Vocabulary *Vocabulary
	// Diarize tells apart the voices of channels that carry more than one speaker — DiarizeMono (the
	// default) on mono recordings, DiarizeAll on every channel, DiarizeOff never — and Diarizer says
	// how many voices to look for. It needs the voice detector: without VAD no channel is diarized.
	Diarize  DiarizeMode
	Diarizer Diarizer
	// Again, when set, recognises the agent's speech a second time with another recogniser
	// (second_hearing) and keeps that reading in Transcript.Again, for scoring to count a required
	// phrase heard in either. It needs the voice detector and a channel whose role is the agent: on
	// other recordings the transcript warns that the agent was heard once.
	Again *SecondHearing

	mu         sync.Mutex
	resamplers map[int]*Resampler
}

// SecondHearing is the recogniser that reads the agent's speech a second time, and its model's name.
type SecondHearing struct {
	Transcriber parley.Transcriber
	Model       string
	// BeamSize > 0 decodes the second reading with beam search of that width (1: greedy) instead of
	// the recogniser's own setting (parley.WithBeamSize): with it the model of the first reading can
	// hear the agent again, searching wider, without a second model in memory.
	BeamSize int
	// Needed, when set, tells from the first reading and the call's vocabulary terms whether the call
	// is worth a second one (the scorecard misses a line the agent should say:
	// scoring.Scorecard.Misses); nil: every call is.
	Needed func(tr *parley.Transcript, terms []string) bool
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
	w, err := OpenWAV(f, st.Size(), DecodeOptions{MaxDuration: p.MaxDuration, MaxChannels: p.MaxChannels})
	if err != nil {
		return nil, err
	}
	return p.transcribe(ctx, w, call)
}

// Audio transcribes decoded audio and fills in the call's audio facts.
func (p *Pipeline) Audio(ctx context.Context, audio *Audio, call *parley.Call) (*parley.Transcript, error) {
	return p.transcribe(ctx, audioSource{audio}, call)
}

// transcribe reads the recording twice: once whole, to measure its levels (for the silence check, the
// voice detector, loudness and sound without speech), then — with the voice detector — only the speech,
// window by window, resampled piece by piece. Memory then stays bounded by the windows in flight,
// whatever the length of the call; without the detector each channel is read and recognised whole.
func (p *Pipeline) transcribe(ctx context.Context, src source, call *parley.Call) (*parley.Transcript, error) {
	f := src.format()
	call.Duration = samplesToDuration(f.frames, f.rate)
	call.SampleRate = f.rate
	call.Encoding = f.encoding
	call.Channels = p.channels(f.channels)

	frame := VAD{}.withDefaults().Frame
	if p.VAD != nil {
		frame = p.VAD.withDefaults().Frame
	}
	diarize := p.diarized(f.channels)
	lv, err := measure(ctx, src, frame, diarize)
	if err != nil {
		return nil, err
	}
	active := make([]bool, f.channels)
	for c := range active {
		active[c] = p.SilenceDBFS == 0 || lv.peakDBFS(c) >= p.SilenceDBFS
	}
	terms := p.Vocabulary.For(call.Source)
	// The prompt goes to the agent's opening, where the company's and the agent's names are said (and
	// to the opening of a channel whose speaker is not known before recognition); the customer's
	// channel is read without it. The opening is read a second time, alone, with the prompt; every
	// packed window is read without it. With a prompt whisper's token times collapse (a party's turns
	// come back as one segment at the last of them), which put words in the wrong turns when it was
	// given to whole windows: PII, holds and interruptions moved (README, Vocabulary). Without the
	// voice detector (whole channels) the agent's channel is read with it.
	unprompted := make([]bool, f.channels)
	if len(terms) > 0 && p.Vocabulary.Prompt {
		ctx = parley.WithPrompt(ctx, PromptText(terms))
		for c, ch := range call.Channels {
			unprompted[c] = ch.Role == parley.RoleCustomer
		}
	}
	var recs []parley.Recognition
	var errs []error
	var dropped, openings int
	tracks := wholeChannels(f.channels, active)
	var dz []parley.Diarization
	if p.VAD == nil {
		recs, errs, err = p.recogniseWhole(ctx, src, active, unprompted)
	} else {
		tracks, dz = p.speechTracks(lv, active, diarize)
		for i := range tracks {
			tracks[i].opening = parley.PromptFrom(ctx) != "" && !unprompted[tracks[i].channel]
		}
		recs, errs, dropped, openings, err = p.recogniseSpeech(ctx, p.Transcriber, src, lv, tracks, p.languagesFor(call.Source))
	}
	if err != nil {
		return nil, err
	}
	tr := &parley.Transcript{Segments: []parley.Segment{}, Diarization: dz}
	if dropped > 0 {
		tr.Warnings = append(tr.Warnings, fmt.Sprintf("vocabulary prompt left out of %d of %d openings read with it: with it the recogniser skipped speech", dropped, openings))
	}
	if slices.Contains(diarize, true) && p.VAD == nil {
		tr.Warnings = append(tr.Warnings, "speakers were not told apart on a channel: diarization needs the voice detector (vad)")
	}
	byChannel := make([][]parley.Segment, f.channels)
	for i, tk := range tracks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := recs[i], errs[i]
		if err != nil {
			return nil, parley.WrapError(parley.CodeTranscribe, err, "channel %d", tk.channel)
		}
		if tr.Language == "" {
			tr.Language = rec.Language
		}
		byChannel[tk.channel] = append(byChannel[tk.channel], speech(rec.Segments, tk, call, lv, terms)...)
	}
	for c, segs := range byChannel {
		slices.SortStableFunc(segs, func(a, b parley.Segment) int { return int(a.Start - b.Start) })
		tr.Segments = append(tr.Segments, segs...)
		// Hold music is heard on the agent's channel, or on the only one.
		if role := call.Channels[c].Role; role == parley.RoleAgent || f.channels == 1 {
			tr.Sound = soundWithoutSpeech(lv, c, segs)
		}
	}
	for i := range tr.Diarization {
		AssignRoles(tr, &tr.Diarization[i])
	}
	setLanguages(tr, tracks, recs, call)
	for i, tk := range tracks {
		for _, s := range recs[i].Translation {
			s.Channel, s.Voice, s.Speaker = tk.channel, tk.voice, call.Channels[tk.channel].Role
			s.End = min(s.End, call.Duration)
			s.Start = min(s.Start, s.End)
			s = unquote(s)
			s.Tokens = nil
			tr.Translation = append(tr.Translation, s)
		}
	}
	slices.SortStableFunc(tr.Translation, func(a, b parley.Segment) int { return int(a.Start - b.Start) })
	if c, ok := p.Transcriber.(parley.LanguageChecker); ok && c.ChecksLanguage() {
		for _, l := range tr.Languages {
			if !parley.IsEnglish(l.Language) && l.Probability >= MismatchProb {
				tr.Warnings = append(tr.Warnings, fmt.Sprintf("language_mismatch: the %s (channel %d) speaks %s (%.2f) and the model knows English only: their speech is not transcribed (use a multilingual model)",
					l.Speaker, l.Channel, l.Language, l.Probability))
			}
		}
	}
	tr.Turns = MergeTurns(tr.Segments, p.TurnGap)
	if tr.Turns == nil {
		tr.Turns = []parley.Turn{}
	}
	if p.Again != nil {
		p.hearAgain(ctx, src, lv, tracks, recs, call, terms, tr)
	}
	return tr, nil
}

// speech is a track's recognised segments as the transcript keeps them: on the track's channel and
// speaker, inside the call, without sound tags ("[Music]") or bare quotation marks, with their
// loudness and the vocabulary's spellings.
func speech(segs []parley.Segment, tk track, call *parley.Call, lv *levels, terms []string) []parley.Segment {
	var out []parley.Segment
	for _, s := range segs {
		s.Channel, s.Voice, s.Speaker = tk.channel, tk.voice, call.Channels[tk.channel].Role
		s.End = min(s.End, call.Duration)
		s.Start = min(s.Start, s.End)
		if nonSpeech.MatchString(s.Text) { // "[Music]", "(upbeat music)", "♪": sound, not words
			continue
		}
		if s = unquote(s); s.Text == "" { // nothing but quotation marks
			continue
		}
		s.LoudnessDB = lv.dbfs(tk.channel, s.Start, s.End)
		s.Text, _ = Correct(s.Text, terms)
		out = append(out, s)
	}
	return out
}

// hearAgain reads the agent's speech a second time with p.Again, in the language the first reading
// found, and keeps it in tr.Again. A recording without an agent's channel (mono, or roles that name
// none), or without the voice detector, is heard once, and a second reading that fails leaves the
// first: both with a warning, never an error — the call has its transcript.
func (p *Pipeline) hearAgain(ctx context.Context, src source, lv *levels, tracks []track, recs []parley.Recognition, call *parley.Call, terms []string, tr *parley.Transcript) {
	var agent []track
	lang := ""
	for i, tk := range tracks {
		if call.Channels[tk.channel].Role == parley.RoleAgent && tk.voice == 0 {
			agent = append(agent, tk)
			lang = cmp.Or(lang, recs[i].Language)
		}
	}
	if p.VAD == nil || len(agent) == 0 {
		why := "no channel of the recording is the agent's (channel_roles)"
		if p.VAD == nil {
			why = "it needs the voice detector (vad)"
		}
		tr.Warnings = append(tr.Warnings, "second hearing not done: "+why+"; the agent's speech was read once")
		return
	}
	if p.Again.Needed != nil && !p.Again.Needed(tr, terms) {
		return
	}
	if lang != "" {
		ctx = parley.WithLanguage(ctx, lang)
	}
	if p.Again.BeamSize > 0 {
		ctx = parley.WithBeamSize(ctx, p.Again.BeamSize)
	}
	again, errs, _, _, err := p.recogniseSpeech(ctx, p.Again.Transcriber, src, lv, agent, nil)
	if err == nil {
		err = errors.Join(errs...)
	}
	if err != nil {
		tr.Warnings = append(tr.Warnings, fmt.Sprintf("second hearing failed (%v): the agent's speech was read once", err))
		return
	}
	h := &parley.Hearing{Model: p.Again.Model, BeamSize: p.Again.BeamSize, Segments: []parley.Segment{}}
	for i, tk := range agent {
		h.Segments = append(h.Segments, speech(again[i].Segments, tk, call, lv, terms)...)
	}
	slices.SortStableFunc(h.Segments, func(a, b parley.Segment) int { return cmp.Compare(a.Start, b.Start) })
	h.Turns = MergeTurns(h.Segments, p.TurnGap)
	if h.Turns == nil {
		h.Turns = []parley.Turn{}
	}
	tr.Again = h
}

// setLanguages notes each speaker's detected language in the transcript (when it was detected) and
// makes the call's language the one of most of the speech.
func setLanguages(tr *parley.Transcript, tracks []track, recs []parley.Recognition, call *parley.Call) {
	speech := map[string]time.Duration{}
	for i, tk := range tracks {
		if i >= len(recs) || recs[i].LanguageProb == 0 {
			continue
		}
		role := call.Channels[tk.channel].Role
		for _, s := range tr.Segments { // a diarized voice's role is its segments'
			if s.Channel == tk.channel && s.Voice == tk.voice {
				role = s.Speaker
				speech[recs[i].Language] += s.End - s.Start
			}
		}
		tr.Languages = append(tr.Languages, parley.TrackLanguage{Channel: tk.channel, Voice: tk.voice, Speaker: role,
			Language: recs[i].Language, Probability: recs[i].LanguageProb})
	}
	best := time.Duration(-1)
	for _, l := range tr.Languages { // in track order, so a tie goes to the first speaker
		if speech[l.Language] > best {
			tr.Language, best = l.Language, speech[l.Language]
		}
	}
}

// MismatchProb is how sure the detector must be that a speaker is not speaking English before an
// English-only recogniser is kept off their speech.
const MismatchProb = 0.5

// languageTeller tells the language of some speech (a LanguageDetector or a LanguageChecker).
type languageTeller interface {
	DetectLanguage(ctx context.Context, samples []float32, allowed []string) (string, float64, error)
}

// languagesFor is the languages a call from source may be detected in: its longest prefix's in
// LanguagesByPrefix, else Languages (empty: any).
func (p *Pipeline) languagesFor(source string) []string {
	if l, ok := LongestPrefix(p.LanguagesByPrefix, source); ok {
		return l
	}
	return p.Languages
}

// detectLanguages asks the recogniser for each track's language on the track's first window of speech
// (restricted to allowed) and notes it and its probability in recs; "" for a track without speech.
func (p *Pipeline) detectLanguages(ctx context.Context, d languageTeller, src source, lv *levels, tracks []track, recs []parley.Recognition, allowed []string) ([]string, error) {
	langs := make([]string, len(tracks))
	for i, tk := range tracks {
		samples, err := p.firstWindow(src, lv, tk)
		if err != nil {
			return nil, err
		}
		if samples == nil {
			continue
		}
		lang, prob, err := d.DetectLanguage(ctx, samples, allowed)
		if err != nil {
			return nil, languageError(err, tk)
		}
		langs[i] = noteLanguage(&recs[i], lang, prob)
	}
	return langs, nil
}

// firstWindow reads a track's first window of speech, as the track's windows are packed on their
// own; nil for a track without speech.
func (p *Pipeline) firstWindow(src source, lv *levels, tk track) ([]float32, error) {
	f := src.format()
	w := p.windows(f, lv, []track{tk}, true)
	if len(w) == 0 {
		return nil, nil
	}
	return p.fill(src, p.resampler(f.rate), w[0], []track{tk})
}

// noteLanguage notes a detected language and its probability in a track's recognition.
func noteLanguage(rec *parley.Recognition, lang string, prob float64) string {
	rec.Language, rec.LanguageProb = lang, math.Round(prob*1000)/1000
	return lang
}

// languageError names the channel whose language could not be told.
func languageError(err error, tk track) error {
	return parley.WrapError(parley.CodeTranscribe, err, "language of channel %d", tk.channel)
}

// detectAndRecognise is detectLanguages for one party per window: each track's first window is
// recognised in the language detected on it, with the same encoder pass (DetectAndTranscribe), the
// tracks at once. It returns the languages and those first windows' recognitions (nil for a track
// without speech).
func (p *Pipeline) detectAndRecognise(ctx context.Context, d parley.DetectingTranscriber, src source, lv *levels, tracks []track, recs []parley.Recognition, allowed []string) ([]string, []*parley.Recognition, error) {
	langs := make([]string, len(tracks))
	firsts := make([]*parley.Recognition, len(tracks))
	errs := make([]error, len(tracks))
	var wg sync.WaitGroup
	for i, tk := range tracks {
		samples, err := p.firstWindow(src, lv, tk) // read here: the source is read by one goroutine
		if err != nil {
			wg.Wait()
			return nil, nil, err
		}
		if samples == nil {
			continue
		}
		wctx := parley.WithPrompt(ctx, "") // packed windows are read without the prompt; an opening with it
		wg.Go(guarded(&errs[i], func() {
			lang, prob, rec, err := d.DetectAndTranscribe(wctx, samples, allowed)
			if err != nil {
				errs[i] = languageError(err, tk)
				return
			}
			langs[i], firsts[i] = noteLanguage(&recs[i], lang, prob), &rec
		}))
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return langs, firsts, nil
}

// gapBetweenPieces is the silence between packed speech regions: enough for the recogniser to end a
// segment there.
const gapBetweenPieces = 300 * time.Millisecond

// windowsInFlight bounds the packed windows of one call held in memory at once (filled and waiting for,
// or in, recognition): 8 × 30 s at 16 kHz is 15 MB.
const windowsInFlight = 8

// recogniseWhole reads each active channel whole, resamples it to 16 kHz and recognises it; the
// channels are recognised at once (the Transcriber runs as many as it has states for).
func (p *Pipeline) recogniseWhole(ctx context.Context, src source, active, unprompted []bool) ([]parley.Recognition, []error, error) {
	f := src.format()
	recs := make([]parley.Recognition, f.channels)
	errs := make([]error, f.channels)
	chans := make([][]float32, f.channels)
	for c := range chans {
		if active[c] {
			chans[c] = make([]float32, f.frames)
		}
	}
	if err := src.read(0, chans); err != nil {
		return nil, nil, err
	}
	rs := p.resampler(f.rate)
	var wg sync.WaitGroup
	for c, s := range chans {
		if s != nil {
			s16 := rs.Resample(s)
			chans[c] = nil
			ctx := ctx
			if unprompted[c] {
				ctx = parley.WithPrompt(ctx, "")
			}
			wg.Go(guarded(&errs[c], func() { recs[c], errs[c] = p.Transcriber.Transcribe(ctx, s16) }))
		}
	}
	wg.Wait()
	return recs, errs, nil
}

// recogniseSpeech packs the speech the voice detector finds into windows — by default across the
// channels, in call order, so that the short turns of both parties share windows; with PackPerChannel
// each channel's own — reads and resamples each window's pieces as it goes, front to back, and splits
// each window's segments back to their channels by their tokens' times.
func (p *Pipeline) recogniseSpeech(ctx context.Context, tx parley.Transcriber, src source, lv *levels, tracks []track, allowed []string) (recs []parley.Recognition, errs []error, dropped, openings int, err error) {
	f := src.format()
	recs = make([]parley.Recognition, len(tracks))
	errs = make([]error, len(tracks))
	rate := parley.SampleRate
	rs := p.resampler(f.rate)
	// The language of each speaker, detected once on their first speech, when the recogniser detects
	// it: every window is then read in its speaker's language, with no detection pass of its own.
	// An English-only recogniser with a detector beside it (language_model) is not given the speech of
	// a speaker in another language: it would read it as English nonsense. The transcript says so.
	var langs []string
	var firsts []*parley.Recognition // with one party per window: each track's first window, recognised with the detection
	if d, ok := tx.(parley.LanguageDetector); ok && d.DetectsLanguage() && parley.LanguageFrom(ctx) == "" {
		if dt, ok := tx.(parley.DetectingTranscriber); ok && p.PackPerChannel {
			langs, firsts, err = p.detectAndRecognise(ctx, dt, src, lv, tracks, recs, allowed)
		} else {
			langs, err = p.detectLanguages(ctx, d, src, lv, tracks, recs, allowed)
		}
		if err != nil {
			return nil, nil, 0, 0, err
		}
	} else if c, ok := tx.(parley.LanguageChecker); ok && c.ChecksLanguage() {
		found, err := p.detectLanguages(ctx, c, src, lv, tracks, recs, allowed)
		if err != nil {
			return nil, nil, 0, 0, err
		}
		tracks = slices.Clone(tracks)
		for i, l := range found {
			if l != "" && !parley.IsEnglish(l) && recs[i].LanguageProb >= MismatchProb {
				tracks[i].speech = nil // not recognised
			}
		}
	}
	mixed := false
	for _, l := range langs {
		mixed = mixed || l != "" && l != langs[0]
	}
	windows := p.windows(f, lv, tracks, p.PackPerChannel || mixed)
	done := map[int]parley.Recognition{} // windows recognised already, with the detection
	for c, rec := range firsts {
		// a track's windows keep their order: its first is the first of them
		if k := slices.IndexFunc(windows, func(w Window) bool { return w.Pieces[0].Channel == c && !w.Opening }); rec != nil && k >= 0 {
			done[k] = *rec
		}
	}
	noPrompt := make([]bool, len(windows))
	wrecs := make([]parley.Recognition, len(windows))
	werrs := make([]error, len(windows))
	wtrans := make([][]parley.Segment, len(windows))
	var wg sync.WaitGroup
	slots := make(chan struct{}, windowsInFlight)
	var readErr error
	for k := range windows {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		samples, err := p.fill(src, rs, windows[k], tracks)
		if err != nil {
			<-slots
			readErr = err
			break
		}
		wctx, translate := ctx, false
		if len(langs) > 0 && len(windows[k].Pieces) > 0 {
			if l := langs[windows[k].Pieces[0].Channel]; l != "" { // one language per window (mixed: one track)
				wctx, translate = parley.WithLanguage(ctx, l), p.Translate && !parley.IsEnglish(l)
			}
		}
		if windows[k].Opening {
			openings++
		} else {
			wctx = parley.WithPrompt(wctx, "")
		}
		recognise := func() {
			defer func() { <-slots }()
			ctx := wctx
			if rec, ok := done[k]; ok {
				wrecs[k] = rec
			} else {
				wrecs[k], werrs[k] = tx.Transcribe(ctx, samples)
			}
			if translate && werrs[k] == nil {
				var tr parley.Recognition
				if tr, werrs[k] = tx.Transcribe(parley.WithTranslate(ctx), samples); werrs[k] == nil {
					wtrans[k] = tr.Segments
				}
			}
			// A prompt can make whisper skip speech: such a window is read again without it, and the
			// reading that covers more of the window's speech is kept.
			if werrs[k] == nil && parley.PromptFrom(ctx) != "" {
				if missed := windows[k].uncovered(wrecs[k], rate); missed > 0 {
					again, err := tx.Transcribe(parley.WithPrompt(ctx, ""), samples)
					if err == nil && windows[k].uncovered(again, rate) < missed {
						wrecs[k], noPrompt[k] = again, true
					}
				}
			}
		}
		wg.Go(guarded(&werrs[k], recognise))
	}
	wg.Wait()
	if readErr != nil {
		return nil, nil, 0, 0, readErr
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, 0, 0, err
	}
	for _, b := range noPrompt {
		if b {
			dropped++
		}
	}
	// The opening read with the prompt, per track: its text replaces the packed windows' text there.
	opening := make([]*Piece, len(tracks))
	for k, w := range windows {
		if w.Opening && werrs[k] == nil && len(wrecs[k].Segments) > 0 {
			opening[w.Pieces[0].Channel] = &windows[k].Pieces[0]
		}
	}
	inOpening := func(s parley.Segment) bool {
		pc := opening[s.Channel]
		if pc == nil {
			return false
		}
		mid := int(((s.Start + s.End) / 2).Seconds() * float64(rate))
		return mid >= pc.From && mid < pc.From+pc.Len
	}
	for k, w := range windows {
		if werrs[k] != nil {
			for _, pc := range w.Pieces {
				errs[pc.Channel] = werrs[k]
			}
			continue
		}
		for _, s := range w.SplitAll(wrecs[k].Segments, rate) {
			if !w.Opening && inOpening(s) {
				continue
			}
			recs[s.Channel].Segments = append(recs[s.Channel].Segments, s)
		}
		for _, s := range w.SplitAll(wtrans[k], rate) {
			if !w.Opening && inOpening(s) {
				continue
			}
			recs[s.Channel].Translation = append(recs[s.Channel].Translation, s)
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
	return recs, errs, dropped, openings, nil
}

// windows packs the speech of the tracks into windows of 16 kHz samples — across the tracks, in call
// order, or with perTrack each track's own — in the order they are to be read. A piece's
// Channel is its track's index.
func (p *Pipeline) windows(f sourceFormat, lv *levels, tracks []track, perTrack bool) []Window {
	maxWindow := p.MaxWindow
	if maxWindow == 0 {
		maxWindow = 29500 * time.Millisecond
	}
	rate := parley.SampleRate
	rs := p.resampler(f.rate)
	n16 := rs.OutLen(f.frames)
	to16 := func(s int) int { return int(int64(s) * int64(rate) / int64(f.rate)) }
	from16 := func(s int) int { return int(int64(s) * int64(f.rate) / int64(rate)) }
	regions := make([][]Region, len(tracks))
	for i, tk := range tracks {
		for _, r := range tk.speech {
			end := int((int64(r.End)*int64(rate) + int64(f.rate) - 1) / int64(f.rate)) // rounded up
			if r16 := (Region{to16(r.Start), min(n16, end)}); r16.End > r16.Start {
				regions[i] = append(regions[i], r16)
			}
		}
	}
	maxLen, gap := int(maxWindow.Seconds()*float64(rate)), int(gapBetweenPieces.Seconds()*float64(rate))
	// A region longer than a window is cut at its quietest 100 ms in the window's last fifth.
	cut := func(ch, start int) int {
		q := lv.quietest(tracks[ch].channel, from16(start+maxLen*4/5), from16(start+maxLen), 100*time.Millisecond)
		return to16(q) - start
	}
	var windows []Window
	if perTrack {
		for c := range regions {
			only := make([][]Region, len(regions))
			only[c] = regions[c]
			windows = append(windows, Pack(only, maxLen, gap, cut)...)
		}
	} else {
		windows = Pack(regions, maxLen, gap, cut)
	}
	// A track's opening — its first region of speech, when it fits a window — is read a second time,
	// alone and with the vocabulary prompt; that reading replaces the opening's text from the windows
	// above, which are packed and read as without a prompt.
	for i, tk := range tracks {
		if tk.opening && len(regions[i]) > 0 && regions[i][0].End-regions[i][0].Start <= maxLen {
			only := make([][]Region, len(regions))
			only[i] = regions[i][:1]
			w := Pack(only, maxLen, gap, cut)[0]
			w.Opening = true
			windows = append(windows, w)
		}
	}
	// Front to back through the recording (an opening after the window that holds it too).
	slices.SortStableFunc(windows, func(a, b Window) int { return a.Pieces[0].From - b.Pieces[0].From })
	return windows
}

// fill reads a window's pieces from the source — each with the margin its resampling filter needs, so
// that it comes out as the same samples as resampling the whole channel — and lays them out at 16 kHz.
func (p *Pipeline) fill(src source, rs *Resampler, w Window, tracks []track) ([]float32, error) {
	f := src.format()
	out := make([]float32, w.Len)
	for _, pc := range w.Pieces {
		from, to := rs.Span(pc.From, pc.Len)
		from, to = max(0, from), min(f.frames, to)
		dst := make([][]float32, f.channels)
		c := tracks[pc.Channel].channel
		dst[c] = make([]float32, max(0, to-from))
		if to > from {
			if err := src.read(from, dst); err != nil {
				return nil, err
			}
		}
		copy(out[pc.At:pc.At+pc.Len], rs.ResampleAt(dst[c], from, pc.From, pc.Len))
	}
	return out, nil
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

// quoteMarks are not speech: whisper writes a segment, or a part of one, as a quotation now and then
// (one segment in 30 of the labelled calls with greedy decoding, one in 7 with beam search), and what
// reads the text takes the marks for meaning — the sentence encoder read a customer's
// "Hello, I want to get a thing for my daughter…" in quotes at intent margin −0.43 against −0.18
// without them, enough to turn that call's intent into unclear.
const quoteMarks = "\"“”„"

// dropQuoteMarks removes the quotation marks from text.
func dropQuoteMarks(text string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(quoteMarks, r) {
			return -1
		}
		return r
	}, text)
}

// unquote removes quotation marks from a recognised segment's text and tokens. A token that was only
// a quotation mark goes, and the space it opened with moves to the next token so that the words stay
// apart (calldoc.Words starts a word at a token that starts with a space).
func unquote(s parley.Segment) parley.Segment {
	if !strings.ContainsAny(s.Text, quoteMarks) {
		return s
	}
	s.Text = strings.Join(strings.Fields(dropQuoteMarks(s.Text)), " ")
	toks := make([]parley.Token, 0, len(s.Tokens))
	space := false
	for _, t := range s.Tokens {
		t.Text = dropQuoteMarks(t.Text)
		if strings.TrimSpace(t.Text) == "" {
			space = space || strings.HasPrefix(t.Text, " ")
			continue
		}
		if space && !strings.HasPrefix(t.Text, " ") {
			t.Text = " " + t.Text
		}
		space = false
		toks = append(toks, t)
	}
	s.Tokens = toks
	return s
}

// nonSpeech matches what recognisers write for sounds that are not words.
var nonSpeech = regexp.MustCompile(`^\s*([\[(♪*][^\])]*[\])♪*]\s*)+$`)

// Sound without speech: half-second windows louder than this, for at least this long, outside the
// channel's recognised speech.
const (
	soundWindow   = 500 * time.Millisecond
	soundDBFS     = -45.0
	soundMinSpans = 6 // windows: 3 s
)

// soundWithoutSpeech finds stretches where a channel carries sound but nothing was recognised in them.
func soundWithoutSpeech(lv *levels, c int, segs []parley.Segment) []parley.Span {
	out := []parley.Span{}
	n := int(samplesToDuration(lv.n, lv.rate) / soundWindow)
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
		if !speech && lv.dbfs(c, from, to) > soundDBFS {
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

// ValidateRoles checks a channel→role map: one role per channel of a multichannel recording (2 to
// MaxChannelsLimit), the agent and the customer on one channel each at most.
func ValidateRoles(roles []parley.Role) error {
	if len(roles) < 2 || len(roles) > MaxChannelsLimit {
		return parley.Errorf(parley.CodeConfig, "channel roles: want one per channel (left, right, …), 2 to %d, got %d", MaxChannelsLimit, len(roles))
	}
	for i, r := range roles {
		if r != parley.RoleUnknown && slices.Index(roles, r) != i {
			return parley.Errorf(parley.CodeConfig, "channel roles: channels %d and %d are both %s", slices.Index(roles, r), i, r)
		}
	}
	return nil
}

// guarded runs f and makes a panic in it *err: a defect one call's recognition runs into in a goroutine
// of its own is that call's error, not the end of the process (process.Processor.Transcribe recovers
// the rest of a call's reading).
func guarded(err *error, f func()) func() {
	return func() {
		defer func() {
			if r := recover(); r != nil {
				*err = parley.Panicked(r, "recognition")
			}
		}()
		f()
	}
}
