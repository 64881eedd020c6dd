package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/storage"
	"github.com/parley-cc/parley/transcribe"
)

// EnqueueOptions select what to enqueue.
type EnqueueOptions struct {
	Since, Until  time.Time // by last modification; zero: open
	Queue         string    // critical, default or bulk
	DryRun        bool
	MaxSize       int64  // larger objects are rejected (0: 2 GiB)
	ResultsPrefix string // objects under it are results, not recordings
	Progress      func(Object parley.Object)
	// Index, when set, is consulted before anything is queued: a recording version it lists as
	// processed is counted as Processed and costs no Redis write.
	Index *index.Index
}

// Rejection is an object that was not enqueued, and why.
type Rejection struct {
	Key, Reason string
}

// Counts are the outcome of an enqueue run.
type Counts struct {
	Enqueued   int
	Duplicates int // already queued, running or done for this version of the object
	Processed  int // this version is in the results index already (analysed or failed)
	Rejected   []Rejection
}

// Enqueue lists every object under prefix (all pages) and enqueues a transcribe task for each
// recording. The same object version is never enqueued twice.
func Enqueue(ctx context.Context, client *asynq.Client, store parley.Store, bucket, prefix string, opt EnqueueOptions) (Counts, error) {
	var c Counts
	if opt.Queue == "" {
		opt.Queue = "default"
	}
	if opt.MaxSize == 0 {
		opt.MaxSize = 2 << 30
	}
	if opt.ResultsPrefix == "" {
		opt.ResultsPrefix = "results/"
	}
	var done map[string][]string
	if opt.Index != nil {
		var err error
		if done, err = opt.Index.Processed(ctx, bucket, prefix); err != nil {
			return c, err
		}
	}
	err := store.List(ctx, prefix, func(o parley.Object) error {
		if opt.Progress != nil {
			opt.Progress(o)
		}
		switch {
		case strings.HasPrefix(o.Key, opt.ResultsPrefix) || strings.HasSuffix(o.Key, ".json") || strings.HasSuffix(o.Key, "/"):
			return nil // results and metadata sidecars are not recordings
		case !opt.Since.IsZero() && o.Modified.Before(opt.Since), !opt.Until.IsZero() && !o.Modified.Before(opt.Until):
			return nil
		case storage.ValidKey(o.Key) != nil:
			c.Rejected = append(c.Rejected, Rejection{o.Key, storage.ValidKey(o.Key).Error()})
			return nil
		case !transcribe.IsRecording(o.Key):
			c.Rejected = append(c.Rejected, Rejection{o.Key, fmt.Sprintf("%s: not a .wav recording", parley.CodeUnsupportedFormat)})
			return nil
		case o.Size == 0:
			c.Rejected = append(c.Rejected, Rejection{o.Key, parley.CodeEmptyFile + ": 0 bytes"})
			return nil
		case o.Size > opt.MaxSize:
			c.Rejected = append(c.Rejected, Rejection{o.Key, fmt.Sprintf("%s: %d bytes, over the %d-byte limit", parley.CodeTooLarge, o.Size, opt.MaxSize)})
			return nil
		}
		if slices.Contains(done[o.Key], o.ETag) {
			c.Processed++
			return nil
		}
		if opt.DryRun {
			c.Enqueued++
			return nil
		}
		task, err := NewTranscribeTask(Payload{Bucket: bucket, Key: o.Key, ETag: o.ETag, Size: o.Size}, opt.Queue)
		if err != nil {
			return err
		}
		_, err = client.EnqueueContext(ctx, task)
		switch {
		case errors.Is(err, asynq.ErrTaskIDConflict):
			c.Duplicates++
		case err != nil:
			return fmt.Errorf("enqueue %s: %w", o.Key, err)
		default:
			c.Enqueued++
		}
		return nil
	})
	return c, err
}
