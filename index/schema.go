package index

// statement is one step of the schema in each database's spelling; an empty spelling is skipped. A
// statement with add instead adds a column to a table written before the column existed.
type statement struct {
	sqlite, postgres string
	add              *column
}

// column is a column added to an existing table: name and its definition.
type column struct{ table, name, def string }

// addColumn adds a column to indexes written before it existed (both databases; SQLite has no ADD
// COLUMN IF NOT EXISTS, so migrate asks first).
func addColumn(table, name, def string) statement { return statement{add: &column{table, name, def}} }

// same is a statement both databases accept as written.
func same(q string) statement { return statement{sqlite: q, postgres: q} }

// schema is applied in order by Open. Times are RFC 3339 UTC text in both databases, so that they sort
// and compare as strings; booleans are 0/1 integers.
var schema = []statement{
	// One row per processed recording version: what workers did (status, error), for enqueue and ops.
	same(`CREATE TABLE IF NOT EXISTS calls (
		bucket TEXT NOT NULL, key TEXT NOT NULL, etag TEXT NOT NULL,
		status TEXT NOT NULL, error_code TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '',
		call_id TEXT NOT NULL DEFAULT '', duration_s DOUBLE PRECISION NOT NULL DEFAULT 0, score DOUBLE PRECISION NOT NULL DEFAULT 0,
		intent TEXT NOT NULL DEFAULT '', result_key TEXT NOT NULL DEFAULT '',
		processed_at TEXT NOT NULL, worker TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (bucket, key, etag))`),
	same(`CREATE INDEX IF NOT EXISTS calls_status ON calls (status, processed_at)`),

	// The review app's view of every analysed call: one row per recording (its latest analysis), the
	// columns the calls list filters and sorts by, and where the call document and the audio are.
	same(`CREATE TABLE IF NOT EXISTS call_docs (
		id TEXT PRIMARY KEY, call_id TEXT NOT NULL, source TEXT NOT NULL, doc TEXT NOT NULL,
		started_at TEXT, agent TEXT NOT NULL DEFAULT '', agent_name TEXT NOT NULL DEFAULT '',
		team TEXT NOT NULL DEFAULT '', queue TEXT NOT NULL DEFAULT '',
		duration_s DOUBLE PRECISION NOT NULL DEFAULT 0, scored INTEGER NOT NULL DEFAULT 0,
		score DOUBLE PRECISION NOT NULL DEFAULT 0, auto_failed INTEGER NOT NULL DEFAULT 0,
		intent TEXT NOT NULL DEFAULT '', sentiment DOUBLE PRECISION NOT NULL DEFAULT 0, sentiment_label TEXT NOT NULL DEFAULT '',
		alerts TEXT NOT NULL DEFAULT '', redacted INTEGER NOT NULL DEFAULT 0, indexed_at TEXT NOT NULL)`),
	// One index per sort column of the calls list, and per filter column with the default order, each
	// ending in the id so that a page is read off the index without sorting.
	same(`CREATE INDEX IF NOT EXISTS call_docs_started ON call_docs (started_at, id)`),
	same(`CREATE INDEX IF NOT EXISTS call_docs_agent ON call_docs (agent, started_at, id)`),
	same(`CREATE INDEX IF NOT EXISTS call_docs_team ON call_docs (team, started_at, id)`),
	same(`CREATE INDEX IF NOT EXISTS call_docs_queue ON call_docs (queue, started_at, id)`),
	same(`CREATE INDEX IF NOT EXISTS call_docs_intent ON call_docs (intent, started_at, id)`),
	// Score ranges filter on (score, id); the list sorts scored calls before unscored ones in both
	// directions: (scored, score, id) read backwards for highest first, (scored DESC, score, id) forwards
	// for lowest first (QA's worst-first default).
	same(`CREATE INDEX IF NOT EXISTS call_docs_score ON call_docs (score, id)`),
	same(`CREATE INDEX IF NOT EXISTS call_docs_scored_desc ON call_docs (scored, score, id)`),
	same(`CREATE INDEX IF NOT EXISTS call_docs_scored_asc ON call_docs (scored DESC, score, id)`),
	same(`CREATE INDEX IF NOT EXISTS call_docs_call_id ON call_docs (call_id, id)`),
	same(`CREATE INDEX IF NOT EXISTS call_docs_agent_name ON call_docs (agent_name, id)`),
	same(`CREATE INDEX IF NOT EXISTS call_docs_duration ON call_docs (duration_s, id)`),
	same(`CREATE INDEX IF NOT EXISTS call_docs_sentiment ON call_docs (sentiment, id)`),
	same(`CREATE INDEX IF NOT EXISTS call_docs_source ON call_docs (source)`),
	// started_at is the call's time: its metadata's, else its recording's (time_from "recording"), so
	// that calls without metadata still sort and filter by date.
	addColumn("call_docs", "time_from", "TEXT NOT NULL DEFAULT ''"),
	// The call's summary, a line per row, for the list's hover and the CSV.
	addColumn("call_docs", "summary", "TEXT NOT NULL DEFAULT ''"),
	// The call's language and every speaker's, space-delimited with a space on each side (" en es ").
	addColumn("call_docs", "language", "TEXT NOT NULL DEFAULT ''"),
	addColumn("call_docs", "languages", "TEXT NOT NULL DEFAULT ''"),
	// The share of the call's recognised words heard unsurely (calldoc.HeardUnsurely), -1 when its words
	// are not known (an imported transcript, or a call indexed before the column).
	addColumn("call_docs", "unsure", "DOUBLE PRECISION NOT NULL DEFAULT -1"),
	// The same of the agent's words alone (calldoc.HeardUnsurelyOf): how surely the agent was heard.
	addColumn("call_docs", "agent_unsure", "DOUBLE PRECISION NOT NULL DEFAULT -1"),
	// Each call's scorecard items: the result in force (a reviewer's where one decided) and the
	// automatic one, which calibration compares it with; the first evidence's quote and moment and the
	// reason, for the library's examples.
	same(`CREATE TABLE IF NOT EXISTS call_item_results (
		call TEXT NOT NULL, item TEXT NOT NULL, label TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
		auto_status TEXT NOT NULL, quote TEXT NOT NULL DEFAULT '', at DOUBLE PRECISION NOT NULL DEFAULT -1,
		reason TEXT NOT NULL DEFAULT '', PRIMARY KEY (call, item))`),
	same(`CREATE INDEX IF NOT EXISTS call_item_results_item ON call_item_results (item, status)`),
	// Indexes written before reviewers' results counted kept only the automatic result (call_items):
	// moved over once, then emptied.
	same(`CREATE TABLE IF NOT EXISTS call_items (
		call TEXT NOT NULL, item TEXT NOT NULL, label TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
		PRIMARY KEY (call, item))`),
	same(`INSERT INTO call_item_results (call, item, label, status, auto_status)
		SELECT call, item, label, status, status FROM call_items WHERE true ON CONFLICT (call, item) DO NOTHING`),
	same(`DELETE FROM call_items`),
	// The agents and scorecard items seen, for the drop-downs (kept apart: listing them from the calls
	// would read every call).
	same(`CREATE TABLE IF NOT EXISTS agents (agent TEXT PRIMARY KEY, name TEXT NOT NULL, team TEXT NOT NULL DEFAULT '')`),
	same(`CREATE TABLE IF NOT EXISTS items (item TEXT PRIMARY KEY, label TEXT NOT NULL)`),
	same(`CREATE TABLE IF NOT EXISTS call_phrases (phrase TEXT NOT NULL, call TEXT NOT NULL, PRIMARY KEY (phrase, call))`),
	same(`CREATE INDEX IF NOT EXISTS call_phrases_call ON call_phrases (call)`),

	// Transcript turns for full-text search: FTS5 with the Porter stemmer in SQLite, a generated
	// tsvector with a GIN index in PostgreSQL.
	{sqlite: `CREATE TABLE IF NOT EXISTS turns (id INTEGER PRIMARY KEY, call TEXT NOT NULL, turn INTEGER NOT NULL,
		speaker TEXT NOT NULL, start DOUBLE PRECISION NOT NULL, text TEXT NOT NULL)`,
		postgres: `CREATE TABLE IF NOT EXISTS turns (id BIGSERIAL PRIMARY KEY, call TEXT NOT NULL, turn INTEGER NOT NULL,
		speaker TEXT NOT NULL, start DOUBLE PRECISION NOT NULL, text TEXT NOT NULL,
		tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED)`},
	same(`CREATE INDEX IF NOT EXISTS turns_call ON turns (call)`),
	// What one-time data migrations have run (respaceTurns).
	same(`CREATE TABLE IF NOT EXISTS index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`),
	{sqlite: `CREATE VIRTUAL TABLE IF NOT EXISTS turns_fts USING fts5(text, content='turns', content_rowid='id', tokenize='porter unicode61')`,
		postgres: `CREATE INDEX IF NOT EXISTS turns_tsv ON turns USING GIN (tsv)`},

	// Reviewers' verdicts on scorecard items; every override is kept, the latest per item counts.
	same(`CREATE TABLE IF NOT EXISTS overrides (
		id TEXT PRIMARY KEY, call TEXT NOT NULL, item TEXT NOT NULL, status TEXT NOT NULL,
		comment TEXT NOT NULL DEFAULT '', reviewer TEXT NOT NULL, at TEXT NOT NULL)`),
	same(`CREATE INDEX IF NOT EXISTS overrides_call ON overrides (call, item, at)`),
	// Reviews marked finished: one row per call and reviewer, when they last marked it.
	same(`CREATE TABLE IF NOT EXISTS call_reviews (
		call TEXT NOT NULL, reviewer TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (call, reviewer))`),

	// Coaching: the scorecard items a coach discussed with an agent, and when (progress is read from then).
	same(`CREATE TABLE IF NOT EXISTS coaching (
		agent TEXT NOT NULL, item TEXT NOT NULL, coach TEXT NOT NULL, at TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (agent, item, at))`),

	// People and access.
	same(`CREATE TABLE IF NOT EXISTS users (
		name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL,
		agent TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0)`),
	same(`CREATE TABLE IF NOT EXISTS sessions (
		token_hash TEXT PRIMARY KEY, name TEXT NOT NULL, csrf TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL)`),
	same(`CREATE TABLE IF NOT EXISTS api_tokens (
		token_hash TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, label TEXT NOT NULL DEFAULT '',
		created_at TEXT NOT NULL, last_used TEXT NOT NULL DEFAULT '')`),
	same(`CREATE TABLE IF NOT EXISTS audit (
		id TEXT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
		target TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '')`),
	same(`CREATE INDEX IF NOT EXISTS audit_at ON audit (at)`),

	// Coaches' clip collections; the id is unguessable and is the link that shares it.
	same(`CREATE TABLE IF NOT EXISTS collections (
		id TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL, created_at TEXT NOT NULL)`),
	same(`CREATE TABLE IF NOT EXISTS clips (
		id TEXT PRIMARY KEY, collection TEXT NOT NULL, call TEXT NOT NULL, start DOUBLE PRECISION NOT NULL,
		end_s DOUBLE PRECISION NOT NULL, note TEXT NOT NULL DEFAULT '', added_by TEXT NOT NULL, created_at TEXT NOT NULL)`),
	same(`CREATE INDEX IF NOT EXISTS clips_collection ON clips (collection, created_at)`),
}
