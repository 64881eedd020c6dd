package tagger

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jdkato/prose/v2"

	"github.com/parley-cc/parley/internal/testenv"
)

// texts reads the text column of the CSV files named.
func texts(t *testing.T, paths ...string) []string {
	t.Helper()
	var out []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		col := slices.Index(rows[0], "text")
		if col < 0 {
			t.Fatalf("%s: no text column", p)
		}
		for _, r := range rows[1:] {
			out = append(out, r[col])
		}
	}
	return out
}

// repeatsARun reports whether text has a run of non-space characters twice: prose's tokenizer caches
// runs and hands every occurrence the same token, so all of them end with the tags of the last
// (TestRepeatedWords); such texts are left out of the comparison.
func repeatsARun(text string) bool {
	seen := map[string]bool{}
	for _, f := range strings.Fields(text) {
		if seen[f] {
			return true
		}
		seen[f] = true
	}
	return false
}

// TestSameAsProse tags the contact-centre sentiment texts and DynaSent's round 1 dev sentences with
// this package and with prose v2.0.0 and requires the same tokens, tags, IOB labels and entities,
// but where this model's scores tie exactly: prose breaks a tie by its map iteration order.
func TestSameAsProse(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(testenv.Root(), "testdata", "sentiment", "*.csv"))
	corpus := texts(t, append(files, filepath.Join(testenv.Shared(), "data", "sentiment", "dynasent-r1-dev.csv"))...)
	doc, err := prose.NewDocument("", prose.WithSegmentation(false))
	if err != nil {
		t.Fatal(err)
	}
	compared, ties, ents := 0, 0, 0
	for _, text := range corpus {
		if repeatsARun(text) {
			continue
		}
		compared++
		want, _ := prose.NewDocument(text, prose.UsingModel(doc.Model), prose.WithSegmentation(false))
		got, entities := m.Tag(text, true)
		wt := want.Tokens()
		if len(wt) != len(got) {
			t.Fatalf("%q: %d tokens, prose %d", text, len(got), len(wt))
		}
		same := true
		for i, w := range wt {
			g := got[i]
			if g.Text != w.Text {
				t.Fatalf("%q: token %d is %q, prose %q", text, i, g.Text, w.Text)
			}
			if g.Tag == w.Tag && g.Label == w.Label {
				continue
			}
			// The first difference must be a tie; what follows it may differ because of it.
			if !tiesAt(m, got, i, g.Tag != w.Tag) {
				t.Errorf("%q: token %q tagged %s/%s, prose %s/%s, without a tie", text, g.Text, g.Tag, g.Label, w.Tag, w.Label)
			}
			same = false
			ties++
			break
		}
		if !same {
			continue
		}
		pe := want.Entities()
		ents += len(pe)
		if len(pe) != len(entities) {
			t.Errorf("%q: entities %v, prose %v", text, entities, pe)
			continue
		}
		for i, e := range pe {
			if entities[i].Text != e.Text || entities[i].Label != e.Label {
				t.Errorf("%q: entity %v, prose %v", text, entities[i], e)
			}
		}
	}
	t.Logf("%d texts compared, %d entities, %d differ at a tie", compared, ents, ties)
	if compared < 4000 || ents < 500 {
		t.Fatalf("only %d texts, %d entities compared", compared, ents)
	}
	if ties*500 > compared {
		t.Errorf("%d of %d texts differ at a tie: more than 0.2 %%", ties, compared)
	}
}

// tiesAt reports whether token i's tag (tag set) or label scored the same as another class, given
// the tags and labels before it.
func tiesAt(m *Model, toks []Token, i int, tag bool) bool {
	if tag {
		p1, p2 := "-START-", "-START2-"
		if i > 0 {
			p1 = toks[i-1].Tag
		}
		if i > 1 {
			p2 = toks[i-2].Tag
		}
		_, tie := m.predict(features(i, context(toks), toks[i].Text, p1, p2))
		return tie
	}
	history := make([]string, i)
	for k := range i {
		history[k] = simplePOS(toks[k].Label)
	}
	_, tie := m.classify(entityValues(i, toks, history), make([]float64, len(m.labels)))
	return tie
}
