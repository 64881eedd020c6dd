package jobs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/internal/fixtures"
	"github.com/parley-cc/parley/process"
	"github.com/parley-cc/parley/scoring"
	"github.com/parley-cc/parley/storage"
)

// TestRescoreLocalCalls: calls of parley run (documents on disk, no bucket) are scored again in the
// process with the new scorecard; their JSON, captions and report are rewritten and re-indexed. No
// queue is needed for them.
func TestRescoreLocalCalls(t *testing.T) {
	ctx := context.Background()
	dir, docs := fixtures.Dir(t)
	x, err := index.Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var calls []index.Call
	for _, d := range docs {
		id, err := x.PutCall(ctx, d, filepath.Join(dir, d.CallID+".json"))
		if err != nil {
			t.Fatal(err)
		}
		c, _, _ := x.Call(ctx, id)
		calls = append(calls, c)
	}
	b, err := os.ReadFile(filepath.Join("..", "scoring", "data", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A stricter scorecard: the same items, renamed, so the rescored documents can be told apart.
	strict, err := scoring.Parse([]byte(strings.Replace(string(b), "name: Contact-center QA (default)", "name: Strict QA", 1)), "strict.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ops := &Ops{Redis: asynq.RedisClientOpt{Addr: "127.0.0.1:1"}, Locations: &storage.Locations{}, Index: x, Stages: process.Stages{Scorecard: strict}}
	defer ops.Close()
	got, err := ops.Rescore(ctx, calls)
	if err != nil || got.Local != 4 || got.Queued != 0 || len(got.Failed) != 0 {
		t.Fatalf("rescore: %+v %v", got, err)
	}
	for _, d := range docs {
		r, err := os.Open(filepath.Join(dir, d.CallID+".json"))
		if err != nil {
			t.Fatal(err)
		}
		after, err := calldoc.Decode(r)
		r.Close()
		if err != nil || after.Score == nil || after.Score.Scorecard != "Strict QA" {
			t.Errorf("%s: %+v %v", d.CallID, after.Score, err)
		}
		if after.Analysis == nil || len(after.Turns) != len(d.Turns) {
			t.Errorf("%s: the analysis and transcript must be kept", d.CallID)
		}
		for _, ext := range []string{".html", ".vtt"} {
			if _, err := os.Stat(filepath.Join(dir, d.CallID+ext)); err != nil {
				t.Errorf("%s%s not written: %v", d.CallID, ext, err)
			}
		}
	}
	// A call whose document is gone is named, the others go on.
	os.Remove(filepath.Join(dir, "cancel-service.json"))
	got, err = ops.Rescore(ctx, calls)
	if err != nil || got.Local != 3 || len(got.Failed) != 1 || !strings.HasPrefix(got.Failed[0], "cancel-service: ") {
		t.Errorf("rescore with a missing document: %+v %v", got, err)
	}
}
