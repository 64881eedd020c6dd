package index

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"
)

// Highlight markers around matched words in search snippets; PutCall strips them from indexed text.
const (
	MarkStart = "\x02"
	MarkEnd   = "\x03"
)

// Hit is a transcript turn that matched a search.
type Hit struct {
	Call    Call
	Turn    int
	Speaker string
	Start   float64
	Snippet string // the turn's text around the matches, matches between MarkStart and MarkEnd
}

// Query is a full-text search: words and "quoted phrases", all of which a turn must contain (by word
// stem), optionally said by one speaker, in calls a filter selects.
type Query struct {
	Text    string
	Speaker string // agent, customer or "" for anyone
	Filter  Filter
}

// terms splits a query into words and quoted phrases, keeping letters, digits and apostrophes. A word
// in a script written without spaces becomes the phrase of its characters, as the index keeps them.
func terms(q string) [][]string {
	sep := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' }
	var out [][]string
	for i, part := range strings.Split(q, `"`) {
		var phrase []string
		for _, w := range strings.FieldsFunc(part, sep) {
			if i%2 == 1 { // inside quotes: one phrase
				phrase = append(phrase, strings.Fields(spaceUnspaced(w))...)
			} else {
				out = append(out, strings.Fields(spaceUnspaced(w)))
			}
		}
		if len(phrase) > 0 {
			out = append(out, phrase)
		}
	}
	return out
}

// Chinese and Japanese are written without spaces, and Korean words carry their particles ("계좌번호는":
// account number + topic marker), and both full-text engines (SQLite's unicode61, PostgreSQL's parser)
// take a run of letters for one word, so "账号" would never find "我的账号是…" nor "계좌번호" "계좌번호는".
// The index keeps a space around every Han, Hiragana, Katakana and Hangul character (spaceUnspaced; a
// space of the text beside one is kept double), a query's word in those scripts is the phrase of its
// characters (terms), and snippets are shown as written (joinUnspaced).
func unspacedRune(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

func spaceUnspaced(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			prev := rs[i-1]
			switch {
			case r == ' ' && (unspacedRune(prev) || i+1 < len(rs) && unspacedRune(rs[i+1])):
				b.WriteByte(' ') // the text's own space beside unspaced letters: kept double
			case r != ' ' && prev != ' ' && (unspacedRune(r) || unspacedRune(prev)):
				b.WriteByte(' ')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unspacedPair tells whether s has two unspaced letters side by side: text indexed before
// spaceUnspaced was.
func unspacedPair(s string) bool {
	prev := false
	for _, r := range s {
		u := unspacedRune(r)
		if u && prev {
			return true
		}
		prev = u
	}
	return false
}

// joinUnspaced undoes spaceUnspaced in a snippet (whose highlight marks may stand beside the spaces): a
// single space beside an unspaced letter goes, a double one is the text's own space.
func joinUnspaced(s string) string {
	rs := []rune(s)
	mark := func(r rune) bool { return string(r) == MarkStart || string(r) == MarkEnd }
	near := func(i, step int) bool {
		for ; i >= 0 && i < len(rs); i += step {
			if !mark(rs[i]) {
				return unspacedRune(rs[i])
			}
		}
		return false
	}
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		if rs[i] != ' ' {
			b.WriteRune(rs[i])
			continue
		}
		n := 1
		for i+n < len(rs) && rs[i+n] == ' ' {
			n++
		}
		if !near(i-1, -1) && !near(i+n, 1) {
			b.WriteString(string(rs[i : i+n]))
		} else if n > 1 {
			b.WriteByte(' ')
		}
		i += n - 1
	}
	return b.String()
}

// ftsQuery writes terms in FTS5's syntax: every word or phrase quoted (so that no user text is read
// as an operator), all of them required.
func ftsQuery(ts [][]string) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = `"` + strings.ReplaceAll(strings.Join(t, " "), `"`, "") + `"`
	}
	return strings.Join(parts, " ")
}

// tsQuery writes terms for PostgreSQL's websearch_to_tsquery.
func tsQuery(ts [][]string) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = strings.Join(t, " ")
		if len(t) > 1 {
			parts[i] = `"` + parts[i] + `"`
		}
	}
	return strings.Join(parts, " ")
}

// Search finds the turns that match a query, newest indexed first, one page at a time; more says
// whether another page follows.
func (x *Index) Search(ctx context.Context, q Query, offset, limit int) (hits []Hit, more bool, err error) {
	ts := terms(q.Text)
	if len(ts) == 0 {
		return nil, false, nil
	}
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	where, args := q.Filter.where()
	if where == "" {
		where = " WHERE 1 = 1"
	}
	var sqlq string
	if x.postgres {
		// ShortWord=0: one-character words (every Chinese character, as indexed) still count towards
		// MinWords, or a Chinese snippet would be the matched characters alone.
		sqlq = `SELECT ` + callColumns + `, t.turn, t.speaker, t.start,
			ts_headline('english', t.text, websearch_to_tsquery('english', ?), 'StartSel=` + MarkStart + `, StopSel=` + MarkEnd + `, MaxWords=24, MinWords=10, ShortWord=0, MaxFragments=2, FragmentDelimiter=" … "')
			FROM turns t JOIN call_docs c ON c.id = t.call` + where + ` AND t.tsv @@ websearch_to_tsquery('english', ?)`
		args = append([]any{tsQuery(ts)}, append(args, tsQuery(ts))...)
	} else {
		sqlq = `SELECT ` + callColumns + `, t.turn, t.speaker, t.start,
			snippet(turns_fts, 0, '` + MarkStart + `', '` + MarkEnd + `', ' … ', 24)
			FROM turns_fts JOIN turns t ON t.id = turns_fts.rowid JOIN call_docs c ON c.id = t.call` + where + ` AND turns_fts MATCH ?`
		args = append(args, ftsQuery(ts))
	}
	if q.Speaker != "" {
		sqlq += ` AND t.speaker = ?`
		args = append(args, q.Speaker)
	}
	// Newest first by the turn's id: FTS5 walks its index in that order and stops at the page's end.
	order := "turns_fts.rowid"
	if x.postgres {
		order = "t.id"
	}
	sqlq += fmt.Sprintf(` ORDER BY %s DESC LIMIT %d OFFSET %d`, order, limit+1, max(offset, 0))
	hits, err = collect(ctx, x.db, x.bind(sqlq), args, func(rows *sql.Rows) (h Hit, err error) {
		h.Call, err = scanCall(rows, &h.Turn, &h.Speaker, &h.Start, &h.Snippet)
		h.Snippet = joinUnspaced(h.Snippet)
		return h, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("search: %w", err)
	}
	if len(hits) > limit {
		return hits[:limit], true, nil
	}
	return hits, false, nil
}
