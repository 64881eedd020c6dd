package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/report"
)

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	report.EncodeJSON(w, v)
}

// CallJSON is a call in the API.
type CallJSON struct {
	ID             string     `json:"id"`
	CallID         string     `json:"call_id"`
	StartedAt      *time.Time `json:"started_at"`
	TimeFrom       string     `json:"time_from,omitempty"` // "recording": started_at is when the recording was stored
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
	Summary        []string   `json:"summary,omitempty"`
	Languages      []string   `json:"languages,omitempty"` // the call's language first, then other speakers'
	URL            string     `json:"url"`
	// UnsureWords is the share of the recognised words heard unsurely; absent when its words are not known.
	UnsureWords *float64 `json:"unsure_words,omitempty"`
}

func callJSON(c index.Call) CallJSON {
	al := c.Alerts
	if al == nil {
		al = []string{}
	}
	j := CallJSON{c.ID, c.CallID, c.StartedAt, c.TimeFrom, c.Agent, c.AgentName, c.Team, c.Queue, c.DurationS, c.Scored, c.Score, c.AutoFailed,
		c.Intent, c.Sentiment, c.SentimentLabel, al, c.Summary, c.Languages, "/calls/" + c.ID, nil}
	if c.Unsure >= 0 {
		j.UnsureWords = &c.Unsure
	}
	return j
}

func (s *Server) apiCalls(w http.ResponseWriter, r *http.Request, u *User) {
	q := r.URL.Query()
	f, problems := filterFrom(q, u)
	if len(problems) > 0 {
		http.Error(w, strings.Join(problems, "; "), http.StatusBadRequest)
		return
	}
	calls, total, err := s.Index.Calls(r.Context(), f, pageFrom(q, nil))
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
	c, doc, ovs, ok := s.reviewedCall(w, r, u, func(index.Call) {
		http.Error(w, "the call is indexed but its document is gone", http.StatusNotFound)
	})
	if !ok {
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
