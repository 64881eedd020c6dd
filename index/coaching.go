package index

import (
	"context"
	"database/sql"
	"time"

	"github.com/parley-cc/parley"
)

// Discussed is a scorecard item a coach went through with an agent.
type Discussed struct {
	Agent, Item, Coach, Note string
	At                       time.Time
}

// AddDiscussed records that a coach discussed items with an agent (one row per item).
func (x *Index) AddDiscussed(ctx context.Context, agent, coach, note string, items []string, at time.Time) error {
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, it := range items {
		if _, err := tx.ExecContext(ctx, x.bind(`INSERT INTO coaching (agent, item, coach, at, note) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (agent, item, at) DO NOTHING`), agent, it, coach, stamp(at), note); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// ItemProgress is how an agent did on a discussed item: its pass rate in the weeks before the latest
// discussion and since (of the calls where it applied, by the calls' time), and week by week since.
type ItemProgress struct {
	Discussed
	Label                   string
	Before, After           float64 // pass rates; -1 without calls
	BeforeCalls, AfterCalls int
	Weekly                  []WeekScore // since: Score is the pass rate in percent
	Times                   int         // how many times it was discussed
}

// ProgressWeeksBefore is how many weeks before a discussion the "before" rate reads.
const ProgressWeeksBefore = 4

// Progress lists the items discussed with an agent (latest discussion of each, newest first) with the
// agent's pass rate before and after it.
func (x *Index) Progress(ctx context.Context, agent string) ([]ItemProgress, error) {
	rows, err := x.db.QueryContext(ctx, x.bind(`SELECT item, coach, at, note FROM coaching WHERE agent = ? ORDER BY at DESC`), agent)
	if err != nil {
		return nil, err
	}
	var out []ItemProgress
	seen := map[string]int{}
	for rows.Next() {
		var d Discussed
		var at string
		if err := rows.Scan(&d.Item, &d.Coach, &at, &d.Note); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := seen[d.Item]; ok {
			out[i].Times++
			continue
		}
		d.Agent = agent
		d.At, _ = time.Parse(stampFormat, at)
		seen[d.Item] = len(out)
		out = append(out, ItemProgress{Discussed: d, Times: 1})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	key := agent
	if agent == NoAgent {
		key = ""
	}
	for i := range out {
		p := &out[i]
		p.Before, p.After = -1, -1
		from := p.At.AddDate(0, 0, -7*ProgressWeeksBefore)
		res, err := collect(ctx, x.db, x.bind(`SELECT c.started_at, i.status, i.label FROM call_item_results i JOIN call_docs c ON c.id = i.call
			WHERE c.agent = ? AND i.item = ? AND i.status IN ('pass', 'fail') AND c.started_at >= ? ORDER BY c.started_at`), []any{key, p.Item, fmtTime(from)},
			func(rows *sql.Rows) (r [3]string, err error) { return r, rows.Scan(&r[0], &r[1], &r[2]) })
		if err != nil {
			return nil, err
		}
		var passB, passA int
		weeks := map[string]*WeekScore{}
		var order []string
		for _, r := range res {
			t := parseTime(r[0])
			p.Label = r[2]
			pass := r[1] == "pass"
			if t.Before(p.At) {
				p.BeforeCalls++
				if pass {
					passB++
				}
				continue
			}
			p.AfterCalls++
			if pass {
				passA++
			}
			k := parley.Week(t)
			if weeks[k] == nil {
				weeks[k] = &WeekScore{Week: k}
				order = append(order, k)
			}
			weeks[k].Calls++
			if pass {
				weeks[k].Score++
			}
		}
		if p.BeforeCalls > 0 {
			p.Before = round3(float64(passB) / float64(p.BeforeCalls))
		}
		if p.AfterCalls > 0 {
			p.After = round3(float64(passA) / float64(p.AfterCalls))
		}
		for _, k := range order {
			w := *weeks[k]
			w.Score = round1(100 * w.Score / float64(w.Calls))
			p.Weekly = append(p.Weekly, w)
		}
	}
	return out, nil
}
