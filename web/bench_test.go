package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/internal/fixtures"
	"github.com/parley-cc/parley/storage"
	"github.com/parley-cc/parley/web"
)

// benchCalls is the size of the index the performance goal is stated for.
var benchCalls = 100000

func init() {
	if n, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_CALLS")); err == nil && n > 0 {
		benchCalls = n
	}
}

// benchIndex builds (once, kept in the temporary directory between runs, keyed by size and by this
// file's generator version) an SQLite index of benchCalls synthetic calls: 200 agents in 8 teams,
// three queues, scores 0–100, three months of start times, and the testdata calls' transcripts
// (7–12 turns each, 1.1 M turns in all for 100,000 calls).
func benchIndex(b *testing.B) *index.Index {
	b.Helper()
	sum := sha256.Sum256([]byte(fmt.Sprintf("v1-%d", benchCalls)))
	path := filepath.Join(os.TempDir(), "parley-bench-index-"+hex.EncodeToString(sum[:6])+".db")
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".building"
		os.Remove(tmp)
		x, err := index.Open(tmp)
		if err != nil {
			b.Fatal(err)
		}
		docs := fixtures.Synthetic(b, benchCalls)
		ctx := context.Background()
		for start := 0; start < len(docs); start += 1000 {
			batch := make([]index.DocAt, 0, 1000)
			for _, d := range docs[start:min(start+1000, len(docs))] {
				batch = append(batch, index.DocAt{Doc: d, Loc: d.Source + ".json"})
			}
			if err := x.PutCalls(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		x.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	x, err := index.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { x.Close() })
	return x
}

// BenchmarkReviewApp100k answers the calls list (filtered, sorted, paged) and full-text searches over
// 100,000 indexed calls through the whole HTTP handler, as a signed-in QA reviewer. The goal is under
// 200 ms per answer.
func BenchmarkReviewApp100k(b *testing.B) {
	x := benchIndex(b)
	ctx := context.Background()
	hash, _ := web.HashPassword("benchmark password")
	x.AddUser(ctx, index.User{Name: "bench-qa", PasswordHash: hash, Role: "qa"})
	tok := web.NewSecret()
	x.AddSession(ctx, index.Session{TokenHash: web.HashSecret(tok), Name: "bench-qa", CSRF: "x", Expires: timeIn(24)})
	srv := httptest.NewServer(web.New(&web.Server{Index: x, Blobs: &storage.Locations{}}))
	defer srv.Close()
	for _, c := range []struct{ name, path string }{
		{"list/qa-default-worst-first", "/calls"},
		{"list/newest", "/calls?sort=started&dir=desc"},
		{"list/page-200", "/calls?page=200"},
		{"list/agent", "/calls?agent=a042"},
		{"list/team+score+by-score", "/calls?team=team-3&min=40&max=80&sort=score&dir=asc"},
		{"list/intent+dates", "/calls?intent=billing_dispute&from=2026-10-01&to=2026-10-31"},
		{"list/auto-fail+sentiment", "/calls?autofail=yes&sentiment=negative"},
		{"list/key-phrase", "/calls?phrase=internet+bill"},
		{"list/rare-key-phrase", "/calls?phrase=zebra+crossing&sort=score"},
		{"list/alert+queue", "/calls?alert=negative_end&queue=sales"},
		{"list/sort-by-agent", "/calls?sort=agent&dir=asc"},
		{"search/common-word", "/library?q=thank"},
		{"search/phrase", "/library?q=%22charged+twice%22"},
		{"search/phrase+customer", "/library?q=%22third+time%22&speaker=customer"},
		{"search/words+agent", "/library?q=technician+tomorrow&agent=a042"},
		{"search/rare-no-hit", "/library?q=zebra"},
		{"search/page-50", "/library?q=account&page=50"},
		{"api/calls+filters", "/api/calls?team=team-1&min=90"},
	} {
		b.Run(c.name, func(b *testing.B) {
			req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
			req.AddCookie(&http.Cookie{Name: "parley_session", Value: tok})
			for b.Loop() {
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("%s: %s", c.path, res.Status)
				}
			}
		})
	}
}

func timeIn(hours int) time.Time { return time.Now().Add(time.Duration(hours) * time.Hour) }
