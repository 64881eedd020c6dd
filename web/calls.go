package web

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/report"
	"github.com/parley-cc/parley/team"
	"github.com/parley-cc/parley/transcribe"
)

const pageSize = 50

// period reads the from and to days of a query string as [from, to) — the last day counts whole — and
// names a value that is not a date.
func period(q url.Values) (from, to time.Time, problems []string) {
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
	from = day("from")
	if to = day("to"); !to.IsZero() {
		to = to.Add(24 * time.Hour)
	}
	return from, to, problems
}

// filterFrom reads the calls-list filters of a query string. An agent's filter is pinned to their own
// calls whatever the query says.
func filterFrom(q url.Values, u *User) (index.Filter, []string) {
	var f index.Filter
	var problems []string
	f.From, f.To, problems = period(q)
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
	f.Language = q.Get("language")
	switch v := q.Get("toreview"); v {
	case "", "no":
	case "yes":
		f.ToReview = true
	default:
		problems = append(problems, fmt.Sprintf("toreview: %q is not yes", v))
	}
	if v := q.Get("unsure"); v != "" { // a percentage of the words
		if n, err := strconv.ParseFloat(v, 64); err != nil || n < 0 || n > 100 {
			problems = append(problems, fmt.Sprintf("unsure: %q is not a percentage", v))
		} else {
			share := n / 100
			f.MinUnsure = &share
		}
	}
	switch v := q.Get("reviewed"); v {
	case "", "yes", "no", "mine":
		f.Reviewed, f.Reviewer = v, u.Name
	default:
		problems = append(problems, fmt.Sprintf("reviewed: %q is not yes, no or mine", v))
	}
	restrict(&f, u)
	return f, problems
}

// restrict pins an agent's view to their own calls.
func restrict(f *index.Filter, u *User) {
	if u.Role == RoleAgent {
		f.Restricted, f.OnlyAgent = true, u.Agent
	}
}

// pageFrom reads the sort and page of a query string. Without a sort, calls come newest first, or worst
// first (lowest score, unscored last) for a QA user: what they review first. u nil: newest first.
func pageFrom(q url.Values, u *User) index.Page {
	p := index.Page{Sort: q.Get("sort"), Desc: q.Get("dir") != "asc", Limit: pageSize}
	if p.Sort == "" {
		p.Sort = "started"
		if u != nil && u.Role == RoleQA {
			p.Sort, p.Desc = "score", false
		}
	}
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
	p := pageFrom(q, u)
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
	sum, err := s.Index.Summary(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := p.Offset/pageSize + 1
	pages := (min(total, index.CountCap) + pageSize - 1) / pageSize
	more := page < pages || total > index.CountCap && len(calls) == pageSize
	// Columns no call of the page has a value for take no width.
	cols := map[string]bool{}
	for _, c := range calls {
		cols["started"] = cols["started"] || c.StartedAt != nil
		cols["agent"] = cols["agent"] || c.Agent != ""
		cols["team"] = cols["team"] || c.Team != ""
		cols["queue"] = cols["queue"] || c.Queue != ""
		cols["language"] = cols["language"] || len(c.Languages) > 1 || c.Language != "" && c.Language != "en"
	}
	s.render(w, r, u, "calls.html", map[string]any{
		"Title": "Calls", "Calls": calls, "Total": total, "Capped": total > index.CountCap, "Q": q, "Facets": facets, "Problems": problems, "Cols": cols, "Sum": sum,
		"Page": page, "Pages": pages, "More": more, "Sort": p.Sort, "Desc": p.Desc, "Default": q.Get("sort") == "",
		"Prev": withQuery(q, "page", strconv.Itoa(page-1)), "Next": withQuery(q, "page", strconv.Itoa(page+1)),
		"CSV": "/calls.csv?" + withoutKey(q, "page"), "In": withoutKey(q, "page"),
	})
}

// neighbours are the calls before and after one in a list of calls (a filter and its sort, as the calls
// page's address gives them), and its place in it.
type neighbours struct {
	In         string // the list's query, to carry on to the next call
	Prev, Next string // call ids; "" at the ends
	At, Total  int    // 1-based place; 0 when the call is not in the list
}

// maxWalk bounds how far into a list the call page looks for a call's neighbours.
const maxWalk = 10000

func (s *Server) neighboursIn(r *http.Request, u *User, id, in string) (neighbours, error) {
	n := neighbours{In: in}
	q, err := url.ParseQuery(in)
	if err != nil {
		return n, nil // not a list: no neighbours
	}
	f, _ := filterFrom(q, u)
	p := pageFrom(url.Values{"sort": {q.Get("sort")}, "dir": {q.Get("dir")}}, u)
	p.Limit = 1000
	prev := ""
	for p.Offset < maxWalk {
		calls, total, err := s.Index.Calls(r.Context(), f, p)
		if err != nil {
			return n, err
		}
		n.Total = total
		for i, c := range calls {
			if n.At > 0 {
				n.Next = c.ID
				return n, nil
			}
			if c.ID == id {
				n.At, n.Prev = p.Offset+i+1, prev
			}
			prev = c.ID
		}
		if len(calls) < p.Limit {
			break
		}
		p.Offset += p.Limit
	}
	return n, nil
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
	p := pageFrom(q, u)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="calls.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"call_id", "started_at", "agent", "agent_name", "team", "queue", "duration_s", "scored", "score", "auto_failed",
		"intent", "customer_end_sentiment", "sentiment", "alerts", "source", "time_from", "summary", "languages", "unsure_words"})
	err := s.Index.EachCall(r.Context(), f, p.Sort, p.Desc, func(c index.Call) error {
		started := ""
		if c.StartedAt != nil {
			started = c.StartedAt.Format(time.RFC3339)
		}
		score, unsure := "", ""
		if c.Scored {
			score = strconv.FormatFloat(c.Score, 'f', 1, 64)
		}
		if c.Unsure >= 0 {
			unsure = strconv.FormatFloat(c.Unsure, 'f', 3, 64)
		}
		cw.Write([]string{csvSafe(c.CallID), started, csvSafe(c.Agent), csvSafe(c.AgentName), csvSafe(c.Team), csvSafe(c.Queue),
			strconv.FormatFloat(c.DurationS, 'f', 1, 64), strconv.FormatBool(c.Scored), score, strconv.FormatBool(c.AutoFailed),
			c.Intent, strconv.FormatFloat(c.Sentiment, 'f', 3, 64), c.SentimentLabel, strings.Join(c.Alerts, " "), csvSafe(c.Source), c.TimeFrom, csvSafe(strings.Join(c.Summary, " | ")), strings.Join(c.Languages, " "), unsure})
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
	Words     []calldoc.WordDoc // the recogniser's words, to mark those heard unsurely; nil: show Text
}

// reviewedCall finds the call of the request that the user may see, with its document and the
// reviewers' overrides. When it cannot, it has answered the request (not found; missing, for a call whose
// document is gone; an internal error) and returns false.
func (s *Server) reviewedCall(w http.ResponseWriter, r *http.Request, u *User, missing func(index.Call)) (index.Call, calldoc.CallDoc, []index.Override, bool) {
	c, ok := s.visibleCall(w, r, u)
	if !ok {
		return c, calldoc.CallDoc{}, nil, false
	}
	doc, err := s.loadDoc(r, c)
	if errors.Is(err, parley.ErrNotFound) {
		missing(c)
		return c, doc, nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return c, doc, nil, false
	}
	ovs, err := s.Index.Overrides(r.Context(), c.ID)
	if err != nil {
		s.fail(w, r, err)
		return c, doc, nil, false
	}
	return c, doc, ovs, true
}

func (s *Server) callPage(w http.ResponseWriter, r *http.Request, u *User) {
	c, doc, ovs, ok := s.reviewedCall(w, r, u, func(c index.Call) {
		s.errorPage(w, r, u, http.StatusNotFound, "Document missing", "The call is indexed but its document is gone: "+c.Doc)
	})
	if !ok {
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
		var words []calldoc.WordDoc
		t.Text, words = report.ShownTurn(doc, i)
		turns[i] = turnView{t, i, sentiments[i], words}
	}
	reviews, err := s.Index.Reviews(r.Context(), c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	finished := false
	for _, rv := range reviews {
		finished = finished || rv.Reviewer == u.Name
	}
	var nb neighbours
	if in := r.URL.Query().Get("in"); in != "" {
		var err error
		if nb, err = s.neighboursIn(r, u, c.ID, in); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	reviewed := doc.Score.Reviewed(reviewedBy(latest)) // the score with the reviewers' results
	g := glanceOf(c, reviewed, doc.Metadata).heard(doc)
	var cols []index.Collection
	if contains(library, u.Role) {
		var err error
		if cols, err = s.Index.Collections(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, u, "call.html", map[string]any{
		"Title": "Call " + doc.CallID, "Call": c, "Doc": doc, "Turns": turns, "Unsure": g.UnsureShare > 0, "Latest": latest, "History": history,
		"CanOverride": contains(reviewer, u.Role), "Collections": cols, "Timeline": report.Timeline(doc),
		"SentimentChart": sentimentChart(doc), "List": nb, "Glance": g,
		"Reviews": reviews, "Finished": finished, "In": r.URL.Query().Get("in"), "Reviewed": reviewed,
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
	// The call's row (score, items, alerts) takes the reviewer's result at once: the list, the agent
	// page and the library read it.
	if _, err := s.Index.PutCall(r.Context(), doc, c.Doc); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, u, "override", c.CallID+"/"+item, fmt.Sprintf("auto %s → %s: %s", auto, status, comment))
	http.Redirect(w, r, "/calls/"+c.ID+"#item-"+url.PathEscape(item), http.StatusSeeOther)
}

// finishReview marks the call's review finished by the reviewer and goes back to the call (in the list
// it was opened from).
func (s *Server) finishReview(w http.ResponseWriter, r *http.Request, u *User) {
	c, ok := s.visibleCall(w, r, u)
	if !ok {
		return
	}
	if err := s.Index.FinishReview(r.Context(), index.Review{Call: c.ID, Reviewer: u.Name}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, u, "review finished", c.CallID, "")
	to := "/calls/" + c.ID
	if in := r.PostFormValue("in"); in != "" {
		to += "?in=" + url.QueryEscape(in)
	}
	http.Redirect(w, r, to+"#review", http.StatusSeeOther)
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
	// The period the page and its coaching plan read.
	q := r.URL.Query()
	from, to, problems := period(q)
	st, ok, err := s.Index.Agent(r.Context(), agent, from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		s.errorPage(w, r, u, http.StatusNotFound, "Not found", "No calls of agent "+agent+".")
		return
	}
	title := "Agent " + st.Name
	if agent == index.NoAgent {
		title = "Calls without an agent"
	}
	data := map[string]any{"Title": title, "A": st, "Trend": trendChart(st.Weekly), "CanCoach": slices.Contains(library, u.Role), "Q": q, "Problems": problems,
		"HeardWorse": st.Unsure >= 0 && st.TeamUnsure >= 0 && team.HeardWorse(st.Unsure, st.TeamUnsure, st.UnsureCalls)}
	if agent != index.NoAgent {
		plan, err := s.coachingPlan(r, st)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		progress, err := s.Index.Progress(r.Context(), agent)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Plan"], data["Progress"] = plan, progress
	}
	s.render(w, r, u, "agent.html", data)
}

// reviews counts reviewed item results and how many agreed with the automatic result.
type reviews struct{ Reviewed, Agree int }

func (r *reviews) add(agree bool) {
	r.Reviewed++
	if agree {
		r.Agree++
	}
}

// itemCalibration is one scorecard item's reviews: how many, how many agreed with the automatic
// result, and each with its call, both results, the reviewer and their comment.
type itemCalibration struct {
	Item, Label string
	reviews
	Rows []index.ReviewedItem
}

// reviewerCalibration is one reviewer's agreement with the automatic results.
type reviewerCalibration struct {
	Reviewer string
	reviews
}

// agentCalibration is the reviewers' agreement with the automatic results on one agent's calls: an agent
// whose results reviewers overturn more often than others' is one parley scores less fairly (an accent
// the recogniser hears worse, a way of speaking the scorecard's examples miss).
type agentCalibration struct {
	Agent, Name string
	reviews
}

// tally returns the entry of m for key, made by fresh and appended to order the first time the key is
// seen, so that entries keep the order they were first met in.
func tally[T any](m map[string]*T, order *[]*T, key string, fresh func() *T) *T {
	e := m[key]
	if e == nil {
		e = fresh()
		m[key] = e
		*order = append(*order, e)
	}
	return e
}

func (s *Server) calibrationPage(w http.ResponseWriter, r *http.Request, u *User) {
	all, err := s.Index.ReviewedItems(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	only := r.URL.Query().Get("reviewer")
	var items []*itemCalibration
	byItem := map[string]*itemCalibration{}
	byReviewer := map[string]*reviewerCalibration{}
	var reviewers []*reviewerCalibration
	byAgent := map[string]*agentCalibration{}
	var agents []*agentCalibration
	for _, ri := range all {
		agree := ri.Auto == ri.Status
		tally(byReviewer, &reviewers, ri.Reviewer, func() *reviewerCalibration { return &reviewerCalibration{Reviewer: ri.Reviewer} }).add(agree)
		if only != "" && ri.Reviewer != only {
			continue
		}
		agent := cmp.Or(ri.Agent, index.NoAgent)
		tally(byAgent, &agents, agent, func() *agentCalibration {
			return &agentCalibration{Agent: agent, Name: cmp.Or(ri.AgentName, index.NoAgentName)}
		}).add(agree)
		ic := tally(byItem, &items, ri.Item, func() *itemCalibration { return &itemCalibration{Item: ri.Item, Label: cmp.Or(ri.Label, ri.Item)} })
		ic.add(agree)
		ic.Rows = append(ic.Rows, ri)
	}
	slices.SortFunc(reviewers, func(a, b *reviewerCalibration) int { return strings.Compare(a.Reviewer, b.Reviewer) })
	// Agents whose results reviewers overturn most, first.
	slices.SortFunc(agents, func(a, b *agentCalibration) int {
		return cmp.Or(cmp.Compare(float64(a.Agree)/float64(a.Reviewed), float64(b.Agree)/float64(b.Reviewed)), strings.Compare(a.Name, b.Name))
	})
	s.render(w, r, u, "calibration.html", map[string]any{"Title": "Calibration", "Items": items, "Reviewers": reviewers, "Agents": agents, "Only": only})
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

// glance is what a call was about and how it went, for the call page's header.
type glance struct {
	Intent            string
	EndLabel          string
	End               float64
	HasEnd            bool
	Pass, Fail, NA    int
	Review            int // items parley left for a reviewer (recognition too unsure)
	Reviewed          int // items a reviewer decided
	Score             float64
	Scored, AutoFails bool
	Outcome           []string // the telephony platform's disposition, and whether the call was transferred
	// UnsureShare is the share of the recognised words heard unsurely (calldoc.UnsureBelow); HasWords is
	// false when the words are not known (an imported or corrected transcript). UnsureBy gives the
	// agent's and the customer's shares when both are known: whose words to distrust.
	UnsureShare float64
	HasWords    bool
	UnsureBy    []speakerShare
}

// speakerShare is one speaker's share of words heard unsurely.
type speakerShare struct {
	Speaker parley.Role
	Share   float64
}

// heard sets how much of the call's transcript the recogniser was unsure of (calldoc.HeardUnsurely),
// and of each party's when both are known.
func (g glance) heard(doc calldoc.CallDoc) glance {
	g.UnsureShare, g.HasWords = doc.HeardUnsurely()
	var by []speakerShare
	for _, r := range []parley.Role{parley.RoleAgent, parley.RoleCustomer} {
		if share, ok := doc.HeardUnsurelyOf(r); ok {
			by = append(by, speakerShare{r, share})
		}
	}
	if len(by) == 2 {
		g.UnsureBy = by
	}
	return g
}

// reviewedBy turns the overrides in force into the reviewers' results by item.
func reviewedBy(latest map[string]index.Override) map[string]parley.ReviewedStatus {
	out := map[string]parley.ReviewedStatus{}
	for item, o := range latest {
		out[item] = parley.ReviewedStatus{Status: o.Status, Reviewer: o.Reviewer}
	}
	return out
}

// glanceOf takes what the call was about and how the customer ended from its index row (labelled the
// way the list labels them), and counts the items of its score with the reviewers' results (sc, from
// Score.Reviewed); the outcome is the metadata's, when it has one.
func glanceOf(c index.Call, sc *parley.Score, md *parley.Metadata) glance {
	g := glance{Intent: c.Intent, EndLabel: c.SentimentLabel, End: c.Sentiment, HasEnd: c.SentimentLabel != ""}
	if md != nil {
		if md.Disposition != "" {
			g.Outcome = append(g.Outcome, md.Disposition)
		}
		if md.Transferred != nil && *md.Transferred {
			g.Outcome = append(g.Outcome, "transferred")
		}
	}
	if sc != nil {
		g.Score, g.Scored, g.AutoFails = sc.Score, sc.Scored, sc.AutoFailed
		for _, it := range sc.Items {
			st := it.Status
			if it.AutoStatus != "" {
				g.Reviewed++
			}
			switch st {
			case parley.ItemPass:
				g.Pass++
			case parley.ItemFail:
				g.Fail++
			case parley.ItemReview:
				g.Review++
			default:
				g.NA++
			}
		}
	}
	return g
}
