package web

import (
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/index"
)

// The call header counts an item left for a reviewer apart from the passed, failed and N/A ones.
func TestGlanceCountsReview(t *testing.T) {
	sc := &parley.Score{Scored: true, Items: []parley.ItemResult{
		{ID: "a", Status: parley.ItemPass}, {ID: "b", Status: parley.ItemFail}, {ID: "c", Status: parley.ItemNA}, {ID: "d", Status: parley.ItemReview}}}
	if g := glanceOf(index.Call{}, sc, nil); g.Pass != 1 || g.Fail != 1 || g.NA != 1 || g.Review != 1 {
		t.Errorf("glance %+v", g)
	}
}
