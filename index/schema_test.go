package index

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/parley-cc/parley/internal/testenv"
)

// An index written before reviewers' results counted kept items in call_items: opening it moves them
// into call_item_results once (the automatic result is the result in force), and empties call_items.
func TestItemsMovedOver(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	x, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.db.ExecContext(ctx, `INSERT INTO call_items (call, item, label, status) VALUES ('c1', 'greeting', 'Greeting', 'fail')`); err != nil {
		t.Fatal(err)
	}
	x.Close()
	if x, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var status, auto string
	if err := x.db.QueryRowContext(ctx, `SELECT status, auto_status FROM call_item_results WHERE call = 'c1' AND item = 'greeting'`).Scan(&status, &auto); err != nil || status != "fail" || auto != "fail" {
		t.Errorf("moved over: %q %q %v", status, auto, err)
	}
	var n int
	if err := x.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM call_items`).Scan(&n); err != nil || n != 0 {
		t.Errorf("call_items still has %d rows (%v)", n, err)
	}
}

// An index written before calls were dated by their recordings has no time_from column: opening it
// adds the column once (and again is a no-op), and its rows read as dated by their metadata.
func TestTimeFromAdded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	x, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER TABLE call_docs DROP COLUMN time_from`,
		`INSERT INTO call_docs (id, call_id, source, doc, started_at, indexed_at) VALUES ('c1', 'c1', 'a.wav', 'a.json', '2026-11-02T09:15:00Z', '2026-11-03T00:00:00Z')`} {
		if _, err := x.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	x.Close()
	for range 2 {
		if x, err = Open(path); err != nil {
			t.Fatal(err)
		}
		c, ok, err := x.Call(ctx, "c1")
		if err != nil || !ok || c.TimeFrom != "" || c.StartedAt == nil {
			t.Errorf("old row: %+v %v %v", c, ok, err)
		}
		x.Close()
	}
}

// An index written before the search spaced out Chinese, Japanese and Korean letters: opening it
// rewrites those turns once (search then finds their words), and opening it again changes nothing.
func TestTurnsRespaced(t *testing.T) {
	ctx := context.Background()
	_, pg := testenv.StartPostgres(t)
	for name, dsn := range map[string]string{"sqlite": filepath.Join(t.TempDir(), "old.db"), "postgres": pg} {
		t.Run(name, func(t *testing.T) {
			x, err := Open(dsn)
			if err != nil {
				t.Fatal(err)
			}
			old := "我的账号是七二四一九。 Thanks"
			res, err := x.db.ExecContext(ctx, x.bind(`INSERT INTO turns (call, turn, speaker, start, text) VALUES (?, ?, ?, ?, ?)`), "c1", 0, "customer", 1.5, old)
			if err != nil {
				t.Fatal(err)
			}
			if !x.postgres {
				id, _ := res.LastInsertId()
				if _, err := x.db.ExecContext(ctx, `INSERT INTO turns_fts (rowid, text) VALUES (?, ?)`, id, old); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := x.db.ExecContext(ctx, `DELETE FROM index_meta`); err != nil {
				t.Fatal(err)
			}
			x.Close()
			found := func() (string, int) {
				x, err := Open(dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer x.Close()
				var text string
				var n int
				if err := x.db.QueryRowContext(ctx, `SELECT text FROM turns WHERE call = 'c1'`).Scan(&text); err != nil {
					t.Fatal(err)
				}
				q := `SELECT COUNT(*) FROM turns_fts WHERE turns_fts MATCH '"账 号"'`
				if x.postgres {
					q = `SELECT COUNT(*) FROM turns WHERE tsv @@ websearch_to_tsquery('english', '"账 号"')`
				}
				if err := x.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return text, n
			}
			text, n := found()
			if text != spaceUnspaced(old) || n != 1 {
				t.Errorf("after opening: %q, %d found", text, n)
			}
			if again, n := found(); again != text || n != 1 {
				t.Errorf("opened again: %q, %d found", again, n)
			}
		})
	}
}
