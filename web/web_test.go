package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hibiken/asynq"
	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/forecast"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/internal/fixtures"
	"github.com/parley-cc/parley/jobs"
	"github.com/parley-cc/parley/nlp"
	"github.com/parley-cc/parley/process"
	"github.com/parley-cc/parley/scoring"
	"github.com/parley-cc/parley/storage"
	"github.com/parley-cc/parley/team"
	"github.com/parley-cc/parley/web"
)

// app is the review app over an index of the testdata calls, with one signed-in user per role.
type app struct {
	t        *testing.T
	x        *index.Index
	srv      *httptest.Server
	web      *web.Server
	calls    map[string]string // call name → id
	sessions map[string]string // role → session token
	csrf     map[string]string // role → form token
}

const xssName = "xss-call"

func newApp(t *testing.T) *app {
	t.Helper()
	ctx := context.Background()
	x, err := index.Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	a := &app{t: t, x: x, calls: map[string]string{}, sessions: map[string]string{}, csrf: map[string]string{}}
	dir, docs := fixtures.Dir(t)
	// A call whose transcript and metadata carry markup, as a caller could make a transcript say.
	evil := fixtures.Doc(t, "billing-dispute")
	evil.CallID, evil.Source = xssName, filepath.Join(dir, "xss.wav")
	evil.Turns[1].Text = `I said <script>alert("pwned")</script> and <img src=x onerror=alert(1)>`
	md := *evil.Metadata
	md.AgentName, md.Team = `<b onmouseover=alert(2)>Eve</b>`, `"><script>alert(3)</script>`
	evil.Metadata = &md
	evil.Analysis.Threats = []parley.Threat{{Kind: parley.ThreatChurn, Turn: 1, Speaker: parley.RoleCustomer, Start: 6.6,
		Text: `I'm leaving <script>alert(4)</script>`, Example: "I'm switching to a different company.", Similarity: 0.7}}
	evil.Score.Items[0].Evidence = append(evil.Score.Items[0].Evidence, parley.Evidence{Turn: 0, Speaker: parley.RoleAgent,
		Quote: "Thank you for calling", Example: `<i>welcome</i> to Northwind`, Similarity: 0.612, Heard: `<b>base</b>.bin`, Classified: `<u>recap</u>`, ClassifierConfidence: 0.934})
	docs = append(docs, evil)
	for _, d := range docs {
		id, err := x.PutCall(ctx, d, fixtures.Write(t, dir, d))
		if err != nil {
			t.Fatal(err)
		}
		a.calls[d.CallID] = id
	}
	for _, u := range []index.User{{Name: "root", Role: "admin"}, {Name: "quinn", Role: "qa"}, {Name: "cora", Role: "coach"},
		{Name: "otto", Role: "ops"}, {Name: "sarah", Role: "agent", Agent: "a17"}} {
		hash, err := web.HashPassword("password-of-" + u.Name)
		if err != nil {
			t.Fatal(err)
		}
		u.PasswordHash = hash
		if err := x.AddUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		a.sessions[u.Role], a.csrf[u.Role] = a.login(u.Name, "password-of-"+u.Name)
	}
	return a
}

func (a *app) start(s *web.Server) {
	s.Index = a.x
	if s.Blobs == nil {
		s.Blobs = &storage.Locations{}
	}
	a.web = s
	a.srv = httptest.NewServer(web.New(s))
	a.t.Cleanup(a.srv.Close)
}

func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login signs in through the form and returns the session cookie and the session's form token.
func (a *app) login(name, pw string) (string, string) {
	if a.srv == nil {
		a.start(&web.Server{})
	}
	res, err := noRedirect().PostForm(a.srv.URL+"/login", url.Values{"name": {name}, "password": {pw}, "next": {"/calls"}})
	if err != nil {
		a.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("login %s: %s", name, res.Status)
	}
	var tok string
	for _, c := range res.Cookies() {
		if c.Name == "parley_session" {
			tok = c.Value
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				a.t.Errorf("session cookie must be HttpOnly and SameSite=Lax: %+v", c)
			}
		}
	}
	s, ok, err := a.x.Session(context.Background(), web.HashSecret(tok))
	if err != nil || !ok {
		a.t.Fatalf("no session for %s", name)
	}
	return tok, s.CSRF
}

// do sends a request as a role ("" for anonymous); form is sent as POST with the role's form token.
func (a *app) do(role, method, path string, form url.Values) (*http.Response, string) {
	a.t.Helper()
	var body io.Reader
	if form != nil {
		if _, ok := form["csrf"]; !ok {
			form.Set("csrf", a.csrf[role])
		}
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if role != "" {
		req.AddCookie(&http.Cookie{Name: "parley_session", Value: a.sessions[role]})
	}
	res, err := noRedirect().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

// bearer GETs path with an API token.
func (a *app) bearer(tok, path string) (*http.Response, []byte) {
	a.t.Helper()
	req, _ := http.NewRequest("GET", a.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, b
}

// allowed is the access matrix, written out here rather than read from the server's route table.
var allowed = map[string]string{
	"GET /{$}":                          "admin qa coach ops agent",
	"GET /calls":                        "admin qa coach agent",
	"GET /calls.csv":                    "admin qa coach agent",
	"GET /calls/{id}":                   "admin qa coach agent",
	"GET /calls/{id}/audio":             "admin qa coach agent",
	"POST /calls/{id}/override":         "admin qa",
	"POST /calls/{id}/review":           "admin qa",
	"GET /agents/{agent}":               "admin qa coach agent",
	"GET /library":                      "admin qa coach",
	"GET /collections":                  "admin qa coach",
	"POST /collections":                 "admin qa coach",
	"GET /collections/{id}":             "admin qa coach",
	"POST /collections/{id}/clips":      "admin qa coach",
	"GET /calibration":                  "admin qa",
	"GET /calibration/overrides.yaml":   "admin qa",
	"GET /ops":                          "admin ops",
	"POST /ops/enqueue":                 "admin ops",
	"POST /ops/rescore":                 "admin ops",
	"POST /agents/{agent}/coaching":     "admin qa coach",
	"GET /ops/staffing":                 "admin ops",
	"GET /ops/staffing.csv":             "admin ops",
	"/ops/queues/":                      "admin",
	"GET /admin/users":                  "admin",
	"POST /admin/users":                 "admin",
	"GET /admin/audit":                  "admin",
	"GET /account":                      "admin qa coach ops agent",
	"POST /account/tokens":              "admin qa coach ops agent",
	"POST /account/tokens/{tid}/revoke": "admin qa coach ops agent",
	"POST /logout":                      "admin qa coach ops agent",
	"GET /api/calls":                    "admin qa coach agent",
	"GET /api/calls/{id}":               "admin qa coach agent",
	"GET /api/search":                   "admin qa coach",
	"GET /metrics":                      "admin ops",
}

func TestEveryRouteChecksSignInAndRole(t *testing.T) {
	a := newApp(t)
	col, _ := a.x.CreateCollection(context.Background(), "c", "cora")
	own := a.calls["billing-dispute"] // agent a17's call, so the agent is admitted on its merits
	fill := strings.NewReplacer("{$}", "", "{id}", own, "{agent}", "a17", "{tid}", "0", "/collections/"+own, "/collections/"+col)
	routes := a.srv.Config.Handler.(*web.Server).Routes()
	if len(routes) != len(allowed) {
		t.Errorf("%d routes, %d in the test's matrix: add the new route to the matrix", len(routes), len(allowed))
	}
	for _, rt := range routes {
		want, ok := allowed[rt.Pattern]
		if !ok {
			t.Errorf("route %s is not in the test's matrix", rt.Pattern)
			continue
		}
		if got := strings.Join(rt.Roles, " "); got != want {
			t.Errorf("%s: roles %q, the matrix says %q", rt.Pattern, got, want)
		}
		method, path, found := strings.Cut(rt.Pattern, " ")
		if !found {
			method, path = "GET", rt.Pattern
		}
		path = fill.Replace(path)
		var form url.Values
		if method == "POST" {
			form = url.Values{}
		}
		res, _ := a.do("", method, path, form)
		if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous %s %s: %s", method, path, res.Status)
		}
		if res.StatusCode == http.StatusSeeOther && !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("anonymous %s %s redirected to %s", method, path, res.Header.Get("Location"))
		}
		for _, role := range []string{"admin", "qa", "coach", "ops", "agent"} {
			if method == "POST" {
				form = url.Values{}
			}
			if rt.Pattern == "POST /logout" {
				continue // would end the role's session for the rest of the test
			}
			res, _ := a.do(role, method, path, form)
			may := strings.Contains(" "+want+" ", " "+role+" ")
			if !may && res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s as %s: %s, want 403", method, path, role, res.Status)
			}
			if may && (res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusUnauthorized) {
				t.Errorf("%s %s as %s: %s, want admitted", method, path, role, res.Status)
			}
		}
	}
}

func TestFormsNeedTheSessionToken(t *testing.T) {
	a := newApp(t)
	id := a.calls["billing-dispute"]
	form := func(csrf string) url.Values {
		return url.Values{"item": {"empathy"}, "status": {"fail"}, "comment": {"x"}, "csrf": {csrf}}
	}
	for _, csrf := range []string{"", "forged", a.csrf["admin"]} { // another session's token is no good either
		if res, _ := a.do("qa", "POST", "/calls/"+id+"/override", form(csrf)); res.StatusCode != http.StatusForbidden {
			t.Errorf("override with form token %q: %s", csrf, res.Status)
		}
	}
	// A request another site's page makes the browser send: refused even with the right token.
	req, _ := http.NewRequest("POST", a.srv.URL+"/calls/"+id+"/override", strings.NewReader(form(a.csrf["qa"]).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.AddCookie(&http.Cookie{Name: "parley_session", Value: a.sessions["qa"]})
	res, err := noRedirect().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %s", res.Status)
	}
	if ovs, _ := a.x.Overrides(context.Background(), id); len(ovs) != 0 {
		t.Errorf("a refused form stored %d overrides", len(ovs))
	}
}

func TestOverrideIsStoredShownAndAudited(t *testing.T) {
	a := newApp(t)
	id := a.calls["billing-dispute"]
	res, _ := a.do("qa", "POST", "/calls/"+id+"/override", url.Values{"item": {"closing"}, "status": {"pass"}, "comment": {"said goodbye politely"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/calls/"+id+"#item-closing" {
		t.Fatalf("override: %s %s", res.Status, res.Header.Get("Location"))
	}
	for _, bad := range []url.Values{
		{"item": {"closing"}, "status": {"maybe"}, "comment": {"x"}},
		{"item": {"closing"}, "status": {"pass"}, "comment": {"  "}},
		{"item": {"no_such_item"}, "status": {"pass"}, "comment": {"x"}},
	} {
		if res, _ := a.do("qa", "POST", "/calls/"+id+"/override", bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("override %v: %s", bad, res.Status)
		}
	}
	ovs, err := a.x.Overrides(context.Background(), id)
	if err != nil || len(ovs) != 1 || ovs[0].Reviewer != "quinn" || ovs[0].At.IsZero() || ovs[0].Status != "pass" {
		t.Fatalf("stored: %+v %v", ovs, err)
	}
	_, page := a.do("qa", "GET", "/calls/"+id, nil)
	item := page[strings.Index(page, `id="item-closing"`):]
	item = item[:strings.Index(item, "</li>")]
	if !strings.Contains(item, `<span class="st fail" title="automatic result">fail</span>`) || !strings.Contains(item, "pass · quinn") ||
		!strings.Contains(item, "said goodbye politely") {
		t.Errorf("the call page shows the automatic result and the override beside it:\n%s", item)
	}
	log, _ := a.x.AuditLog(context.Background(), 10)
	if len(log) == 0 || log[0].Action != "override" || log[0].Actor != "quinn" || !strings.Contains(log[0].Detail, "auto fail → pass") {
		t.Errorf("audit: %+v", log)
	}
	_, cal := a.do("qa", "GET", "/calibration", nil)
	if !strings.Contains(cal, "billing-dispute</a>: auto fail, reviewer pass (quinn)") {
		t.Error("calibration does not count the override")
	}
	// The overrides in force, exported in the format parley report and parley eval labels read.
	res, export := a.do("qa", "GET", "/calibration/overrides.yaml", nil)
	var ov []team.Override
	if err := yaml.Unmarshal([]byte(export), &ov); err != nil || res.StatusCode != http.StatusOK || len(ov) != 1 ||
		ov[0] != (team.Override{CallID: "billing-dispute", Item: "closing", Status: "pass", Reviewer: "quinn", Note: "said goodbye politely"}) {
		t.Errorf("export: %s %v %+v\n%s", res.Status, err, ov, export)
	}
}

func TestAgentSeesOnlyOwnCalls(t *testing.T) {
	a := newApp(t)
	_, other := a.do("agent", "GET", "/calls?agent=a21", nil) // asking for someone else's calls finds none
	if strings.Contains(other, a.calls["cancel-service"]) {
		t.Error("an agent filtering for another agent sees their calls")
	}
	_, list := a.do("agent", "GET", "/calls", nil)
	for name, id := range a.calls {
		own := name == "billing-dispute" || name == "address-change" || name == xssName
		if shown := strings.Contains(list, "/calls/"+id+`?in=`); shown != own {
			t.Errorf("list: %s shown=%v, own=%v", name, shown, own)
		}
		for _, p := range []string{"/calls/" + id, "/calls/" + id + "/audio", "/api/calls/" + id} {
			res, _ := a.do("agent", "GET", p, nil)
			if own && res.StatusCode == http.StatusNotFound && !strings.HasSuffix(p, "/audio") || !own && res.StatusCode != http.StatusNotFound {
				t.Errorf("agent GET %s (%s): %s", p, name, res.Status)
			}
		}
	}
	if res, _ := a.do("agent", "GET", "/agents/a21", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("another agent's page: %s", res.Status)
	}
	if res, _ := a.do("agent", "GET", "/agents/a17", nil); res.StatusCode != http.StatusOK {
		t.Errorf("own agent page: %s", res.Status)
	}
	_, body := a.do("agent", "GET", "/calls.csv", nil)
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("agent's CSV: %d rows %v", len(rows), err)
	}
	for _, r := range rows[1:] {
		if r[2] != "a17" {
			t.Errorf("agent's CSV has a call of %s", r[2])
		}
	}
}

func TestTranscriptTextIsEscaped(t *testing.T) {
	a := newApp(t)
	for _, p := range []string{"/calls/" + a.calls[xssName], "/calls", "/library?q=pwned", "/agents/a17"} {
		_, body := a.do("admin", "GET", p, nil)
		for _, raw := range []string{"<script>alert", "<img src=x", "<b onmouseover"} {
			if strings.Contains(body, raw) {
				t.Errorf("%s renders %q unescaped", p, raw)
			}
		}
	}
	_, page := a.do("admin", "GET", "/calls/"+a.calls[xssName], nil)
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;") {
		t.Error("the transcript text is not shown escaped")
	}
	// Threats, matches by meaning and the second hearing's readings are shown, escaped.
	for _, want := range []string{"<h3>Threats</h3>", "I&#39;m leaving &lt;script&gt;alert(4)&lt;/script&gt;", "≈ <q>&lt;i&gt;welcome&lt;/i&gt; to Northwind</q> 0.61",
		"heard again by &lt;b&gt;base&lt;/b&gt;.bin</span>", "reads as &lt;u&gt;recap&lt;/u&gt; 0.93</span>"} {
		if !strings.Contains(page, want) {
			t.Errorf("call page lacks %q", want)
		}
	}
	_, lib := a.do("admin", "GET", "/library?q=pwned", nil)
	if !strings.Contains(lib, "&lt;script&gt;alert(&#34;<mark>pwned</mark>&#34;)") {
		t.Errorf("the search snippet must escape the text and mark the match: %s", regexp.MustCompile(`(?s)<ol class="hits".*?</ol>`).FindString(lib))
	}
	res, _ := a.do("admin", "GET", "/calls", nil)
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP: %q", csp)
	}
}

func TestAudioAnswersRangeRequests(t *testing.T) {
	a := newApp(t)
	id := a.calls["billing-dispute"]
	want, err := os.ReadFile(fixtures.Doc(t, "billing-dispute").Source)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", a.srv.URL+"/calls/"+id+"/audio", nil)
	req.Header.Set("Range", "bytes=1000-1999")
	req.AddCookie(&http.Cookie{Name: "parley_session", Value: a.sessions["coach"]})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(got, want[1000:2000]) || res.Header.Get("Content-Type") != "audio/wav" {
		t.Errorf("range: %s, %d bytes, %s", res.Status, len(got), res.Header.Get("Content-Type"))
	}
	if cr := res.Header.Get("Content-Range"); cr != "bytes 1000-1999/"+itoa(len(want)) {
		t.Errorf("Content-Range %q", cr)
	}
	// A call whose recording is gone says so.
	res2, _ := a.do("admin", "GET", "/calls/"+a.calls[xssName]+"/audio", nil)
	if res2.StatusCode != http.StatusNotFound {
		t.Errorf("missing recording: %s", res2.Status)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestSignInOut(t *testing.T) {
	a := newApp(t)
	res, err := noRedirect().PostForm(a.srv.URL+"/login", url.Values{"name": {"quinn"}, "password": {"password-of-cora"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || len(res.Cookies()) != 0 {
		t.Errorf("wrong password: %s, cookies %v", res.Status, res.Cookies())
	}
	for next, want := range map[string]string{"/library?q=x": "/library?q=x", "//evil.example/": "/", "https://evil.example/": "/", `/\evil.example`: "/"} {
		res, err := noRedirect().PostForm(a.srv.URL+"/login", url.Values{"name": {"cora"}, "password": {"password-of-cora"}, "next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Header.Get("Location") != want {
			t.Errorf("next=%q redirects to %q", next, res.Header.Get("Location"))
		}
	}
	if res, _ := a.do("coach", "POST", "/logout", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %s", res.Status)
	}
	if res, _ := a.do("coach", "GET", "/library", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a signed-out session still works: %s", res.Status)
	}
	log, _ := a.x.AuditLog(context.Background(), 50)
	failed := 0
	for _, e := range log {
		if e.Action == "login_failed" && e.Actor == "quinn" {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("failed sign-ins audited: %d", failed)
	}
}

func TestSecureCookies(t *testing.T) {
	a := newApp(t)
	srv := httptest.NewTLSServer(web.New(&web.Server{Index: a.x, Blobs: &storage.Locations{}, SecureCookies: true}))
	defer srv.Close()
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.PostForm(srv.URL+"/login", url.Values{"name": {"quinn"}, "password": {"password-of-quinn"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cs := res.Cookies()
	if len(cs) != 1 || cs[0].Name != "__Host-parley_session" || !cs[0].Secure || !cs[0].HttpOnly || cs[0].Path != "/" {
		t.Errorf("cookie over HTTPS: %+v", cs)
	}
}

func TestAPITokens(t *testing.T) {
	a := newApp(t)
	res, page := a.do("agent", "POST", "/account/tokens", url.Values{"label": {"my export"}})
	tok := regexp.MustCompile(`parley_[A-Za-z0-9_-]{43}`).FindString(page)
	if res.StatusCode != http.StatusOK || tok == "" {
		t.Fatalf("new token: %s", res.Status)
	}
	get := a.bearer
	res, body := get(tok, "/api/calls?sort=score&dir=asc")
	var out struct {
		Total int `json:"total"`
		Calls []web.CallJSON
	}
	if err := json.Unmarshal(body, &out); err != nil || res.StatusCode != 200 || out.Total != 3 {
		t.Fatalf("api as the agent: %s %s %v", res.Status, body, err)
	}
	for _, c := range out.Calls {
		if c.Agent != "a17" {
			t.Errorf("the agent's token lists %s's call", c.Agent)
		}
	}
	if res, _ := get(tok, "/api/search?q=thank"); res.StatusCode != http.StatusForbidden {
		t.Errorf("an agent's token on the library API: %s", res.Status)
	}
	if res, _ := get("parley_notatoken", "/api/calls"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong token: %s", res.Status)
	}
	toks, _ := a.x.Tokens(context.Background(), "sarah")
	a.do("agent", "POST", "/account/tokens/"+toks[0].ID+"/revoke", url.Values{})
	if res, _ := get(tok, "/api/calls"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a revoked token: %s", res.Status)
	}
}

func TestCallsListFiltersPagesAndExports(t *testing.T) {
	a := newApp(t)
	_, page := a.do("qa", "GET", "/calls?team=billing&min=70&sort=score&dir=desc", nil)
	rows := regexp.MustCompile(`href="/calls/([0-9a-f]+)\?in=[^"]*"[^>]*>([^<]+)</a>`).FindAllStringSubmatch(page, -1)
	var names []string
	for _, r := range rows {
		names = append(names, r[2])
	}
	if strings.Join(names, ",") != "billing-dispute,identity-check" { // the markup call's team is not billing
		t.Errorf("team billing, score ≥ 70, best first: %v", names)
	}
	_, bad := a.do("qa", "GET", "/calls?from=yesterday&min=lots", nil)
	if !strings.Contains(bad, "from: &#34;yesterday&#34; is not a date") || !strings.Contains(bad, "min: &#34;lots&#34; is not a number") {
		t.Error("bad filter values are named")
	}
	res, body := a.do("qa", "GET", "/calls.csv?team=billing&min=70", nil)
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) != 3 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("CSV of the view: %d rows %v", len(recs), err)
	}
	for _, r := range recs[1:] {
		if r[4] != "billing" && !strings.HasPrefix(r[4], `'"`) {
			t.Errorf("CSV row outside the filter: %v", r)
		}
	}
	// Markup in a cell stays text, and a cell that a spreadsheet would run as a formula is defused.
	for _, r := range recs[1:] {
		if strings.HasPrefix(r[3], "=") || strings.HasPrefix(r[3], "+") {
			t.Errorf("formula cell %q", r[3])
		}
	}
}

func TestLibraryCollectionsAndAgentPage(t *testing.T) {
	a := newApp(t)
	_, lib := a.do("coach", "GET", "/library?q=%22charged+twice%22&speaker=customer", nil)
	if !strings.Contains(lib, `href="/calls/`+a.calls["billing-dispute"]+`#t=6.685"`) || !strings.Contains(lib, "<mark>charged twice</mark>") {
		t.Errorf("search hit with its moment and highlight missing:\n%s", regexp.MustCompile(`(?s)<ol class="hits".*?</ol>`).FindString(lib))
	}
	_, ex := a.do("coach", "GET", "/library?item=recap", nil)
	// Examples done well open the call at the moment of their evidence, with its quote.
	done := regexp.MustCompile(`(?s)<h3>Done well</h3>.*?</section>`).FindString(ex)
	if !strings.Contains(ex, `id="examples"`) || !regexp.MustCompile(`href="/calls/[0-9a-f]+#t=[0-9.]+"`).MatchString(done) || !strings.Contains(done, "<q>") {
		t.Errorf("examples per item, with their moment and quote, are missing:\n%s", done)
	}
	res, _ := a.do("coach", "POST", "/collections", url.Values{"name": {"Handling repeat callers"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/collections/[0-9a-f]{32}$`).MatchString(loc) {
		t.Fatalf("create collection: %s %s", res.Status, loc)
	}
	call := a.calls["cancel-service"]
	for _, bad := range []url.Values{{"call": {call}, "start": {"9"}, "end": {"3"}}, {"call": {"nope"}, "start": {"1"}, "end": {"3"}}, {"call": {call}, "start": {"1"}, "end": {"9999"}}} {
		if res, _ := a.do("coach", "POST", loc+"/clips", bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("bad clip %v: %s", bad, res.Status)
		}
	}
	a.do("coach", "POST", loc+"/clips", url.Values{"call": {call}, "start": {"5.2"}, "end": {"12"}, "note": {"third time calling"}})
	// Shared by link: another library user opens the same address.
	_, shared := a.do("qa", "GET", loc, nil)
	if !strings.Contains(shared, `href="/calls/`+call+`#t=5.2"`) || !strings.Contains(shared, "third time calling") {
		t.Error("the shared collection does not show the clip")
	}
	_, ag := a.do("qa", "GET", "/agents/a17", nil)
	if !strings.Contains(ag, "a17") || !strings.Contains(ag, `id="agent-items"`) || !strings.Contains(ag, "<svg class=\"trend\"") {
		t.Errorf("agent page: name, items against the team, trend:\n%s", ag)
	}
}

func TestOpsWithoutAQueue(t *testing.T) {
	a := newApp(t)
	_, page := a.do("ops", "GET", "/ops", nil)
	if !strings.Contains(page, "No queue is configured") {
		t.Error("the ops page must say that no queue is configured")
	}
	if res, _ := a.do("ops", "POST", "/ops/enqueue", url.Values{"url": {"s3://b/p"}, "queue": {"default"}}); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("enqueue without a queue: %s", res.Status)
	}
	if res, _ := a.do("admin", "GET", "/ops/queues/", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("queue dashboard without a queue: %s", res.Status)
	}
	if strings.Contains(page, `id="enqueue"`) {
		t.Error("the enqueue form is offered without a queue")
	}
	// A queue configured (the default redis_url) where nothing answers: said in plain words, no raw
	// network error, no enqueue form.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	a.web.Ops = &jobs.Ops{Redis: asynq.RedisClientOpt{Addr: addr}, Index: a.x}
	_, page = a.do("ops", "GET", "/ops", nil)
	if !strings.Contains(page, "No queue is running") || !strings.Contains(page, addr) || strings.Contains(page, "dial tcp") || strings.Contains(page, `id="enqueue"`) {
		t.Errorf("ops page with the queue down:\n%s", page)
	}
}

func TestAdminAddsUsers(t *testing.T) {
	a := newApp(t)
	for _, bad := range []url.Values{
		{"name": {"ann"}, "password": {"short"}, "role": {"qa"}},
		{"name": {"ann"}, "password": {"long enough password"}, "role": {"boss"}},
		{"name": {"al"}, "password": {"long enough password"}, "role": {"agent"}},
		{"name": {"a b"}, "password": {"long enough password"}, "role": {"qa"}},
	} {
		if res, _ := a.do("admin", "POST", "/admin/users", bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("add %v: %s", bad, res.Status)
		}
	}
	res, _ := a.do("admin", "POST", "/admin/users", url.Values{"name": {"ann"}, "password": {"long enough password"}, "role": {"agent"}, "agent": {"a21"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %s", res.Status)
	}
	if res, _ := a.do("admin", "POST", "/admin/users", url.Values{"name": {"ann"}, "password": {"long enough password"}, "role": {"qa"}}); res.StatusCode != http.StatusConflict {
		t.Errorf("duplicate: %s", res.Status)
	}
	tok, _ := a.login("ann", "long enough password")
	a.sessions["ann"] = tok
	_, list := a.do("ann", "GET", "/calls", nil)
	if !strings.Contains(list, "cancel-service") || strings.Contains(list, ">billing-dispute<") {
		t.Error("the new agent sees their own calls only")
	}
	_, audit := a.do("admin", "GET", "/admin/audit", nil)
	if !strings.Contains(audit, "user_add") {
		t.Error("adding a user is audited")
	}
}

func TestSignInThrottled(t *testing.T) {
	a := newApp(t)
	try := func(name, pw string) *http.Response {
		res, err := noRedirect().PostForm(a.srv.URL+"/login", url.Values{"name": {name}, "password": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for i := range 5 {
		if res := try("quinn", "guess-"+itoa(i)); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %s", i, res.Status)
		}
	}
	// The right password no longer helps: the name is locked for the window.
	res := try("quinn", "password-of-quinn")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("after 5 failures: %s, Retry-After %q", res.Status, res.Header.Get("Retry-After"))
	}
	// Names are counted apart: another user signs in.
	if res := try("cora", "password-of-cora"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("another user: %s", res.Status)
	}
	log, _ := a.x.AuditLog(context.Background(), 50)
	if !slicesContainsFunc(log, func(e index.AuditEntry) bool { return e.Action == "login_throttled" && e.Actor == "quinn" }) {
		t.Error("a throttled sign-in is audited")
	}
}

func slicesContainsFunc[T any](s []T, f func(T) bool) bool {
	for _, v := range s {
		if f(v) {
			return true
		}
	}
	return false
}

func TestHealthAndReadiness(t *testing.T) {
	a := newApp(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		res, body := a.do("", "GET", p, nil)
		if res.StatusCode != http.StatusOK || strings.Contains(body, "billing") {
			t.Errorf("%s: %s %q", p, res.Status, body)
		}
	}
	a.x.Close()
	if res, _ := a.do("", "GET", "/readyz", nil); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz with the index closed: %s", res.Status)
	}
	if res, _ := a.do("", "GET", "/healthz", nil); res.StatusCode != http.StatusOK {
		t.Errorf("healthz: %s", res.Status)
	}
}

// TestRedactedCallsStayRedacted indexes calls analysed with PII redaction on and scans everything the
// app gives out about them — list, call page, CSV, API, search, agent page — for the personal data
// spoken in them.
func TestRedactedCallsStayRedacted(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	redactor, err := nlp.NewAnalyzer(nlp.Options{Redact: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var ids []string
	for _, name := range []string{"identity-check", "billing-dispute"} {
		// As parley analyze --redact does it: redaction first, then everything derived from the text.
		d, err := process.Stages{Analyzer: redactor, Scorecard: scoring.Default()}.Redo(fixtures.Doc(t, name))
		if err != nil {
			t.Fatal(err)
		}
		d.CallID, d.Source = "redacted-"+name, filepath.Join(dir, name+".wav")
		id, err := a.x.PutCall(ctx, d, fixtures.Write(t, dir, d))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// Said by the callers: a name, a date of birth, an email, a card, a phone number, an address, an
	// account number. (Agents' names are the call's metadata and are shown on purpose.)
	pii := []string{"john", "smith", "nineteen eighty", "dot com", "example", "four one one one", "one one one one",
		"zero seven seven", "fourteen maple", "maple street", "seven two four one nine"}
	pages := []string{"/calls?q=redacted", "/calls.csv", "/api/calls", "/agents/a30", "/agents/a17",
		"/library?q=account", "/library?q=birth", "/library?q=email", "/library?q=street", "/api/search?q=account"}
	for _, id := range ids {
		pages = append(pages, "/calls/"+id, "/api/calls/"+id)
	}
	for _, p := range pages {
		res, body := a.do("admin", "GET", p, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %s", p, res.Status)
			continue
		}
		low := strings.ToLower(body)
		if p == "/calls/"+ids[0] {
			// The pages of the redacted identity check must show its placeholders.
			if !strings.Contains(body, "[") || !strings.Contains(low, "redacted") {
				t.Errorf("%s shows no redaction", p)
			}
		}
		for _, s := range pii {
			if strings.Contains(low, s) && !strings.Contains(p, "/api/calls/") && !strings.Contains(p, ids[0]) && !strings.Contains(p, ids[1]) {
				// list-type pages also hold the unredacted testdata calls of newApp: check only lines
				// that mention a redacted call
				for _, line := range strings.Split(low, "\n") {
					if strings.Contains(line, "redacted-") && strings.Contains(line, s) {
						t.Errorf("%s: %q shown for a redacted call: %s", p, s, line)
					}
				}
				continue
			}
			if i := strings.Index(low, s); i >= 0 {
				t.Errorf("%s: %q survived redaction: …%s…", p, s, low[max(0, i-150):min(len(low), i+60)])
			}
		}
	}
}

// TestMetrics: the app counts requests by route pattern and status — never by raw path, which holds call
// ids — and serves them to a scraper holding an ops user's API token.
func TestMetrics(t *testing.T) {
	a := newApp(t)
	id := a.calls["billing-dispute"]
	a.do("qa", "GET", "/calls", nil)
	a.do("qa", "GET", "/calls/"+id, nil)
	a.do("agent", "GET", "/admin/users", nil)
	a.do("", "POST", "/login", url.Values{"name": {"quinn"}, "password": {"not-the-password"}})
	_, page := a.do("ops", "POST", "/account/tokens", url.Values{"label": {"prometheus"}})
	tok := regexp.MustCompile(`parley_[A-Za-z0-9_-]{43}`).FindString(page)
	if tok == "" {
		t.Fatal("no token")
	}
	res, b := a.bearer(tok, "/metrics")
	body := string(b)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("metrics as ops: %s", res.Status)
	}
	for _, want := range []string{
		`parley_http_requests_total{code="200",route="GET /calls"} 1`,
		`parley_http_requests_total{code="200",route="GET /calls/{id}"} 1`,
		`parley_http_requests_total{code="403",route="GET /admin/users"} 1`,
		`parley_http_requests_total{code="401",route="POST /login"} 1`,
		`parley_http_request_seconds_count{route="GET /calls"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, id) {
		t.Error("a call id is in the metrics")
	}
	if res, _ := a.do("qa", "GET", "/metrics", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("metrics as qa: %s", res.Status)
	}
}

// A call whose document is gone: the page and the API answer 404 and say so; other calls are unharmed.
func TestCallDocumentMissing(t *testing.T) {
	a := newApp(t)
	id := a.calls["cancel-service"]
	c, ok, err := a.x.Call(context.Background(), id)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := os.Remove(c.Doc); err != nil {
		t.Fatal(err)
	}
	res, body := a.do("qa", "GET", "/calls/"+id, nil)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "Document missing") {
		t.Errorf("page: %s %.200s", res.Status, body)
	}
	res, body = a.do("qa", "GET", "/api/calls/"+id, nil)
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "document is gone") {
		t.Errorf("API: %s %.200s", res.Status, body)
	}
	if res, _ := a.do("qa", "GET", "/api/calls/"+a.calls["billing-dispute"], nil); res.StatusCode != http.StatusOK {
		t.Errorf("another call: %s", res.Status)
	}
}

// The calls list explains itself: the sorted column shows its direction, an alert chip says what fired
// it, and a column no call of the page has a value for is left out.
func TestCallsListExplains(t *testing.T) {
	a := newApp(t)
	_, page := a.do("qa", "GET", "/calls?sort=score&dir=asc", nil)
	if !strings.Contains(page, "Score ▲</a>") || strings.Contains(page, "Length ▲") {
		t.Error("the sorted column must show its direction, and only it")
	}
	if !strings.Contains(page, `title="the customer said they would leave"`) {
		t.Error("the churn threat chip must say what fired it")
	}
	var withQueue bool
	calls, _, err := a.x.Calls(context.Background(), index.Filter{}, index.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		withQueue = withQueue || c.Queue != ""
	}
	if hasCol := strings.Contains(page, ">Queue</a></th>"); hasCol != withQueue {
		t.Errorf("queue column shown %v, calls with a queue %v", hasCol, withQueue)
	}
	// A view of calls without metadata: no started, agent, team or queue columns.
	d := fixtures.Doc(t, "address-change")
	d.CallID, d.Metadata, d.Score.Score = "no-metadata", nil, 12.345
	if _, err := a.x.PutCall(context.Background(), d, fixtures.Write(t, t.TempDir(), d)); err != nil {
		t.Fatal(err)
	}
	_, page = a.do("qa", "GET", "/calls?min=12.3&max=12.4", nil)
	if !strings.Contains(page, "no-metadata") {
		t.Fatalf("the call without metadata is not listed:\n%s", page)
	}
	for _, col := range []string{"Started", "Agent", "Team", "Queue"} {
		if strings.Contains(page, ">"+col+"</a></th>") {
			t.Errorf("empty column %s shown", col)
		}
	}
}

// The call page marks the words the recogniser was unsure of, escaped like all text, with a legend; a
// call whose words are not known (reference transcripts) shows its text as it is.
func TestUnsureWordsMarked(t *testing.T) {
	a := newApp(t)
	d := fixtures.Doc(t, "identity-check")
	d.CallID = "unsure-words"
	t0 := d.Turns[0]
	first := true
	for i, sg := range d.Segments {
		if sg.Channel != t0.Channel || sg.Start < t0.Start || sg.End > t0.End {
			continue
		}
		d.Segments[i].Text = ""
		if first {
			d.Segments[i].Text = "Hello, <b>North</b> wind here."
			d.Segments[i].Words = []calldoc.WordDoc{{Text: "Hello,", Confidence: 0.9}, {Text: "<b>North</b>", Confidence: 0.21},
				{Text: "wind", Confidence: 0.4}, {Text: "here.", Confidence: 0.97}}
			first = false
		}
	}
	d.Turns[0].Text = "Hello, <b>North</b> wind here."
	dir := t.TempDir()
	d.Source = filepath.Join(dir, "unsure.wav")
	id, err := a.x.PutCall(context.Background(), d, fixtures.Write(t, dir, d))
	if err != nil {
		t.Fatal(err)
	}
	_, page := a.do("qa", "GET", "/calls/"+id, nil)
	if !strings.Contains(page, `<div class="text">Hello, <span class="unsure" title="heard unsurely (0.21)">&lt;b&gt;North&lt;/b&gt;</span> wind here.</div>`) ||
		!strings.Contains(page, `id="unsure-legend"`) {
		t.Errorf("unsure words not marked:\n%s", page[strings.Index(page, `id="turns"`):][:600])
	}
	// One of the four words the call's words are known for: the header gives the share.
	if !strings.Contains(page, `Heard unsurely <b id="glance-unsure">25%</b> of the words`) {
		t.Errorf("the header does not give the share of words heard unsurely:\n%s", page[strings.Index(page, `id="glance"`):][:900])
	}
	if _, plain := a.do("qa", "GET", "/calls/"+a.calls["identity-check"], nil); strings.Contains(plain, `class="unsure"`) || strings.Contains(plain, `id="unsure-legend"`) ||
		strings.Contains(plain, `id="glance-unsure"`) {
		t.Error("a reference transcript's words marked unsure")
	}
	// The calls list finds the calls to listen to; the CSV and the API give the share.
	_, list := a.do("qa", "GET", "/calls?unsure=20", nil)
	if !strings.Contains(list, ">unsure-words</a>") || strings.Contains(list, ">identity-check</a>") {
		t.Error("heard unsurely ≥ 20 %: the call with a quarter of its words unsure not alone in the list")
	}
	if _, bad := a.do("qa", "GET", "/calls?unsure=lots", nil); !strings.Contains(bad, "unsure: &#34;lots&#34; is not a percentage") {
		t.Error("a bad unsure value is not named")
	}
	_, body := a.do("qa", "GET", "/calls.csv?unsure=20", nil)
	if recs, err := csv.NewReader(strings.NewReader(body)).ReadAll(); err != nil || len(recs) != 2 || recs[0][len(recs[0])-1] != "unsure_words" || recs[1][len(recs[1])-1] != "0.250" {
		t.Errorf("CSV: %v %v", recs, err)
	}
}

// A call opened from a filtered list walks that list: previous and next in its order, its place in it;
// its header says what it was about and how it went.
func TestCallWalksItsList(t *testing.T) {
	a := newApp(t)
	in := url.Values{"team": {"billing"}, "min": {"70"}, "sort": {"score"}, "dir": {"desc"}}.Encode()
	_, first := a.do("qa", "GET", "/calls/"+a.calls["billing-dispute"]+"?in="+url.QueryEscape(in), nil)
	if !strings.Contains(first, "1 of 2 in the list") || !strings.Contains(first, `id="next-call"`) || strings.Contains(first, `id="prev-call"`) {
		t.Fatalf("first of two:\n%s", first)
	}
	next := regexp.MustCompile(`href="(/calls/[0-9a-f]+\?in=[^"]+)" rel="next"`).FindStringSubmatch(first)
	if next == nil || !strings.HasPrefix(next[1], "/calls/"+a.calls["identity-check"]+"?") {
		t.Fatalf("next link %v, want identity-check", next)
	}
	_, second := a.do("qa", "GET", html.UnescapeString(next[1]), nil)
	if !strings.Contains(second, "2 of 2 in the list") || !strings.Contains(second, `id="prev-call"`) || strings.Contains(second, `id="next-call"`) {
		t.Errorf("second of two:\n%s", second)
	}
	if !strings.Contains(first, `id="glance"`) || !strings.Contains(first, "About <b>billing dispute</b>") || !strings.Contains(first, "passed</b>") {
		t.Errorf("the header does not say what the call was about and how it went")
	}
	if _, cancel := a.do("qa", "GET", "/calls/"+a.calls["cancel-service"], nil); !strings.Contains(cancel, `Outcome <b id="outcome">save offer, transferred</b>`) {
		t.Error("the header does not give the metadata's outcome (disposition save_offer, transferred)")
	}
	// Opened on its own, a call has no list to walk.
	if _, alone := a.do("qa", "GET", "/calls/"+a.calls["billing-dispute"], nil); strings.Contains(alone, "in the list") {
		t.Error("a call opened on its own shows a list position")
	}
}

// A reviewer marks a call's review finished: the call page lists who finished it, the calls list marks
// it and filters on it (reviewed, not reviewed, by me), and the mark is audited.
func TestReviewFinished(t *testing.T) {
	a := newApp(t)
	call := a.calls["billing-dispute"]
	in := url.Values{"team": {"billing"}}.Encode()
	res, _ := a.do("qa", "POST", "/calls/"+call+"/review", url.Values{"in": {in}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/calls/"+call+"?in="+url.QueryEscape(in)+"#review" {
		t.Fatalf("finish review: %s → %s", res.Status, res.Header.Get("Location"))
	}
	_, page := a.do("qa", "GET", "/calls/"+call, nil)
	if !strings.Contains(page, "review finished · quinn") || strings.Contains(page, `id="finish-review"`) {
		t.Error("the call page must list quinn's finished review and not offer it again")
	}
	_, page = a.do("admin", "GET", "/calls/"+call, nil)
	if !strings.Contains(page, `id="finish-review"`) {
		t.Error("another reviewer can still finish their own review")
	}
	listed := func(role, q string) bool {
		_, l := a.do(role, "GET", "/calls?"+q, nil)
		return strings.Contains(l, "/calls/"+call+"?in=")
	}
	if !listed("qa", "reviewed=yes") || listed("qa", "reviewed=no") || !listed("qa", "reviewed=mine") || listed("admin", "reviewed=mine") {
		t.Error("reviewed filters: yes / no / mine wrong")
	}
	if _, l := a.do("qa", "GET", "/calls?reviewed=yes", nil); !strings.Contains(l, `class="chip reviewed"`) {
		t.Error("the list does not mark the reviewed call")
	}
	if _, l := a.do("qa", "GET", "/calls?reviewed=maybe", nil); !strings.Contains(l, "not yes, no or mine") {
		t.Error("a bad reviewed value must be named")
	}
	// No call of the fixtures has an item left for a reviewer.
	if listed("qa", "toreview=yes") || !listed("qa", "toreview=no") {
		t.Error("items to review filter: a call without such items listed, or the filter off hides it")
	}
	if _, l := a.do("qa", "GET", "/calls?toreview=maybe", nil); !strings.Contains(l, "toreview: &#34;maybe&#34; is not yes") && !strings.Contains(l, `toreview: "maybe" is not yes`) {
		t.Error("a bad toreview value must be named")
	}
	if _, audit := a.do("admin", "GET", "/admin/audit", nil); !strings.Contains(audit, "review finished") {
		t.Error("the finished review is not in the audit log")
	}
	if res, _ := a.do("coach", "POST", "/calls/"+call+"/review", url.Values{}); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
		t.Errorf("a coach finishing a review: %s", res.Status)
	}
}

// A reviewer's result counts everywhere the item is used: the call's score on its page (the automatic
// score kept and shown), in the list, on the agent page; calibration still compares with the automatic
// result.
func TestOverrideChangesTheScore(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	id := a.calls["billing-dispute"]
	before, _, err := a.x.Call(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	_, agentBefore := a.do("qa", "GET", "/agents/a17", nil)
	if res, _ := a.do("qa", "POST", "/calls/"+id+"/override", url.Values{"item": {"closing"}, "status": {"pass"}, "comment": {"said goodbye"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("override: %s", res.Status)
	}
	after, _, err := a.x.Call(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if after.Score <= before.Score {
		t.Fatalf("a failed item passed by the reviewer: score %.1f → %.1f", before.Score, after.Score)
	}
	_, page := a.do("qa", "GET", "/calls/"+id, nil)
	if !strings.Contains(page, fmt.Sprintf(`id="score">%.1f`, after.Score)) || !strings.Contains(page, fmt.Sprintf("automatic %.1f", before.Score)) {
		t.Errorf("the call page shows %.1f with the automatic %.1f kept", after.Score, before.Score)
	}
	if _, list := a.do("qa", "GET", "/calls", nil); !regexp.MustCompile(fmt.Sprintf(`<b class="band-[a-z]+">%.1f</b>`, after.Score)).MatchString(list) {
		t.Error("the list shows the reviewed score")
	}
	if _, agentAfter := a.do("qa", "GET", "/agents/a17", nil); agentAfter == agentBefore {
		t.Error("the agent page did not change")
	}
	if _, cal := a.do("qa", "GET", "/calibration", nil); !strings.Contains(cal, "billing-dispute</a>: auto fail, reviewer pass (quinn)") {
		t.Error("calibration must compare with the automatic result")
	}
}

// Calibration names items by their labels, links each review to its call and item, shows the comment,
// and has a view per reviewer.
func TestCalibrationPage(t *testing.T) {
	a := newApp(t)
	id := a.calls["billing-dispute"]
	a.do("qa", "POST", "/calls/"+id+"/override", url.Values{"item": {"closing"}, "status": {"pass"}, "comment": {"said goodbye politely"}})
	a.do("admin", "POST", "/calls/"+id+"/override", url.Values{"item": {"greeting"}, "status": {"pass"}, "comment": {"agrees"}})
	_, cal := a.do("qa", "GET", "/calibration", nil)
	for _, want := range []string{`<td title="closing">`, `href="/calls/` + id + `#item-closing"`, "said goodbye politely", `href="/calibration?reviewer=quinn"`, `href="/calibration?reviewer=root"`} {
		if !strings.Contains(cal, want) {
			t.Errorf("calibration page lacks %s", want)
		}
	}
	if strings.Contains(cal, `<td title="closing">closing</td>`) {
		t.Error("the item is named by its id, not its label")
	}
	// Both reviews are of Sarah's call: one overturned the automatic result, one agreed.
	if !strings.Contains(cal, `<td><a href="/agents/a17">Sarah</a></td><td class="r">2</td><td class="r">50%</td>`) {
		t.Errorf("calibration by agent:\n%s", cal[max(0, strings.Index(cal, "By agent")):])
	}
	_, mine := a.do("qa", "GET", "/calibration?reviewer=quinn", nil)
	if !strings.Contains(mine, "#item-closing") || strings.Contains(mine, "#item-greeting") {
		t.Error("one reviewer's view shows another's reviews")
	}
}

// The calls list sums up the view above it — calls, average score, auto-fails, reviewed — and bands
// each score.
func TestCallsSummaryStrip(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	calls, total, err := a.x.Calls(ctx, index.Filter{Team: "billing"}, index.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	n := 0
	for _, c := range calls {
		if c.Scored {
			sum += c.Score
			n++
		}
	}
	_, page := a.do("qa", "GET", "/calls?team=billing", nil)
	strip := regexp.MustCompile(`(?s)<div class="strip" id="summary".*?</div>`).FindString(page)
	if !strings.Contains(strip, fmt.Sprintf("<b>%d</b> call", total)) || !strings.Contains(strip, fmt.Sprintf(">%.1f</b>", math.Round(sum/float64(n)*10)/10)) {
		t.Errorf("summary of %d calls averaging %.1f:\n%s", total, sum/float64(n), strip)
	}
	if !regexp.MustCompile(`<b class="band-(low|mid|high)">`).MatchString(page) {
		t.Error("scores are not banded")
	}
}

// The sentiment chart reads on its own: to scale, its axis labelled from −1 to +1, times along the
// bottom, a legend of the speakers, each point playable.
func TestSentimentChartReads(t *testing.T) {
	a := newApp(t)
	_, page := a.do("qa", "GET", "/calls/"+a.calls["billing-dispute"], nil)
	chart := regexp.MustCompile(`(?s)<svg class="sentiment".*?</svg><div class="legend">.*?</div>`).FindString(page)
	for _, want := range []string{"+1 positive", "0 neutral", "−1 negative", ">0:00</text>", `class="lg-customer"`, `class="lg-agent"`, `data-seek="`} {
		if !strings.Contains(chart, want) {
			t.Errorf("sentiment chart lacks %s", want)
		}
	}
	if strings.Contains(chart, `preserveAspectRatio="none"`) {
		t.Error("the chart is stretched: its dots would be ellipses")
	}
}

// The calls list opens worst first for QA users (unscored calls last) and newest first for others, and
// says which; a call without metadata is dated by its recording — listed under a date filter by it, and
// marked there and on its page — and filed under "no agent named", whose page lists it.
func TestListOrderUndatedAndUnassignedCalls(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	march := time.Date(2026, 3, 3, 8, 30, 0, 0, time.UTC)
	d := fixtures.Doc(t, "cancel-service")
	d.CallID, d.Source, d.Metadata, d.RecordedAt = "walk-in", "walk-in.wav", nil, &march
	id, err := a.x.PutCall(ctx, d, fixtures.Write(t, t.TempDir(), d))
	if err != nil {
		t.Fatal(err)
	}
	firstRow := regexp.MustCompile(`<a href="/calls/([0-9a-f]+)\?in=`)
	for _, tc := range []struct {
		role, sort, note string
	}{{"qa", "score", "Worst first"}, {"coach", "started", "Newest first"}} {
		_, page := a.do(tc.role, "GET", "/calls", nil)
		want, _, err := a.x.Calls(ctx, index.Filter{}, index.Page{Sort: tc.sort, Desc: tc.sort == "started"})
		if err != nil {
			t.Fatal(err)
		}
		m := firstRow.FindStringSubmatch(page)
		if m == nil || m[1] != want[0].ID || !strings.Contains(page, `id="order">`+tc.note) {
			t.Errorf("%s: first row %v, want %s (%s); order note %q missing", tc.role, m, want[0].CallID, tc.sort, tc.note)
		}
		if _, sorted := a.do(tc.role, "GET", "/calls?sort=call&dir=asc", nil); strings.Contains(sorted, `id="order"`) {
			t.Errorf("%s: the default-order note shown under a chosen sort", tc.role)
		}
	}
	_, page := a.do("qa", "GET", "/calls?from=2026-03-03&to=2026-03-03", nil)
	if m := firstRow.FindAllStringSubmatch(page, -1); len(m) != 1 || m[0][1] != id {
		t.Fatalf("3 March: %v, want only walk-in", m)
	}
	if !strings.Contains(page, `2026-03-03 08:30 <span class="muted recorded"`) {
		t.Errorf("walk-in's row does not mark its recording time:\n%s", page)
	}
	if _, all := a.do("qa", "GET", "/calls", nil); !strings.Contains(all, `href="/agents/-"`) || !strings.Contains(all, `<option value="-" >no agent named</option>`) {
		t.Error("the list neither links nor offers the calls without an agent")
	}
	if _, call := a.do("qa", "GET", "/calls/"+id, nil); !strings.Contains(call, "recorded</span>") || !strings.Contains(call, `href="/agents/-"`) {
		t.Error("the call page does not mark the recording time or link the calls without an agent")
	}
	res, agents := a.do("qa", "GET", "/agents/-", nil)
	if res.StatusCode != 200 || !strings.Contains(agents, "Calls without an agent") || !strings.Contains(agents, "/calls/"+id) {
		t.Errorf("no-agent page %s:\n%s", res.Status, agents)
	}
	if res, _ := a.do("agent", "GET", "/agents/-", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("an agent user opened the calls without an agent: %s", res.Status)
	}
}

// The call's summary: on its page (each line plays from its turn), as the hover of its row in the list,
// in the CSV and the API, and under its search hits.
func TestSummaryShown(t *testing.T) {
	a := newApp(t)
	id := a.calls["billing-dispute"]
	c, _, err := a.x.Call(context.Background(), id)
	if err != nil || len(c.Summary) < 2 || !strings.HasPrefix(c.Summary[0], "Called about billing dispute: ") {
		t.Fatalf("indexed summary %q (%v)", c.Summary, err)
	}
	_, page := a.do("qa", "GET", "/calls/"+id, nil)
	if !strings.Contains(page, `id="call-summary"`) || !regexp.MustCompile(`<a href="#turn-[0-9]+" data-seek="[0-9.]+"[^>]*>[0-9]+:[0-9]{2}</a> Called about billing dispute: `).MatchString(page) {
		t.Errorf("the call page has no summary whose lines play from their turns")
	}
	_, list := a.do("qa", "GET", "/calls", nil)
	if m := regexp.MustCompile(`title="([^"]*)">billing-dispute</a>`).FindStringSubmatch(list); m == nil || html.UnescapeString(m[1]) != strings.Join(c.Summary, "\n") {
		t.Errorf("the list row's hover %q is not the summary %q", m, c.Summary)
	}
	_, csv := a.do("qa", "GET", "/calls.csv", nil)
	if lines := strings.Split(csv, "\n"); !strings.Contains(lines[0], ",summary,") || !strings.Contains(csv, strings.Join(c.Summary, " | ")) {
		t.Errorf("CSV without the summary:\n%s", lines[0])
	}
	if _, lib := a.do("qa", "GET", "/library?q=charged", nil); !strings.Contains(lib, "Summary of the call") {
		t.Error("search hits without the call's summary")
	}
}

// The staffing page forecasts next week from the index's dated calls: the fixtures' calls of two weeks
// are too little; planted history (busy weekday office hours, a quiet night) gives agents in the busy
// hours and none at night, the check against the naive forecast, and a CSV of the 168 hours whose
// agents follow Erlang C from the forecast calls. (Whether the forecast beats the naive one is measured
// on noisy planted history in package forecast.)
func TestStaffingPage(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	if _, page := a.do("ops", "GET", "/ops/staffing", nil); !strings.Contains(page, `id="staffing-problem"`) {
		t.Error("four calls of history: the page must say there is not enough")
	}
	this := forecast.WeekStart(time.Now())
	var docs []index.DocAt
	for w := 1; w <= 8; w++ {
		for d := range 5 {
			for h := 9; h < 17; h++ {
				for k := range 6 + w/2 { // rising a little week by week
					at := this.AddDate(0, 0, -7*w+d).Add(time.Duration(h)*time.Hour + time.Duration(k*7)*time.Minute)
					id := fmt.Sprintf("h-%d-%d-%d-%d", w, d, h, k)
					docs = append(docs, index.DocAt{Doc: calldoc.CallDoc{SchemaVersion: parley.SchemaVersion, CallID: id, Source: id + ".wav", DurationS: 300,
						Metadata: &parley.Metadata{StartedAt: &at}}, Loc: id + ".json"})
				}
			}
		}
	}
	if err := a.x.PutCalls(ctx, docs); err != nil {
		t.Fatal(err)
	}
	_, page := a.do("ops", "GET", "/ops/staffing?target=80&answer=20", nil)
	if !strings.Contains(page, `id="staffing"`) || !strings.Contains(page, `id="staffing-check"`) {
		t.Fatalf("staffing page without a forecast or its check:\n%s", page)
	}
	res, body := a.do("ops", "GET", "/ops/staffing.csv?target=80&answer=20", nil)
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || res.StatusCode != 200 || len(recs) != 1+168 {
		t.Fatalf("CSV: %s, %d rows, %v", res.Status, len(recs), err)
	}
	monday10, sunday3 := recs[1+10], recs[1+6*24+3]
	calls, _ := strconv.ParseFloat(monday10[2], 64)
	handle, _ := strconv.ParseFloat(monday10[7], 64)
	want, _ := forecast.Agents(calls, handle, 20, 0.8)
	if calls < 5 || monday10[3] != strconv.Itoa(want) || handle < 299 || handle > 301 || sunday3[3] != "0" {
		t.Errorf("Monday 10:00 %v (want %d agents), Sunday 03:00 %v", monday10, want, sunday3)
	}
	if res, _ := a.do("qa", "GET", "/ops/staffing", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("a QA user opened staffing: %s", res.Status)
	}
}

// teamCall is a scored call of an agent of team "sales" with the given greeting and empathy results.
func teamCall(id, agent string, at time.Time, greeting, empathy string) index.DocAt {
	ev := func(st, quote string) []parley.Evidence {
		if st != parley.ItemPass {
			return nil
		}
		return []parley.Evidence{{Turn: 0, Speaker: parley.RoleAgent, Start: 1.5, Quote: quote}}
	}
	return index.DocAt{Loc: id + ".json", Doc: calldoc.CallDoc{SchemaVersion: parley.SchemaVersion, CallID: id, Source: id + ".wav", DurationS: 120,
		Metadata: &parley.Metadata{AgentID: agent, AgentName: "Agent " + agent, Team: "sales", StartedAt: &at},
		Score: &parley.Score{Scored: true, Score: 70, Items: []parley.ItemResult{
			{ID: "greeting", Label: "Greeting", Status: greeting, Reason: "greeting " + greeting, Evidence: ev(greeting, "Morning, Northwind sales, Kim here")},
			{ID: "empathy", Label: "Empathy", Status: empathy, Reason: "empathy " + empathy, Evidence: ev(empathy, "That sounds really annoying")}}}}}
}

// A coaching plan: the items where the agent is furthest behind the team, in calls, with their own miss
// and two peers' calls that passed (their words quoted); a coach marks it discussed, and the page then
// shows the pass rate before and since.
func TestCoachingPlan(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	past := time.Now().Add(-10 * 24 * time.Hour)
	var docs []index.DocAt
	for i := range 5 { // x1 misses the greeting on 4 of 5 calls and empathy on 1; x2 and x3 pass both
		g, e := parley.ItemFail, parley.ItemPass
		if i == 4 {
			g = parley.ItemPass
		}
		if i == 0 {
			e = parley.ItemFail
		}
		docs = append(docs, teamCall(fmt.Sprintf("x1-%d", i), "x1", past.Add(time.Duration(i)*time.Hour), g, e))
		docs = append(docs, teamCall(fmt.Sprintf("x2-%d", i), "x2", past.Add(time.Duration(i)*time.Hour), parley.ItemPass, parley.ItemPass))
		docs = append(docs, teamCall(fmt.Sprintf("x3-%d", i), "x3", past.Add(time.Duration(i)*time.Hour), parley.ItemPass, parley.ItemPass))
	}
	if err := a.x.PutCalls(ctx, docs); err != nil {
		t.Fatal(err)
	}
	_, page := a.do("coach", "GET", "/agents/x1", nil)
	plan := regexp.MustCompile(`id="plan-([a-z_]+)"`).FindAllStringSubmatch(page, -1)
	if len(plan) != 2 || plan[0][1] != "greeting" || plan[1][1] != "empathy" {
		t.Fatalf("plan %v, want greeting then empathy:\n%s", plan, page)
	}
	greeting := page[strings.Index(page, `id="plan-greeting"`):strings.Index(page, `id="plan-empathy"`)]
	if !strings.Contains(greeting, "passes 20% of 5 calls against the team's 73%") || !regexp.MustCompile(`Their call: <a href="/calls/[0-9a-f]+#item-greeting">x1-`).MatchString(greeting) ||
		strings.Count(greeting, "<q>Morning, Northwind sales, Kim here</q>") != 2 || !strings.Contains(greeting, "Agent x2") || !strings.Contains(greeting, "Agent x3") {
		t.Errorf("greeting plan item:\n%s", greeting)
	}
	// The plan is per period: the week of the calls gives the same plan, a later one none.
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	if _, p := a.do("coach", "GET", "/agents/x1?from="+day(past.AddDate(0, 0, -1))+"&to="+day(past), nil); strings.Count(p, `class="planitem"`) != 2 {
		t.Errorf("the calls' own period has no plan of two items")
	}
	if _, p := a.do("coach", "GET", "/agents/x1?from="+day(time.Now().AddDate(0, 0, 2)), nil); strings.Contains(p, `class="planitem"`) || !strings.Contains(p, "0 calls") {
		t.Errorf("a period without calls has a plan")
	}
	if _, p := a.do("coach", "GET", "/agents/x1?from=soon", nil); !strings.Contains(p, "from: &#34;soon&#34; is not a date") {
		t.Errorf("a bad period date is not named")
	}
	if res, _ := a.do("agent", "POST", "/agents/x1/coaching", url.Values{"item": {"greeting"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("an agent marked a plan discussed: %s", res.Status)
	}
	if res, _ := a.do("coach", "POST", "/agents/x1/coaching", url.Values{"item": {"greeting"}, "note": {"open with the company name"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark discussed: %s", res.Status)
	}
	_, page = a.do("coach", "GET", "/agents/x1", nil)
	if !strings.Contains(page, `id="progress-table"`) || !strings.Contains(page, "by cora") || !strings.Contains(page, "20%") || !strings.Contains(page, "no calls yet") {
		t.Errorf("progress after the discussion:\n%s", page[strings.Index(page, "<main"):])
	}
	// Calls after the discussion: the greeting passes on 3 of 4.
	var after []index.DocAt
	for i := range 4 {
		g := parley.ItemPass
		if i == 3 {
			g = parley.ItemFail
		}
		after = append(after, teamCall(fmt.Sprintf("x1-after-%d", i), "x1", time.Now().Add(time.Duration(i+1)*time.Minute), g, parley.ItemPass))
	}
	if err := a.x.PutCalls(ctx, after); err != nil {
		t.Fatal(err)
	}
	prog, err := a.x.Progress(ctx, "x1")
	if err != nil || len(prog) != 1 || prog[0].Before != 0.2 || prog[0].BeforeCalls != 5 || prog[0].After != 0.75 || prog[0].AfterCalls != 4 || prog[0].Label != "Greeting" {
		t.Errorf("progress %+v (%v)", prog, err)
	}
	if _, page := a.do("agent", "GET", "/agents/a17", nil); strings.Contains(page, `id="mark-discussed"`) {
		t.Error("an agent's own page offers to mark the plan discussed")
	}
}

// Calls in other languages: the list offers a language filter that finds a call by any speaker's
// language and shows a language column; the API and the CSV carry the languages.
func TestLanguageFilter(t *testing.T) {
	a := newApp(t)
	d := fixtures.Doc(t, "cancel-service")
	d.CallID, d.Source, d.Language = "mixed-call", "mixed-call.wav", "en"
	d.Languages = []parley.TrackLanguage{{Channel: 0, Speaker: parley.RoleAgent, Language: "en", Probability: 0.96},
		{Channel: 1, Speaker: parley.RoleCustomer, Language: "es", Probability: 0.95}}
	if _, err := a.x.PutCall(context.Background(), d, fixtures.Write(t, t.TempDir(), d)); err != nil {
		t.Fatal(err)
	}
	_, page := a.do("qa", "GET", "/calls", nil)
	if !strings.Contains(page, `<select name="language">`) || !strings.Contains(page, "<option >es</option>") {
		t.Fatalf("no language filter offering es")
	}
	_, page = a.do("qa", "GET", "/calls?language=es", nil)
	rows := regexp.MustCompile(`\?in=[^"]*"[^>]*>([^<]+)</a>`).FindAllStringSubmatch(page, -1)
	if len(rows) != 1 || rows[0][1] != "mixed-call" || !strings.Contains(page, `<td class="lang">en, es</td>`) {
		t.Errorf("language es: %q\n%s", rows, page[strings.Index(page, "<tbody>"):])
	}
	if _, call := a.do("qa", "GET", "/calls/"+regexp.MustCompile(`/calls/([0-9a-f]+)\?in=`).FindStringSubmatch(page)[1], nil); !strings.Contains(call, "agent en (0.96), customer es (0.95)") {
		t.Error("the call page does not give each speaker's language")
	}
	if _, body := a.do("qa", "GET", "/api/calls?language=es", nil); !regexp.MustCompile(`"languages": \[\s*"en",\s*"es"\s*\]`).MatchString(body) {
		t.Errorf("API: %s", body)
	}
	// The agent's page splits their calls by language once they take calls in two.
	agentPage := "/agents/" + d.Metadata.AgentID
	if _, ag := a.do("qa", "GET", agentPage, nil); strings.Contains(ag, `id="agent-languages"`) {
		t.Error("an agent with calls in one language gets a language split")
	}
	d.CallID, d.Source, d.Language, d.Languages = "spanish-call", "spanish-call.wav", "es", nil
	if _, err := a.x.PutCall(context.Background(), d, fixtures.Write(t, t.TempDir(), d)); err != nil {
		t.Fatal(err)
	}
	_, ag := a.do("qa", "GET", agentPage, nil)
	split := regexp.MustCompile(`(?s)<table class="list" id="agent-languages">.*?</table>`).FindString(ag)
	if !regexp.MustCompile(`<td>es</td><td class="r">1</td>`).MatchString(split) || !strings.Contains(split, "<td>en</td>") || !strings.Contains(split, `class="chip"`) {
		t.Errorf("agent page by language:\n%s", split)
	}
}

// An agent's page says how surely parley heard the agent against their team, and marks an agent heard
// markedly less surely: their scores rest on weaker text. Without recognised words it says nothing.
func TestAgentHeardUnsurely(t *testing.T) {
	a := newApp(t)
	past := time.Now().Add(-3 * 24 * time.Hour)
	var docs []index.DocAt
	for i := range 10 { // ten calls each: enough for a mark (team.MinUnsureCalls)
		for _, agent := range []string{"h1", "h2", "h3"} {
			d := teamCall(fmt.Sprintf("%s-%d", agent, i), agent, past.Add(time.Duration(i)*time.Hour), parley.ItemPass, parley.ItemPass)
			conf := 0.9
			if agent == "h1" {
				conf = 0.1 // "Morning" heard unsurely: half h1's words
			}
			d.Doc.Turns = []calldoc.TurnDoc{{Speaker: parley.RoleAgent, Start: 1, End: 2, Text: "Morning, Kim."}}
			d.Doc.Segments = []calldoc.SegmentDoc{{Speaker: parley.RoleAgent, Start: 1, End: 2, Text: "Morning, Kim.",
				Words: []calldoc.WordDoc{{Start: 1, End: 1.5, Text: "Morning,", Confidence: conf}, {Start: 1.5, End: 2, Text: "Kim.", Confidence: 0.9}}}}
			docs = append(docs, d)
		}
	}
	docs = append(docs, teamCall("h4-0", "h4", past, parley.ItemPass, parley.ItemPass)) // an imported transcript: no words
	if err := a.x.PutCalls(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	for agent, want := range map[string]string{
		"h1": "<b>50%</b> of the agent's words over 10 calls (their team: 17%) <span class=\"flag\">heard less surely than the rest",
		"h2": "<b>0%</b> of the agent's words over 10 calls (their team: 17%)</p>",
		"h4": "",
	} {
		_, page := a.do("qa", "GET", "/agents/"+agent, nil)
		if want == "" {
			if strings.Contains(page, `id="agent-heard"`) {
				t.Errorf("%s, no words known: the page says how surely they were heard", agent)
			}
			continue
		}
		if !strings.Contains(page, want) {
			i := strings.Index(page, `id="agent-heard"`)
			t.Errorf("%s: want %q in\n%s", agent, want, page[max(0, i):min(len(page), max(0, i)+400)])
		}
	}
}
