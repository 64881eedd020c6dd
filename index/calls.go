package index

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/team"
)

// timeFormat is how times are stored: fixed width, so that text order is time order.
const timeFormat = "2006-01-02T15:04:05Z"

// stampFormat orders events within a second; fixed width too.
const stampFormat = "2006-01-02T15:04:05.000000000Z"

func stamp(t time.Time) string { return t.UTC().Format(stampFormat) }

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}

// CallKey is the review app's id of a call: a hash of where its recording is (s3://bucket/key or a
// path), so that a re-analysed recording keeps its id, its overrides and its clips.
func CallKey(source string) string {
	sum := sha256.Sum256([]byte(source))
	return hex.EncodeToString(sum[:10])
}

// Call is one analysed call as the calls list shows it.
type Call struct {
	ID             string
	CallID         string
	Source         string     // the recording: s3://bucket/key or a local path
	Doc            string     // the call document: s3://bucket/key or a local path
	StartedAt      *time.Time // the call's time: when it started, or when its recording was stored (see TimeFrom)
	TimeFrom       string     // TimeFromRecording when StartedAt is the recording's time, not the metadata's
	Agent          string     // agent id, or the agent's name when the metadata has no id
	AgentName      string
	Team, Queue    string
	DurationS      float64
	Scored         bool
	Score          float64
	AutoFailed     bool
	Intent         string
	Sentiment      float64 // the customer's closing sentiment
	SentimentLabel string  // positive, neutral, negative; "" when unknown
	Alerts         []string
	Summary        []string // the summary's lines as shown (parley.SummaryLine.String)
	Language       string   // the call's language ("" when unknown)
	Languages      []string // every speaker's detected language, the call's first
	Redacted       bool
	Reviews        int // reviewers who marked the call's review finished
	// Unsure is the share of the call's recognised words heard unsurely (calldoc.HeardUnsurely); -1 when
	// its words are not known.
	Unsure float64
}

// TimeFromRecording marks a call whose time is its recording's (the metadata has no started_at).
const TimeFromRecording = "recording"

// NoAgent is the agent key of the calls whose metadata names no agent: their page and their filter.
const NoAgent = "-"

// NoAgentName is how NoAgent is shown.
const NoAgentName = "no agent named"

// AgentOf is the agent a call is filed under: the agent id, else the agent's name.
func AgentOf(m *parley.Metadata) (key, name string) {
	if m == nil {
		return "", ""
	}
	key, name = m.AgentID, m.Agent()
	if key == "" {
		key = name
	}
	return key, name
}

// PutCall indexes an analysed call document (found at docLoc) for the review app: its filterable
// columns, scorecard items, key phrases and transcript turns for full-text search. Indexing the same
// recording again replaces everything it had. It returns the call's id.
func (x *Index) PutCall(ctx context.Context, doc calldoc.CallDoc, docLoc string) (string, error) {
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	id, err := x.putCall(ctx, tx, doc, docLoc)
	if err != nil {
		return "", err
	}
	return id, tx.Commit()
}

// reviewedItems are the reviewers' results in force on a call: the latest override per item.
func (x *Index) reviewedItems(ctx context.Context, tx *sql.Tx, id string) (map[string]parley.ReviewedStatus, error) {
	rows, err := tx.QueryContext(ctx, x.bind(`SELECT item, status, reviewer FROM overrides WHERE call = ? ORDER BY at, id`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]parley.ReviewedStatus{}
	for rows.Next() {
		var item string
		var r parley.ReviewedStatus
		if err := rows.Scan(&item, &r.Status, &r.Reviewer); err != nil {
			return nil, err
		}
		out[item] = r
	}
	return out, rows.Err()
}

// DocAt is a call document and where it is stored.
type DocAt struct {
	Doc calldoc.CallDoc
	Loc string
}

// PutCalls indexes many call documents in one transaction (an import, a backfill).
func (x *Index) PutCalls(ctx context.Context, docs []DocAt) error {
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, d := range docs {
		if _, err := x.putCall(ctx, tx, d.Doc, d.Loc); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (x *Index) putCall(ctx context.Context, tx *sql.Tx, doc calldoc.CallDoc, docLoc string) (string, error) {
	id := CallKey(doc.Source)
	// The reviewers' results in force replace the automatic ones in what the list, the agent pages and
	// the alerts read (the document keeps the automatic score).
	reviewed, err := x.reviewedItems(ctx, tx, id)
	if err != nil {
		return "", err
	}
	if len(reviewed) > 0 {
		doc.Score = doc.Score.Reviewed(reviewed)
	}
	c := Call{ID: id, CallID: doc.CallID, Source: doc.Source, Doc: docLoc, DurationS: doc.DurationS}
	if at, fromRecording := doc.When(); at != nil {
		c.StartedAt = at
		if fromRecording {
			c.TimeFrom = TimeFromRecording
		}
	}
	if m := doc.Metadata; m != nil {
		c.Agent, c.AgentName = AgentOf(m)
		c.Team, c.Queue = m.Team, m.Queue
	}
	if s := doc.Score; s != nil {
		c.Scored, c.Score, c.AutoFailed = s.Scored, s.Score, s.AutoFailed
	}
	c.Language, c.Unsure = doc.Language, -1
	if share, ok := doc.HeardUnsurely(); ok {
		c.Unsure = share
	}
	agentUnsure := -1.0
	if share, ok := doc.HeardUnsurelyOf(parley.RoleAgent); ok {
		agentUnsure = share
	}
	if doc.Language != "" {
		c.Languages = []string{doc.Language}
	}
	for _, l := range doc.Languages {
		if !slices.Contains(c.Languages, l.Language) {
			c.Languages = append(c.Languages, l.Language)
		}
	}
	if a := doc.Analysis; a != nil {
		c.Redacted = a.Redacted
		for _, l := range a.Summary {
			c.Summary = append(c.Summary, strings.ReplaceAll(l.String(), "\n", " "))
		}
		if a.Intent != nil {
			c.Intent = a.Intent.Label
		}
		if a.Sentiment != nil && a.Sentiment.Customer != nil {
			c.Sentiment = a.Sentiment.Customer.End
			c.SentimentLabel = a.Sentiment.Customer.EndState()
		}
	}
	for _, al := range team.CallAlerts(doc, c.Agent, team.AlertRules{}) {
		c.Alerts = append(c.Alerts, al.Rule)
	}
	var started any
	if c.StartedAt != nil {
		started = fmtTime(*c.StartedAt)
	}
	if err := x.deleteCall(ctx, tx, id); err != nil {
		return "", err
	}
	exec := func(q string, args ...any) error {
		_, err := tx.ExecContext(ctx, x.bind(q), args...)
		return err
	}
	alerts := delimited(c.Alerts)
	if err := exec(`INSERT INTO call_docs (id, call_id, source, doc, started_at, time_from, agent, agent_name, team, queue, duration_s, scored, score,
		auto_failed, intent, sentiment, sentiment_label, alerts, summary, language, languages, redacted, unsure, agent_unsure, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, c.CallID, c.Source, c.Doc, started, c.TimeFrom, c.Agent, c.AgentName, c.Team, c.Queue, c.DurationS, b2i(c.Scored), c.Score,
		b2i(c.AutoFailed), c.Intent, c.Sentiment, c.SentimentLabel, alerts, strings.Join(c.Summary, "\n"), c.Language, delimited(c.Languages),
		b2i(c.Redacted), c.Unsure, agentUnsure, fmtTime(time.Now())); err != nil {
		return "", fmt.Errorf("index call %s: %w", doc.CallID, err)
	}
	if c.Agent != "" {
		if err := exec(`INSERT INTO agents (agent, name, team) VALUES (?, ?, ?) ON CONFLICT (agent) DO UPDATE SET name = excluded.name, team = excluded.team`,
			c.Agent, c.AgentName, c.Team); err != nil {
			return "", err
		}
	}
	if s := doc.Score; s != nil {
		for _, it := range s.Items {
			auto := it.Status
			if it.AutoStatus != "" {
				auto = it.AutoStatus
			}
			quote, at := "", -1.0
			if len(it.Evidence) > 0 {
				quote, at = it.Evidence[0].Quote, it.Evidence[0].Start
			}
			if err := exec(`INSERT INTO call_item_results (call, item, label, status, auto_status, quote, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (call, item) DO NOTHING`, id, it.ID, it.Label, it.Status, auto, quote, at, it.Reason); err != nil {
				return "", err
			}
			if err := exec(`INSERT INTO items (item, label) VALUES (?, ?) ON CONFLICT (item) DO UPDATE SET label = excluded.label`, it.ID, it.Label); err != nil {
				return "", err
			}
		}
	}
	if a := doc.Analysis; a != nil {
		for _, p := range a.KeyPhrases {
			if err := exec(`INSERT INTO call_phrases (phrase, call) VALUES (?, ?) ON CONFLICT (phrase, call) DO NOTHING`, phraseKey(p.Text), id); err != nil {
				return "", err
			}
		}
	}
	for i, t := range doc.Turns {
		text := cleanText(t.Text)
		if text == "" {
			continue
		}
		if x.postgres {
			err = exec(`INSERT INTO turns (call, turn, speaker, start, text) VALUES (?, ?, ?, ?, ?)`, id, i, string(t.Speaker), t.Start, text)
		} else {
			var res sql.Result
			res, err = tx.ExecContext(ctx, `INSERT INTO turns (call, turn, speaker, start, text) VALUES (?, ?, ?, ?, ?)`, id, i, string(t.Speaker), t.Start, text)
			if err == nil {
				rowid, _ := res.LastInsertId()
				err = exec(`INSERT INTO turns_fts (rowid, text) VALUES (?, ?)`, rowid, text)
			}
		}
		if err != nil {
			return "", fmt.Errorf("index turns of %s: %w", doc.CallID, err)
		}
	}
	return id, nil
}

// cleanText drops the control characters that search snippets use as highlight markers, and spaces
// out the characters of scripts written without spaces for the full-text index (spaceUnspaced).
func cleanText(s string) string {
	return spaceUnspaced(strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)))
}

// deleteCall removes what a call had in the search tables.
func (x *Index) deleteCall(ctx context.Context, tx *sql.Tx, id string) error {
	if !x.postgres {
		// An external-content FTS5 table forgets a row by being told the text it had.
		if _, err := tx.ExecContext(ctx, `INSERT INTO turns_fts (turns_fts, rowid, text) SELECT 'delete', id, text FROM turns WHERE call = ?`, id); err != nil {
			return err
		}
	}
	for _, q := range []string{`DELETE FROM turns WHERE call = ?`, `DELETE FROM call_item_results WHERE call = ?`,
		`DELETE FROM call_phrases WHERE call = ?`, `DELETE FROM call_docs WHERE id = ?`} {
		if _, err := tx.ExecContext(ctx, x.bind(q), id); err != nil {
			return err
		}
	}
	return nil
}

// delimited stores a list space-delimited with a space on each side, so that one is found with
// LIKE '% value %' (alerts, languages).
func delimited(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return " " + strings.Join(list, " ") + " "
}

func phraseKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// commonPhraseCalls is how many calls a key phrase must be in for the calls list to walk the ordering
// index rather than list the phrase's calls and sort them (measured on 100,000 calls: sorting 25,000
// takes 170 ms, walking for a phrase in none takes 90 ms).
var commonPhraseCalls = 2000

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Filter selects calls. Zero fields do not filter.
type Filter struct {
	From, To           time.Time // started in [From, To)
	Agent, Team, Queue string
	MinScore, MaxScore *float64
	AutoFail           string // "yes", "no" or ""
	Intent             string
	Sentiment          string // the customer's closing sentiment: positive, neutral or negative
	Phrase             string // a key phrase of the call
	Alert              string // auto_fail, intent or negative_end
	Language           string // a language the call or any of its speakers spoke
	// Reviewed: "yes" (a reviewer marked the review finished), "no", or "mine" (Reviewer did).
	Reviewed, Reviewer string
	// ToReview: calls with an item parley left for a reviewer (status review) that no reviewer has
	// decided yet.
	ToReview bool
	// MinUnsure: calls with at least this share (0…1) of their recognised words heard unsurely — the
	// calls to listen to rather than read; nil: any.
	MinUnsure *float64
	// OnlyAgent restricts every query to one agent's calls (an agent's own view); set with Restricted.
	OnlyAgent  string
	Restricted bool
}

// where builds the WHERE clause of a filter over call_docs aliased c.
func (f Filter) where() (string, []any) { return f.whereFor(false) }

// whereFor builds the WHERE clause. With walk, the key-phrase condition is written for a query that
// walks an ordering index and stops at a page's end (EXISTS per call: cheap when the phrase is
// common); without, the phrase's calls are listed first (IN: cheap when it is rare, and for counting).
func (f Filter) whereFor(walk bool) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	if f.Restricted {
		if f.OnlyAgent == "" {
			add("1 = 0") // an agent user linked to no agent id sees no call, not the unassigned ones
		} else {
			add("c.agent = ?", f.OnlyAgent)
		}
	}
	switch f.Reviewed {
	case "yes":
		add("EXISTS (SELECT 1 FROM call_reviews r WHERE r.call = c.id)")
	case "no":
		add("NOT EXISTS (SELECT 1 FROM call_reviews r WHERE r.call = c.id)")
	case "mine":
		add("EXISTS (SELECT 1 FROM call_reviews r WHERE r.call = c.id AND r.reviewer = ?)", f.Reviewer)
	}
	if f.ToReview {
		add(`EXISTS (SELECT 1 FROM call_item_results i WHERE i.call = c.id AND i.status = '` + parley.ItemReview + `'
			AND NOT EXISTS (SELECT 1 FROM overrides o WHERE o.call = i.call AND o.item = i.item))`)
	}
	if f.MinUnsure != nil {
		add("c.unsure >= ?", *f.MinUnsure)
	}
	if !f.From.IsZero() {
		add("c.started_at >= ?", fmtTime(f.From))
	}
	if !f.To.IsZero() {
		add("c.started_at < ?", fmtTime(f.To))
	}
	agent := f.Agent
	if agent == NoAgent {
		add("c.agent = ''")
		agent = ""
	}
	for _, eq := range []struct{ col, v string }{{"agent", agent}, {"team", f.Team}, {"queue", f.Queue}, {"intent", f.Intent}, {"sentiment_label", f.Sentiment}} {
		if eq.v != "" {
			add("c."+eq.col+" = ?", eq.v)
		}
	}
	// The unary + keeps the planner from reading "scored = 1" as the way into the (scored, score)
	// ordering indexes: a score range with another filter (a team) is then found through that filter's
	// index or (score, id), not by walking every scored call (measured: team + score range counted in
	// 5 ms instead of 110 ms on 100,000 calls).
	if f.MinScore != nil {
		add("+c.scored = 1 AND c.score >= ?", *f.MinScore)
	}
	if f.MaxScore != nil {
		add("+c.scored = 1 AND c.score <= ?", *f.MaxScore)
	}
	switch f.AutoFail {
	case "yes":
		add("c.auto_failed = 1")
	case "no":
		add("c.auto_failed = 0")
	}
	if f.Phrase != "" {
		if walk {
			add("EXISTS (SELECT 1 FROM call_phrases p WHERE p.phrase = ? AND p.call = c.id)", phraseKey(f.Phrase))
		} else {
			add("c.id IN (SELECT call FROM call_phrases WHERE phrase = ?)", phraseKey(f.Phrase))
		}
	}
	if f.Alert != "" {
		add("c.alerts LIKE ?", "% "+f.Alert+" %")
	}
	if f.Language != "" {
		add("c.languages LIKE ?", "% "+f.Language+" %")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Sort columns of the calls list.
var sortColumns = map[string]string{
	"started": "c.started_at", "call": "c.call_id", "agent": "c.agent_name", "team": "c.team", "queue": "c.queue",
	"duration": "c.duration_s", "score": "c.score", "intent": "c.intent", "sentiment": "c.sentiment",
}

// Page is a slice of a listing.
type Page struct {
	Sort   string // a key of the sort columns; default started
	Desc   bool
	Limit  int // default 50, at most 1000
	Offset int
}

func (p Page) clause() string {
	col, ok := sortColumns[p.Sort]
	if !ok {
		col = sortColumns["started"]
	}
	dir := " ASC"
	if p.Desc {
		dir = " DESC"
	}
	if col == sortColumns["score"] { // scored calls first either way: an unscored call is not a worst one
		return fmt.Sprintf(" ORDER BY c.scored DESC, %s%s, c.id%s LIMIT %d OFFSET %d", col, dir, dir, p.limit(), max(p.Offset, 0))
	}
	// Calls without the value (no start time) come last either way, in both databases. Newest first
	// (DESC NULLS LAST) is SQLite's natural order of the (column, id) indexes, so no sort is needed.
	return fmt.Sprintf(" ORDER BY %s%s NULLS LAST, c.id%s LIMIT %d OFFSET %d", col, dir, dir, p.limit(), max(p.Offset, 0))
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 50
	case p.Limit > 1000:
		return 1000
	}
	return p.Limit
}

const callColumns = `c.id, c.call_id, c.source, c.doc, c.started_at, c.time_from, c.agent, c.agent_name, c.team, c.queue, c.duration_s, c.scored, c.score,
	c.auto_failed, c.intent, c.sentiment, c.sentiment_label, c.alerts, c.summary, c.language, c.languages, c.redacted,
	(SELECT COUNT(*) FROM call_reviews r WHERE r.call = c.id), c.unsure`

type scanner interface{ Scan(dest ...any) error }

func scanCall(s scanner, extra ...any) (Call, error) {
	var c Call
	var started sql.NullString
	var scored, af, red int
	var alerts, summary, langs string
	err := s.Scan(append([]any{&c.ID, &c.CallID, &c.Source, &c.Doc, &started, &c.TimeFrom, &c.Agent, &c.AgentName, &c.Team, &c.Queue, &c.DurationS,
		&scored, &c.Score, &af, &c.Intent, &c.Sentiment, &c.SentimentLabel, &alerts, &summary, &c.Language, &langs, &red, &c.Reviews, &c.Unsure}, extra...)...)
	c.Languages = strings.Fields(langs)
	if summary != "" {
		c.Summary = strings.Split(summary, "\n")
	}
	if started.Valid {
		t := parseTime(started.String)
		c.StartedAt = &t
	}
	c.Scored, c.AutoFailed, c.Redacted = scored == 1, af == 1, red == 1
	c.Alerts = strings.Fields(alerts)
	return c, err
}

// CountCap bounds how far Calls counts: past it the total is CountCap+1, "more than CountCap". Counting
// a broad filter to the end would cost more than the page itself.
const CountCap = 10000

// ViewSummary is what a filter's calls come to: how many (up to CountCap+1: past it, the first
// CountCap+1 in no particular order are summed), their average score (of those scored), how many
// auto-failed, and how many a reviewer finished.
type ViewSummary struct {
	Calls, Scored, AutoFailed, Reviewed int
	AvgScore                            float64
}

// Summary sums up the calls a filter selects, for the strip above the calls list.
func (x *Index) Summary(ctx context.Context, f Filter) (ViewSummary, error) {
	where, args := f.where()
	var s ViewSummary
	var avg sql.NullFloat64
	err := x.db.QueryRowContext(ctx, x.bind(fmt.Sprintf(`SELECT COUNT(*), COALESCE(SUM(scored), 0), AVG(CASE WHEN scored = 1 THEN score END),
		COALESCE(SUM(auto_failed), 0), COALESCE(SUM(reviewed), 0) FROM (SELECT c.scored, c.score, c.auto_failed,
		CASE WHEN EXISTS (SELECT 1 FROM call_reviews r WHERE r.call = c.id) THEN 1 ELSE 0 END AS reviewed
		FROM call_docs c%s LIMIT %d) v`, where, CountCap+1)), args...).Scan(&s.Calls, &s.Scored, &avg, &s.AutoFailed, &s.Reviewed)
	if err != nil {
		return s, fmt.Errorf("sum up calls: %w", err)
	}
	s.AvgScore = math.Round(avg.Float64*10) / 10
	return s, nil
}

// Calls lists the calls a filter selects, one page, and how many it selects in all (up to CountCap+1).
func (x *Index) Calls(ctx context.Context, f Filter, p Page) ([]Call, int, error) {
	where, args := f.where()
	var total int
	if err := x.db.QueryRowContext(ctx, x.bind(fmt.Sprintf(`SELECT COUNT(*) FROM (SELECT 1 FROM call_docs c%s LIMIT %d) n`, where, CountCap+1)), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count calls: %w", err)
	}
	if f.Phrase != "" {
		var n int
		if err := x.db.QueryRowContext(ctx, x.bind(`SELECT COUNT(*) FROM call_phrases WHERE phrase = ?`), phraseKey(f.Phrase)).Scan(&n); err != nil {
			return nil, 0, err
		}
		where, args = f.whereFor(n >= commonPhraseCalls)
	}
	out, err := collect(ctx, x.db, x.bind(`SELECT `+callColumns+` FROM call_docs c`+where+p.clause()), args,
		func(rows *sql.Rows) (Call, error) { return scanCall(rows) })
	if err != nil {
		return nil, 0, fmt.Errorf("list calls: %w", err)
	}
	if out == nil {
		out = []Call{} // an empty page is [] in the API, not null
	}
	return out, total, nil
}

// EachCall calls fn for every call a filter selects, in page order, without holding them all.
func (x *Index) EachCall(ctx context.Context, f Filter, sort string, desc bool, fn func(Call) error) error {
	for off := 0; ; off += 1000 {
		calls, _, err := x.Calls(ctx, f, Page{Sort: sort, Desc: desc, Limit: 1000, Offset: off})
		if err != nil {
			return err
		}
		for _, c := range calls {
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(calls) < 1000 {
			return nil
		}
	}
}

// Call returns one call by id.
func (x *Index) Call(ctx context.Context, id string) (Call, bool, error) {
	c, err := scanCall(x.db.QueryRowContext(ctx, x.bind(`SELECT `+callColumns+` FROM call_docs c WHERE c.id = ?`), id))
	if err == sql.ErrNoRows {
		return c, false, nil
	}
	return c, err == nil, err
}

// Facets are the values the calls list offers in its drop-downs.
type Facets struct {
	Agents             [][2]string // key, name
	Teams, Queues      []string
	Intents            []string
	Languages          []string
	Items              [][2]string // scorecard item id, label
	Alerts, Sentiments []string
}

// Facets lists the distinct agents, teams, queues, intents and scorecard items in the index.
func (x *Index) Facets(ctx context.Context, f Filter) (Facets, error) {
	var out Facets
	restrict, args := "", []any{}
	if f.Restricted {
		restrict, args = " WHERE agent = ?", []any{f.OnlyAgent}
	}
	restrictDocs := restrict
	list := func(col string) ([]string, error) {
		vals, err := collect(ctx, x.db, x.bind(`SELECT DISTINCT `+col+` FROM call_docs`+restrictDocs+` ORDER BY 1`), args,
			func(rows *sql.Rows) (v string, err error) { return v, rows.Scan(&v) })
		return slices.DeleteFunc(vals, func(v string) bool { return v == "" }), err
	}
	var err error
	if out.Teams, err = list("team"); err != nil {
		return out, err
	}
	if out.Queues, err = list("queue"); err != nil {
		return out, err
	}
	if out.Intents, err = list("intent"); err != nil {
		return out, err
	}
	langs, err := list("languages")
	if err != nil {
		return out, err
	}
	for _, ls := range langs {
		for _, l := range strings.Fields(ls) {
			if !slices.Contains(out.Languages, l) {
				out.Languages = append(out.Languages, l)
			}
		}
	}
	slices.Sort(out.Languages)
	pairs := func(q string, args ...any) ([][2]string, error) {
		vals, err := collect(ctx, x.db, x.bind(q), args,
			func(rows *sql.Rows) (v [2]string, err error) { return v, rows.Scan(&v[0], &v[1]) })
		return slices.DeleteFunc(vals, func(v [2]string) bool { return v[0] == "" }), err
	}
	if out.Agents, err = pairs(`SELECT agent, name FROM agents`+restrict+` ORDER BY 2`, args...); err != nil {
		return out, err
	}
	if !f.Restricted {
		none, err := x.HasCalls(ctx, NoAgent)
		if err != nil {
			return out, err
		}
		if none {
			out.Agents = append(out.Agents, [2]string{NoAgent, NoAgentName})
		}
	}
	if out.Items, err = pairs(`SELECT item, label FROM items ORDER BY 1`); err != nil {
		return out, err
	}
	out.Alerts = []string{"auto_fail", "intent", "negative_end"}
	out.Sentiments = []string{"positive", "neutral", "negative"}
	return out, nil
}

// CallTimes lists when the calls of [from, to) started (their time as the list dates them: the
// metadata's start, else the recording's), and their mean length in seconds, for the staffing forecast.
func (x *Index) CallTimes(ctx context.Context, from, to time.Time) ([]time.Time, float64, error) {
	rows, err := x.db.QueryContext(ctx, x.bind(`SELECT started_at, duration_s FROM call_docs WHERE started_at >= ? AND started_at < ?`), fmtTime(from), fmtTime(to))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []time.Time
	var sum float64
	for rows.Next() {
		var at string
		var d float64
		if err := rows.Scan(&at, &d); err != nil {
			return nil, 0, err
		}
		out = append(out, parseTime(at))
		sum += d
	}
	if len(out) == 0 {
		return nil, 0, rows.Err()
	}
	return out, sum / float64(len(out)), rows.Err()
}
