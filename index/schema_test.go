package index

import (
	"context"
	"path/filepath"
	"testing"
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
