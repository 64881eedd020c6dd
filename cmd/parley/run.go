package main

import (
	"bytes"
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/nlp"
	"github.com/parley-cc/parley/process"
	"github.com/parley-cc/parley/report"
	"github.com/parley-cc/parley/scoring"
	"github.com/parley-cc/parley/storage"
	"github.com/parley-cc/parley/transcribe"
	"github.com/parley-cc/parley/transcribe/whisper"
)

func (m *Main) runCmd(ctx context.Context, args []string) int {
	fset := flag.NewFlagSet("run", flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	out := fset.String("out", "out", "output `dir` for <call>.json, <call>.vtt and summary.json")
	progress := fset.String("progress", "auto", "progress bar on stderr: auto (when a terminal), on, off")
	cpuProfile := fset.String("cpuprofile", "", "write a CPU profile (go tool pprof) of the run to `file`")
	memProfile := fset.String("memprofile", "", "write a heap profile (go tool pprof) to `file` when the run ends: what stays live")
	cfg, err := loadConfig(fset, args, m.Environ)
	if err != nil {
		return m.exit(err)
	}
	if fset.NArg() == 0 {
		fmt.Fprintln(m.Stderr, "parley run: no input: give WAV files or directories")
		return exitUsage
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return m.exit(err)
		}
		defer stop()
	}
	inputs, missing, skipped := process.Collect(fset.Args(), cfg.Transcripts)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return m.exit(parley.WrapError(parley.CodeIO, err, "create output dir"))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A whisper model is loaded only when some input needs recognition: transcripts alone need none. It
	// loads while the scorecard is read and its examples embedded (together about 0.4 s before the first
	// recognition could start, one after the other).
	type transcriberOrErr struct {
		path string
		w    *whisper.Transcriber
		err  error
	}
	var opened chan transcriberOrErr
	probe := &process.Processor{Transcripts: cfg.Transcripts}
	if slices.ContainsFunc(inputs, func(p string) bool { return probe.NeedsModel(ctx, process.Local(p)) }) {
		opened = make(chan transcriberOrErr, 1)
		cfg.besideRecognition = true // before the scorecard loads the sentence encoder
		go func() {
			path, w, err := openTranscriber(cfg)
			opened <- transcriberOrErr{path, w, err}
		}()
	}
	// The scorecard is read first (a bad one stops the run before any call is read); the NLP stage
	// loads its models while the first calls are recognised, and joins before the first result is
	// analysed.
	scorecard, err := cfg.LoadScorecard()
	if err != nil {
		if opened != nil {
			if o := <-opened; o.w != nil {
				o.w.Close()
			}
		}
		return m.exit(err)
	}
	type analyzerOrErr struct {
		a   *nlp.Analyzer
		err error
	}
	analyzerc := make(chan analyzerOrErr, 1)
	go func() {
		a, err := cfg.Analyzer()
		analyzerc <- analyzerOrErr{a, err}
	}()
	var tr parley.Transcriber
	var secondHearing *transcribe.SecondHearing
	modelPath := ""
	if opened != nil {
		o := <-opened
		if o.err != nil {
			return m.exit(o.err)
		}
		path, w := o.path, o.w
		defer func() {
			cancel() // calls still in recognition stop at their next encoder pass; Close waits for them
			w.Close()
		}()
		again, closeAgain, err := openSecondHearing(cfg, scorecard, path, w)
		if err != nil {
			return m.exit(err) // the model loaded above is closed by its defer
		}
		defer func() {
			cancel()
			closeAgain()
		}()
		modelPath, tr, secondHearing = path, w, again
	}
	proc := cfg.Processor(tr, modelPath, nil, scorecard)
	proc.Pipeline.Again = secondHearing

	var bar *progressbar.ProgressBar
	if *progress == "on" || (*progress == "auto" && isTerminal(m.Stderr)) {
		// The bar advances by bytes, so the ETA holds when a one-hour call follows ten short ones.
		bar = progressbar.NewOptions64(totalSize(inputs), progressbar.OptionSetWriter(m.Stderr),
			progressbar.OptionSetPredictTime(true), progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionSetWidth(30), progressbar.OptionClearOnFinish())
	}
	interrupted := false
	// Calls are transcribed a few at a time — one more than the recognitions that can run at once — so
	// that decoding, resampling and the voice detector of the next call overlap with recognition of
	// this one; results are analysed and written in input order as they complete.
	slots := make([]chan parley.Result, len(inputs))
	for i := range slots {
		slots[i] = make(chan parley.Result, 1)
	}
	sem := make(chan struct{}, cfg.WhisperStates()+1)
	go func() {
		for i, path := range inputs {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go func() {
				defer func() { <-sem }()
				slots[i] <- proc.Transcribe(ctx, process.Local(path))
			}()
		}
	}()
	an := <-analyzerc
	if an.err != nil {
		cancel()
		return m.exit(an.err)
	}
	proc.Stages.Analyzer = an.a
	b := newBatch(*out, proc)
	b.sum.Skipped = skipped
	for _, p := range missing {
		b.add(parley.Result{Call: parley.Call{ID: transcribe.CallID(p), Source: p},
			Err: parley.Errorf(parley.CodeIO, "%s does not exist", p)})
	}
	for i, path := range inputs {
		if bar != nil {
			bar.Describe(fmt.Sprintf("[%d/%d] %s", i+1, len(inputs), transcribe.CallID(path)))
		}
		var res parley.Result
		select {
		case res = <-slots[i]:
		case <-ctx.Done():
		}
		if ctx.Err() != nil { // cut short by Ctrl-C: not a verdict on the file
			interrupted = true
			break
		}
		b.add(res)
		if bar != nil {
			bar.Add64(fileSize(path))
		} else if res.Err != nil {
			slog.Warn("failed", "input", path, "error", res.Err)
		} else {
			slog.Info("transcribed", "input", path, "audio", res.Call.Duration.Round(time.Millisecond), "took", res.Elapsed.Round(time.Millisecond))
		}
	}
	if bar != nil {
		bar.Finish()
	}
	if err := b.finish(); err != nil {
		return m.exit(err)
	}
	if *memProfile != "" {
		writeHeapProfile(*memProfile, m.Stderr)
		runtime.KeepAlive(proc) // its models are what the profile is for
	}
	fmt.Fprintf(m.Stderr, "parley: %d ok, %d failed, %.1f s of audio in %.1f s → %s\n",
		b.sum.OK, b.sum.Failed, b.sum.AudioS, b.sum.WallS, filepath.Join(*out, "summary.json"))
	switch {
	case interrupted:
		fmt.Fprintf(m.Stderr, "parley: interrupted after %d of %d inputs\n", b.sum.Total, len(inputs)+len(missing))
		return 130
	case b.sum.Failed > 0:
		return exitFailed
	}
	return exitOK
}

// batch writes each result as it comes and keeps the summary.
type batch struct {
	out  parley.Store
	ids  map[string]bool
	sum  report.Summary
	proc *process.Processor
}

func newBatch(out string, proc *process.Processor) *batch {
	b := &batch{out: &storage.FS{Root: out}, ids: map[string]bool{}, proc: proc}
	b.sum.SchemaVersion, b.sum.StartedAt, b.sum.Model = parley.SchemaVersion, time.Now().UTC(), proc.Model
	return b
}

// finish writes summary.json.
func (b *batch) finish() error {
	b.sum.FinishedAt = time.Now().UTC()
	b.sum.WallS = b.sum.FinishedAt.Sub(b.sum.StartedAt).Seconds()
	var buf bytes.Buffer
	if err := report.EncodeJSON(&buf, b.sum); err != nil {
		return err
	}
	if err := b.out.Put(context.Background(), "summary.json", &buf, int64(buf.Len()), "application/json"); err != nil {
		return parley.WrapError(parley.CodeIO, err, "write summary")
	}
	return nil
}

func (b *batch) add(res parley.Result) {
	// Two inputs with one name (a/call.wav, b/call.wav) must not overwrite each other's results.
	id := res.Call.ID
	for i := 2; b.ids[id]; i++ {
		id = fmt.Sprintf("%s-%d", res.Call.ID, i)
	}
	b.ids[id] = true
	res.Call.ID = id
	var outputs []string
	if res.Err == nil {
		// Redaction happens in Finish, on the transcript itself, before any output is written.
		doc, err := b.proc.Finish(&res)
		if err == nil {
			outputs, err = process.Write(context.Background(), b.out, id, doc)
		}
		res.Err = err
	}
	b.sum.Add(res, outputs)
}

// openTranscriber resolves the configured model and loads it.
func openTranscriber(cfg *Config) (string, *whisper.Transcriber, error) {
	path, tr, err := openRecogniser(cfg, cfg.Model)
	if err != nil {
		return "", nil, err
	}
	if cfg.LanguageModel != "" && !tr.Multilingual() { // tells other languages for an English-only model
		dpath, err := cfg.modelCache().Resolve(cfg.LanguageModel)
		if err == nil {
			var d *whisper.Transcriber
			if d, err = whisper.Open(dpath, whisper.Options{Threads: cfg.Threads, States: 1, Language: "auto"}); err == nil {
				if err = tr.SetDetector(d); err != nil {
					d.Close()
				}
			}
		}
		if err != nil {
			tr.Close()
			return "", nil, fmt.Errorf("language_model: %w", err)
		}
	}
	return path, tr, nil
}

// openSecondHearing loads the model of second_hearing, when set, to read the agent's speech again
// (transcribe.Pipeline.Again) on the calls whose first reading the scorecard misses a line of, at
// second_hearing_beam; close releases it. The model of the first reading (first, loaded from
// firstPath) is not loaded twice: named again it hears the agent again with its own states, and must
// then decode otherwise than the first time. It serves the scorecard only: without one (scoring off)
// it is not loaded.
func openSecondHearing(cfg *Config, scorecard *scoring.Scorecard, firstPath string, first parley.Transcriber) (again *transcribe.SecondHearing, close func(), err error) {
	if cfg.SecondHearing == "" {
		return nil, func() {}, nil
	}
	if scorecard == nil {
		slog.Warn("second_hearing not loaded: it only serves the scorecard, and scoring is off")
		return nil, func() {}, nil
	}
	beam := cmp.Or(cfg.SecondHearingBeam, cfg.BeamSize) // the width it decodes at (0, 1: greedy)
	path, err := cfg.modelCache().Resolve(cfg.SecondHearing)
	if err != nil {
		return nil, nil, fmt.Errorf("second_hearing: %w", err)
	}
	if sameFile(path, firstPath) {
		if max(beam, 1) == max(cfg.BeamSize, 1) {
			return nil, nil, parley.Errorf(parley.CodeConfig, "second_hearing: %s is the model of the first reading, decoded the same way (beam_size %d, second_hearing_beam %d): it would hear the same words; set second_hearing_beam to another width", filepath.Base(path), cfg.BeamSize, cfg.SecondHearingBeam)
		}
		return &transcribe.SecondHearing{Transcriber: first, Model: filepath.Base(path), BeamSize: beam, Needed: scorecard.Misses}, func() {}, nil
	}
	w, err := loadRecogniser(cfg, path)
	if err != nil {
		return nil, nil, fmt.Errorf("second_hearing: %w", err)
	}
	return &transcribe.SecondHearing{Transcriber: w, Model: filepath.Base(path), BeamSize: beam, Needed: scorecard.Misses}, func() { w.Close() }, nil
}

// sameFile tells whether two paths name one file.
func sameFile(a, b string) bool {
	x, err := os.Stat(a)
	if err != nil {
		return false
	}
	y, err := os.Stat(b)
	return err == nil && os.SameFile(x, y)
}

// openRecogniser resolves a model (a catalog name or a path) and loads it with the recognition settings.
func openRecogniser(cfg *Config, model string) (string, *whisper.Transcriber, error) {
	path, err := cfg.modelCache().Resolve(model)
	if err != nil {
		return "", nil, err
	}
	tr, err := loadRecogniser(cfg, path)
	if err != nil {
		return "", nil, err
	}
	return path, tr, nil
}

// loadRecogniser loads a resolved model file with the recognition settings.
func loadRecogniser(cfg *Config, path string) (*whisper.Transcriber, error) {
	return whisper.Open(path, whisper.Options{Threads: cfg.Threads, States: cfg.WhisperStates(), Language: cfg.Language,
		BeamSize: cfg.BeamSize, NoFallback: !cfg.Fallback})
}

func fileSize(path string) int64 {
	if st, err := os.Stat(path); err == nil {
		return max(st.Size(), 1)
	}
	return 1
}

func totalSize(paths []string) int64 {
	var n int64
	for _, p := range paths {
		n += fileSize(p)
	}
	return n
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// startCPUProfile profiles the process until the returned function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, parley.WrapError(parley.CodeIO, err, "cpu profile")
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, parley.WrapError(parley.CodeIO, err, "cpu profile")
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeHeapProfile writes what is live on the Go heap (after a collection) to path; a failure is only
// reported, the run's results stand.
func writeHeapProfile(path string, stderr io.Writer) {
	runtime.GC()
	f, err := os.Create(path)
	if err == nil {
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "parley run: heap profile: %v\n", err)
	}
}
