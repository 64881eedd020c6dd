package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/metadata"
	"github.com/parley-cc/parley/report"
	"github.com/parley-cc/parley/transcribe"
)

// Processor handles parley's tasks.
type Processor struct {
	Store         func(bucket string) (parley.Store, error)
	Pipeline      *transcribe.Pipeline
	Stages        Stages
	Index         *index.Index
	Client        *asynq.Client    // enqueues the analyze task after transcription
	ResultsPrefix string           // default "results/"
	Metadata      *metadata.Reader // file-name pattern and caller-id salt; sidecars are read from the bucket
	Model         string
	Worker        string
	Metrics       *Metrics // nil: none kept
	MaxFileSize   int64    // recordings larger than this are refused before download (0: no limit)
	WorkDir       string   // where recordings are downloaded to be read ("": the system's temporary directory); see WorkDir
}

// permanent are the error codes no retry can fix: the input itself is bad.
var permanent = map[string]bool{parley.CodeTooLarge: true, parley.CodeBadKey: true, parley.CodeEmptyFile: true, parley.CodeNotWAV: true, parley.CodeTruncatedHeader: true,
	parley.CodeTruncatedData: true, parley.CodeBadChunkSize: true, parley.CodeBadHeader: true, parley.CodeUnsupportedFormat: true,
	parley.CodeUnsupportedChannels: true, parley.CodeBadSampleRate: true, parley.CodeTooLong: true}

// Register adds the handlers to a mux (counted and timed when there are metrics).
func (p *Processor) Register(mux *asynq.ServeMux) {
	if p.Metrics != nil {
		mux.Use(p.Metrics.Middleware)
	}
	mux.HandleFunc(TypeTranscribe, p.Transcribe)
	mux.HandleFunc(TypeAnalyze, p.Analyze)
	mux.HandleFunc(TypeScan, p.Scan)
}

// Scan lists a prefix and enqueues every recording not seen before (task IDs make repeats free).
func (p *Processor) Scan(ctx context.Context, t *asynq.Task) error {
	var sp ScanPayload
	if err := json.Unmarshal(t.Payload(), &sp); err != nil || sp.V != PayloadVersion {
		return fmt.Errorf("scan payload: %w", asynq.SkipRetry)
	}
	store, err := p.Store(sp.Bucket)
	if err != nil {
		return err
	}
	c, err := Enqueue(ctx, p.Client, store, sp.Bucket, sp.Prefix, EnqueueOptions{Queue: sp.Queue, ResultsPrefix: p.ResultsPrefix})
	if err != nil {
		return err
	}
	slog.Info("scan", "bucket", sp.Bucket, "prefix", sp.Prefix, "enqueued", c.Enqueued, "duplicates", c.Duplicates, "rejected", len(c.Rejected))
	return nil
}

// resultBase is where the results of a recording go: the results prefix, then the recording's key
// without its extension.
func (p *Processor) resultBase(key string) string {
	prefix := p.ResultsPrefix
	if prefix == "" {
		prefix = "results/"
	}
	return prefix + strings.TrimSuffix(key, path.Ext(key))
}

// open reads a task's payload and finds its bucket.
func (p *Processor) open(t *asynq.Task) (Payload, parley.Store, error) {
	pl, err := ParsePayload(t.Payload())
	if err != nil {
		return pl, nil, err
	}
	store, err := p.Store(pl.Bucket)
	return pl, store, err
}

// Transcribe downloads a recording (streamed to a temporary file, never held in memory), transcribes
// it, checkpoints the transcript and enqueues the analysis.
func (p *Processor) Transcribe(ctx context.Context, t *asynq.Task) error {
	pl, store, err := p.open(t)
	if err != nil {
		return err
	}
	if p.MaxFileSize > 0 && pl.Size > p.MaxFileSize {
		return p.fail(ctx, pl, parley.Errorf(parley.CodeTooLarge, "%d bytes, over the %d-byte limit", pl.Size, p.MaxFileSize))
	}
	tmp, err := download(ctx, store, pl.Key, p.MaxFileSize, p.WorkDir)
	if parley.ErrorCode(err) == parley.CodeTooLarge {
		return p.fail(ctx, pl, err)
	}
	if errors.Is(err, parley.ErrNotFound) {
		return p.fail(ctx, pl, parley.Errorf(parley.CodeIO, "s3://%s/%s no longer exists", pl.Bucket, pl.Key))
	}
	if err != nil {
		return err // storage down: retry with backoff
	}
	defer os.Remove(tmp)
	res := p.Pipeline.File(ctx, tmp)
	res.Call.ID, res.Call.Source = transcribe.CallID(pl.Key), "s3://"+pl.Bucket+"/"+pl.Key
	res.Metadata, res.Warnings = p.metadata(ctx, store, pl.Key)
	p.Metrics.transcribed(res)
	if res.Err == nil {
		taskLog(ctx, pl).Info("transcribed", "call_id", res.Call.ID, "audio_s", res.Call.Duration.Seconds(), "took_s", res.Elapsed.Seconds())
	}
	if res.Err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutting down or timed out: asynq hands the task back
		}
		if permanent[parley.ErrorCode(res.Err)] {
			return p.fail(ctx, pl, res.Err)
		}
		return res.Err
	}
	var buf bytes.Buffer
	if err := report.EncodeJSON(&buf, calldoc.New(res, p.Model)); err != nil {
		return err
	}
	if err := store.Put(ctx, p.resultBase(pl.Key)+".transcript.json", &buf, int64(buf.Len()), "application/json"); err != nil {
		return err
	}
	task, err := NewAnalyzeTask(pl, queueOf(ctx))
	if err != nil {
		return err
	}
	if _, err := p.Client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue analysis: %w", err)
	}
	return nil
}

func queueOf(ctx context.Context) string {
	if q, ok := asynq.GetQueueName(ctx); ok {
		return q
	}
	return "default"
}

// Analyze runs NLP and the scorecard on the checkpointed transcript and writes the results.
func (p *Processor) Analyze(ctx context.Context, t *asynq.Task) error {
	pl, store, err := p.open(t)
	if err != nil {
		return err
	}
	base := p.resultBase(pl.Key)
	r, _, err := store.Open(ctx, base+".transcript.json")
	if errors.Is(err, parley.ErrNotFound) {
		return fmt.Errorf("no transcript checkpoint %s: %w", base, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	doc, err := calldoc.Decode(r)
	r.Close()
	if err != nil {
		return fmt.Errorf("transcript checkpoint %s: %v: %w", base, err, asynq.SkipRetry)
	}
	out := p.Stages.Redo(doc)
	err = report.PutCallFiles(out, base, func(key string, b []byte, contentType string) error {
		return store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), contentType)
	})
	if err != nil {
		return err
	}
	row := index.Row{Bucket: pl.Bucket, Key: pl.Key, ETag: pl.ETag, Status: "ok", CallID: out.CallID, DurationS: out.DurationS,
		ResultKey: base + ".json", Worker: p.Worker}
	if out.Score != nil {
		row.Score = out.Score.Score
	}
	if out.Analysis != nil && out.Analysis.Intent != nil {
		row.Intent = out.Analysis.Intent.Label
	}
	if p.Index != nil {
		if _, err := p.Index.PutCall(ctx, out, "s3://"+pl.Bucket+"/"+base+".json"); err != nil {
			return err
		}
	}
	if err := p.record(ctx, row); err != nil {
		return err
	}
	taskLog(ctx, pl).Info("analysed", "call_id", out.CallID, "duration_s", out.DurationS, "score", row.Score, "intent", row.Intent)
	return nil
}

// fail writes a failed result with the reason and records it; the task is not retried.
func (p *Processor) fail(ctx context.Context, pl Payload, cause error) error {
	base := p.resultBase(pl.Key)
	if store, err := p.Store(pl.Bucket); err == nil {
		b, _ := json.MarshalIndent(map[string]any{"schema_version": parley.SchemaVersion, "source": "s3://" + pl.Bucket + "/" + pl.Key,
			"etag": pl.ETag, "status": "failed", "error_code": parley.ErrorCode(cause), "error": cause.Error()}, "", "  ")
		if err := store.Put(ctx, base+".error.json", bytes.NewReader(b), int64(len(b)), "application/json"); err != nil {
			return err // could not record the failure: retry
		}
	}
	if err := p.record(ctx, index.Row{Bucket: pl.Bucket, Key: pl.Key, ETag: pl.ETag, Status: "failed", ErrorCode: parley.ErrorCode(cause),
		Error: cause.Error(), CallID: transcribe.CallID(pl.Key), ResultKey: base + ".error.json", Worker: p.Worker}); err != nil {
		return err
	}
	p.Metrics.failed(parley.ErrorCode(cause))
	taskLog(ctx, pl).Warn("failed", "code", parley.ErrorCode(cause), "error", cause)
	return fmt.Errorf("%v: %w", cause, asynq.SkipRetry)
}

// taskLog is the log of one task: its id, type and recording.
func taskLog(ctx context.Context, pl Payload) *slog.Logger {
	id, _ := asynq.GetTaskID(ctx)
	return slog.With("task_id", id, "bucket", pl.Bucket, "key", pl.Key)
}

// metadata reads the recording's sidecar object (<key>.json) and its file name.
func (p *Processor) metadata(ctx context.Context, store parley.Store, key string) (*parley.Metadata, []string) {
	reader := p.Metadata
	if reader == nil {
		reader = &metadata.Reader{}
	}
	r, _, err := store.Open(ctx, metadata.Sidecar(key))
	if err != nil {
		if errors.Is(err, parley.ErrNotFound) {
			return reader.Parse(key, nil)
		}
		md, w := reader.Parse(key, nil)
		return md, append([]string{"metadata_unreadable: " + err.Error()}, w...)
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		md, w := reader.Parse(key, nil)
		return md, append([]string{"metadata_unreadable: " + err.Error()}, w...)
	}
	return reader.Parse(key, b)
}

func (p *Processor) record(ctx context.Context, row index.Row) error {
	if p.Index == nil {
		return nil
	}
	return p.Index.Record(ctx, row)
}

// download streams an object to a temporary file, refusing one over limit bytes (0: no limit) before
// reading it — its size may have grown since it was enqueued.
func download(ctx context.Context, store parley.Store, key string, limit int64, dir string) (string, error) {
	r, obj, err := store.Open(ctx, key)
	if err != nil {
		return "", err
	}
	defer r.Close()
	if limit > 0 && obj.Size > limit {
		return "", parley.Errorf(parley.CodeTooLarge, "%d bytes, over the %d-byte limit", obj.Size, limit)
	}
	f, err := os.CreateTemp(dir, "call-*"+path.Ext(key))
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", fmt.Errorf("download %s: %w", key, err)
	}
	return f.Name(), f.Close()
}
