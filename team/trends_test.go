package team

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
)

// plantedHistory is twelve weeks of 200 calls: drivers, key phrases, a product and negative closings
// drawn from fixed shares, except in the last week, where refund requests go from 10 % to 25 % of calls
// and the phrase "router recall" from 2 % to 12 %.
func plantedHistory(seed uint64) []calldoc.CallDoc {
	r := rand.New(rand.NewPCG(seed, 9))
	drivers := []string{"billing_dispute", "technical_support", "cancel_service", "new_order", "address_change", "refund_request"}
	shares := []float64{0.30, 0.25, 0.10, 0.15, 0.10, 0.10}
	lastShares := []float64{0.25, 0.20, 0.08, 0.12, 0.10, 0.25}
	var phrases []string
	for i := range 40 {
		phrases = append(phrases, fmt.Sprintf("topic %02d", i))
	}
	pick := func(sh []float64) string {
		u := r.Float64()
		for i, s := range sh {
			if u < s {
				return drivers[i]
			}
			u -= s
		}
		return drivers[len(drivers)-1]
	}
	start := time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC) // a Monday
	var docs []calldoc.CallDoc
	for w := range 12 {
		last := w == 11
		for i := range 200 {
			at := start.AddDate(0, 0, 7*w+r.IntN(7)).Add(time.Duration(r.IntN(86400)) * time.Second)
			sh, recall := shares, 0.02
			if last {
				sh, recall = lastShares, 0.12
			}
			a := &parley.Analysis{Intent: &parley.IntentResult{Label: pick(sh)}, Sentiment: &parley.CallSentiment{Customer: &parley.SpeakerSentiment{End: 0.4, EndLabel: "positive"}}}
			if r.Float64() < 0.2 {
				a.Sentiment.Customer.End, a.Sentiment.Customer.EndLabel = -0.5, "negative"
			}
			for _, k := range r.Perm(len(phrases))[:3] {
				a.KeyPhrases = append(a.KeyPhrases, parley.KeyPhrase{Text: phrases[k]})
			}
			if r.Float64() < recall {
				a.KeyPhrases = append(a.KeyPhrases, parley.KeyPhrase{Text: "Router Recall"})
			}
			if r.Float64() < 0.1 {
				a.Entities = append(a.Entities, parley.EntityMention{Type: "PRODUCT", Text: "Fibre Max"})
			}
			docs = append(docs, calldoc.CallDoc{SchemaVersion: parley.SchemaVersion, CallID: fmt.Sprintf("w%02d-%03d", w, i), DurationS: 200,
				Metadata: &parley.Metadata{StartedAt: &at}, Analysis: a})
		}
	}
	return docs
}

// The planted rise is found — the driver and the phrase — and nothing else is flagged, on three draws;
// each trend becomes an alert.
func TestTrendsFindThePlantedRise(t *testing.T) {
	for seed := range uint64(3) {
		r := Build(plantedHistory(seed), Options{}, nil)
		var got []string
		for _, tr := range r.Trends {
			got = append(got, tr.Kind+":"+tr.Key)
			t.Logf("seed %d: %s", seed, tr)
		}
		slices.Sort(got)
		if want := []string{"driver:refund_request", "phrase:router recall"}; !slices.Equal(got, want) {
			t.Errorf("seed %d: flagged %v, want %v", seed, got, want)
		}
		alerts := 0
		for _, a := range r.Alerts {
			if a.Rule == "trend" {
				alerts++
			}
		}
		if alerts != len(r.Trends) {
			t.Errorf("seed %d: %d trend alerts for %d trends", seed, alerts, len(r.Trends))
		}
		var page strings.Builder
		if err := r.WriteHTML(&page); err != nil || !strings.Contains(page.String(), `<td>driver: refund_request</td>`) {
			t.Errorf("seed %d: the HTML report does not list the rising driver (%v)", seed, err)
		}
	}
	// Without a rise, nothing: the last week drawn like the others.
	docs := plantedHistory(5)
	flat := docs[:len(docs)-200]
	if tr := Trends(TrendCalls(Build(flat, Options{}, nil).Rows), TrendOptions{}); len(tr) != 0 {
		t.Errorf("flat history flagged %v", tr)
	}
}

// Fisher's exact test against values computed by hand: 3 of 3 against 0 of 3 is 1/20; equal shares
// give a p-value above one half.
func TestFisherGreater(t *testing.T) {
	if p := fisherGreater(3, 3, 0, 3); p < 0.0499 || p > 0.0501 {
		t.Errorf("3/3 against 0/3: p %v, want 0.05", p)
	}
	if p := fisherGreater(5, 50, 50, 500); p < 0.5 {
		t.Errorf("equal shares: p %v", p)
	}
}
