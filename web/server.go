// Package web is parley's review app: the calls list, call pages with the recording and its synced
// transcript, agent pages, the coach library, QA overrides, the ops page and user administration. Pages
// are rendered on the server from the results index; the few scripts and styles are embedded, so the
// binary serves everything and no page loads anything from elsewhere.
package web

import (
	"context"
	"embed"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/jobs"
)

// Roles.
const (
	RoleAdmin = "admin"
	RoleQA    = "qa"
	RoleCoach = "coach"
	RoleOps   = "ops"
	RoleAgent = "agent"
)

// ValidRole tells whether r is one of the roles.
func ValidRole(r string) bool {
	switch r {
	case RoleAdmin, RoleQA, RoleCoach, RoleOps, RoleAgent:
		return true
	}
	return false
}

// Blobs opens call documents and recordings by the locations the index holds.
type Blobs interface {
	Open(ctx context.Context, loc string) (io.ReadSeekCloser, parley.Object, error)
	Put(ctx context.Context, loc string, r io.Reader, size int64, contentType string) error
}

// Ops is what the ops page drives: the queues and the work on them. jobs.Ops implements it on asynq.
type Ops interface {
	Queues(ctx context.Context) ([]jobs.QueueStats, error)
	FailedTasks(ctx context.Context, limit int) ([]jobs.FailedTask, error)
	EnqueuePrefix(ctx context.Context, url, queue string) (jobs.Counts, error)
	Rescore(ctx context.Context, calls []index.Call) (jobs.RescoreCounts, error)
	Monitor(root string) http.Handler // the asynqmon UI mounted at root; nil when there is none
	Addr() string                     // where the queue is expected, for messages
}

// Server is the review app. Build it with New.
type Server struct {
	Index         *index.Index
	Blobs         Blobs
	Ops           Ops  // nil: no queue is configured; the ops page says so
	SecureCookies bool // cookies only over HTTPS (on whenever the app is reached over HTTPS)
	SessionTTL    time.Duration
	Log           *slog.Logger

	mux     *http.ServeMux
	handler http.Handler // mux behind the cross-origin protection
	routes  []Route

	signIns throttle
	metrics *metrics

	facetsMu sync.Mutex
	facets   map[string]cachedFacets
}

type cachedFacets struct {
	f  index.Facets
	at time.Time
}

// Route is one page or action and the roles that may use it.
type Route struct {
	Pattern string // net/http pattern: "GET /calls/{id}"
	Roles   []string
	handler func(w http.ResponseWriter, r *http.Request, u *User)
}

// Routes lists every route that needs a signed-in user, with its roles (for tests and documentation).
func (s *Server) Routes() []Route { return s.routes }

var (
	readers  = []string{RoleAdmin, RoleQA, RoleCoach, RoleAgent} // agents see only their own calls
	library  = []string{RoleAdmin, RoleQA, RoleCoach}
	reviewer = []string{RoleAdmin, RoleQA}
	opsRoles = []string{RoleAdmin, RoleOps}
	admins   = []string{RoleAdmin}
	everyone = []string{RoleAdmin, RoleQA, RoleCoach, RoleOps, RoleAgent}
)

// New builds the server and its routes.
func New(s *Server) *Server {
	if s.SessionTTL == 0 {
		s.SessionTTL = 12 * time.Hour
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	s.facets = map[string]cachedFacets{}
	s.routes = []Route{
		{"GET /{$}", everyone, s.home},
		{"GET /calls", readers, s.callsPage},
		{"GET /calls.csv", readers, s.callsCSV},
		{"GET /calls/{id}", readers, s.callPage},
		{"GET /calls/{id}/audio", readers, s.callAudio},
		{"POST /calls/{id}/override", reviewer, s.override},
		{"POST /calls/{id}/review", reviewer, s.finishReview},
		{"GET /agents/{agent}", readers, s.agentPage},
		{"POST /agents/{agent}/coaching", library, s.discussed},
		{"GET /library", library, s.libraryPage},
		{"GET /collections", library, s.collectionsPage},
		{"POST /collections", library, s.createCollection},
		{"GET /collections/{id}", library, s.collectionPage},
		{"POST /collections/{id}/clips", library, s.addClip},
		{"GET /calibration", reviewer, s.calibrationPage},
		{"GET /calibration/overrides.yaml", reviewer, s.overridesExport},
		{"GET /ops", opsRoles, s.opsPage},
		{"POST /ops/enqueue", opsRoles, s.opsEnqueue},
		{"POST /ops/rescore", opsRoles, s.opsRescore},
		{"GET /ops/staffing", opsRoles, s.staffingPage},
		{"GET /ops/staffing.csv", opsRoles, s.staffingCSV},
		{"/ops/queues/", admins, s.queueMonitor}, // asynqmon: its pages and its API (GET, POST, DELETE)
		{"GET /admin/users", admins, s.usersPage},
		{"POST /admin/users", admins, s.addUser},
		{"GET /admin/audit", admins, s.auditPage},
		{"GET /account", everyone, s.accountPage},
		{"POST /account/tokens", everyone, s.addToken},
		{"POST /account/tokens/{tid}/revoke", everyone, s.revokeToken},
		{"POST /logout", everyone, s.logout},
		{"GET /api/calls", readers, s.apiCalls},
		{"GET /api/calls/{id}", readers, s.apiCall},
		{"GET /api/search", library, s.apiSearch},
		{"GET /metrics", opsRoles, s.metricsPage},
	}
	s.metrics = newMetrics()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.Pattern, s.guard(rt))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(mustSub(static, "static"))))
	s.mux = mux
	s.handler = http.NewCrossOriginProtection().Handler(mux)
	return s
}

//go:embed static
var static embed.FS

// ServeHTTP serves the app. Every response gets headers that keep pages out of frames and other sites'
// scripts, and state-changing requests must come from the app's own pages (Fetch metadata and Origin,
// checked by net/http's cross-origin protection, besides the per-session form token).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if !strings.HasPrefix(r.URL.Path, "/ops/queues/") { // asynqmon brings its own inline scripts
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	}
	s.metrics.observe(w, r, s.handler)
}

// guard admits a request to a route: a session cookie or an API token for a user of one of the
// route's roles, and on state-changing requests from a browser session the session's form token.
func (s *Server) guard(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, viaCookie, err := s.authenticate(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if u == nil {
			if strings.HasPrefix(r.URL.Path, "/api/") || r.Method != http.MethodGet {
				http.Error(w, "sign in first (or send an API token: Authorization: Bearer …)", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if !contains(rt.Roles, u.Role) {
			s.errorPage(w, r, u, http.StatusForbidden, "Not allowed", "Your role ("+u.Role+") does not open this page.")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && viaCookie && !strings.HasPrefix(r.URL.Path, "/ops/queues/") {
			if err := r.ParseForm(); err != nil || !validCSRF(u, r.PostForm.Get("csrf")) {
				http.Error(w, "the form is stale or did not come from this app: reload the page and try again", http.StatusForbidden)
				return
			}
		}
		rt.handler(w, r, u)
	})
}

// errorPage answers with a status code and the app's error page.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, u *User, code int, title, message string) {
	w.WriteHeader(code)
	s.render(w, r, u, "error.html", map[string]any{"Title": title, "Message": message})
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// fail answers an internal error without showing its details to the user; the log has them.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.Log.Error("web", "method", r.Method, "path", r.URL.Path, "error", err)
	http.Error(w, "internal error: see the server log", http.StatusInternalServerError)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, u *User) {
	switch u.Role {
	case RoleOps:
		http.Redirect(w, r, "/ops", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/calls", http.StatusSeeOther)
	}
}

// ready answers whether the app can serve: the results index answers a query. Like /healthz it needs
// no sign-in (load balancers and orchestrators call it) and says nothing about the data.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Index.Ping(ctx); err != nil {
		s.Log.Warn("not ready", "error", err)
		http.Error(w, "results index unavailable", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ready\n")
}

func (s *Server) queueMonitor(w http.ResponseWriter, r *http.Request, u *User) {
	var h http.Handler
	if s.Ops != nil {
		h = s.Ops.Monitor("/ops/queues")
	}
	if h == nil {
		http.Error(w, "no queue is configured (redis_url)", http.StatusNotFound)
		return
	}
	h.ServeHTTP(w, r)
}
