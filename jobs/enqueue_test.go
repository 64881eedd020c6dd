package jobs

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/internal/testenv"
	"github.com/parley-cc/parley/storage"
)

// TestEnqueueConsultsIndex: recordings the results index lists as processed (analysed or failed) are
// not queued again, whatever Redis remembers; a recording whose object changed (new ETag) is.
func TestEnqueueConsultsIndex(t *testing.T) {
	ctx := context.Background()
	rs := testenv.StartRedis(t)
	client := asynq.NewClient(asynq.RedisClientOpt{Addr: rs.Addr})
	defer client.Close()
	dir := t.TempDir()
	store := &storage.FS{Root: dir}
	for i := range 20 {
		os.MkdirAll(filepath.Join(dir, "2026"), 0o755)
		os.WriteFile(filepath.Join(dir, "2026", fmt.Sprintf("call-%02d.wav", i)), []byte(fmt.Sprint("RIFF", i)), 0o644)
	}
	x, err := index.Open(filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for i := range 12 {
		key := fmt.Sprintf("2026/call-%02d.wav", i)
		o, _ := store.Stat(ctx, key)
		row := index.Row{Bucket: "calls", Key: key, ETag: o.ETag, Status: "ok"}
		switch {
		case i >= 10:
			row.ETag = "an-older-version" // changed since: to be processed again
		case i >= 8:
			row.Status, row.ErrorCode = "failed", parley.CodeNotWAV
		}
		if err := x.Record(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
	x.Record(ctx, index.Row{Bucket: "other", Key: "2026/call-15.wav", ETag: "x", Status: "ok"}) // another bucket
	c, err := Enqueue(ctx, client, store, "calls", "2026/", EnqueueOptions{Index: x})
	if err != nil {
		t.Fatal(err)
	}
	if c.Processed != 10 || c.Enqueued != 10 || c.Duplicates != 0 {
		t.Errorf("first enqueue %+v, want 10 processed, 10 enqueued", c)
	}
	// Redis forgets (retention, a flush): the index still stops the processed ones.
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr})
	defer rdb.Close()
	rdb.FlushAll(ctx)
	if c, _ = Enqueue(ctx, client, store, "calls", "2026/", EnqueueOptions{Index: x}); c.Processed != 10 || c.Enqueued != 10 {
		t.Errorf("after Redis forgot: %+v", c)
	}
	if c, _ = Enqueue(ctx, client, store, "calls", "2026/", EnqueueOptions{Index: x}); c.Processed != 10 || c.Duplicates != 10 || c.Enqueued != 0 {
		t.Errorf("again: %+v", c)
	}
}

// listing is a store that only lists: n objects under 2026/, for timing the scan itself.
type listing struct{ n int }

func (l listing) List(ctx context.Context, prefix string, fn func(parley.Object) error) error {
	for i := range l.n {
		if err := fn(parley.Object{Key: fmt.Sprintf("2026/%06d.wav", i), Size: 1000, ETag: fmt.Sprintf("e%d", i)}); err != nil {
			return err
		}
	}
	return nil
}
func (listing) Open(context.Context, string) (io.ReadCloser, parley.Object, error) {
	return nil, parley.Object{}, parley.ErrNotFound
}
func (listing) Stat(context.Context, string) (parley.Object, error) {
	return parley.Object{}, parley.ErrNotFound
}
func (listing) Put(context.Context, string, io.Reader, int64, string) error {
	return fmt.Errorf("read only")
}

// BenchmarkRescanProcessed re-scans 100,000 objects that are all in the results index (SQLite): the cost
// of a periodic scan of a prefix that holds a year of processed calls. It must make no Redis write.
func BenchmarkRescanProcessed(b *testing.B) {
	ctx := context.Background()
	const n = 100_000
	rs := testenv.StartRedis(b)
	client := asynq.NewClient(asynq.RedisClientOpt{Addr: rs.Addr})
	defer client.Close()
	x, err := index.Open(filepath.Join(b.TempDir(), "results.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	if err := x.RecordAll(ctx, func(yield func(index.Row) bool) {
		for i := range n {
			if !yield(index.Row{Bucket: "calls", Key: fmt.Sprintf("2026/%06d.wav", i), ETag: fmt.Sprintf("e%d", i), Status: "ok"}) {
				return
			}
		}
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		c, err := Enqueue(ctx, client, listing{n}, "calls", "2026/", EnqueueOptions{Index: x})
		if err != nil || c.Processed != n || c.Enqueued+c.Duplicates != 0 {
			b.Fatalf("%+v %v", c, err)
		}
	}
	b.StopTimer()
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr})
	defer rdb.Close()
	if keys, err := rdb.DBSize(ctx).Result(); err != nil || keys != 0 {
		b.Fatalf("%d Redis keys after the scans (%v): want none", keys, err)
	}
}
