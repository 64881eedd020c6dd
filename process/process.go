// Package process owns one call from input to result: read the recording (or import its transcript),
// recognise it, read its metadata, analyse and score it, and write its files to a store. parley run
// schedules it over local files; the queue worker (jobs) runs the same code over a bucket's objects, so
// every option — transcripts, redaction, vocabulary, metadata, the scorecard — behaves the same on both.
package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/metadata"
	"github.com/parley-cc/parley/report"
	"github.com/parley-cc/parley/storage"
	"github.com/parley-cc/parley/transcribe"
)

// Transcripts settings: what to do with a transcript beside a recording.
const (
	TranscriptsIgnore = "ignore" // recognise the recording; the transcript is not read
	TranscriptsPrefer = "prefer" // import the transcript instead of recognising the recording
)

// ErrUnavailable marks failures of the store itself (not of the input): a retry may succeed.
var ErrUnavailable = errors.New("storage unavailable")

// Input is one call to process: a recording or a transcript in a store.
type Input struct {
	Store  parley.Store
	Key    string
	Source string // how results name it: the path given, or s3://bucket/key
}

// Local is the input of a file: its directory as a store, read in place.
func Local(file string) Input {
	return Input{Store: &storage.FS{Root: filepath.Dir(file)}, Key: filepath.Base(file), Source: file}
}

// Processor takes calls from input to result. It is safe for concurrent use when its Pipeline and
// Stages are.
type Processor struct {
	// Pipeline recognises recordings and imports transcripts; a Pipeline without a Transcriber imports
	// transcripts only (recordings then fail with model_missing).
	Pipeline    *transcribe.Pipeline
	Stages      Stages
	Metadata    *metadata.Reader // file-name pattern and caller-id salt; nil: sidecars only
	Transcripts string           // TranscriptsPrefer or TranscriptsIgnore ("")
	Model       string           // the recognition model, recorded in every document
	MaxFileSize int64            // recordings larger than this are refused before they are read (0: no limit)
	WorkDir     string           // where objects of remote stores are downloaded ("": the system's temporary directory)
}

// NeedsModel tells whether an input will be recognised (rather than imported) under these settings.
func (p *Processor) NeedsModel(ctx context.Context, in Input) bool {
	if !transcribe.IsRecording(in.Key) {
		return false
	}
	_, beside := p.transcriptBeside(ctx, in)
	return !beside
}

// Transcribe reads one input into a result: the transcript beside a recording when transcripts are
// preferred and one exists, else the recording recognised, or a transcript imported; with the
// metadata of its sidecar and file name. Errors are returned inside the result.
//
// A panic on the way — a defect one input runs into, in the decoder, the voice detector, an import or
// the metadata — is that input's error (internal), logged with its stack, and the batch goes on, as
// for analysis (Stages.Apply). (The pipeline recovers panics in the goroutines it starts; a crash
// inside whisper.cpp still ends the process.)
func (p *Processor) Transcribe(ctx context.Context, in Input) (out parley.Result) {
	defer func() {
		if r := recover(); r != nil {
			id := transcribe.CallID(in.Key)
			out = parley.Result{Call: parley.Call{ID: id, Source: in.Source}, Err: parley.Panicked(r, "reading "+id, "call_id", id, "input", in.Source)}
		}
	}()
	// The input's name becomes the call id and the names of its results: one that hides its real
	// characters (control or bidirectional-override characters) is refused.
	if err := storage.ValidKey(path.Base(in.Key)); err != nil {
		return parley.Result{Call: parley.Call{ID: "bad-name", Source: in.Source}, Err: err}
	}
	var res parley.Result
	if tk, ok := p.transcriptBeside(ctx, in); ok {
		res = p.importObject(ctx, in.Store, tk)
		res.Warnings = append([]string{"transcript_imported: " + path.Base(tk) + " used instead of recognising the audio"}, res.Warnings...)
	} else if transcribe.IsRecording(in.Key) {
		res = p.recognise(ctx, in)
	} else {
		res = p.importObject(ctx, in.Store, in.Key)
	}
	res.Call.ID, res.Call.Source = transcribe.CallID(in.Key), in.Source
	if o, err := in.Store.Stat(ctx, in.Key); err == nil {
		res.Call.Recorded = o.Modified // the call's time when its metadata has none
	}
	reader := p.Metadata
	if reader == nil {
		reader = &metadata.Reader{}
	}
	md, warnings := reader.ReadFrom(ctx, in.Store, in.Key)
	res.Metadata, res.Warnings = md, append(res.Warnings, warnings...)
	if md != nil && res.Transcript != nil {
		transcribe.SetDirection(res.Transcript, md.Direction)
	}
	if md != nil && md.AgentVoice > 0 && res.Transcript != nil {
		if err := transcribe.SetAgentVoice(res.Transcript, md.AgentVoice); err != nil {
			res.Warnings = append(res.Warnings, err.Error())
		}
	}
	return res
}

// Finish analyses and scores a transcribed result (redacting first, when configured) and returns its
// document; nothing unredacted leaves this step. An analysis that failed (Stages.Apply) is the call's
// error, and no document.
func (p *Processor) Finish(res *parley.Result) (calldoc.CallDoc, error) {
	if err := p.Stages.Apply(res); err != nil {
		return calldoc.CallDoc{}, err
	}
	model := p.Model
	if strings.HasPrefix(res.Call.Encoding, transcribe.EncodingTranscript) {
		model = "" // imported: no model of ours made this text
	}
	return calldoc.New(*res, model), nil
}

// Write puts a call's files (report.CallFiles) into a store under base, the JSON last, and returns their
// keys.
func Write(ctx context.Context, store parley.Store, base string, doc calldoc.CallDoc) ([]string, error) {
	var keys []string
	err := report.PutCallFiles(doc, base, func(key string, b []byte, contentType string) error {
		if err := store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), contentType); err != nil {
			return parley.WrapError(parley.CodeIO, err, "write %s", key)
		}
		keys = append(keys, key)
		return nil
	})
	return keys, err
}

// transcriptBeside finds the transcript next to a recording when transcripts are preferred.
func (p *Processor) transcriptBeside(ctx context.Context, in Input) (string, bool) {
	if p.Transcripts != TranscriptsPrefer || !transcribe.IsRecording(in.Key) {
		return "", false
	}
	base := transcribe.BaseName(in.Key)
	for _, suf := range transcribe.TranscriptSuffixes {
		if _, err := in.Store.Stat(ctx, base+suf); err == nil {
			return base + suf, true
		}
	}
	return "", false
}

// maxTranscript bounds a transcript read into memory.
const maxTranscript = 256 << 20

func (p *Processor) importObject(ctx context.Context, store parley.Store, key string) parley.Result {
	b, err := readObject(ctx, store, key, maxTranscript)
	if err != nil {
		return parley.Result{Call: parley.Call{ID: transcribe.CallID(key), Source: key}, Err: err}
	}
	return p.Pipeline.Import(key, b)
}

// recognise runs the pipeline on a recording: in place when the store is a directory, else downloaded
// (streamed to a file in WorkDir, never held in memory) and removed after.
func (p *Processor) recognise(ctx context.Context, in Input) parley.Result {
	start := time.Now()
	fail := func(err error) parley.Result {
		return parley.Result{Call: parley.Call{ID: transcribe.CallID(in.Key), Source: in.Source}, Err: err, Elapsed: time.Since(start)}
	}
	if p.Pipeline == nil || p.Pipeline.Transcriber == nil {
		return fail(parley.Errorf(parley.CodeModelMissing, "%s is a recording and no whisper model is loaded", path.Base(in.Key)))
	}
	file := ""
	if fs, ok := in.Store.(*storage.FS); ok {
		f, err := fs.LocalPath(in.Key)
		if err != nil {
			return fail(parley.WrapError(parley.CodeBadKey, err, "%s", in.Key))
		}
		file = f
	} else {
		f, err := p.download(ctx, in)
		if err != nil {
			return fail(err)
		}
		defer os.Remove(f)
		file = f
	}
	res := p.Pipeline.File(ctx, file)
	res.Elapsed = time.Since(start)
	return res
}

// download streams an object to a file, refusing one over MaxFileSize before reading it.
func (p *Processor) download(ctx context.Context, in Input) (string, error) {
	r, obj, err := in.Store.Open(ctx, in.Key)
	if err != nil {
		return "", storeError(err, in.Source)
	}
	defer r.Close()
	if p.MaxFileSize > 0 && obj.Size > p.MaxFileSize {
		return "", parley.Errorf(parley.CodeTooLarge, "%d bytes, over the %d-byte limit (max_file_size)", obj.Size, p.MaxFileSize)
	}
	f, err := os.CreateTemp(p.WorkDir, "call-*"+path.Ext(in.Key))
	if err != nil {
		return "", parley.WrapError(parley.CodeIO, err, "work directory")
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", parley.WrapError(parley.CodeIO, fmt.Errorf("%w: %w", ErrUnavailable, err), "download %s", in.Source)
	}
	return f.Name(), f.Close()
}

// readObject reads a whole object of at most limit bytes.
func readObject(ctx context.Context, store parley.Store, key string, limit int64) ([]byte, error) {
	r, obj, err := store.Open(ctx, key)
	if err != nil {
		return nil, storeError(err, key)
	}
	defer r.Close()
	if obj.Size > limit {
		return nil, parley.Errorf(parley.CodeTooLarge, "%s: %d bytes, over the %d-byte limit", path.Base(key), obj.Size, limit)
	}
	b, err := io.ReadAll(io.LimitReader(r, limit))
	if err != nil {
		return nil, parley.WrapError(parley.CodeIO, fmt.Errorf("%w: %w", ErrUnavailable, err), "read %s", key)
	}
	return b, nil
}

// storeError names a failed Open: the object is gone (for good), or the store failed (worth a retry).
func storeError(err error, name string) error {
	if errors.Is(err, parley.ErrNotFound) {
		return parley.WrapError(parley.CodeIO, err, "%s no longer exists", name)
	}
	return parley.WrapError(parley.CodeIO, fmt.Errorf("%w: %w", ErrUnavailable, err), "open %s", name)
}

// Collect expands directories into the recordings and transcripts below them (sorted) and returns
// paths that do not exist separately, so each can be reported, and the files of the directories that
// are not inputs, each with the reason. A transcript beside a recording of the same name goes with
// that recording, not on its own; a recording's metadata sidecar is not an input either.
func Collect(args []string, transcripts string) (inputs, missing []string, skipped []report.Skipped) {
	seen := map[string]bool{}
	addFile := func(p string) {
		if !seen[p] {
			seen[p] = true
			inputs = append(inputs, p)
		}
	}
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			missing = append(missing, a)
			continue
		}
		if !st.IsDir() {
			addFile(a)
			continue
		}
		var found []string
		filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			base := transcribe.BaseName(p)
			switch {
			case transcribe.IsRecording(p):
				found = append(found, p)
			case transcribe.IsTranscriptFile(p) && fileExists(base+".wav"):
				if transcripts != TranscriptsPrefer {
					skipped = append(skipped, report.Skipped{Input: p, Reason: "transcript beside " + filepath.Base(base) + ".wav, not read (transcripts: " + transcripts + ")"})
				}
			case transcribe.IsTranscriptFile(p):
				found = append(found, p)
			case strings.EqualFold(filepath.Ext(p), ".json") && hasInputBeside(p):
				// the metadata sidecar of a recording or transcript
			default:
				skipped = append(skipped, report.Skipped{Input: p, Reason: parley.CodeUnsupportedFormat + ": neither a WAV recording nor a transcript parley imports"})
			}
			return nil
		})
		slices.Sort(found)
		for _, p := range found {
			addFile(p)
		}
	}
	return inputs, missing, skipped
}

// hasInputBeside tells whether a .json file is the sidecar of a recording or transcript beside it.
func hasInputBeside(sidecar string) bool {
	base := strings.TrimSuffix(sidecar, filepath.Ext(sidecar))
	for _, ext := range append([]string{".wav", ".WAV"}, transcribe.TranscriptSuffixes...) {
		if fileExists(base + ext) {
			return true
		}
	}
	return false
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
