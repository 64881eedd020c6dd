package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/jobs"
)

func (s *Server) opsPage(w http.ResponseWriter, r *http.Request, u *User) {
	data := map[string]any{"Title": "Operations", "Done": r.URL.Query().Get("done"), "Queues": jobs.Queues}
	if s.Ops == nil {
		data["QueueError"] = "No queue is configured: set redis_url to run workers and watch their queues here."
	} else {
		qs, err := s.Ops.Queues(r.Context())
		if err != nil {
			s.Log.Warn("ops: queue", "error", err)
			data["QueueError"] = fmt.Sprintf("No queue is running: nothing answers at %s (redis_url). Recordings cannot be enqueued from here "+
				"until Redis and the workers run; calls already processed are listed as usual.", s.Ops.Addr())
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
