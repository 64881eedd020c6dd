package index

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/team"
)

// NewID returns a random, unguessable id (128 bits, hex).
func NewID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// AgentStats are an agent's results against their team.
type AgentStats struct {
	Agent, Name, Team string
	From, To          time.Time // the period read (zero: open)
	Calls, Scored     int
	AvgScore          float64
	Weekly            []WeekScore // oldest first
	Items             []ItemRate  // per scorecard item: the agent's pass rate and the team's
	// ByLanguage splits the agent's calls by the call's language when there is more than one: an agent
	// taking an English and a Spanish queue is graded on different phrases in each.
	ByLanguage  []LanguageScore
	Best, Worst []Call
	// Unsure is the mean share of the agent's words the recogniser heard unsurely over their calls whose
	// words are known (UnsureCalls of them), TeamUnsure the same over their team's calls (every call's
	// when they have none): an agent heard less surely than the rest has scores that rest on weaker text
	// (team.HeardWorse). -1 when no such call.
	Unsure, TeamUnsure float64
	UnsureCalls        int
}

// LanguageScore is an agent's calls in one language (Language "" : not known), with the pass rate of
// every item that applied to them.
type LanguageScore struct {
	Language      string
	Calls, Scored int
	AvgScore      float64
	Items         []ItemRate // Item, Label, Applied, Passed, Rate
}

// WeekScore is the average score of an ISO week.
type WeekScore struct {
	Week  string
	Score float64
	Calls int
}

// ItemRate is the pass rate of one scorecard item, of the calls where it applied.
type ItemRate struct {
	Item, Label             string
	Applied, Passed         int
	Rate                    float64
	TeamApplied, TeamPassed int
	TeamRate                float64
}

// HasCalls tells whether the index holds calls of the agent (NoAgent: calls whose metadata names none).
func (x *Index) HasCalls(ctx context.Context, agent string) (bool, error) {
	if agent == NoAgent {
		agent = ""
	}
	var one int
	err := x.db.QueryRowContext(ctx, x.bind(`SELECT COUNT(*) FROM (SELECT 1 FROM call_docs WHERE agent = ? LIMIT 1) n`), agent).Scan(&one)
	return one > 0, err
}

// Agent returns an agent's score trend, item pass rates against the team and best and worst calls;
// NoAgent, those of the calls whose metadata names no agent (compared with every call). Only the calls
// of the period [from, to) count (zero times: open). ok is false when the agent has no calls at all.
func (x *Index) Agent(ctx context.Context, agent string, from, to time.Time) (AgentStats, bool, error) {
	st := AgentStats{Agent: agent, From: from, To: to}
	var period string
	var periodArgs []any
	if !from.IsZero() {
		period, periodArgs = period+" AND c.started_at >= ?", append(periodArgs, fmtTime(from))
	}
	if !to.IsZero() {
		period, periodArgs = period+" AND c.started_at < ?", append(periodArgs, fmtTime(to))
	}
	key := agent // the agent column's value
	if agent == NoAgent {
		key, st.Name = "", NoAgentName
	} else {
		err := x.db.QueryRowContext(ctx, x.bind(`SELECT name, team FROM agents WHERE agent = ?`), agent).Scan(&st.Name, &st.Team)
		if err == sql.ErrNoRows {
			return st, false, nil
		}
		if err != nil {
			return st, false, err
		}
	}
	if agent != NoAgent { // an agent of the agents table has calls, if not in this period
		if ok, err := x.HasCalls(ctx, agent); err != nil || !ok {
			return st, false, err
		}
	}
	rows, err := x.db.QueryContext(ctx, x.bind(`SELECT c.started_at, c.scored, c.score, c.language FROM call_docs c WHERE c.agent = ?`+period), append([]any{key}, periodArgs...)...)
	if err != nil {
		return st, false, err
	}
	weeks := map[string]*WeekScore{}
	langs := map[string]*LanguageScore{}
	langSum := map[string]float64{}
	var sum float64
	for rows.Next() {
		var started sql.NullString
		var scored int
		var score float64
		var lang string
		if err := rows.Scan(&started, &scored, &score, &lang); err != nil {
			rows.Close()
			return st, false, err
		}
		st.Calls++
		ls := langs[lang]
		if ls == nil {
			ls = &LanguageScore{Language: lang}
			langs[lang] = ls
		}
		ls.Calls++
		if scored == 0 {
			continue
		}
		st.Scored++
		sum += score
		ls.Scored++
		langSum[lang] += score
		if started.Valid {
			key := parley.Week(parseTime(started.String))
			if weeks[key] == nil {
				weeks[key] = &WeekScore{Week: key}
			}
			weeks[key].Score += score
			weeks[key].Calls++
		}
	}
	rows.Close()
	if st.Scored > 0 {
		st.AvgScore = round1(sum / float64(st.Scored))
	}
	for _, w := range weeks {
		w.Score = round1(w.Score / float64(w.Calls))
		st.Weekly = append(st.Weekly, *w)
	}
	sort.Slice(st.Weekly, func(i, j int) bool { return st.Weekly[i].Week < st.Weekly[j].Week })

	// Pass counts per item and call language, summed over the languages; the agent's (team false) also
	// kept per language for the split by language.
	rates := map[string]*ItemRate{}
	count := func(where string, arg any, team bool) error {
		rows, err := x.db.QueryContext(ctx, x.bind(`SELECT c.language, i.item, MIN(i.label), SUM(CASE WHEN i.status = 'pass' THEN 1 ELSE 0 END), COUNT(*)
			FROM call_item_results i JOIN call_docs c ON c.id = i.call WHERE c.scored = 1 AND i.status IN ('pass', 'fail') AND `+where+period+`
			GROUP BY c.language, i.item ORDER BY i.item`),
			append([]any{arg}, periodArgs...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var lang, id, label string
			var passed, applied int
			if err := rows.Scan(&lang, &id, &label, &passed, &applied); err != nil {
				return err
			}
			r := rates[id]
			if r == nil {
				r = &ItemRate{Item: id, Label: label}
				rates[id] = r
			}
			if team {
				r.TeamPassed, r.TeamApplied = r.TeamPassed+passed, r.TeamApplied+applied
			} else {
				r.Passed, r.Applied = r.Passed+passed, r.Applied+applied
				if ls := langs[lang]; ls != nil {
					ls.Items = append(ls.Items, ItemRate{Item: id, Label: label, Passed: passed, Applied: applied, Rate: round3(float64(passed) / float64(applied))})
				}
			}
		}
		return rows.Err()
	}
	if st.Calls == 0 {
		return st, agent != NoAgent, nil // none in the period (NoAgent: or every call's agent is named)
	}
	if err := count("c.agent = ?", key, false); err != nil {
		return st, false, err
	}
	// The team is the agent's team; an agent without one is compared with every call.
	teamWhere, teamArg := "c.team = ?", any(st.Team)
	if st.Team == "" {
		teamWhere, teamArg = "? = ''", ""
	}
	if err := count(teamWhere, teamArg, true); err != nil {
		return st, false, err
	}
	// How surely the agent was heard, against their team.
	unsure := func(where string, arg any) (mean float64, n int, err error) {
		var avg sql.NullFloat64
		err = x.db.QueryRowContext(ctx, x.bind(`SELECT AVG(c.agent_unsure), COUNT(*) FROM call_docs c WHERE c.agent_unsure >= 0 AND `+where+period),
			append([]any{arg}, periodArgs...)...).Scan(&avg, &n)
		if !avg.Valid {
			return -1, n, err
		}
		return round3(avg.Float64), n, err
	}
	if st.Unsure, st.UnsureCalls, err = unsure("c.agent = ?", key); err != nil {
		return st, false, err
	}
	if st.TeamUnsure, _, err = unsure(teamWhere, teamArg); err != nil {
		return st, false, err
	}
	for _, r := range rates {
		if r.TeamApplied > 0 {
			r.TeamRate = round3(float64(r.TeamPassed) / float64(r.TeamApplied))
		}
		if r.Applied > 0 {
			r.Rate = round3(float64(r.Passed) / float64(r.Applied))
			st.Items = append(st.Items, *r)
		}
	}
	sort.Slice(st.Items, func(i, j int) bool { return st.Items[i].Item < st.Items[j].Item })
	if len(langs) > 1 {
		st.ByLanguage = byLanguage(langs, langSum)
	}
	f := Filter{Agent: agent, From: from, To: to}
	zero := 0.0
	f.MinScore = &zero
	if st.Best, _, err = x.Calls(ctx, f, Page{Sort: "score", Desc: true, Limit: 5}); err != nil {
		return st, false, err
	}
	if st.Worst, _, err = x.Calls(ctx, f, Page{Sort: "score", Limit: 5}); err != nil {
		return st, false, err
	}
	return st, true, nil
}

// byLanguage finishes an agent's languages (their averages from the sums of their scores), most calls
// first.
func byLanguage(langs map[string]*LanguageScore, sums map[string]float64) []LanguageScore {
	var out []LanguageScore
	for lang, ls := range langs {
		if ls.Scored > 0 {
			ls.AvgScore = round1(sums[lang] / float64(ls.Scored))
		}
		out = append(out, *ls)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Calls != out[j].Calls {
			return out[i].Calls > out[j].Calls
		}
		return out[i].Language < out[j].Language
	})
	return out
}

// ItemExample is a call that shows a scorecard item done well or missed, with the moment: the item's
// first evidence (its quote and time; At -1 when it has none) and its reason.
type ItemExample struct {
	Call
	Quote, Reason string
	At            float64
}

// ItemExamples are calls that show one scorecard item done well (passed, highest call scores first) and
// badly (failed, lowest first), for coaching.
func (x *Index) ItemExamples(ctx context.Context, item string, f Filter, n int) (best, worst []ItemExample, err error) {
	get := func(status, dir string) ([]ItemExample, error) {
		where, args := f.where()
		if where == "" {
			where = " WHERE 1 = 1"
		}
		return collect(ctx, x.db, x.bind(`SELECT `+callColumns+`, i.quote, i.reason, i.at FROM call_item_results i JOIN call_docs c ON c.id = i.call`+where+
			` AND i.item = ? AND i.status = ? AND c.scored = 1 ORDER BY c.score `+dir+`, c.id LIMIT `+fmt.Sprint(n)), append(args, item, status),
			func(rows *sql.Rows) (e ItemExample, err error) {
				e.Call, err = scanCall(rows, &e.Quote, &e.Reason, &e.At)
				return e, err
			})
	}
	if best, err = get(parley.ItemPass, "DESC"); err != nil {
		return nil, nil, err
	}
	worst, err = get(parley.ItemFail, "ASC")
	return best, worst, err
}

// Override is a reviewer's verdict on one scorecard item of one call.
type Override struct {
	ID, Call, Item, Status, Comment, Reviewer string
	At                                        time.Time
}

// AddOverride stores a reviewer's verdict; earlier ones on the same item stay in the history.
func (x *Index) AddOverride(ctx context.Context, o Override) error {
	if o.At.IsZero() {
		o.At = time.Now()
	}
	if o.ID == "" {
		o.ID = NewID()
	}
	_, err := x.db.ExecContext(ctx, x.bind(`INSERT INTO overrides (id, call, item, status, comment, reviewer, at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		o.ID, o.Call, o.Item, o.Status, o.Comment, o.Reviewer, stamp(o.At))
	return err
}

// Review is a reviewer's mark that they finished reviewing a call.
type Review struct {
	Call, Reviewer string
	At             time.Time
}

// FinishReview marks a call's review finished by a reviewer (again: the time moves on).
func (x *Index) FinishReview(ctx context.Context, r Review) error {
	if r.At.IsZero() {
		r.At = time.Now()
	}
	_, err := x.db.ExecContext(ctx, x.bind(`INSERT INTO call_reviews (call, reviewer, at) VALUES (?, ?, ?)
		ON CONFLICT (call, reviewer) DO UPDATE SET at = excluded.at`), r.Call, r.Reviewer, stamp(r.At))
	return err
}

// Reviews are the finished reviews of a call, earliest first.
func (x *Index) Reviews(ctx context.Context, call string) ([]Review, error) {
	return collect(ctx, x.db, x.bind(`SELECT call, reviewer, at FROM call_reviews WHERE call = ? ORDER BY at, reviewer`), []any{call},
		func(rows *sql.Rows) (r Review, err error) {
			var at string
			err = rows.Scan(&r.Call, &r.Reviewer, &at)
			r.At, _ = time.Parse(stampFormat, at)
			return r, err
		})
}

// Overrides returns a call's overrides, oldest first (the last per item is in force).
func (x *Index) Overrides(ctx context.Context, call string) ([]Override, error) {
	return x.overrides(ctx, ` WHERE call = ?`, call)
}

func (x *Index) overrides(ctx context.Context, where string, args ...any) ([]Override, error) {
	return collect(ctx, x.db, x.bind(`SELECT id, call, item, status, comment, reviewer, at FROM overrides`+where+` ORDER BY at, id`), args,
		func(rows *sql.Rows) (o Override, err error) {
			var at string
			err = rows.Scan(&o.ID, &o.Call, &o.Item, &o.Status, &o.Comment, &o.Reviewer, &at)
			o.At, _ = time.Parse(stampFormat, at)
			return o, err
		})
}

// LatestOverrides are the overrides in force — the latest per call and item — with the calls' ids as
// their documents give them, sorted by call and item: what `parley report --overrides` and
// `parley eval labels` read.
func (x *Index) LatestOverrides(ctx context.Context) ([]team.Override, error) {
	all, err := x.overrides(ctx, "")
	if err != nil {
		return nil, err
	}
	latest := map[[2]string]Override{}
	for _, o := range all {
		latest[[2]string{o.Call, o.Item}] = o
	}
	names := map[string]string{}
	rows, err := x.db.QueryContext(ctx, `SELECT id, call_id FROM call_docs WHERE id IN (SELECT call FROM overrides)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, callID string
		if err := rows.Scan(&id, &callID); err != nil {
			return nil, err
		}
		names[id] = callID
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var ov []team.Override
	for k, o := range latest {
		ov = append(ov, team.Override{CallID: names[k[0]], Item: o.Item, Status: o.Status, Reviewer: o.Reviewer, Note: o.Comment})
	}
	sort.Slice(ov, func(i, j int) bool { return ov[i].CallID+"\x00"+ov[i].Item < ov[j].CallID+"\x00"+ov[j].Item })
	return ov, nil
}

// ReviewedItem is a reviewer's result in force (the latest override of a call's item) beside the
// automatic one, with the call and the item as the review app names them.
type ReviewedItem struct {
	Call, CallID, Item, Label, Auto, Status, Reviewer, Comment string
	At                                                         time.Time
	// Agent and AgentName are the call's agent (AgentOf; both "" when its metadata names none).
	Agent, AgentName string
}

// ReviewedItems are the reviewers' results in force on calls still in the index, by call and item.
func (x *Index) ReviewedItems(ctx context.Context) ([]ReviewedItem, error) {
	all, err := collect(ctx, x.db, x.bind(`SELECT o.call, c.call_id, o.item, r.label, r.auto_status, o.status, o.reviewer, o.comment, o.at, c.agent, c.agent_name
		FROM overrides o JOIN call_docs c ON c.id = o.call JOIN call_item_results r ON r.call = o.call AND r.item = o.item
		ORDER BY o.at, o.id`), nil,
		func(rows *sql.Rows) (ri ReviewedItem, err error) {
			var at string
			err = rows.Scan(&ri.Call, &ri.CallID, &ri.Item, &ri.Label, &ri.Auto, &ri.Status, &ri.Reviewer, &ri.Comment, &at, &ri.Agent, &ri.AgentName)
			ri.At, _ = time.Parse(stampFormat, at)
			return ri, err
		})
	if err != nil {
		return nil, err
	}
	latest := map[[2]string]int{}
	var out []ReviewedItem
	for _, ri := range all {
		k := [2]string{ri.Call, ri.Item}
		if i, ok := latest[k]; ok {
			out[i] = ri
			continue
		}
		latest[k] = len(out)
		out = append(out, ri)
	}
	slices.SortFunc(out, func(a, b ReviewedItem) int {
		return cmp.Or(cmp.Compare(a.Item, b.Item), cmp.Compare(a.CallID, b.CallID))
	})
	return out, nil
}

// Collection is a coach's set of clips, shared by its link.
type Collection struct {
	ID, Name, Owner string
	CreatedAt       time.Time
	Clips           []Clip
}

// Clip is a stretch of a call with a note.
type Clip struct {
	ID, Collection, Call string
	CallID               string // the call's name, for display
	Start, End           float64
	Note, AddedBy        string
	CreatedAt            time.Time
}

// CreateCollection makes an empty collection and returns its id.
func (x *Index) CreateCollection(ctx context.Context, name, owner string) (string, error) {
	id := NewID()
	_, err := x.db.ExecContext(ctx, x.bind(`INSERT INTO collections (id, name, owner, created_at) VALUES (?, ?, ?, ?)`), id, name, owner, fmtTime(time.Now()))
	return id, err
}

// AddClip adds a clip to a collection.
func (x *Index) AddClip(ctx context.Context, c Clip) error {
	_, err := x.db.ExecContext(ctx, x.bind(`INSERT INTO clips (id, collection, call, start, end_s, note, added_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		NewID(), c.Collection, c.Call, c.Start, c.End, c.Note, c.AddedBy, stamp(time.Now()))
	return err
}

// Collections lists collections, newest first.
func (x *Index) Collections(ctx context.Context) ([]Collection, error) {
	return collect(ctx, x.db, `SELECT id, name, owner, created_at FROM collections ORDER BY created_at DESC, id`, nil,
		func(rows *sql.Rows) (c Collection, err error) {
			var at string
			err = rows.Scan(&c.ID, &c.Name, &c.Owner, &at)
			c.CreatedAt = parseTime(at)
			return c, err
		})
}

// Collection returns a collection with its clips.
func (x *Index) Collection(ctx context.Context, id string) (Collection, bool, error) {
	var c Collection
	var at string
	err := x.db.QueryRowContext(ctx, x.bind(`SELECT id, name, owner, created_at FROM collections WHERE id = ?`), id).Scan(&c.ID, &c.Name, &c.Owner, &at)
	if err == sql.ErrNoRows {
		return c, false, nil
	}
	if err != nil {
		return c, false, err
	}
	c.CreatedAt = parseTime(at)
	c.Clips, err = collect(ctx, x.db, x.bind(`SELECT k.id, k.call, COALESCE(d.call_id, ''), k.start, k.end_s, k.note, k.added_by, k.created_at
		FROM clips k LEFT JOIN call_docs d ON d.id = k.call WHERE k.collection = ? ORDER BY k.created_at, k.id`), []any{id},
		func(rows *sql.Rows) (k Clip, err error) {
			k.Collection = id
			var at string
			err = rows.Scan(&k.ID, &k.Call, &k.CallID, &k.Start, &k.End, &k.Note, &k.AddedBy, &at)
			k.CreatedAt, _ = time.Parse(stampFormat, at)
			return k, err
		})
	if err != nil {
		return c, false, err
	}
	return c, true, nil
}

// Failures lists recordings whose processing failed, newest first.
func (x *Index) Failures(ctx context.Context, limit int) ([]Row, error) {
	return x.query(ctx, fmt.Sprintf(`WHERE status = 'failed' ORDER BY processed_at DESC LIMIT %d`, limit))
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }
