package index

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/parley-cc/parley/internal/testenv"
)

func TestIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	x, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	ctx := context.Background()
	if err := x.Record(ctx, Row{Bucket: "b", Key: "k.wav", ETag: "e1", Status: "failed", ErrorCode: "io_error"}); err != nil {
		t.Fatal(err)
	}
	// A retry that succeeds replaces the row of the same version; a new version is a new row.
	x.Record(ctx, Row{Bucket: "b", Key: "k.wav", ETag: "e1", Status: "ok", Score: 80, Intent: "billing_dispute"})
	x.Record(ctx, Row{Bucket: "b", Key: "k.wav", ETag: "e2", Status: "ok"})
	r, ok, err := x.Get(ctx, "b", "k.wav", "e1")
	if err != nil || !ok || r.Status != "ok" || r.Score != 80 || r.ErrorCode != "" || r.ProcessedAt.IsZero() {
		t.Errorf("get: %+v %v %v", r, ok, err)
	}
	if _, ok, _ := x.Get(ctx, "b", "other", "e1"); ok {
		t.Error("found a row that was never recorded")
	}
	// Two processes (here: two handles) writing at once, as two workers on one machine do.
	y, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	var wg sync.WaitGroup
	for i, db := range []*Index{x, y} {
		wg.Go(func() {
			for j := range 50 {
				if err := db.Record(ctx, Row{Bucket: "b", Key: filepath.Join("p", string(rune('a'+i)), string(rune('a'+j%26)), string(rune('a'+j/26))), ETag: "e", Status: "ok"}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	all, err := x.All(ctx)
	if err != nil || len(all) != 102 {
		t.Errorf("%d rows, %v", len(all), err)
	}
}

func TestIndexPostgres(t *testing.T) {
	_, url := testenv.StartPostgres(t)
	x, err := Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	ctx := context.Background()
	for _, r := range []Row{{Bucket: "b", Key: "k.wav", ETag: "e1", Status: "failed"}, {Bucket: "b", Key: "k.wav", ETag: "e1", Status: "ok", Score: 70.5}} {
		if err := x.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	r, ok, err := x.Get(ctx, "b", "k.wav", "e1")
	if err != nil || !ok || r.Status != "ok" || r.Score != 70.5 {
		t.Errorf("%+v %v %v", r, ok, err)
	}
	if all, err := x.All(ctx); err != nil || len(all) != 1 {
		t.Errorf("%d rows %v", len(all), err)
	}
}
