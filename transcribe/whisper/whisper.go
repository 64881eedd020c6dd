// Package whisper implements parley.Transcriber with whisper.cpp, called through cgo. The model is loaded
// once per process; recognitions run on a pool of whisper states (whisper_init_state and
// whisper_full_with_state), each with its own buffers, so that several run at once on one model in
// memory. The Go bindings of whisper.cpp keep one state per model and so serialise recognition; this
// package talks to the same C API directly for that reason.
package whisper

/*
#cgo LDFLAGS: -lm -lstdc++
#cgo linux LDFLAGS: -fopenmp
#include <stdio.h>
#include <stdlib.h>
#include <whisper.h>

// whisper.cpp and ggml log every step to stderr; parley keeps its own output clean and passes on errors.
static void parley_whisper_log(enum ggml_log_level level, const char *text, void *user) {
	if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}
static void parley_whisper_quiet(void) { whisper_log_set(parley_whisper_log, NULL); }

// Recognition stops before the next encoder pass once the flag is set (the caller's context ended).
static bool parley_abort(void *flag) { return *(volatile int *)flag != 0; }

static struct whisper_full_params parley_params(int threads, const char *lang, int beam, float temperature_inc, const char *prompt, bool translate, bool fail_decodes, volatile int *abort_flag) {
	struct whisper_full_params p = whisper_full_default_params(beam > 1 ? WHISPER_SAMPLING_BEAM_SEARCH : WHISPER_SAMPLING_GREEDY);
	p.n_threads = threads;
	p.language = lang;
	p.translate = translate;
	p.no_context = true;
	p.token_timestamps = true; // token times let the pipeline split a segment between packed pieces
	p.print_special = false;
	p.print_progress = false;
	p.print_realtime = false;
	p.print_timestamps = false;
	if (beam > 1) p.beam_search.beam_size = beam;
	if (prompt != NULL) p.initial_prompt = prompt;
	if (temperature_inc >= 0) p.temperature_inc = temperature_inc;
	if (fail_decodes) p.logprob_thold = 0.0f; // (tests) every decode fails the check: the whole fallback runs
	p.abort_callback = parley_abort;
	p.abort_callback_user_data = (void *)abort_flag;
	return p;
}

static struct whisper_context *parley_load(const char *path, bool fast_spectrogram, bool shrink_kv_self, bool one_compute_buffer) {
	struct whisper_context_params cp = whisper_context_default_params();
	cp.use_gpu = false;
	// Flash attention speeds the encoder up on CPU, but slows the decoder down (one token's attention
	// over 1,500 cached frames); scripts/whisper-patches/whisper-cpu-attention.patch lets the decoder use
	// plain attention.
	cp.decoder_no_flash_attn = true;
	// The encoder's flash attention converts float16 keys and values again for every tile of queries;
	// kept in float32 (a few MB per state), it encodes a window 13-18 % faster.
	cp.encoder_kv_f32 = true;
	// The spectrogram's DFTs without a division per term and its mel filters over the bins they cover
	// (scripts/whisper-patches/whisper-spectrogram.patch): the same numbers, about 2 % of a run saved.
	cp.fast_spectrogram = fast_spectrogram;
	// A temperature fallback decodes with best_of (5) decoders, for which whisper.cpp makes the
	// self-attention cache seven times larger and keeps it so for the state's life (about 38 MB more with
	// base); made small again for the next one-decoder decode, and for sampling decoders only three
	// times larger, as much as they can fill
	// (scripts/whisper-patches/whisper-state-kv-cache.patch). Beam search keeps its larger cache. With
	// it, a cache that cannot be made fails the recognition (-7) but leaves the state to the pool:
	// whisper.cpp frees the state there, under a caller that would put it back and use it again.
	cp.shrink_kv_self = shrink_kv_self;
	// whisper.cpp gives each state four compute buffers, one per graph (the convolution 14.7 MB with
	// base, the encoder 21.5, the cross-attention cache 3.1, the decoder), and every window touches all
	// of them; as one graph for the encoding, sharing one buffer with the decoder, a state touches only
	// the largest (scripts/whisper-patches/whisper-state-one-compute-buffer.patch).
	cp.one_compute_buffer = one_compute_buffer;
	// Without the context's own state: every recognition runs on a state of the pool
	// (whisper_init_state), so the default one would only hold memory (its caches are cleared, so
	// touched: about 30 MB with base).
	return whisper_init_from_file_with_params_no_state(path, cp);
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/ggml"
	"github.com/parley-cc/parley/models"
)

// Options tune recognition.
type Options struct {
	Threads  int    // CPU threads for one recognition; 0: all CPUs divided among the states
	States   int    // recognitions at once on the model (each holds its own buffers); 0: 1
	Language string // "en", "de"…, or "auto" to detect; English-only models always use "en"
	// BeamSize > 1 decodes with beam search of that width; otherwise greedy.
	BeamSize int
	// NoFallback turns off whisper's temperature fallback (decoding again at higher temperatures when
	// a decode fails its quality checks).
	NoFallback bool
	Verbose    bool // keep whisper.cpp's own log on stderr
	// releasedSpectrogram computes the spectrogram with whisper.cpp's own code rather than the same
	// numbers faster (tests compare the two).
	releasedSpectrogram bool
	// keepKVCache keeps a state's self-attention cache as large as its largest decode made it, as
	// whisper.cpp does (tests compare the two).
	keepKVCache bool
	// bufferPerGraph gives each of a state's graphs (convolution, encoder, cross-attention cache,
	// decoder) a compute buffer of its own, as whisper.cpp does (tests compare the two).
	bufferPerGraph bool
}

// failDecodesKey, in a recognition's context (tests only), makes every decode fail whisper's quality
// check, so that the recognition goes through the whole temperature fallback with best_of decoders.
type failDecodesKey struct{}

// ErrClosed is returned by Transcribe after Close.
var ErrClosed = errors.New("whisper: transcriber closed")

// Transcriber recognises speech with one loaded whisper model.
type Transcriber struct {
	ctx    *C.struct_whisper_context
	opts   Options
	lang   *C.char // the language passed to whisper.cpp, kept for the model's life
	multi  bool
	eot    C.whisper_token
	states chan *C.struct_whisper_state // the idle states
	mu     sync.Mutex
	all    []*C.struct_whisper_state
	closed atomic.Bool
	done   chan struct{} // closed by Close
	// detector tells the language for an English-only model (SetDetector); nil: none.
	detector *Transcriber
}

var _ parley.Transcriber = (*Transcriber)(nil)

// Open checks the model file and loads it. A bad file gives a CodeModelCorrupt error naming the file,
// before whisper.cpp reads it.
func Open(path string, opts Options) (*Transcriber, error) {
	info, err := models.Inspect(path)
	if err != nil {
		return nil, err
	}
	if info.Tensors == 0 {
		slog.Warn("MODEL HAS NO WEIGHTS: whisper runs the full compute but the text is meaningless; use a real model (parley models pull tiny.en)", "model", path)
	}
	if !opts.Verbose {
		C.parley_whisper_quiet()
	}
	if opts.States < 1 {
		opts.States = 1
	}
	if opts.Threads < 1 {
		opts.Threads = max(1, runtime.NumCPU()/opts.States)
	}
	if opts.Language == "" {
		opts.Language = "auto"
	}
	if err := ggml.Load(); err != nil {
		return nil, err
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	wctx := C.parley_load(cpath, C.bool(!opts.releasedSpectrogram), C.bool(!opts.keepKVCache), C.bool(!opts.bufferPerGraph))
	if wctx == nil {
		return nil, parley.Errorf(parley.CodeModelCorrupt, "whisper.cpp could not load the model %s", path)
	}
	t := &Transcriber{ctx: wctx, opts: opts, multi: C.whisper_is_multilingual(wctx) != 0, eot: C.whisper_token_eot(wctx),
		states: make(chan *C.struct_whisper_state, opts.States), done: make(chan struct{})}
	lang := "en"
	if t.multi {
		lang = opts.Language
		if lang != "auto" {
			cl := C.CString(lang)
			id := C.whisper_lang_id(cl)
			C.free(unsafe.Pointer(cl))
			if id < 0 {
				C.whisper_free(wctx)
				return nil, parley.Errorf(parley.CodeConfig, "language %q is not one whisper knows", lang)
			}
		}
	}
	t.lang = C.CString(lang)
	for range opts.States {
		st := C.whisper_init_state(wctx)
		if st == nil {
			t.Close()
			return nil, parley.Errorf(parley.CodeTranscribe, "whisper.cpp could not allocate a recognition state")
		}
		t.all = append(t.all, st)
		t.states <- st
	}
	return t, nil
}

// Close waits for the recognitions still running (a cancelled one stops at its next encoder pass), then
// frees the states and the model. Transcribe fails with ErrClosed from then on.
func (t *Transcriber) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed.Swap(true) {
		return nil
	}
	if t.detector != nil {
		t.detector.Close()
	}
	close(t.done)
	// Every state is back in the pool once no recognition holds one; freeing a state whisper.cpp is
	// still computing on would corrupt the heap.
	for range t.all {
		<-t.states
	}
	for _, st := range t.all {
		C.whisper_free_state(st)
	}
	C.whisper_free(t.ctx)
	C.free(unsafe.Pointer(t.lang))
	return nil
}

// DetectsLanguage reports whether each recognition detects the language (a multilingual model with
// language auto), unless the context gives it (parley.WithLanguage).
func (t *Transcriber) DetectsLanguage() bool { return t.multi && t.opts.Language == "auto" }

var _ parley.LanguageDetector = (*Transcriber)(nil)

// Multilingual reports whether the model knows more languages than English.
func (t *Transcriber) Multilingual() bool { return t.multi }

// Options returns the options in force (threads and states filled in).
func (t *Transcriber) Options() Options { return t.opts }

// acquire takes a free state, waiting while all are busy; the caller puts it back. It fails once ctx
// ends or the transcriber is closed.
func (t *Transcriber) acquire(ctx context.Context) (*C.struct_whisper_state, error) {
	var st *C.struct_whisper_state
	select {
	case st = <-t.states:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.done:
		return nil, ErrClosed
	}
	if t.closed.Load() {
		t.states <- st
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		t.states <- st
		return nil, err
	}
	return st, nil
}

// Transcribe recognises 16 kHz mono samples on a free state, waiting while all are busy. Cancelling
// ctx stops recognition before the next encoder pass.
func (t *Transcriber) Transcribe(ctx context.Context, samples []float32) (parley.Recognition, error) {
	st, err := t.acquire(ctx)
	if err != nil {
		return parley.Recognition{}, err
	}
	defer func() { t.states <- st }()
	return t.recognise(ctx, st, samples)
}

// DetectAndTranscribe tells the language of 16 kHz mono samples as DetectLanguage does and recognises
// them in it, on one state with one encoder pass over their first 30 s: whisper decodes from the
// encoding the detection made (scripts/whisper-patches/whisper-reuse-encoding.patch) instead of
// encoding the same audio again. With no language told (no allowed one known) the samples are
// recognised as Transcribe does.
func (t *Transcriber) DetectAndTranscribe(ctx context.Context, samples []float32, allowed []string) (string, float64, parley.Recognition, error) {
	if !t.multi {
		lang, prob, err := t.DetectLanguage(ctx, samples, allowed)
		if err != nil {
			return "", 0, parley.Recognition{}, err
		}
		rec, err := t.Transcribe(ctx, samples)
		return lang, prob, rec, err
	}
	st, err := t.acquire(ctx)
	if err != nil {
		return "", 0, parley.Recognition{}, err
	}
	defer func() { t.states <- st }()
	lang, prob, err := t.detect(st, samples, allowed)
	if err != nil {
		return "", 0, parley.Recognition{}, err
	}
	if lang == "" {
		rec, err := t.recognise(ctx, st, samples)
		return "", 0, rec, err
	}
	C.whisper_state_reuse_encoding(st)
	rec, err := t.recognise(parley.WithLanguage(ctx, lang), st, samples)
	return lang, prob, rec, err
}

var _ parley.DetectingTranscriber = (*Transcriber)(nil)

// recognise runs whisper on samples with state st.
func (t *Transcriber) recognise(ctx context.Context, st *C.struct_whisper_state, samples []float32) (parley.Recognition, error) {
	if len(samples) == 0 {
		return parley.Recognition{Language: t.language(st, false)}, nil
	}
	flag := (*C.int)(C.calloc(1, C.size_t(unsafe.Sizeof(C.int(0)))))
	defer C.free(unsafe.Pointer(flag))
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			*(*int32)(unsafe.Pointer(flag)) = 1
		case <-done:
		}
	}()
	fallback := C.float(-1) // whisper.cpp's default step
	if t.opts.NoFallback {
		fallback = 0
	}
	var prompt *C.char
	if p := parley.PromptFrom(ctx); p != "" {
		prompt = C.CString(p)
		defer C.free(unsafe.Pointer(prompt))
	}
	lang := t.lang
	if l := parley.LanguageFrom(ctx); l != "" && t.DetectsLanguage() {
		// The caller detected the language already (on the call's first window): no detection pass,
		// which costs a whole encoder pass, on this one.
		cl := C.CString(l)
		defer C.free(unsafe.Pointer(cl))
		if C.whisper_lang_id(cl) >= 0 {
			lang = cl
		}
	}
	translate := C.bool(t.multi && parley.TranslateFrom(ctx))
	fail, _ := ctx.Value(failDecodesKey{}).(bool)
	beam := t.opts.BeamSize
	if n := parley.BeamSizeFrom(ctx); n > 0 {
		beam = n
	}
	params := C.parley_params(C.int(t.opts.Threads), lang, C.int(beam), fallback, prompt, translate, C.bool(fail), (*C.int)(flag))
	rc := C.whisper_full_with_state(t.ctx, st, params, (*C.float)(unsafe.Pointer(&samples[0])), C.int(len(samples)))
	if ctx.Err() != nil { // an aborted recognition may still return success
		return parley.Recognition{}, ctx.Err()
	}
	if rc != 0 {
		return parley.Recognition{}, fmt.Errorf("whisper_full_with_state returned %d", int(rc))
	}
	rec := parley.Recognition{Language: t.language(st, true)}
	n := int(C.whisper_full_n_segments_from_state(st))
	for i := range n {
		ci := C.int(i)
		seg := parley.Segment{
			Start: time.Duration(C.whisper_full_get_segment_t0_from_state(st, ci)) * 10 * time.Millisecond,
			End:   time.Duration(C.whisper_full_get_segment_t1_from_state(st, ci)) * 10 * time.Millisecond,
			Text:  strings.TrimSpace(C.GoString(C.whisper_full_get_segment_text_from_state(st, ci))),
		}
		var sum float64
		for j := range int(C.whisper_full_n_tokens_from_state(st, ci)) {
			d := C.whisper_full_get_token_data_from_state(st, ci, C.int(j))
			if d.id >= t.eot { // text tokens come before end-of-text in the vocabulary; specials after
				continue
			}
			sum += float64(d.p)
			seg.Tokens = append(seg.Tokens, parley.Token{
				Start: time.Duration(d.t0) * 10 * time.Millisecond, End: time.Duration(d.t1) * 10 * time.Millisecond,
				Text: C.GoString(C.whisper_full_get_token_text_from_state(t.ctx, st, ci, C.int(j))), P: float64(d.p)})
		}
		if len(seg.Tokens) > 0 {
			seg.Confidence = sum / float64(len(seg.Tokens))
		}
		rec.Segments = append(rec.Segments, seg)
	}
	return rec, nil
}

// SetDetector gives an English-only model a multilingual one that tells the language each speaker
// speaks (ChecksLanguage), so that speech in another language is flagged rather than read as English.
// The transcriber closes it. A multilingual model detects by itself and does not need one.
func (t *Transcriber) SetDetector(d *Transcriber) error {
	if t.multi {
		return parley.Errorf(parley.CodeConfig, "the model is multilingual: it detects the language itself (no language_model needed)")
	}
	if d == nil || !d.multi {
		return parley.Errorf(parley.CodeConfig, "language_model must be a multilingual model (base, small…, not a .en one)")
	}
	t.detector = d
	return nil
}

// ChecksLanguage reports whether an English-only model has a detector to tell other languages.
func (t *Transcriber) ChecksLanguage() bool { return !t.multi && t.detector != nil }

var _ parley.LanguageChecker = (*Transcriber)(nil)

// KnownLanguage tells whether whisper knows the language code (or name).
func KnownLanguage(lang string) bool {
	cl := C.CString(lang)
	defer C.free(unsafe.Pointer(cl))
	return C.whisper_lang_id(cl) >= 0
}

// DetectLanguage tells the language spoken in samples (16 kHz mono; the first 30 s are read) with one
// encoder pass, on a free state: the most probable of allowed (all whisper's languages when empty) and
// its probability among them. A model that knows only English answers "en", 1.
func (t *Transcriber) DetectLanguage(ctx context.Context, samples []float32, allowed []string) (string, float64, error) {
	if !t.multi {
		if t.detector != nil {
			return t.detector.DetectLanguage(ctx, samples, allowed)
		}
		return "en", 1, nil
	}
	st, err := t.acquire(ctx)
	if err != nil {
		return "", 0, err
	}
	defer func() { t.states <- st }()
	return t.detect(st, samples, allowed)
}

// detect tells the language of samples on state st, whose encoding of them it leaves in the state.
func (t *Transcriber) detect(st *C.struct_whisper_state, samples []float32, allowed []string) (string, float64, error) {
	if len(samples) == 0 {
		return "", 0, nil
	}
	if rc := C.whisper_pcm_to_mel_with_state(t.ctx, st, (*C.float)(unsafe.Pointer(&samples[0])), C.int(len(samples)), C.int(t.opts.Threads)); rc != 0 {
		return "", 0, fmt.Errorf("whisper_pcm_to_mel_with_state returned %d", int(rc))
	}
	probs := make([]C.float, int(C.whisper_lang_max_id())+1)
	if rc := C.whisper_lang_auto_detect_with_state(t.ctx, st, 0, C.int(t.opts.Threads), &probs[0]); rc < 0 {
		return "", 0, fmt.Errorf("whisper_lang_auto_detect_with_state returned %d", int(rc))
	}
	best, bestP, sum := "", -1.0, 0.0
	consider := func(id int) {
		p := float64(probs[id])
		sum += p
		if p > bestP {
			best, bestP = C.GoString(C.whisper_lang_str(C.int(id))), p
		}
	}
	if len(allowed) == 0 {
		for id := range probs {
			consider(id)
		}
	} else {
		for _, l := range allowed {
			cl := C.CString(l)
			id := int(C.whisper_lang_id(cl))
			C.free(unsafe.Pointer(cl))
			if id >= 0 {
				consider(id)
			}
		}
	}
	if best == "" || sum <= 0 {
		return "", 0, nil
	}
	return best, bestP / sum, nil
}

// MaxPromptTokens is how many tokens of a prompt whisper reads (half its text context); it drops the
// rest from the front.
func (t *Transcriber) MaxPromptTokens() int { return int(C.whisper_model_n_text_ctx(t.ctx))/2 - 1 }

// Tokens is the number of whisper tokens text takes.
func (t *Transcriber) Tokens(text string) int {
	ct := C.CString(text)
	defer C.free(unsafe.Pointer(ct))
	buf := make([]C.whisper_token, len(text)+8) // never more tokens than bytes
	return int(C.whisper_tokenize(t.ctx, ct, &buf[0], C.int(len(buf))))
}

// language is the recognition's language: "en" for English-only models, the configured one, or the
// one whisper detected.
func (t *Transcriber) language(st *C.struct_whisper_state, ran bool) string {
	switch {
	case !t.multi:
		return "en"
	case t.opts.Language != "auto":
		return t.opts.Language
	case ran:
		return C.GoString(C.whisper_lang_str(C.whisper_full_lang_id_from_state(st)))
	}
	return ""
}
