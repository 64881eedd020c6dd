// Package whisper implements parley.Transcriber with whisper.cpp through its Go bindings. The model is
// loaded once per process. whisper.cpp keeps one decoding state per loaded model, and every context made
// from that model shares it, so Transcriber serialises recognition on a model: concurrency comes from the
// thread count inside one recognition (and, later, from more loaded models), never from two recognitions
// on one state.
package whisper

/*
#include <stdio.h>
#include <whisper.h>

// whisper.cpp and ggml log every step to stderr; parley keeps its own output clean and passes on errors.
static void parley_whisper_log(enum ggml_log_level level, const char *text, void *user) {
	if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}
static void parley_whisper_quiet(void) { whisper_log_set(parley_whisper_log, NULL); }
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	wb "github.com/ggerganov/whisper.cpp/bindings/go/pkg/whisper"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/models"
)

// Options tune recognition.
type Options struct {
	Threads  int    // CPU threads for one recognition; 0: whisper.cpp's default
	Language string // "en", "de"…, or "auto" to detect; English-only models always use "en"
	Verbose  bool   // keep whisper.cpp's own log on stderr
}

// Transcriber recognises speech with one loaded whisper model.
type Transcriber struct {
	model wb.Model
	opts  Options
	mu    sync.Mutex // one recognition at a time on the model's shared state
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
	m, err := wb.New(path)
	if err != nil {
		return nil, parley.WrapError(parley.CodeModelCorrupt, err, "load model %s", path)
	}
	if opts.Language == "" {
		opts.Language = "auto"
	}
	return &Transcriber{model: m, opts: opts}, nil
}

// Close frees the model.
func (t *Transcriber) Close() error { return t.model.Close() }

// Multilingual reports whether the model knows more languages than English.
func (t *Transcriber) Multilingual() bool { return t.model.IsMultilingual() }

// Transcribe recognises 16 kHz mono samples. It waits while another recognition runs on the model.
// Cancelling ctx stops recognition before the next encoder pass.
func (t *Transcriber) Transcribe(ctx context.Context, samples []float32) (parley.Recognition, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return parley.Recognition{}, err
	}
	wctx, err := t.model.NewContext()
	if err != nil {
		return parley.Recognition{}, fmt.Errorf("new context: %w", err)
	}
	if t.opts.Threads > 0 {
		wctx.SetThreads(uint(t.opts.Threads))
	}
	lang := "en"
	if t.model.IsMultilingual() {
		if err := wctx.SetLanguage(t.opts.Language); err != nil {
			return parley.Recognition{}, parley.WrapError(parley.CodeConfig, err, "language %q", t.opts.Language)
		}
		lang = t.opts.Language
	}
	keepGoing := func() bool { return ctx.Err() == nil }
	if err := wctx.Process(samples, keepGoing, nil, nil); err != nil {
		if ctx.Err() != nil {
			return parley.Recognition{}, ctx.Err()
		}
		return parley.Recognition{}, fmt.Errorf("whisper: %w", err)
	}
	if ctx.Err() != nil { // whisper_full returns success when the encoder callback aborts
		return parley.Recognition{}, ctx.Err()
	}
	if lang == "auto" {
		lang = wctx.DetectedLanguage()
	}
	rec := parley.Recognition{Language: lang}
	for {
		seg, err := wctx.NextSegment()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return parley.Recognition{}, fmt.Errorf("whisper segment: %w", err)
		}
		var sum float64
		var n int
		for _, tok := range seg.Tokens {
			if wctx.IsText(tok) {
				sum += float64(tok.P)
				n++
			}
		}
		conf := 0.0
		if n > 0 {
			conf = sum / float64(n)
		}
		rec.Segments = append(rec.Segments, parley.Segment{
			Start: seg.Start, End: seg.End, Text: seg.Text, Confidence: conf,
		})
	}
	return rec, nil
}
