// Package index is the results database: one row per processed recording (bucket, key, ETag), which
// enqueue, reports, rescoring and the web UI read. By default it is embedded SQLite (modernc.org/sqlite,
// pure Go), opened in WAL mode so the worker processes of one machine can share the file; with a
// postgres:// URL it is PostgreSQL (pgx), for workers on many machines.
package index

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// Row is one processed recording.
type Row struct {
	Bucket, Key, ETag string
	Status            string // ok or failed
	ErrorCode, Error  string
	CallID            string
	DurationS         float64
	Score             float64
	Intent            string
	ResultKey         string
	ProcessedAt       time.Time
	Worker            string
}

// Index is an open results database.
type Index struct {
	db       *sql.DB
	postgres bool
}

// Open opens (creating the table if needed) the database: a postgres:// or postgresql:// URL, or
// else the path of an SQLite file.
func Open(dsn string) (*Index, error) {
	x := &Index{}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		x.postgres = true
		x.db, err = sql.Open("pgx", dsn)
	} else {
		x.db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
	}
	if err != nil {
		return nil, fmt.Errorf("results index: %w", err)
	}
	if err := x.migrate(); err != nil {
		x.db.Close()
		return nil, fmt.Errorf("results index: %w", err)
	}
	if err := x.respaceTurns(); err != nil {
		x.db.Close()
		return nil, fmt.Errorf("results index: search text: %w", err)
	}
	return x, nil
}

// respaceTurns gives the turns indexed before the search spaced out the scripts written without
// spaces (spaceUnspaced) their spaced text, once per index: such a turn has two such letters side by
// side, which a spaced one never has, so a second pass (another process opening the index at the same
// time) finds nothing to do, and each turn is rewritten only while it still holds the old text.
func (x *Index) respaceTurns() error {
	var done int
	if err := x.db.QueryRow(x.bind(`SELECT COUNT(*) FROM index_meta WHERE key = ?`), "turns_spaced").Scan(&done); err != nil || done > 0 {
		return err
	}
	tx, err := x.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.Query(`SELECT id, text FROM turns`)
	if err != nil {
		return err
	}
	type turn struct {
		id   int64
		text string
	}
	var old []turn
	for rows.Next() {
		var t turn
		if err := rows.Scan(&t.id, &t.text); err != nil {
			rows.Close()
			return err
		}
		if unspacedPair(t.text) {
			old = append(old, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range old {
		text := spaceUnspaced(t.text)
		res, err := tx.Exec(x.bind(`UPDATE turns SET text = ? WHERE id = ? AND text = ?`), text, t.id, t.text)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || x.postgres { // PostgreSQL's tsv follows the text
			continue
		}
		if _, err := tx.Exec(`INSERT INTO turns_fts (turns_fts, rowid, text) VALUES ('delete', ?, ?)`, t.id, t.text); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO turns_fts (rowid, text) VALUES (?, ?)`, t.id, text); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(x.bind(`INSERT INTO index_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`), "turns_spaced", "1"); err != nil {
		return err
	}
	return tx.Commit()
}

// migrate creates the tables that do not exist yet. Every statement is idempotent; the few that differ
// between the databases (full-text search, generated keys) come in two spellings.
func (x *Index) migrate() error {
	for _, st := range schema {
		if c := st.add; c != nil {
			if err := x.addColumn(*c); err != nil {
				return fmt.Errorf("add %s.%s: %w", c.table, c.name, err)
			}
			continue
		}
		q := st.sqlite
		if x.postgres {
			q = st.postgres
		}
		if q == "" {
			continue
		}
		if _, err := x.db.Exec(q); err != nil {
			return fmt.Errorf("%.60s…: %w", strings.TrimSpace(q), err)
		}
	}
	return nil
}

// addColumn adds a column unless the table has it.
func (x *Index) addColumn(c column) error {
	q := `SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?`
	if x.postgres {
		q = `SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`
	}
	var n int
	if err := x.db.QueryRow(q, c.table, c.name).Scan(&n); err != nil || n > 0 {
		return err
	}
	_, err := x.db.Exec(`ALTER TABLE ` + c.table + ` ADD COLUMN ` + c.name + ` ` + c.def)
	return err
}

// bind writes placeholders the way the database wants them: ? for SQLite, $1, $2… for PostgreSQL.
func (x *Index) bind(q string) string {
	if !x.postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Ping checks that the database answers a query.
func (x *Index) Ping(ctx context.Context) error {
	var one int
	return x.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close closes the database.
func (x *Index) Close() error { return x.db.Close() }

// Record stores the outcome for a recording version; a later outcome for the same version replaces it
// (a retried or rescored call keeps one row).
func (x *Index) Record(ctx context.Context, r Row) error {
	return x.RecordAll(ctx, func(yield func(Row) bool) { yield(r) })
}

// RecordAll stores many outcomes in one transaction, as Record does each.
func (x *Index) RecordAll(ctx context.Context, rows iter.Seq[Row]) error {
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	for r := range rows {
		if r.ProcessedAt.IsZero() {
			r.ProcessedAt = now
		}
		_, err := tx.ExecContext(ctx, x.bind(`INSERT INTO calls (bucket, key, etag, status, error_code, error, call_id, duration_s, score, intent, result_key, processed_at, worker)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (bucket, key, etag) DO UPDATE SET status=excluded.status, error_code=excluded.error_code, error=excluded.error,
		call_id=excluded.call_id, duration_s=excluded.duration_s, score=excluded.score, intent=excluded.intent,
		result_key=excluded.result_key, processed_at=excluded.processed_at, worker=excluded.worker`),
			r.Bucket, r.Key, r.ETag, r.Status, r.ErrorCode, r.Error, r.CallID, r.DurationS, r.Score, r.Intent, r.ResultKey,
			stamp(r.ProcessedAt), r.Worker)
		if err != nil {
			return fmt.Errorf("record %s/%s: %w", r.Bucket, r.Key, err)
		}
	}
	return tx.Commit()
}

// Get returns the row of a recording version, if any.
func (x *Index) Get(ctx context.Context, bucket, key, etag string) (Row, bool, error) {
	rows, err := x.query(ctx, `WHERE bucket = ? AND key = ? AND etag = ?`, bucket, key, etag)
	if err != nil || len(rows) == 0 {
		return Row{}, false, err
	}
	return rows[0], true, nil
}

// Processed returns the recording versions under a bucket's prefix that were processed (analysed, or
// failed for a reason no retry fixes), as key → ETags, in one query: enqueue and the scheduler consult it
// so that a recording already processed is never queued again, however long Redis keeps its finished
// tasks. A changed recording has a new ETag and is processed again.
func (x *Index) Processed(ctx context.Context, bucket, prefix string) (map[string][]string, error) {
	rows, err := x.db.QueryContext(ctx, x.bind(`SELECT key, etag FROM calls WHERE bucket = ? AND status IN ('ok', 'failed') AND substr(key, 1, ?) = ?`), bucket, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("processed recordings: %w", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var k, e string
		if err := rows.Scan(&k, &e); err != nil {
			return nil, err
		}
		out[k] = append(out[k], e)
	}
	return out, rows.Err()
}

// All returns every row, oldest first.
func (x *Index) All(ctx context.Context) ([]Row, error) { return x.query(ctx, `ORDER BY processed_at`) }

func (x *Index) query(ctx context.Context, where string, args ...any) ([]Row, error) {
	return collect(ctx, x.db, x.bind(`SELECT bucket, key, etag, status, error_code, error, call_id, duration_s, score, intent, result_key, processed_at, worker FROM calls `+where), args,
		func(rs *sql.Rows) (r Row, err error) {
			var at string
			err = rs.Scan(&r.Bucket, &r.Key, &r.ETag, &r.Status, &r.ErrorCode, &r.Error, &r.CallID, &r.DurationS, &r.Score, &r.Intent, &r.ResultKey, &at, &r.Worker)
			r.ProcessedAt, _ = time.Parse(time.RFC3339Nano, at)
			return r, err
		})
}

// collect runs a query and returns its rows, each turned into a T by scan (nil when there are none).
func collect[T any](ctx context.Context, db *sql.DB, query string, args []any, scan func(*sql.Rows) (T, error)) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
