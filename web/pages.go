package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/jobs"
	"github.com/parley-cc/parley/report"
	"github.com/parley-cc/parley/transcribe"
)

const pageSize = 50

// filterFrom reads the calls-list filters of a query string. An agent's filter is pinned to their own
// calls whatever the query says.
func filterFrom(q url.Values, u *User) (index.Filter, []string) {
	var f index.Filter
	var problems []string
	day := func(key string) time.Time {
		v := q.Get(key)
		if v == "" {
			return time.Time{}
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %q is not a date (YYYY-MM-DD)", key, v))
		}
		return t
	}
	f.From = day("from")
	if f.To = day("to"); !f.To.IsZero() {
		f.To = f.To.Add(24 * time.Hour) // the last day counts whole
	}
	num := func(key string) *float64 {
		v := q.Get(key)
		if v == "" {
			return nil
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %q is not a number", key, v))
			return nil
		}
		return &n
	}
	f.MinScore, f.MaxScore = num("min"), num("max")
	f.Agent, f.Team, f.Queue = q.Get("agent"), q.Get("team"), q.Get("queue")
	f.AutoFail, f.Intent, f.Sentiment, f.Phrase, f.Alert = q.Get("autofail"), q.Get("intent"), q.Get("sentiment"), q.Get("phrase"), q.Get("alert")
	restrict(&f, u)
	return f, problems
}

// restrict pins an agent's view to their own calls.
func restrict(f *index.Filter, u *User) {
	if u.Role == RoleAgent {
		f.Restricted, f.OnlyAgent = true, u.Agent
	}
}

func pageFrom(q url.Values) index.Page {
	p := index.Page{Sort: q.Get("sort"), Desc: q.Get("dir") != "asc", Limit: pageSize}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		p.Offset = (n - 1) * pageSize
	}
	return p
}

// facetsFor caches the drop-down values for a minute: listing them reads whole indexes.
func (s *Server) facetsFor(r *http.Request, f index.Filter) (index.Facets, error) {
	key := ""
	if f.Restricted {
		key = "agent:" + f.OnlyAgent
	}
	s.facetsMu.Lock()
	c, ok := s.facets[key]
	s.facetsMu.Unlock()
	if ok && time.Since(c.at) < time.Minute {
		return c.f, nil
	}
	fc, err := s.Index.Facets(r.Context(), f)
	if err != nil {
		return fc, err
	}
	s.facetsMu.Lock()
	s.facets[key] = cachedFacets{fc, time.Now()}
	s.facetsMu.Unlock()
	return fc, nil
}

func (s *Server) callsPage(w http.ResponseWriter, r *http.Request, u *User) {
	q := r.URL.Query()
	f, problems := filterFrom(q, u)
	p := pageFrom(q)
	calls, total, err := s.Index.Calls(r.Context(), f, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	facets, err := s.facetsFor(r, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := p.Offset/pageSize + 1
	pages := (min(total, index.CountCap) + pageSize - 1) / pageSize
	more := page < pages || total > index.CountCap && len(calls) == pageSize
	s.render(w, r, u, "calls.html", map[string]any{
		"Title": "Calls", "Calls": calls, "Total": total, "Capped": total > index.CountCap, "Q": q, "Facets": facets, "Problems": problems,
		"Page": page, "Pages": pages, "More": more, "Sort": p.Sort, "Desc": p.Desc,
		"Prev": withQuery(q, "page", strconv.Itoa(page-1)), "Next": withQuery(q, "page", strconv.Itoa(page+1)),
		"CSV": "/calls.csv?" + withoutKey(q, "page"),
	})
}

// withQuery is the query string q with one key set.
func withQuery(q url.Values, key, val string) string {
	c := url.Values{}
	for k, v := range q {
		c[k] = v
	}
	c.Set(key, val)
	return c.Encode()
}

func withoutKey(q url.Values, key string) string {
	c := url.Values{}
	for k, v := range q {
		if k != key {
			c[k] = v
		}
	}
	return c.Encode()
}

func (s *Server) callsCSV(w http.ResponseWriter, r *http.Request, u *User) {
	q := r.URL.Query()
	f, problems := filterFrom(q, u)
	if len(problems) > 0 {
		http.Error(w, strings.Join(problems, "; "), http.StatusBadRequest)
		return
	}
	p := pageFrom(q)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="calls.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"call_id", "started_at", "agent", "agent_name", "team", "queue", "duration_s", "scored", "score", "auto_failed",
		"intent", "customer_end_sentiment", "sentiment", "alerts", "source"})
	err := s.Index.EachCall(r.Context(), f, p.Sort, p.Desc, func(c index.Call) error {
		started := ""
		if c.StartedAt != nil {
			started = c.StartedAt.Format(time.RFC3339)
		}
		score := ""
		if c.Scored {
			score = strconv.FormatFloat(c.Score, 'f', 1, 64)
		}
		cw.Write([]string{csvSafe(c.CallID), started, csvSafe(c.Agent), csvSafe(c.AgentName), csvSafe(c.Team), csvSafe(c.Queue),
			strconv.FormatFloat(c.DurationS, 'f', 1, 64), strconv.FormatBool(c.Scored), score, strconv.FormatBool(c.AutoFailed),
			c.Intent, strconv.FormatFloat(c.Sentiment, 'f', 3, 64), c.SentimentLabel, strings.Join(c.Alerts, " "), csvSafe(c.Source)})
		return nil
	})
	cw.Flush()
	if err != nil {
		s.Log.Error("calls.csv", "error", err)
	}
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// visibleCall loads a call the user may see; agents see only their own. A call they may not see is
// answered as not found, so that its existence is not confirmed.
func (s *Server) visibleCall(w http.ResponseWriter, r *http.Request, u *User) (index.Call, bool) {
	c, ok, err := s.Index.Call(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return c, false
	}
	if !ok || u.Role == RoleAgent && (u.Agent == "" || c.Agent != u.Agent) {
		s.errorPage(w, r, u, http.StatusNotFound, "Not found", "No such call.")
		return c, false
	}
	return c, true
}

func (s *Server) loadDoc(r *http.Request, c index.Call) (calldoc.CallDoc, error) {
	rc, _, err := s.Blobs.Open(r.Context(), c.Doc)
	if err != nil {
		return calldoc.CallDoc{}, err
	}
	doc, err := calldoc.Decode(rc)
	rc.Close()
	if err != nil {
		return doc, fmt.Errorf("call document %s: %w", c.Doc, err)
	}
	return doc, nil
}

// turnView is a transcript turn with what the call page shows beside it.
type turnView struct {
	calldoc.TurnDoc
	Index     int
	Sentiment string
}

func (s *Server) callPage(w http.ResponseWriter, r *http.Request, u *User) {
	c, ok := s.visibleCall(w, r, u)
	if !ok {
		return
	}
	doc, err := s.loadDoc(r, c)
	if err != nil {
		if errors.Is(err, parley.ErrNotFound) {
			s.errorPage(w, r, u, http.StatusNotFound, "Document missing", "The call is indexed but its document is gone: "+c.Doc)
			return
		}
		s.fail(w, r, err)
		return
	}
	ovs, err := s.Index.Overrides(r.Context(), c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	latest := map[string]index.Override{}
	history := map[string][]index.Override{}
	for _, o := range ovs {
		latest[o.Item] = o
		history[o.Item] = append(history[o.Item], o)
	}
	sentiments := map[int]string{}
	if a := doc.Analysis; a != nil && a.Sentiment != nil {
		for _, t := range a.Sentiment.Turns {
			sentiments[t.Turn] = t.Label
		}
	}
	turns := make([]turnView, len(doc.Turns))
	for i, t := range doc.Turns {
		turns[i] = turnView{t, i, sentiments[i]}
	}
	var cols []index.Collection
	if contains(library, u.Role) {
		if cols, err = s.Index.Collections(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, u, "call.html", map[string]any{
		"Title": "Call " + doc.CallID, "Call": c, "Doc": doc, "Turns": turns, "Latest": latest, "History": history,
		"CanOverride": contains(reviewer, u.Role), "Collections": cols, "Timeline": report.Timeline(doc),
		"SentimentChart": sentimentChart(doc),
	})
}

func (s *Server) callAudio(w http.ResponseWriter, r *http.Request, u *User) {
	c, ok := s.visibleCall(w, r, u)
	if !ok {
		return
	}
	rs, obj, err := s.Blobs.Open(r.Context(), c.Source)
	if errors.Is(err, parley.ErrNotFound) {
		http.Error(w, "the recording is no longer in storage", http.StatusNotFound)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rs.Close()
	if transcribe.IsRecording(c.Source) {
		w.Header().Set("Content-Type", "audio/wav")
	}
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, path.Base(c.Source), obj.Modified, rs) // answers Range requests
}

func (s *Server) override(w http.ResponseWriter, r *http.Request, u *User) {
	c, ok := s.visibleCall(w, r, u)
	if !ok {
		return
	}
	item, status, comment := r.PostFormValue("item"), r.PostFormValue("status"), strings.TrimSpace(r.PostFormValue("comment"))
	if status != parley.ItemPass && status != parley.ItemFail && status != parley.ItemNA {
		http.Error(w, "status must be pass, fail or na", http.StatusBadRequest)
		return
	}
	if comment == "" || len(comment) > 2000 {
		http.Error(w, "an override needs a comment (at most 2,000 characters) saying why", http.StatusBadRequest)
		return
	}
	doc, err := s.loadDoc(r, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	auto := ""
	if doc.Score != nil {
		for _, it := range doc.Score.Items {
			if it.ID == item {
				auto = it.Status
			}
		}
	}
	if auto == "" {
		http.Error(w, fmt.Sprintf("the call's scorecard has no item %q", item), http.StatusBadRequest)
		return
	}
	if err := s.Index.AddOverride(r.Context(), index.Override{Call: c.ID, Item: item, Status: status, Comment: comment, Reviewer: u.Name}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, u, "override", c.CallID+"/"+item, fmt.Sprintf("auto %s → %s: %s", auto, status, comment))
	http.Redirect(w, r, "/calls/"+c.ID+"#item-"+url.PathEscape(item), http.StatusSeeOther)
}

func (s *Server) audit(r *http.Request, u *User, action, target, detail string) {
	if err := s.Index.Audit(r.Context(), u.Name, action, target, detail); err != nil {
		s.Log.Error("audit", "action", action, "error", err)
	}
}

func (s *Server) agentPage(w http.ResponseWriter, r *http.Request, u *User) {
	agent := r.PathValue("agent")
	if u.Role == RoleAgent && agent != u.Agent {
		s.errorPage(w, r, u, http.StatusNotFound, "Not found", "No such agent.")
		return
	}
	st, ok, err := s.Index.Agent(r.Context(), agent)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		s.errorPage(w, r, u, http.StatusNotFound, "Not found", "No calls of agent "+agent+".")
		return
	}
	s.render(w, r, u, "agent.html", map[string]any{"Title": "Agent " + st.Name, "A": st, "Trend": trendChart(st.Weekly)})
}

func (s *Server) libraryPage(w http.ResponseWriter, r *http.Request, u *User) {
	q := r.URL.Query()
	f, problems := filterFrom(q, u)
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		page = n
	}
	data := map[string]any{"Title": "Library", "Q": q, "Problems": problems, "Page": page}
	if text := strings.TrimSpace(q.Get("q")); text != "" {
		hits, more, err := s.Index.Search(r.Context(), index.Query{Text: text, Speaker: q.Get("speaker"), Filter: f}, (page-1)*20, 20)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Hits"], data["More"], data["Searched"] = hits, more, true
		data["Next"], data["Prev"] = withQuery(q, "page", strconv.Itoa(page+1)), withQuery(q, "page", strconv.Itoa(page-1))
	}
	if item := q.Get("item"); item != "" {
		best, worst, err := s.Index.ItemExamples(r.Context(), item, f, 5)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Best"], data["Worst"], data["Item"] = best, worst, item
	}
	facets, err := s.facetsFor(r, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Facets"] = facets
	s.render(w, r, u, "library.html", data)
}

// Snippet turns a search snippet into HTML: the text escaped, the matches marked.
func Snippet(s string) template.HTML {
	esc := template.HTMLEscapeString(s)
	esc = strings.ReplaceAll(esc, index.MarkStart, "<mark>")
	esc = strings.ReplaceAll(esc, index.MarkEnd, "</mark>")
	return template.HTML(esc)
}

func (s *Server) collectionsPage(w http.ResponseWriter, r *http.Request, u *User) {
	cols, err := s.Index.Collections(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, u, "collections.html", map[string]any{"Title": "Collections", "Collections": cols})
}

func (s *Server) createCollection(w http.ResponseWriter, r *http.Request, u *User) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 200 {
		http.Error(w, "a collection needs a name (at most 200 characters)", http.StatusBadRequest)
		return
	}
	id, err := s.Index.CreateCollection(r.Context(), name, u.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/collections/"+id, http.StatusSeeOther)
}

func (s *Server) collectionPage(w http.ResponseWriter, r *http.Request, u *User) {
	c, ok, err := s.Index.Collection(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		s.errorPage(w, r, u, http.StatusNotFound, "Not found", "No such collection.")
		return
	}
	s.render(w, r, u, "collection.html", map[string]any{"Title": c.Name, "C": c, "Link": "/collections/" + c.ID})
}

func (s *Server) addClip(w http.ResponseWriter, r *http.Request, u *User) {
	col := r.PathValue("id")
	if _, ok, err := s.Index.Collection(r.Context(), col); err != nil || !ok {
		http.Error(w, "no such collection", http.StatusNotFound)
		return
	}
	call, ok, err := s.Index.Call(r.Context(), r.PostFormValue("call"))
	if err != nil || !ok {
		http.Error(w, "no such call", http.StatusBadRequest)
		return
	}
	start, err1 := strconv.ParseFloat(r.PostFormValue("start"), 64)
	end, err2 := strconv.ParseFloat(r.PostFormValue("end"), 64)
	if err1 != nil || err2 != nil || start < 0 || end <= start || end > call.DurationS+1 {
		http.Error(w, fmt.Sprintf("a clip runs from a start to a later end within the call (0–%.1f s)", call.DurationS), http.StatusBadRequest)
		return
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if len(note) > 2000 {
		http.Error(w, "a note has at most 2,000 characters", http.StatusBadRequest)
		return
	}
	if err := s.Index.AddClip(r.Context(), index.Clip{Collection: col, Call: call.ID, Start: start, End: end, Note: note, AddedBy: u.Name}); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/collections/"+col, http.StatusSeeOther)
}

func (s *Server) calibrationPage(w http.ResponseWriter, r *http.Request, u *User) {
	cal, err := s.Index.Calibration(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, u, "calibration.html", map[string]any{"Title": "Calibration", "Items": cal})
}

// overridesExport sends the overrides in force as YAML, the format of `parley report --overrides` and of
// `parley eval labels --overrides`: the reviewers' verdicts become labels parley is measured against.
func (s *Server) overridesExport(w http.ResponseWriter, r *http.Request, u *User) {
	ov, err := s.Index.LatestOverrides(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := yaml.Marshal(ov)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="overrides.yaml"`)
	w.Write(b)
}

func (s *Server) opsPage(w http.ResponseWriter, r *http.Request, u *User) {
	data := map[string]any{"Title": "Operations", "Done": r.URL.Query().Get("done"), "Queues": jobs.Queues}
	if s.Ops == nil {
		data["QueueError"] = "No queue is configured: set redis_url to run workers and watch their queues here."
	} else {
		qs, err := s.Ops.Queues(r.Context())
		if err != nil {
			data["QueueError"] = "The queue cannot be reached: " + err.Error()
		} else {
			data["Stats"] = qs
			if ft, err := s.Ops.FailedTasks(r.Context(), 50); err == nil {
				data["FailedTasks"] = ft
			}
		}
	}
	fails, err := s.Index.Failures(r.Context(), 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Failures"] = fails
	data["Admin"] = u.Role == RoleAdmin
	s.render(w, r, u, "ops.html", data)
}

func (s *Server) opsEnqueue(w http.ResponseWriter, r *http.Request, u *User) {
	if s.Ops == nil {
		http.Error(w, "no queue is configured", http.StatusServiceUnavailable)
		return
	}
	u2, queue := strings.TrimSpace(r.PostFormValue("url")), r.PostFormValue("queue")
	if !strings.HasPrefix(u2, "s3://") {
		http.Error(w, "give a location like s3://bucket/prefix", http.StatusBadRequest)
		return
	}
	if _, ok := jobs.Queues[queue]; !ok {
		http.Error(w, "queue must be critical, default or bulk", http.StatusBadRequest)
		return
	}
	c, err := s.Ops.EnqueuePrefix(r.Context(), u2, queue)
	if err != nil {
		s.Log.Warn("enqueue", "url", u2, "error", err)
		http.Redirect(w, r, "/ops?done="+url.QueryEscape("enqueue "+u2+" failed: "+err.Error()), http.StatusSeeOther)
		return
	}
	msg := fmt.Sprintf("enqueued %d from %s on %s, %d already queued or done, %d rejected", c.Enqueued, u2, queue, c.Duplicates+c.Processed, len(c.Rejected))
	s.audit(r, u, "enqueue", u2, msg)
	http.Redirect(w, r, "/ops?done="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (s *Server) opsRescore(w http.ResponseWriter, r *http.Request, u *User) {
	if s.Ops == nil {
		http.Error(w, "no queue is configured", http.StatusServiceUnavailable)
		return
	}
	f, problems := filterFrom(url.Values{"from": {r.PostFormValue("from")}, "to": {r.PostFormValue("to")}}, u)
	if len(problems) > 0 || f.From.IsZero() || f.To.IsZero() {
		http.Error(w, "give the first and last day of the calls to rescore (YYYY-MM-DD)", http.StatusBadRequest)
		return
	}
	var calls []index.Call
	if err := s.Index.EachCall(r.Context(), f, "started", false, func(c index.Call) error { calls = append(calls, c); return nil }); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.Ops.Rescore(r.Context(), calls)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := fmt.Sprintf("rescore %s – %s: %d queued for the workers, %d scored here, %d failed", r.PostFormValue("from"), r.PostFormValue("to"), c.Queued, c.Local, len(c.Failed))
	if len(c.Failed) > 0 {
		msg += " (" + strings.Join(c.Failed[:min(3, len(c.Failed))], "; ") + ")"
	}
	s.audit(r, u, "rescore", r.PostFormValue("from")+".."+r.PostFormValue("to"), msg)
	http.Redirect(w, r, "/ops?done="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, u *User) {
	users, err := s.Index.Users(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, u, "users.html", map[string]any{"Title": "Users", "Users": users, "Done": r.URL.Query().Get("done"),
		"Roles": []string{RoleAdmin, RoleQA, RoleCoach, RoleOps, RoleAgent}})
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request, u *User) {
	nu := index.User{Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role"), Agent: strings.TrimSpace(r.PostFormValue("agent"))}
	if err := ValidUser(nu); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	hash, err := HashPassword(r.PostFormValue("password"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	nu.PasswordHash = hash
	if err := s.Index.AddUser(r.Context(), nu); err != nil {
		if errors.Is(err, index.ErrExists) {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.audit(r, u, "user_add", nu.Name, "role "+nu.Role)
	http.Redirect(w, r, "/admin/users?done="+url.QueryEscape("added "+nu.Name+" ("+nu.Role+")"), http.StatusSeeOther)
}

// ValidUser checks a new user's name, role and agent link.
func ValidUser(u index.User) error {
	switch {
	case u.Name == "" || len(u.Name) > 64 || strings.ContainsAny(u.Name, " \t\r\n/:"):
		return errors.New("a user name has 1–64 characters and no spaces, slashes or colons")
	case !ValidRole(u.Role):
		return fmt.Errorf("role %q (want admin, qa, coach, ops or agent)", u.Role)
	case u.Role == RoleAgent && u.Agent == "":
		return errors.New("an agent user needs the agent id their calls are filed under")
	}
	return nil
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, u *User) {
	log, err := s.Index.AuditLog(r.Context(), 500)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, u, "audit.html", map[string]any{"Title": "Audit log", "Entries": log})
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, u *User) {
	toks, err := s.Index.Tokens(r.Context(), u.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, u, "account.html", map[string]any{"Title": "Account", "Tokens": toks})
}

func (s *Server) addToken(w http.ResponseWriter, r *http.Request, u *User) {
	label := strings.TrimSpace(r.PostFormValue("label"))
	if len(label) > 100 {
		http.Error(w, "a label has at most 100 characters", http.StatusBadRequest)
		return
	}
	tok, err := NewAPIToken(r.Context(), s.Index, u.Name, label)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, u, "token_add", u.Name, label)
	toks, err := s.Index.Tokens(r.Context(), u.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, u, "account.html", map[string]any{"Title": "Account", "Tokens": toks, "NewToken": tok})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, u *User) {
	if err := s.Index.DeleteToken(r.Context(), u.Name, r.PathValue("tid")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, u, "token_revoke", u.Name, r.PathValue("tid"))
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// API: JSON for scripts, with the same filters and access rules as the pages.

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	report.EncodeJSON(w, v)
}

// CallJSON is a call in the API.
type CallJSON struct {
	ID             string     `json:"id"`
	CallID         string     `json:"call_id"`
	StartedAt      *time.Time `json:"started_at"`
	Agent          string     `json:"agent"`
	AgentName      string     `json:"agent_name"`
	Team           string     `json:"team"`
	Queue          string     `json:"queue"`
	DurationS      float64    `json:"duration_s"`
	Scored         bool       `json:"scored"`
	Score          float64    `json:"score"`
	AutoFailed     bool       `json:"auto_failed"`
	Intent         string     `json:"intent"`
	Sentiment      float64    `json:"customer_end_sentiment"`
	SentimentLabel string     `json:"sentiment"`
	Alerts         []string   `json:"alerts"`
	URL            string     `json:"url"`
}

func callJSON(c index.Call) CallJSON {
	al := c.Alerts
	if al == nil {
		al = []string{}
	}
	return CallJSON{c.ID, c.CallID, c.StartedAt, c.Agent, c.AgentName, c.Team, c.Queue, c.DurationS, c.Scored, c.Score, c.AutoFailed,
		c.Intent, c.Sentiment, c.SentimentLabel, al, "/calls/" + c.ID}
}

func (s *Server) apiCalls(w http.ResponseWriter, r *http.Request, u *User) {
	q := r.URL.Query()
	f, problems := filterFrom(q, u)
	if len(problems) > 0 {
		http.Error(w, strings.Join(problems, "; "), http.StatusBadRequest)
		return
	}
	calls, total, err := s.Index.Calls(r.Context(), f, pageFrom(q))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]CallJSON, len(calls))
	for i, c := range calls {
		out[i] = callJSON(c)
	}
	// total is exact up to index.CountCap; past it, total_capped says it is a lower bound.
	writeJSON(w, map[string]any{"total": min(total, index.CountCap), "total_capped": total > index.CountCap, "page_size": pageSize, "calls": out})
}

func (s *Server) apiCall(w http.ResponseWriter, r *http.Request, u *User) {
	c, ok := s.visibleCall(w, r, u)
	if !ok {
		return
	}
	doc, err := s.loadDoc(r, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ovs, err := s.Index.Overrides(r.Context(), c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type ov struct {
		Item     string    `json:"item"`
		Status   string    `json:"status"`
		Comment  string    `json:"comment"`
		Reviewer string    `json:"reviewer"`
		At       time.Time `json:"at"`
	}
	list := []ov{}
	for _, o := range ovs {
		list = append(list, ov{o.Item, o.Status, o.Comment, o.Reviewer, o.At})
	}
	writeJSON(w, map[string]any{"call": callJSON(c), "document": doc, "overrides": list})
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request, u *User) {
	q := r.URL.Query()
	f, problems := filterFrom(q, u)
	if len(problems) > 0 {
		http.Error(w, strings.Join(problems, "; "), http.StatusBadRequest)
		return
	}
	off, _ := strconv.Atoi(q.Get("offset"))
	hits, more, err := s.Index.Search(r.Context(), index.Query{Text: q.Get("q"), Speaker: q.Get("speaker"), Filter: f}, off, 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type hit struct {
		Call    CallJSON `json:"call"`
		Turn    int      `json:"turn"`
		Speaker string   `json:"speaker"`
		Start   float64  `json:"start"`
		Snippet string   `json:"snippet"` // matches between « and »
	}
	out := []hit{}
	for _, h := range hits {
		sn := strings.NewReplacer(index.MarkStart, "«", index.MarkEnd, "»").Replace(h.Snippet)
		out = append(out, hit{callJSON(h.Call), h.Turn, h.Speaker, h.Start, sn})
	}
	writeJSON(w, map[string]any{"hits": out, "more": more})
}
