package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"text/tabwriter"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/schollz/progressbar/v3"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/jobs"
	"github.com/parley-cc/parley/storage"
)

func (c *Config) redis() (asynq.RedisConnOpt, error) {
	opt, err := asynq.ParseRedisURI(c.RedisURL)
	if err != nil {
		return nil, parley.WrapError(parley.CodeConfig, err, "redis_url %q", c.RedisURL)
	}
	return opt, nil
}

// openIndex opens the results index.
func (c *Config) openIndex() (*index.Index, error) {
	idx, err := index.Open(c.IndexPath)
	if err != nil {
		return nil, parley.WrapError(parley.CodeConfig, err, "results index")
	}
	return idx, nil
}

// locations opens results and recordings by location, one S3 client per bucket.
func (c *Config) locations() *storage.Locations {
	return &storage.Locations{NewBucket: func(bucket string) (parley.Store, error) { return c.s3(bucket) }}
}

func (c *Config) s3(bucket string) (*storage.S3, error) {
	if c.S3Endpoint == "" {
		return nil, parley.Errorf(parley.CodeConfig, "no S3 endpoint: set PARLEY_S3_ENDPOINT (host:port)")
	}
	return storage.NewS3(storage.S3Config{Endpoint: c.S3Endpoint, AccessKey: c.S3AccessKey, SecretKey: c.S3SecretKey, Secure: c.S3Secure, Region: c.S3Region}, bucket)
}

// workerCmd processes tasks until SIGTERM or SIGINT; then it finishes what it can within the shutdown
// timeout and hands the rest back to the queue.
func (m *Main) workerCmd(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("worker", flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	cfg, err := loadConfig(fset, args, m.Environ)
	if err != nil {
		return err
	}
	redisOpt, err := cfg.redis()
	if err != nil {
		return err
	}
	cfg.besideRecognition = true
	analyzer, scorecard, err := cfg.stages()
	if err != nil {
		return err
	}
	modelPath, tr, err := openTranscriber(cfg)
	if err != nil {
		return err
	}
	defer tr.Close()
	again, closeAgain, err := openSecondHearing(cfg, scorecard, modelPath, tr)
	if err != nil {
		return err
	}
	defer closeAgain()
	idx, err := cfg.openIndex()
	if err != nil {
		return err
	}
	defer idx.Close()
	client := asynq.NewClient(redisOpt)
	defer client.Close()
	workDir, removeWorkDir, err := jobs.WorkDir(os.TempDir())
	if err != nil {
		return err
	}
	defer removeWorkDir()
	host, _ := os.Hostname()
	locs := cfg.locations()
	one := cfg.Processor(tr, modelPath, analyzer, scorecard)
	one.WorkDir, one.Pipeline.Again = workDir, again
	proc := &jobs.Processor{Store: locs.Bucket, Process: one, Index: idx, Client: client, ResultsPrefix: cfg.ResultsPrefix,
		Worker: fmt.Sprintf("%s:%d", host, os.Getpid())}
	srv := asynq.NewServer(redisOpt, asynq.Config{
		Concurrency: cfg.WorkerConcurrency, Queues: jobs.Queues, ShutdownTimeout: 30 * time.Second,
		Logger: asynqLogger{slog.Default()}, LogLevel: asynq.WarnLevel,
	})
	proc.Metrics = jobs.NewMetrics()
	mux := asynq.NewServeMux()
	proc.Register(mux)
	if cfg.MetricsListen != "" {
		stop, err := serveWorkerOps(cfg.MetricsListen, proc.Metrics, redisOpt, idx)
		if err != nil {
			return err
		}
		defer stop()
	}
	if err := srv.Start(mux); err != nil {
		return parley.WrapError(parley.CodeIO, err, "start worker")
	}
	slog.Info("worker started", "redis", redactURL(cfg.RedisURL), "s3", cfg.S3Endpoint, "concurrency", cfg.WorkerConcurrency, "model", modelPath)
	<-ctx.Done()
	slog.Info("worker stopping: finishing or handing back in-flight tasks")
	srv.Shutdown()
	return nil
}

// serveWorkerOps serves a worker's Prometheus metrics, liveness (/healthz: the process answers) and
// readiness (/readyz: Redis and the results index answer).
func serveWorkerOps(addr string, metrics *jobs.Metrics, redisOpt asynq.RedisConnOpt, idx *index.Index) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, parley.WrapError(parley.CodeConfig, err, "metrics_listen")
	}
	rdb, ok := redisOpt.MakeRedisClient().(redis.UniversalClient)
	if !ok {
		ln.Close()
		return nil, parley.Errorf(parley.CodeConfig, "redis_url: no client for readiness checks")
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := rdb.Ping(ctx).Err(); err != nil {
			http.Error(w, "redis unavailable", http.StatusServiceUnavailable)
			return
		}
		if err := idx.Ping(ctx); err != nil {
			http.Error(w, "results index unavailable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	slog.Info("worker metrics", "addr", ln.Addr().String())
	return func() { srv.Close(); rdb.Close() }, nil
}

// redactURL drops the password from a URL before it is logged.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}

type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) {}
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)); os.Exit(1) }

// bucketCmd: parley bucket create s3://bucket... creates buckets that do not exist (compose's first start).
func (m *Main) bucketCmd(ctx context.Context, args []string) error {
	const usage = "usage: parley bucket create s3://bucket..."
	if len(args) == 0 || args[0] != "create" {
		return parley.Errorf(parley.CodeConfig, usage)
	}
	fset := flag.NewFlagSet("bucket create", flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	cfg, err := loadConfig(fset, args[1:], m.Environ)
	if err != nil {
		return err
	}
	if fset.NArg() == 0 {
		return parley.Errorf(parley.CodeConfig, usage)
	}
	for _, u := range fset.Args() {
		bucket, _, err := storage.ParseURL(u)
		if err != nil {
			return err
		}
		s, err := cfg.s3(bucket)
		if err != nil {
			return err
		}
		if err := s.EnsureBucket(ctx); err != nil {
			return parley.WrapError(parley.CodeIO, err, "create bucket %s", bucket)
		}
		fmt.Fprintf(m.Stdout, "bucket %s ready\n", bucket)
	}
	return nil
}

// enqueueCmd: parley enqueue s3://bucket/prefix.
func (m *Main) enqueueCmd(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("enqueue", flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	since := fset.String("since", "", "only objects modified at or after this `day` (YYYY-MM-DD)")
	until := fset.String("until", "", "only objects modified before this `day` (YYYY-MM-DD)")
	priority := fset.String("priority", "default", "queue: critical, default or bulk")
	dry := fset.Bool("dry-run", false, "count what would be enqueued, enqueue nothing")
	cfg, err := loadConfig(fset, args, m.Environ)
	if err != nil {
		return err
	}
	if fset.NArg() != 1 {
		return parley.Errorf(parley.CodeConfig, "usage: parley enqueue [flags] s3://bucket/prefix")
	}
	bucket, prefix, err := storage.ParseURL(fset.Arg(0))
	if err != nil {
		return err
	}
	opt := jobs.EnqueueOptions{Queue: *priority, DryRun: *dry, ResultsPrefix: cfg.ResultsPrefix, MaxSize: cfg.MaxFileSize}
	for _, d := range []struct {
		s string
		t *time.Time
	}{{*since, &opt.Since}, {*until, &opt.Until}} {
		if d.s != "" {
			if *d.t, err = time.Parse("2006-01-02", d.s); err != nil {
				return parley.Errorf(parley.CodeConfig, "%q: want YYYY-MM-DD", d.s)
			}
		}
	}
	if _, ok := jobs.Queues[*priority]; !ok {
		return parley.Errorf(parley.CodeConfig, "--priority %q (critical, default or bulk)", *priority)
	}
	redisOpt, err := cfg.redis()
	if err != nil {
		return err
	}
	store, err := cfg.s3(bucket)
	if err != nil {
		return err
	}
	client := asynq.NewClient(redisOpt)
	defer client.Close()
	idx, err := cfg.openIndex()
	if err != nil {
		return err
	}
	defer idx.Close()
	opt.Index = idx
	if isTerminal(m.Stderr) {
		bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(m.Stderr), progressbar.OptionSetDescription("listing"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		opt.Progress = func(parley.Object) { bar.Add(1) }
		defer bar.Finish()
	}
	c, err := jobs.Enqueue(ctx, client, store, bucket, prefix, opt)
	if err != nil {
		return parley.WrapError(parley.CodeIO, err, "enqueue")
	}
	verb := "enqueued"
	if *dry {
		verb = "would enqueue"
	}
	fmt.Fprintf(m.Stdout, "%s %d, skipped %d as duplicates, %d already processed, rejected %d\n", verb, c.Enqueued, c.Duplicates, c.Processed, len(c.Rejected))
	for _, r := range c.Rejected {
		fmt.Fprintf(m.Stdout, "  rejected %s: %s\n", r.Key, r.Reason)
	}
	return nil
}

// statusCmd shows queue depth, throughput per minute (measured over --sample) and the backlog's ETA.
func (m *Main) statusCmd(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("status", flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	sample := fset.Duration("sample", 5*time.Second, "measure throughput over this long (at least 2s)")
	cfg, err := loadConfig(fset, args, m.Environ)
	if err != nil {
		return err
	}
	redisOpt, err := cfg.redis()
	if err != nil {
		return err
	}
	ops := &jobs.Ops{Redis: redisOpt}
	defer ops.Close()
	if _, err := ops.Queues(ctx); err != nil { // the first look starts the throughput sample
		return parley.WrapError(parley.CodeIO, err, "queues")
	}
	select {
	case <-time.After(max(*sample, 2*time.Second)):
	case <-ctx.Done():
		return ctx.Err()
	}
	stats, err := ops.Queues(ctx)
	if err != nil {
		return parley.WrapError(parley.CodeIO, err, "queues")
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "queue\tpending\tactive\tscheduled\tretry\tfailed (archived)\tdone/min\tfailed/min\tETA\t")
	for _, y := range stats {
		backlog := y.Pending + y.Active + y.Scheduled + y.Retry
		eta := "–"
		switch {
		case backlog == 0:
			eta = "idle"
		case y.DonePerMin > 0:
			eta = (time.Duration(float64(backlog)/y.DonePerMin*60) * time.Second).Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%s\t\n", y.Queue, y.Pending, y.Active, y.Scheduled, y.Retry, y.Archived, y.DonePerMin, y.FailedPerMin, eta)
	}
	return tw.Flush()
}

// scheduleCmd: parley schedule --cron SPEC s3://bucket/prefix... registers periodic scans with asynq's
// scheduler and runs until stopped; workers run the scans. Scanning on a schedule was chosen over bucket
// notifications: it works the same on every S3-compatible store (notifications need per-vendor queues
// or webhooks), it cannot miss an event, and task IDs make a rescan of known objects free.
func (m *Main) scheduleCmd(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("schedule", flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	spec := fset.String("cron", "*/5 * * * *", "cron `spec` of the scans (or @every 1m)")
	priority := fset.String("priority", "default", "queue of the recordings found: critical, default or bulk")
	cfg, err := loadConfig(fset, args, m.Environ)
	if err != nil {
		return err
	}
	if fset.NArg() == 0 {
		return parley.Errorf(parley.CodeConfig, "usage: parley schedule [--cron SPEC] s3://bucket/prefix...")
	}
	redisOpt, err := cfg.redis()
	if err != nil {
		return err
	}
	sched := asynq.NewScheduler(redisOpt, &asynq.SchedulerOpts{Logger: asynqLogger{slog.Default()}, LogLevel: asynq.WarnLevel})
	for _, u := range fset.Args() {
		bucket, prefix, err := storage.ParseURL(u)
		if err != nil {
			return err
		}
		task, err := jobs.NewScanTask(jobs.ScanPayload{Bucket: bucket, Prefix: prefix, Queue: *priority})
		if err != nil {
			return parley.WrapError(parley.CodeConfig, err, "schedule")
		}
		if _, err := sched.Register(*spec, task); err != nil {
			return parley.WrapError(parley.CodeConfig, err, "cron %q", *spec)
		}
		fmt.Fprintf(m.Stderr, "parley schedule: scanning %s on %q\n", u, *spec)
	}
	if err := sched.Start(); err != nil {
		return parley.WrapError(parley.CodeIO, err, "scheduler")
	}
	<-ctx.Done()
	sched.Shutdown()
	return nil
}
