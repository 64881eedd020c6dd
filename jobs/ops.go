package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/process"
	"github.com/parley-cc/parley/report"
	"github.com/parley-cc/parley/storage"
)

// Ops runs the operations of the review app's ops page on asynq: queue statistics, failed tasks,
// enqueueing a prefix and rescoring calls.
type Ops struct {
	Redis         asynq.RedisConnOpt
	Locations     *storage.Locations
	Index         *index.Index
	ResultsPrefix string
	// Stages rescore calls analysed by parley run, which have no transcript checkpoint in a bucket:
	// those are scored again in the web process (scoring takes well under a millisecond a call).
	Stages process.Stages

	once      sync.Once
	inspector *asynq.Inspector
	client    *asynq.Client
	monitor   *asynqmon.HTTPHandler

	mu   sync.Mutex
	last map[string]sample // previous totals per queue, for throughput
}

type sample struct {
	processed, failed int
	at                time.Time
}

// QueueStats describe one queue now.
type QueueStats struct {
	Queue                                       string
	Pending, Active, Scheduled, Retry, Archived int
	ProcessedToday, FailedToday                 int
	Latency                                     time.Duration // age of the oldest pending task
	DonePerMin, FailedPerMin                    float64       // since the previous look (−1: first look)
	Paused                                      bool
}

// FailedTask is a task that ran out of retries or was refused as bad input.
type FailedTask struct {
	Queue, Type, Key, Error string
	FailedAt                time.Time
}

// RescoreCounts say what a rescore did.
type RescoreCounts struct {
	Queued int // analysis tasks enqueued for calls processed by workers
	Local  int // calls of parley run scored again here
	Failed []string
}

func (o *Ops) init() {
	o.once.Do(func() {
		o.inspector = asynq.NewInspector(o.Redis)
		o.client = asynq.NewClient(o.Redis)
		o.last = map[string]sample{}
	})
}

// Close releases the connections.
func (o *Ops) Close() {
	if o.inspector != nil {
		o.inspector.Close()
		o.client.Close()
	}
	if o.monitor != nil {
		o.monitor.Close()
	}
}

// Addr is the queue's address, as configured (redis_url), for messages.
func (o *Ops) Addr() string {
	switch r := o.Redis.(type) {
	case asynq.RedisClientOpt:
		return r.Addr
	case *asynq.RedisClientOpt:
		return r.Addr
	}
	return "the configured redis_url"
}

// Queues returns parley's queues, busiest weight first.
func (o *Ops) Queues(ctx context.Context) ([]QueueStats, error) {
	o.init()
	var out []QueueStats
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	for q := range Queues {
		st := QueueStats{Queue: q, DonePerMin: -1, FailedPerMin: -1}
		info, err := o.inspector.GetQueueInfo(q)
		if err != nil && !isQueueNotFound(err) {
			return nil, fmt.Errorf("queue %s: %w", q, err)
		}
		if info != nil {
			st.Pending, st.Active, st.Scheduled, st.Retry, st.Archived = info.Pending, info.Active, info.Scheduled, info.Retry, info.Archived
			st.ProcessedToday, st.FailedToday, st.Latency, st.Paused = info.Processed, info.Failed, info.Latency, info.Paused
			if prev, ok := o.last[q]; ok && now.Sub(prev.at) > time.Second {
				mins := now.Sub(prev.at).Minutes()
				st.DonePerMin = float64(info.ProcessedTotal-prev.processed) / mins
				st.FailedPerMin = float64(info.FailedTotal-prev.failed) / mins
			}
			o.last[q] = sample{info.ProcessedTotal, info.FailedTotal, now}
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return Queues[out[i].Queue] > Queues[out[j].Queue] })
	return out, nil
}

func isQueueNotFound(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "does not exist") || strings.Contains(msg, "not found")
}

// FailedTasks lists archived tasks (out of retries, or refused as bad input), newest first.
func (o *Ops) FailedTasks(ctx context.Context, limit int) ([]FailedTask, error) {
	o.init()
	var out []FailedTask
	for q := range Queues {
		tasks, err := o.inspector.ListArchivedTasks(q, asynq.PageSize(limit))
		if err != nil {
			if isQueueNotFound(err) {
				continue
			}
			return nil, fmt.Errorf("archived tasks of %s: %w", q, err)
		}
		for _, t := range tasks {
			ft := FailedTask{Queue: q, Type: t.Type, Error: t.LastErr, FailedAt: t.LastFailedAt}
			var p Payload
			if json.Unmarshal(t.Payload, &p) == nil && p.Key != "" {
				ft.Key = "s3://" + p.Bucket + "/" + p.Key
			}
			out = append(out, ft)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FailedAt.After(out[j].FailedAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// EnqueuePrefix enqueues every new recording under s3://bucket/prefix.
func (o *Ops) EnqueuePrefix(ctx context.Context, url, queue string) (Counts, error) {
	o.init()
	bucket, prefix, err := storage.ParseURL(url)
	if err != nil {
		return Counts{}, err
	}
	store, err := o.Locations.Bucket(bucket)
	if err != nil {
		return Counts{}, err
	}
	return Enqueue(ctx, o.client, store, bucket, prefix, EnqueueOptions{Queue: queue, ResultsPrefix: o.ResultsPrefix, Index: o.Index})
}

// Rescore analyses and scores calls again with the workers' current taxonomy and scorecard: calls a
// worker processed get a new analysis task (on the bulk queue, under a task id of this rescore, so
// that it is not taken for the first analysis); calls of parley run are scored again here and their
// documents rewritten.
func (o *Ops) Rescore(ctx context.Context, calls []index.Call) (RescoreCounts, error) {
	o.init()
	var c RescoreCounts
	run := fmt.Sprint(time.Now().UnixNano())
	for _, call := range calls {
		if err := ctx.Err(); err != nil {
			return c, err
		}
		var err error
		if strings.HasPrefix(call.Source, "s3://") {
			err = o.requeue(ctx, call, run)
			if err == nil {
				c.Queued++
			}
		} else {
			err = o.rescoreLocal(ctx, call)
			if err == nil {
				c.Local++
			}
		}
		if err != nil {
			c.Failed = append(c.Failed, call.CallID+": "+err.Error())
		}
	}
	return c, nil
}

func (o *Ops) requeue(ctx context.Context, call index.Call, run string) error {
	bucket, key, err := storage.ParseURL(call.Source)
	if err != nil {
		return err
	}
	store, err := o.Locations.Bucket(bucket)
	if err != nil {
		return err
	}
	obj, err := store.Stat(ctx, key)
	if err != nil {
		return err
	}
	task, err := NewAnalyzeTask(Payload{Bucket: bucket, Key: key, ETag: obj.ETag, Size: obj.Size, Run: run}, "bulk")
	if err != nil {
		return err
	}
	if _, err := o.client.EnqueueContext(ctx, task); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err
	}
	return nil
}

func (o *Ops) rescoreLocal(ctx context.Context, call index.Call) error {
	r, _, err := o.Locations.Open(ctx, call.Doc)
	if err != nil {
		return err
	}
	doc, err := calldoc.Decode(r)
	r.Close()
	if err != nil {
		return parley.WrapError(parley.CodeIO, err, "read %s", call.Doc)
	}
	out, err := o.Stages.Redo(doc)
	if err != nil {
		return err
	}
	err = report.PutCallFiles(out, strings.TrimSuffix(call.Doc, ".json"), func(loc string, b []byte, contentType string) error {
		return o.Locations.Put(ctx, loc, bytes.NewReader(b), int64(len(b)), contentType)
	})
	if err != nil {
		return err
	}
	_, err = o.Index.PutCall(ctx, out, call.Doc)
	return err
}

// Monitor returns asynqmon, the queue dashboard, mounted at root (made once).
func (o *Ops) Monitor(root string) http.Handler {
	o.init()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.monitor == nil {
		o.monitor = asynqmon.New(asynqmon.Options{RootPath: root, RedisConnOpt: o.Redis})
	}
	return o.monitor
}
