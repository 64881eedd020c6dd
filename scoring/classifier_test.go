package scoring

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/nlp"
)

// The default scorecard's items with a built-in classifier, with it and without it. The recap: a
// statement of what was done that is far in topic from every example counts by the classifier; an
// explanation near an example in topic counts by the examples alone and not with the classifier. The
// empathy (to a customer read upset) and the closing: an act that no phrase or example catches counts
// by the classifier; lines that are not the act count with neither. The sentences are written for this
// test, not taken from the classifiers' training rows or the labelled calls.
func TestActClassifiers(t *testing.T) {
	with := onEncoder(t, Default())
	upset := &parley.Analysis{Sentiment: &parley.CallSentiment{Turns: []parley.TurnSentiment{{Turn: 1, Speaker: C, Start: 4, Score: -0.8, Label: "negative"}}}}
	for _, c := range []struct {
		item, classifier, opening string
		cases                     []struct{ text, with, without string }
	}{
		{"recap", "classifier: {model: recap, label: recap}", "Thanks for calling, this is Sam.", []struct{ text, with, without string }{
			{"Okay, so a fresh parcel leaves the warehouse tonight and the courier brings it on Monday.", parley.ItemPass, parley.ItemFail},
			{"Okay, so that's the boiler cover running from Saturday, and the paperwork's in your inbox.", parley.ItemPass, parley.ItemFail},
			{"Lovely, so you're down for the smart meter fitting next Tuesday morning.", parley.ItemPass, parley.ItemFail},
			{"Weekend orders leave the warehouse on a Monday.", parley.ItemFail, parley.ItemPass},
			{"Appointments for an engineer need a line test first.", parley.ItemFail, parley.ItemPass},
		}},
		{"empathy", "classifier: {model: empathy, label: empathy}", "Hello, this is Sam.", []struct{ text, with, without string }{
			{"That's really poor from us, I get why you're cross.", parley.ItemPass, parley.ItemFail},
			{"Right, I'll book the engineer for Friday.", parley.ItemFail, parley.ItemFail},
			{"The fee is the same for every customer.", parley.ItemFail, parley.ItemFail},
		}},
		{"closing", "classifier: {model: closing, label: closing, min: 0.7, veto: 0}", "Hello, this is Sam.", []struct{ text, with, without string }{
			{"Lovely, well you enjoy the bank holiday.", parley.ItemPass, parley.ItemFail},
			{"Okay, and enjoy your trip to Spain.", parley.ItemPass, parley.ItemFail},
			{"Enjoy the extra data from next month.", parley.ItemFail, parley.ItemFail},
			{"Take the router off the shelf and check the cable.", parley.ItemFail, parley.ItemFail},
			{"Thanks for checking that for me.", parley.ItemFail, parley.ItemFail},
		}},
	} {
		if !strings.Contains(string(defaultScorecard), c.classifier) {
			t.Fatalf("the default scorecard has no %q", c.classifier)
		}
		plain, err := Parse([]byte(strings.Replace(string(defaultScorecard), c.classifier, "", 1)), "default without the "+c.item+" classifier")
		if err != nil {
			t.Fatal(err)
		}
		without := onEncoder(t, plain)
		result := func(sc *Scorecard, text string) parley.ItemResult {
			tr := transcript(line{A, 0, 3, c.opening}, line{C, 4, 6, "My parcel never came."}, line{A, 7, 10, text})
			for _, x := range sc.Score(Call{Transcript: tr, Analysis: upset, DurationS: 11}).Items {
				if x.ID == c.item {
					return x
				}
			}
			t.Fatalf("no %s item", c.item)
			return parley.ItemResult{}
		}
		for _, k := range c.cases {
			for _, v := range []struct {
				sc   *Scorecard
				want string
			}{{with, k.with}, {without, k.without}} {
				r := result(v.sc, k.text)
				if r.Status != v.want {
					t.Errorf("%s: %q (classifier %v): %s (%s), want %s", c.item, k.text, v.sc == with, r.Status, r.Reason, v.want)
				}
			}
			r := result(with, k.text)
			if r.Status == parley.ItemPass {
				if len(r.Evidence) != 1 || r.Evidence[0].Classified != c.item || r.Evidence[0].ClassifierConfidence < DefaultClassifierMin || r.Evidence[0].Quote != k.text {
					t.Errorf("%s: %q: evidence %+v", c.item, k.text, r.Evidence)
				}
			}
		}
	}
}

// Where an item's condition was not seen (empathy on a call whose customer was not heard upset), a
// sentence that only its classifier reads as the act does not count; one its examples count does.
func TestClassifierWhereConditionUnseen(t *testing.T) {
	sc := onEncoder(t, Default())
	calm := &parley.Analysis{Sentiment: &parley.CallSentiment{Turns: []parley.TurnSentiment{{Turn: 1, Speaker: C, Start: 4, Score: 0.1, Label: "neutral"}}}}
	for _, c := range []struct{ text, want, why string }{
		{"That's really poor from us, I get why you're cross.", parley.ItemNA, "does not apply"},
		{"Oh that's grim, no wonder you're fed up with it.", parley.ItemPass, "said although its condition was not seen"},
	} {
		tr := transcript(line{A, 0, 3, "Hello, this is Sam."}, line{C, 4, 6, "My parcel never came."}, line{A, 7, 10, c.text})
		for _, x := range sc.Score(Call{Transcript: tr, Analysis: calm, DurationS: 11}).Items {
			if x.ID == "empathy" && (x.Status != c.want || !strings.Contains(x.Reason, c.why)) {
				t.Errorf("%q: %s (%s), want %s with %q", c.text, x.Status, x.Reason, c.want, c.why)
			}
		}
	}
}

// A scorecard author's own classifier, a file from parley intent train (here on n-grams alone): a
// sentence it reads as the item's label counts, with the label and confidence in the evidence; the
// same scorecard with a label the model lacks is refused.
func TestClassifierFromFile(t *testing.T) {
	var ex []nlp.Example
	for _, s := range []string{"I can knock a tenner off your monthly price.", "We could give you three months at half price.", "There's a loyalty deal I can put on for you.", "How about I take the fee off if you stay?"} {
		ex = append(ex, nlp.Example{Text: s, Label: "offer"})
	}
	for _, s := range []string{"Your bill is due on the fifth.", "Can I take your postcode?", "Thanks for holding.", "Have a lovely day.", "The engineer comes on Monday."} {
		ex = append(ex, nlp.Example{Text: s, Label: "other"})
	}
	m, err := nlp.TrainIntent(ex, nlp.DefaultC)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "offers.model")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	card := func(label string) string {
		return "version: 1\nname: t\nsections:\n  - name: s\n    items:\n      - id: retention_offer\n        kind: required_phrase\n" +
			"        examples: [\"Would a cheaper bundle help you stay with us?\"]\n        similarity: 0.9\n" +
			"        classifier: {model: " + path + ", label: " + label + "}\n        weight: 100\n"
	}
	if _, err := Parse([]byte(card("discount")), "t.yaml"); err == nil || !strings.Contains(err.Error(), `has no label "discount" (it has offer, other)`) {
		t.Errorf("a label the model lacks: %v", err)
	}
	sc, err := Parse([]byte(card("offer")), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc = onEncoder(t, sc)
	for _, c := range []struct{ text, want string }{
		{"Tell you what, I can take a tenner off the price if you stay.", parley.ItemPass},
		{"Your postcode is on the bill.", parley.ItemFail},
	} {
		tr := transcript(line{A, 0, 3, "Thanks for calling, this is Sam."}, line{C, 4, 6, "I want to leave."}, line{A, 7, 10, c.text})
		r := sc.Score(Call{Transcript: tr, DurationS: 11}).Items[0]
		if r.Status != c.want {
			t.Errorf("%q: %s (%s), want %s", c.text, r.Status, r.Reason, c.want)
		}
		if r.Status == parley.ItemPass && (len(r.Evidence) != 1 || r.Evidence[0].Classified != "offer" || r.Evidence[0].Quote != c.text) {
			t.Errorf("%q: evidence %+v", c.text, r.Evidence)
		}
	}
}
