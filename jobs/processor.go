package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/process"
	"github.com/parley-cc/parley/report"
	"github.com/parley-cc/parley/transcribe"
)

// Processor handles parley's tasks.
// It is a thin adapter: each call goes through process.Processor, as in parley run.
type Processor struct {
	Store         func(bucket string) (parley.Store, error)
	Process       *process.Processor // recognition, metadata, analysis and scoring; its WorkDir: see WorkDir
	Index         *index.Index
	Client        *asynq.Client // enqueues the analyze task after transcription
	ResultsPrefix string        // default "results/"
	Worker        string
	Metrics       *Metrics // nil: none kept
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
	c, err := Enqueue(ctx, p.Client, store, sp.Bucket, sp.Prefix, EnqueueOptions{Queue: sp.Queue, ResultsPrefix: p.ResultsPrefix, Index: p.Index})
	if err != nil {
		return err
	}
	slog.Info("scan", "bucket", sp.Bucket, "prefix", sp.Prefix, "enqueued", c.Enqueued, "duplicates", c.Duplicates, "processed", c.Processed, "rejected", len(c.Rejected))
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

// Transcribe reads a recording (streamed to a work file, never held in memory), recognises it — or imports
// the transcript beside it, when transcripts are preferred — analyses and scores it, checkpoints the
// finished document and enqueues the task that writes its files. With redaction on, the checkpoint is
// already redacted: nothing unredacted is written to the bucket.
func (p *Processor) Transcribe(ctx context.Context, t *asynq.Task) error {
	pl, store, err := p.open(t)
	if err != nil {
		return err
	}
	if limit := p.Process.MaxFileSize; limit > 0 && pl.Size > limit {
		return p.fail(ctx, pl, parley.Errorf(parley.CodeTooLarge, "%d bytes, over the %d-byte limit", pl.Size, limit))
	}
	if p.Index != nil {
		// Redis forgets finished tasks after a while; the index does not.
		if row, ok, err := p.Index.Get(ctx, pl.Bucket, pl.Key, pl.ETag); err != nil {
			return err
		} else if ok && row.Status == "ok" {
			taskLog(ctx, pl).Info("already processed", "call_id", row.CallID, "result", row.ResultKey)
			return nil
		}
	}
	res := p.Process.Transcribe(ctx, process.Input{Store: store, Key: pl.Key, Source: "s3://" + pl.Bucket + "/" + pl.Key})
	p.Metrics.transcribed(res)
	if res.Err != nil {
		switch {
		case ctx.Err() != nil:
			return ctx.Err() // shutting down or timed out: asynq hands the task back
		case errors.Is(res.Err, process.ErrUnavailable):
			return res.Err // storage down: retry with backoff
		case permanent[parley.ErrorCode(res.Err)], errors.Is(res.Err, parley.ErrNotFound):
			return p.fail(ctx, pl, res.Err)
		}
		return res.Err
	}
	taskLog(ctx, pl).Info("transcribed", "call_id", res.Call.ID, "audio_s", res.Call.Duration.Seconds(), "took_s", res.Elapsed.Seconds())
	doc, err := p.Process.Finish(&res)
	if err != nil { // a defect the call's text runs into: trying again meets it again
		return p.fail(ctx, pl, err)
	}
	var buf bytes.Buffer
	if err := report.EncodeJSON(&buf, doc); err != nil {
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

// Analyze writes the call's files from the checkpointed document and indexes the call. A checkpoint
// from an older worker holds only the transcript; it is analysed and scored here.
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
	out := doc
	if doc.Analysis == nil && doc.Score == nil {
		if out, err = p.Process.Stages.Redo(doc); err != nil {
			return p.fail(ctx, pl, err)
		}
	}
	if _, err := process.Write(ctx, store, base, out); err != nil {
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

func (p *Processor) record(ctx context.Context, row index.Row) error {
	if p.Index == nil {
		return nil
	}
	return p.Index.Record(ctx, row)
}
