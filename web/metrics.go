package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the review app's Prometheus metrics: requests by route pattern (never the raw path, which
// holds call ids) and status code, and their durations. Sign-ins show as "POST /login" with 303 (in),
// 401 (wrong name or password) and 429 (throttled).
type metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_http_requests_total",
			Help: "Requests to the review app, by route and status code."}, []string{"route", "code"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "parley_http_request_seconds",
			Help: "Time to answer a request, by route.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 8)}, []string{"route"}),
	}
	m.registry.MustRegister(m.requests, m.durations,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// observe serves a request through next and counts it under the pattern the mux matched.
func (m *metrics) observe(w http.ResponseWriter, r *http.Request, next http.Handler) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
	next.ServeHTTP(sw, r)
	route := r.Pattern // set by the mux on the request it was given
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
	m.durations.WithLabelValues(route).Observe(time.Since(start).Seconds())
}

// metricsPage serves the metrics in Prometheus' text format, to admins and ops (a scraper signs in with
// an ops user's API token: Authorization: Bearer …).
func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request, u *User) {
	promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// statusWriter remembers the status code of a response.
type statusWriter struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushing, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
