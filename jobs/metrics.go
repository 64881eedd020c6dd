package jobs

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parley-cc/parley"
)

// Metrics are a worker's Prometheus metrics: tasks by type and outcome, their durations, audio
// recognised and its speed, failures by error code.
type Metrics struct {
	Registry  *prometheus.Registry
	tasks     *prometheus.CounterVec
	durations *prometheus.HistogramVec
	audio     prometheus.Counter
	speed     prometheus.Histogram
	failures  *prometheus.CounterVec
}

// NewMetrics registers the metrics (and the Go runtime's) on a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_tasks_total",
			Help: "Tasks handled, by type and outcome (ok, failed: bad input, not retried; retry: handed back for another try)."}, []string{"type", "outcome"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "parley_task_seconds", Help: "Wall time of a task, by type.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)}, []string{"type"}),
		audio: prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_audio_seconds_total", Help: "Seconds of call audio transcribed."}),
		speed: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "parley_transcribe_realtime_factor",
			Help: "Seconds of audio per second of transcription, per call.", Buckets: []float64{1, 2, 5, 10, 15, 20, 30, 50, 100}}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_failures_total",
			Help: "Recordings that failed, by error code."}, []string{"code"}),
	}
	m.Registry.MustRegister(m.tasks, m.durations, m.audio, m.speed, m.failures,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// Middleware counts and times every task.
func (m *Metrics) Middleware(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		start := time.Now()
		err := next.ProcessTask(ctx, t)
		outcome := "ok"
		switch {
		case errors.Is(err, asynq.SkipRetry):
			outcome = "failed"
		case err != nil:
			outcome = "retry"
		}
		m.tasks.WithLabelValues(t.Type(), outcome).Inc()
		m.durations.WithLabelValues(t.Type()).Observe(time.Since(start).Seconds())
		return err
	})
}

func (m *Metrics) transcribed(res parley.Result) {
	if m == nil || res.Err != nil {
		return
	}
	m.audio.Add(res.Call.Duration.Seconds())
	if res.Elapsed > 0 {
		m.speed.Observe(res.Call.Duration.Seconds() / res.Elapsed.Seconds())
	}
}

func (m *Metrics) failed(code string) {
	if m != nil {
		m.failures.WithLabelValues(code).Inc()
	}
}
