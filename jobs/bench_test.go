package jobs

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/parley-cc/parley/internal/testenv"
)

// BenchmarkQueueOverhead measures what the queue costs per job: enqueue, fetch, run a handler that does
// nothing, mark done, on a real Redis. Goal: under 5 ms a job.
func BenchmarkQueueOverhead(b *testing.B) {
	redis := testenv.StartRedis(b)
	opt := asynq.RedisClientOpt{Addr: redis.Addr}
	client := asynq.NewClient(opt)
	defer client.Close()
	var done atomic.Int64
	all := make(chan struct{}, 1)
	var want atomic.Int64
	srv := asynq.NewServer(opt, asynq.Config{Concurrency: 8, Queues: Queues, LogLevel: asynq.FatalLevel})
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeTranscribe, func(context.Context, *asynq.Task) error {
		if done.Add(1) == want.Load() {
			all <- struct{}{}
		}
		return nil
	})
	if err := srv.Start(mux); err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown()
	n := 0
	b.ResetTimer()
	for b.Loop() {
		n++
	}
	// One batch of n jobs: enqueue them all, then wait for the last.
	want.Store(int64(n))
	start := time.Now()
	for i := range n {
		task, _ := NewTranscribeTask(Payload{Bucket: "b", Key: fmt.Sprintf("k%d-%d", i, start.UnixNano()), ETag: "e", Size: 1}, "default")
		if _, err := client.Enqueue(task); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-all:
	case <-time.After(5 * time.Minute):
		b.Fatalf("%d of %d jobs ran", done.Load(), n)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(n), "ms/job")
}
