package team

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/internal/encodertest"
)

// Calls whose intent was unclear, of two new kinds and of nothing in common: the two kinds come back as
// candidate taxonomy entries, each holding its own calls only, and the strays in none; calls with an
// intent are not read.
func TestClustersOfUnclearCalls(t *testing.T) {
	base, _ := encodertest.Encoders(t, nil)
	esim := []string{
		"I'm trying to set up an eSIM on my new phone and the QR code won't scan.",
		"How do I activate the eSIM you emailed me?",
		"My eSIM profile downloaded but it says no service.",
		"Can you send me a new eSIM code, the first one expired?",
		"I want to switch my physical SIM to an eSIM.",
		"The eSIM activation keeps failing on my watch.",
	}
	recycle := []string{
		"Do you take old handsets back for recycling?",
		"I've got three old phones in a drawer, can I send them to you to be recycled?",
		"Is there a trade in or recycling scheme for my broken phone?",
		"Where can I drop off my old mobile so it gets recycled properly?",
		"Can I recycle my old router with you?",
	}
	strays := []string{
		"My neighbour's dog barks all night.",
		"What time does the football start on Saturday?",
		"I think I left my umbrella in your shop.",
		"Is it going to rain in Leeds tomorrow?",
		"My daughter is starting university in October.",
	}
	var docs []calldoc.CallDoc
	add := func(prefix, intent string, texts []string) {
		for i, s := range texts {
			docs = append(docs, calldoc.CallDoc{CallID: fmt.Sprintf("%s-%d", prefix, i), Analysis: &parley.Analysis{
				Intent:     &parley.IntentResult{Label: intent},
				Summary:    []parley.SummaryLine{{Kind: parley.SummaryReason, Label: intent, Text: s}},
				KeyPhrases: []parley.KeyPhrase{{Text: prefix}}}})
		}
	}
	add("esim", "unclear", esim)
	add("recycle", "other", recycle)
	add("stray", "unclear", strays)
	add("known", "technical_support", esim) // classified: not a candidate
	got, err := Clusters(docs, base)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range got {
		kind := strings.SplitN(c.Examples[0].CallID, "-", 2)[0]
		kinds = append(kinds, kind)
		for _, e := range c.Examples {
			if !strings.HasPrefix(e.CallID, kind+"-") {
				t.Errorf("%s group holds %s (%q)", kind, e.CallID, e.Text)
			}
		}
		if c.Phrase != kind {
			t.Errorf("%s group's common phrase %q", kind, c.Phrase)
		}
		t.Logf("%d calls, e.g. %q", c.Calls, c.Examples[0].Text)
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"esim", "recycle"}) || got[0].Calls < 5 || got[1].Calls < 4 {
		t.Errorf("groups %v: %+v", kinds, got)
	}
	if none, _ := Clusters(docs, nil); len(none) != 0 {
		t.Error("without the encoder there are no groups")
	}
}
