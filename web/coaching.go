package web

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/parley-cc/parley/index"
)

// planItem is a scorecard item to coach: where the agent falls furthest behind their team, weighted by
// how often the item applies (Gap: the passes the agent would have had at the team's rate), with the
// agent's own worst miss and two other agents' calls that did it well, whose quotes are the phrasing
// that passed.
type planItem struct {
	index.ItemRate
	Gap   float64
	Own   *index.ItemExample
	Peers []index.ItemExample
}

// PlanItems is how many items a coaching plan takes.
const PlanItems = 3

// coachingPlan picks the items where the agent's pass rate is furthest under the team's, in calls, in
// the period of st.
func (s *Server) coachingPlan(r *http.Request, st index.AgentStats) ([]planItem, error) {
	var plan []planItem
	for _, it := range st.Items {
		if it.TeamApplied == 0 || it.Rate >= it.TeamRate {
			continue
		}
		plan = append(plan, planItem{ItemRate: it, Gap: (it.TeamRate - it.Rate) * float64(it.Applied)})
	}
	sort.Slice(plan, func(i, j int) bool {
		if plan[i].Gap != plan[j].Gap {
			return plan[i].Gap > plan[j].Gap
		}
		return plan[i].Item < plan[j].Item
	})
	plan = plan[:min(PlanItems, len(plan))]
	for i := range plan {
		p := &plan[i]
		_, own, err := s.Index.ItemExamples(r.Context(), p.Item, index.Filter{Agent: st.Agent, From: st.From, To: st.To}, 1)
		if err != nil {
			return nil, err
		}
		if len(own) > 0 {
			p.Own = &own[0]
		}
		peersOf := index.Filter{Team: st.Team, From: st.From, To: st.To} // without a team: every call
		best, _, err := s.Index.ItemExamples(r.Context(), p.Item, peersOf, 25)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{st.Agent: true}
		for _, b := range best {
			if len(p.Peers) == 2 {
				break
			}
			if b.Agent == "" || seen[b.Agent] {
				continue
			}
			seen[b.Agent] = true
			p.Peers = append(p.Peers, b)
		}
	}
	return plan, nil
}

// discussed records that a coach went through the chosen items with the agent.
func (s *Server) discussed(w http.ResponseWriter, r *http.Request, u *User) {
	agent := r.PathValue("agent")
	if ok, err := s.Index.HasCalls(r.Context(), agent); err != nil || !ok || agent == index.NoAgent {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.errorPage(w, r, u, http.StatusNotFound, "Not found", "No calls of agent "+agent+".")
		return
	}
	r.ParseForm()
	items := slices.DeleteFunc(r.PostForm["item"], func(v string) bool { return strings.TrimSpace(v) == "" })
	if len(items) == 0 {
		http.Error(w, "choose the items you discussed", http.StatusBadRequest)
		return
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if err := s.Index.AddDiscussed(r.Context(), agent, u.Name, note, items, time.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, u, "coaching discussed", agent, strings.Join(items, " "))
	http.Redirect(w, r, "/agents/"+url.PathEscape(agent)+"#progress", http.StatusSeeOther)
}
