package index_test

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/internal/fixtures"
	"github.com/parley-cc/parley/internal/testenv"
)

// databases opens an empty index on SQLite and on a real PostgreSQL.
func databases(t *testing.T) map[string]*index.Index {
	out := map[string]*index.Index{}
	x, err := index.Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	out["sqlite"] = x
	_, url := testenv.StartPostgres(t)
	p, err := index.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	out["postgres"] = p
	return out
}

func ids(calls []index.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, strings.TrimSuffix(c.CallID, ""))
	}
	slices.Sort(out)
	return out
}

func TestCallsFilterSearchAndReview(t *testing.T) {
	docs := map[string]any{}
	for _, n := range fixtures.Names {
		docs[n] = fixtures.Doc(t, n)
	}
	for name, x := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			byName, dir := putFixtures(t, x)
			// Indexing a call again replaces it: no second row, no duplicate turns in search.
			again := fixtures.Doc(t, "billing-dispute")
			if _, err := x.PutCall(ctx, again, filepath.Join(dir, "billing-dispute.json")); err != nil {
				t.Fatal(err)
			}
			all, total, err := x.Calls(ctx, index.Filter{}, index.Page{Desc: true})
			if err != nil || total != 4 || len(all) != 4 {
				t.Fatalf("%d of %d calls, %v", len(all), total, err)
			}
			// Newest first: address-change (Nov 9) … billing-dispute (Nov 2); identity-check, whose sidecar
			// has no usable start time, comes last in either direction.
			if got := ids(all); all[0].CallID != "address-change" || all[2].CallID != "billing-dispute" || all[3].StartedAt != nil {
				t.Errorf("newest first, undated last: %v", got)
			}
			asc, _, _ := x.Calls(ctx, index.Filter{}, index.Page{})
			if asc[0].CallID != "billing-dispute" || asc[3].StartedAt != nil {
				t.Errorf("oldest first, undated last: %s … %v", asc[0].CallID, asc[3].StartedAt)
			}
			f := func(min, max float64) (*float64, *float64) { return &min, &max }
			lo, hi := f(70, 100)
			cases := []struct {
				name   string
				filter index.Filter
				want   []string
			}{
				{"agent", index.Filter{Agent: "a17"}, []string{"address-change", "billing-dispute"}},
				{"team", index.Filter{Team: "retention"}, []string{"cancel-service"}},
				{"score range", index.Filter{MinScore: lo, MaxScore: hi}, []string{"billing-dispute", "identity-check"}},
				{"intent", index.Filter{Intent: "billing_dispute"}, []string{"billing-dispute"}},
				{"customer ended negative", index.Filter{Sentiment: "negative"}, []string{"cancel-service"}},
				{"alert", index.Filter{Alert: "negative_end"}, []string{"cancel-service"}},
				{"key phrase", index.Filter{Phrase: "Internet Bill"}, []string{"billing-dispute"}},
				{"not auto-failed", index.Filter{AutoFail: "no"}, []string{"address-change", "billing-dispute", "cancel-service", "identity-check"}},
				{"auto-failed", index.Filter{AutoFail: "yes"}, nil},
				{"from", index.Filter{From: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)}, []string{"address-change", "cancel-service"}},
				{"to", index.Filter{To: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)}, []string{"billing-dispute"}},
				{"agent's own view ignores other filters' reach", index.Filter{Restricted: true, OnlyAgent: "a21"}, []string{"cancel-service"}},
				{"agent without an id sees nothing", index.Filter{Restricted: true}, nil},
			}
			for _, c := range cases {
				got, n, err := x.Calls(ctx, c.filter, index.Page{})
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if !slices.Equal(ids(got), c.want) || n != len(c.want) {
					t.Errorf("%s: got %v (total %d), want %v", c.name, ids(got), n, c.want)
				}
			}
			// The key-phrase filter walking the ordering index (as for a phrase in many calls) selects the same.
			restore := index.SetCommonPhraseCalls(0)
			got, n, err := x.Calls(ctx, index.Filter{Phrase: "internet bill", Team: "billing"}, index.Page{Desc: true})
			restore()
			if err != nil || n != 1 || !slices.Equal(ids(got), []string{"billing-dispute"}) {
				t.Errorf("key phrase, walking: %v %d %v", ids(got), n, err)
			}
			// Sorting and paging.
			bySc, _, _ := x.Calls(ctx, index.Filter{}, index.Page{Sort: "score", Desc: false, Limit: 2})
			if len(bySc) != 2 || bySc[0].Score > bySc[1].Score || bySc[1].Score > 50 {
				t.Errorf("lowest scores first, two a page: %+v", bySc)
			}
			page2, _, _ := x.Calls(ctx, index.Filter{}, index.Page{Sort: "score", Limit: 2, Offset: 2})
			if len(page2) != 2 || page2[0].Score < bySc[1].Score {
				t.Errorf("second page: %+v", page2)
			}

			// Full-text search: by stem, phrases, speaker, with highlighted snippets.
			hits, more, err := x.Search(ctx, index.Query{Text: "charged twice"}, 0, 10)
			if err != nil || len(hits) != 1 || more || hits[0].Call.CallID != "billing-dispute" || hits[0].Speaker != "customer" {
				t.Fatalf("charged twice: %+v %v %v", hits, more, err)
			}
			if !strings.Contains(hits[0].Snippet, index.MarkStart+"charged"+index.MarkEnd) || hits[0].Start < 6 || hits[0].Start > 7 {
				t.Errorf("snippet %q at %.1f", hits[0].Snippet, hits[0].Start)
			}
			if h, _, _ := x.Search(ctx, index.Query{Text: `"twice charged"`}, 0, 10); len(h) != 0 {
				t.Errorf("a quoted phrase must match in order: %+v", h)
			}
			if h, _, _ := x.Search(ctx, index.Query{Text: "charge"}, 0, 10); len(h) == 0 {
				t.Error("stemming: charge finds charged")
			}
			if h, _, _ := x.Search(ctx, index.Query{Text: "charged twice", Speaker: "agent"}, 0, 10); len(h) != 0 {
				t.Errorf("speaker filter: %+v", h)
			}
			if h, _, err := x.Search(ctx, index.Query{Text: `thank* -( ^ "`}, 0, 10); err != nil {
				t.Errorf("operators in user text are words, not syntax: %v", err)
			} else if len(h) == 0 {
				t.Error("thank was said in every call")
			}
			thanks, more, _ := x.Search(ctx, index.Query{Text: "thank"}, 0, 2)
			rest, _, _ := x.Search(ctx, index.Query{Text: "thank"}, 2, 100)
			if len(thanks) != 2 || !more || len(rest) == 0 {
				t.Errorf("search pages: %d then %d, more=%v", len(thanks), len(rest), more)
			}
			if h, _, _ := x.Search(ctx, index.Query{Text: "morning", Filter: index.Filter{Restricted: true, OnlyAgent: "a21"}}, 0, 100); len(h) == 0 || slices.ContainsFunc(h, func(h index.Hit) bool { return h.Call.Agent != "a21" }) {
				t.Errorf("restricted search leaks other agents' calls: %+v", h)
			}

			// Agent page numbers.
			st, ok, err := x.Agent(ctx, "a17", time.Time{}, time.Time{})
			if err != nil || !ok || st.Calls != 2 || st.Name != "Sarah" || len(st.Items) == 0 || len(st.Best) != 2 || len(st.Weekly) == 0 {
				t.Fatalf("agent: %+v %v %v", st, ok, err)
			}
			if st.Best[0].Score < st.Best[1].Score || st.Worst[0].Score > st.Worst[1].Score {
				t.Errorf("best/worst order: %v %v", st.Best, st.Worst)
			}
			if _, ok, _ := x.Agent(ctx, "nobody", time.Time{}, time.Time{}); ok {
				t.Error("an unknown agent has stats")
			}
			// A period: from 5 November only address-change (9 November) is Sarah's, and her items are
			// counted on it alone; a period without her calls has none, and she is still an agent.
			nov5 := time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
			if p, ok, err := x.Agent(ctx, "a17", nov5, time.Time{}); err != nil || !ok || p.Calls != 1 || len(p.Best) != 1 || p.Best[0].CallID != "address-change" ||
				p.Items[0].Applied > 1 {
				t.Errorf("from 5 November: %+v %v %v", p, ok, err)
			}
			if p, ok, err := x.Agent(ctx, "a17", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Time{}); err != nil || !ok || p.Calls != 0 || len(p.Items) != 0 {
				t.Errorf("December: %+v %v %v", p, ok, err)
			}
			// Examples per item: the greeting passed in calls that the best/worst lists name.
			best, worst, err := x.ItemExamples(ctx, "identity_verification", index.Filter{}, 5)
			if err != nil || len(best)+len(worst) == 0 {
				t.Errorf("examples: %v %v %v", best, worst, err)
			}
			for _, c := range worst {
				if c.Score > 80 {
					t.Errorf("worst example scored %.1f", c.Score)
				}
			}

			// Overrides: history kept, the latest counts in calibration.
			bd := byName["billing-dispute"]
			for _, o := range []index.Override{
				{Call: bd, Item: "identity_verification", Status: "fail", Comment: "no security question", Reviewer: "qa1"},
				{Call: bd, Item: "identity_verification", Status: "pass", Comment: "on second listen, the account number checks it", Reviewer: "qa2", At: time.Now().Add(time.Second)},
				{Call: bd, Item: "empathy", Status: "pass", Comment: "agrees", Reviewer: "qa1"},
			} {
				if err := x.AddOverride(ctx, o); err != nil {
					t.Fatal(err)
				}
			}
			ovs, err := x.Overrides(ctx, bd)
			if err != nil || len(ovs) != 3 || ovs[1].Reviewer != "qa2" && ovs[2].Reviewer != "qa2" {
				t.Fatalf("overrides: %+v %v", ovs, err)
			}
			reviewed, err := x.ReviewedItems(ctx)
			if err != nil || len(reviewed) != 2 {
				t.Fatalf("reviewed items (the latest per call and item): %+v %v", reviewed, err)
			}
			for _, ri := range reviewed {
				if ri.Auto != ri.Status || ri.Label == "" || ri.CallID != "billing-dispute" || ri.Agent != "a17" || ri.AgentName != "Sarah" || ri.Item == "identity_verification" && ri.Reviewer != "qa2" {
					t.Errorf("reviewed %+v (the automatic result agrees with the latest override)", ri)
				}
			}

			// Collections and clips.
			col, err := x.CreateCollection(ctx, "de-escalation", "coach1")
			if err != nil {
				t.Fatal(err)
			}
			if err := x.AddClip(ctx, index.Clip{Collection: col, Call: bd, Start: 6.5, End: 13, Note: "customer upset", AddedBy: "coach1"}); err != nil {
				t.Fatal(err)
			}
			c, ok, err := x.Collection(ctx, col)
			if err != nil || !ok || len(c.Clips) != 1 || c.Clips[0].CallID != "billing-dispute" || c.Clips[0].End != 13 {
				t.Errorf("collection: %+v %v %v", c, ok, err)
			}
			if len(col) < 32 {
				t.Errorf("collection id %q is guessable", col)
			}

			// A call filed under no agent is not shown to an agent user who is linked to no agent id.
			unassigned := fixtures.Doc(t, "billing-dispute")
			unassigned.CallID, unassigned.Source, unassigned.Metadata = "unassigned", "/nowhere/unassigned.wav", nil
			if _, err := x.PutCall(ctx, unassigned, "/nowhere/unassigned.json"); err != nil {
				t.Fatal(err)
			}
			if got, n, _ := x.Calls(ctx, index.Filter{Restricted: true}, index.Page{}); n != 0 {
				t.Errorf("an agent without an id sees %v", ids(got))
			}
			if h, _, _ := x.Search(ctx, index.Query{Text: "charged", Filter: index.Filter{Restricted: true}}, 0, 10); len(h) != 0 {
				t.Errorf("an agent without an id finds %d turns", len(h))
			}
		})
	}
}

func TestUsersSessionsTokens(t *testing.T) {
	for name, x := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if err := x.AddUser(ctx, index.User{Name: "ann", PasswordHash: "h", Role: "qa"}); err != nil {
				t.Fatal(err)
			}
			if err := x.AddUser(ctx, index.User{Name: "ann", PasswordHash: "h", Role: "qa"}); err == nil {
				t.Error("a second user of the same name")
			}
			exp := time.Now().Add(time.Hour)
			x.AddSession(ctx, index.Session{TokenHash: "live", Name: "ann", CSRF: "c", Expires: exp})
			x.AddSession(ctx, index.Session{TokenHash: "old", Name: "ann", CSRF: "c", Expires: time.Now().Add(-time.Second)})
			if s, ok, err := x.Session(ctx, "live"); err != nil || !ok || s.Name != "ann" || s.CSRF != "c" {
				t.Errorf("live session: %+v %v %v", s, ok, err)
			}
			if _, ok, _ := x.Session(ctx, "old"); ok {
				t.Error("an expired session is accepted")
			}
			if err := x.SetPassword(ctx, "ann", "h2"); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := x.Session(ctx, "live"); ok {
				t.Error("a password change must end the user's sessions")
			}
			id, err := x.AddToken(ctx, "tokhash", "ann", "export")
			if err != nil {
				t.Fatal(err)
			}
			if n, ok, _ := x.TokenUser(ctx, "tokhash"); !ok || n != "ann" {
				t.Error("token lookup")
			}
			if toks, _ := x.Tokens(ctx, "ann"); len(toks) != 1 || toks[0].LastUsed.IsZero() {
				t.Errorf("token list: %+v", toks)
			}
			x.DeleteToken(ctx, "ann", id)
			if _, ok, _ := x.TokenUser(ctx, "tokhash"); ok {
				t.Error("a revoked token still works")
			}
			x.Audit(ctx, "ann", "override", "c/i", "first")
			x.Audit(ctx, "ann", "override", "c/i", "second")
			log, err := x.AuditLog(ctx, 10)
			if err != nil || len(log) != 2 || log[0].Detail != "second" {
				t.Errorf("audit log newest first: %+v %v", log, err)
			}
		})
	}
}

// Finished reviews, on both databases: marking again moves the time on, the calls carry their count,
// and the filter finds reviewed, unreviewed and one reviewer's calls.
func TestFinishedReviews(t *testing.T) {
	for name, x := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			byName, _ := putFixtures(t, x)
			call := byName["billing-dispute"]
			t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			for _, r := range []index.Review{{Call: call, Reviewer: "quinn", At: t0}, {Call: call, Reviewer: "ada", At: t0.Add(time.Minute)},
				{Call: call, Reviewer: "quinn", At: t0.Add(time.Hour)}} {
				if err := x.FinishReview(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			rs, err := x.Reviews(ctx, call)
			if err != nil || len(rs) != 2 || rs[0].Reviewer != "ada" || !rs[1].At.Equal(t0.Add(time.Hour)) {
				t.Fatalf("reviews %+v %v", rs, err)
			}
			sum, err := x.Summary(ctx, index.Filter{})
			if err != nil || sum.Calls != len(fixtures.Names) || sum.Reviewed != 1 || sum.Scored == 0 || sum.AvgScore <= 0 {
				t.Errorf("summary %+v %v", sum, err)
			}
			for _, tc := range []struct {
				f    index.Filter
				want int
			}{
				{index.Filter{Reviewed: "yes"}, 1}, {index.Filter{Reviewed: "no"}, len(fixtures.Names) - 1},
				{index.Filter{Reviewed: "mine", Reviewer: "ada"}, 1}, {index.Filter{Reviewed: "mine", Reviewer: "otto"}, 0},
			} {
				calls, total, err := x.Calls(ctx, tc.f, index.Page{})
				if err != nil || total != tc.want || len(calls) != tc.want {
					t.Errorf("%+v: %d calls (%d), want %d: %v", tc.f, len(calls), total, tc.want, err)
				}
				if tc.f.Reviewed == "yes" && len(calls) == 1 && (calls[0].ID != call || calls[0].Reviews != 2) {
					t.Errorf("reviewed call %+v", calls[0])
				}
			}
		})
	}
}

// putFixtures indexes the fixture calls and returns their ids by name and the folder of their documents.
func putFixtures(t *testing.T, x *index.Index) (map[string]string, string) {
	dir := t.TempDir()
	byName := map[string]string{}
	for _, n := range fixtures.Names {
		d := fixtures.Doc(t, n)
		id, err := x.PutCall(context.Background(), d, fixtures.Write(t, dir, d))
		if err != nil {
			t.Fatal(err)
		}
		byName[n] = id
	}
	return byName, dir
}

// A call whose metadata has no start time is dated by its recording (marked as such), so a date filter
// and the date order include it; a call whose metadata names no agent is filed under NoAgent; an
// unscored call comes after the scored ones whichever way the score is sorted.
func TestCallTimeAgentAndScoreOrder(t *testing.T) {
	for name, x := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			march := time.Date(2026, 3, 3, 8, 30, 0, 0, time.UTC)
			for _, n := range fixtures.Names {
				d := fixtures.Doc(t, n)
				switch n {
				case "identity-check": // its sidecar's started_at is "the third of March": not a time
					d.RecordedAt = &march
				case "address-change": // recorded too, but its metadata's start time wins
					d.RecordedAt = &march
				case "cancel-service":
					d.Metadata.AgentID, d.Metadata.AgentName = "", ""
					d.Score.Scored = false
				}
				if _, err := x.PutCall(ctx, d, fixtures.Write(t, dir, d)); err != nil {
					t.Fatal(err)
				}
			}
			got, n, err := x.Calls(ctx, index.Filter{From: march.Truncate(24 * time.Hour), To: march.Truncate(24 * time.Hour).Add(24 * time.Hour)}, index.Page{})
			if err != nil || n != 1 || got[0].CallID != "identity-check" || got[0].TimeFrom != index.TimeFromRecording || !got[0].StartedAt.Equal(march) {
				t.Fatalf("3 March: %+v (%d, %v)", got, n, err)
			}
			all, _, _ := x.Calls(ctx, index.Filter{}, index.Page{Sort: "started"})
			if all[0].CallID != "identity-check" || all[1].TimeFrom != "" || all[1].StartedAt == nil || all[1].StartedAt.Equal(march) {
				t.Errorf("oldest first: %s (%s), then %s at %v from %q", all[0].CallID, all[0].TimeFrom, all[1].CallID, all[1].StartedAt, all[1].TimeFrom)
			}
			for _, desc := range []bool{false, true} {
				bySc, _, err := x.Calls(ctx, index.Filter{}, index.Page{Sort: "score", Desc: desc})
				if err != nil || len(bySc) != 4 || bySc[3].CallID != "cancel-service" {
					t.Errorf("score, desc %v: the unscored call last: %v (%v)", desc, bySc, err)
					continue
				}
				if a, b := bySc[0].Score, bySc[2].Score; desc && a < b || !desc && a > b {
					t.Errorf("score, desc %v: %.1f … %.1f", desc, a, b)
				}
			}
			none, n, _ := x.Calls(ctx, index.Filter{Agent: index.NoAgent}, index.Page{})
			if n != 1 || none[0].CallID != "cancel-service" {
				t.Errorf("no agent named: %v", ids(none))
			}
			st, ok, err := x.Agent(ctx, index.NoAgent, time.Time{}, time.Time{})
			if err != nil || !ok || st.Calls != 1 || st.Name != index.NoAgentName {
				t.Errorf("calls without an agent: %+v %v %v", st, ok, err)
			}
			fc, err := x.Facets(ctx, index.Filter{})
			if err != nil || !slices.Contains(fc.Agents, [2]string{index.NoAgent, index.NoAgentName}) {
				t.Errorf("agents offered: %v (%v)", fc.Agents, err)
			}
			if fc, _ := x.Facets(ctx, index.Filter{Restricted: true, OnlyAgent: "a17"}); slices.Contains(fc.Agents, [2]string{index.NoAgent, index.NoAgentName}) {
				t.Errorf("an agent's own view offers the unassigned calls: %v", fc.Agents)
			}
		})
	}
}

// An agent whose calls are in more than one language gets them split by language on the agent page,
// each with its own average and item pass rates; an agent in one language gets no split.
func TestAgentByLanguage(t *testing.T) {
	for name, x := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			var agent string
			var es calldoc.CallDoc
			for i, n := range fixtures.Names {
				d := fixtures.Doc(t, n)
				d.Metadata.AgentID, d.Metadata.AgentName = "a42", "Ana"
				if i == 0 {
					d.Language = "es"
					// An item left for a reviewer is in no pass rate until a reviewer decides it.
					for k, it := range d.Score.Items {
						if it.Status == parley.ItemFail || it.Status == parley.ItemPass {
							d.Score.Items[k].Status = parley.ItemReview
							break
						}
					}
					es = d
				}
				if _, err := x.PutCall(ctx, d, fixtures.Write(t, dir, d)); err != nil {
					t.Fatal(err)
				}
				agent = d.Metadata.AgentID
			}
			st, ok, err := x.Agent(ctx, agent, time.Time{}, time.Time{})
			if err != nil || !ok || len(st.ByLanguage) != 2 {
				t.Fatalf("by language: %+v (%v %v)", st.ByLanguage, ok, err)
			}
			en, sp := st.ByLanguage[0], st.ByLanguage[1]
			if en.Language != "en" || en.Calls != len(fixtures.Names)-1 || sp.Language != "es" || sp.Calls != 1 {
				t.Fatalf("languages: %+v / %+v", en, sp)
			}
			if es.Score.Scored && sp.AvgScore != math.Round(es.Score.Score*10)/10 {
				t.Errorf("es average %.1f, its one call %.1f", sp.AvgScore, es.Score.Score)
			}
			applied := 0
			for _, it := range es.Score.Items {
				if it.Status == parley.ItemPass || it.Status == parley.ItemFail {
					applied++
				}
			}
			if len(sp.Items) != applied {
				t.Errorf("es items: %d rates for %d applied items", len(sp.Items), applied)
			}
			for _, r := range sp.Items {
				if r.Applied != 1 || (r.Rate != 0 && r.Rate != 1) {
					t.Errorf("es item %+v: one call", r)
				}
			}
		})
	}
}

// Chinese and Japanese turns are found by a word of theirs, though they are written without spaces,
// and the snippet shows them as written; a word that is not in the turn finds nothing.
func TestSearchUnspacedScripts(t *testing.T) {
	for name, x := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d := fixtures.Doc(t, "billing-dispute")
			d.CallID, d.Language = "zh-call", "zh"
			d.Turns[1].Text = "我的账号是七二四一九，上个月被多收了费用。"
			d.Turns[2].Text = "お支払いは来週になります。"
			d.Turns[3].Text = "제 계좌번호는 3021 4455 입니다. Thank you 감사합니다."
			if _, err := x.PutCall(ctx, d, fixtures.Write(t, t.TempDir(), d)); err != nil {
				t.Fatal(err)
			}
			hits, _, err := x.Search(ctx, index.Query{Text: "账号"}, 0, 10)
			if err != nil || len(hits) != 1 || hits[0].Turn != 1 {
				t.Fatalf("账号: %+v (%v)", hits, err)
			}
			if plain := strings.NewReplacer(index.MarkStart, "", index.MarkEnd, "").Replace(hits[0].Snippet); !strings.Contains(plain, "我的账号是七二四一九") ||
				!strings.Contains(hits[0].Snippet, "账") || !strings.Contains(hits[0].Snippet, index.MarkStart) {
				t.Errorf("snippet %q", hits[0].Snippet)
			}
			if hits, _, _ := x.Search(ctx, index.Query{Text: "来週"}, 0, 10); len(hits) != 1 || hits[0].Turn != 2 {
				t.Errorf("来週: %+v", hits)
			}
			// Korean: a word is found with its particle, and the snippet keeps the text's spaces.
			ko, _, _ := x.Search(ctx, index.Query{Text: "계좌번호"}, 0, 10)
			if len(ko) != 1 || ko[0].Turn != 3 || !strings.Contains(strings.NewReplacer(index.MarkStart, "", index.MarkEnd, "").Replace(ko[0].Snippet), "제 계좌번호는 3021 4455 입니다. Thank you 감사합니다") {
				t.Errorf("계좌번호: %+v", ko)
			}
			for _, q := range []string{"账户", "号账", "번호계좌"} { // not in the call; the characters in another order
				if hits, _, _ := x.Search(ctx, index.Query{Text: q}, 0, 10); len(hits) != 0 {
					t.Errorf("%s: %+v", q, hits)
				}
			}
		})
	}
}

// The calls with an item parley left for a reviewer are found until a reviewer decides that item.
func TestItemsToReview(t *testing.T) {
	for name, x := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			var call, item string
			for i, n := range fixtures.Names {
				d := fixtures.Doc(t, n)
				if i == 1 {
					d.Score.Items[0].Status = parley.ItemReview
					item = d.Score.Items[0].ID
				}
				id, err := x.PutCall(ctx, d, fixtures.Write(t, dir, d))
				if err != nil {
					t.Fatal(err)
				}
				if i == 1 {
					call = id
				}
			}
			found := func() []string {
				calls, _, err := x.Calls(ctx, index.Filter{ToReview: true}, index.Page{})
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, c := range calls {
					ids = append(ids, c.ID)
				}
				return ids
			}
			if got := found(); len(got) != 1 || got[0] != call {
				t.Fatalf("to review %v, want [%s]", got, call)
			}
			if err := x.AddOverride(ctx, index.Override{Call: call, Item: item, Status: parley.ItemPass, Reviewer: "quinn"}); err != nil {
				t.Fatal(err)
			}
			if got := found(); len(got) != 0 {
				t.Errorf("to review after the reviewer decided: %v", got)
			}
		})
	}
}

// A call's share of words heard unsurely is indexed from its document (-1 when its words are not
// known) and filters the calls to listen to.
func TestHeardUnsurely(t *testing.T) {
	for name, x := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			ids := map[string]string{}
			for i, n := range fixtures.Names {
				d := fixtures.Doc(t, n)
				if i < 2 { // words for the agent's first turn: a quarter unsure in call 0, all sure in call 1
					conf := []float64{0.9, 0.2, 0.95, 0.8}
					if i == 1 {
						conf[1] = 0.7
					}
					k := slices.IndexFunc(d.Turns, func(t calldoc.TurnDoc) bool { return t.Speaker == parley.RoleAgent })
					t0 := d.Turns[k]
					words := []calldoc.WordDoc{{Text: "Hello,"}, {Text: "north"}, {Text: "wind"}, {Text: "here."}}
					for k := range words {
						words[k].Confidence = conf[k]
					}
					for s, sg := range d.Segments {
						if sg.Channel == t0.Channel && sg.Start >= t0.Start && sg.End <= t0.End {
							d.Segments[s].Text, d.Segments[s].Words = "", nil
							if sg.Start == t0.Start {
								d.Segments[s].Text, d.Segments[s].Words = "Hello, north wind here.", words
							}
						}
					}
					d.Turns[k].Text = "Hello, north wind here."
				}
				id, err := x.PutCall(ctx, d, fixtures.Write(t, dir, d))
				if err != nil {
					t.Fatal(err)
				}
				ids[n] = id
			}
			want := map[string]float64{fixtures.Names[0]: 0.25, fixtures.Names[1]: 0, fixtures.Names[2]: -1, fixtures.Names[3]: -1}
			for n, w := range want {
				c, _, err := x.Call(ctx, ids[n])
				if err != nil || c.Unsure != w {
					t.Errorf("%s: unsure %v %v, want %v", n, c.Unsure, err, w)
				}
			}
			// The agent's own words: Sarah (a17) took calls 0 and 1, heard unsurely a quarter and none of
			// their first turn's words, her team's other call (Maria's) has no words.
			for agent, want := range map[string][3]float64{"a17": {0.125, 2, 0.125}, "a30": {-1, 0, 0.125}} {
				st, ok, err := x.Agent(ctx, agent, time.Time{}, time.Time{})
				if err != nil || !ok || st.Unsure != want[0] || float64(st.UnsureCalls) != want[1] || st.TeamUnsure != want[2] {
					t.Errorf("agent %s heard unsurely %v over %d calls, team %v (%v); want %v", agent, st.Unsure, st.UnsureCalls, st.TeamUnsure, err, want)
				}
			}
			for _, tc := range []struct {
				min  float64
				want int
			}{{0.2, 1}, {0.25, 1}, {0.3, 0}, {0, 2}} {
				calls, _, err := x.Calls(ctx, index.Filter{MinUnsure: &tc.min}, index.Page{})
				if err != nil || len(calls) != tc.want || tc.want > 0 && tc.min > 0 && calls[0].ID != ids[fixtures.Names[0]] {
					t.Errorf("at least %.2f heard unsurely: %d calls %v, want %d", tc.min, len(calls), err, tc.want)
				}
			}
		})
	}
}
