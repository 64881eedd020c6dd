package team

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/forecast"
)

// Trend kinds: what is counted per call.
const (
	TrendDriver      = "driver"       // the call's intent
	TrendPhrase      = "phrase"       // a key phrase of the call
	TrendProduct     = "product"      // a product named in the call (PRODUCT entities)
	TrendNegativeEnd = "negative_end" // the customer ended negative
)

// Trend is something a larger share of the last week's calls had than of the weeks before: its calls
// that week and before, the shares, and the one-sided p-value of Fisher's exact test, significant after
// the Benjamini–Hochberg correction over everything tested.
type Trend struct {
	Kind     string  `json:"kind"`
	Key      string  `json:"key"`
	Week     string  `json:"week"` // ISO week of the last week
	Calls    int     `json:"calls"`
	Of       int     `json:"of"` // calls of the last week
	Share    float64 `json:"share"`
	Before   int     `json:"before_calls"`
	BeforeOf int     `json:"before_of"`
	Baseline float64 `json:"baseline_share"`
	Lift     float64 `json:"lift"`
	P        float64 `json:"p"`
}

// String says what rose, in a line for alerts.
func (t Trend) String() string {
	return fmt.Sprintf("%s %q rising: %d of %d calls (%.0f%%) in %s against %.1f%% of the %d calls before (p = %.2g)",
		strings.ReplaceAll(t.Kind, "_", " "), t.Key, t.Calls, t.Of, t.Share*100, t.Week, t.Baseline*100, t.BeforeOf, t.P)
}

// TrendOptions: the weeks compared and the false discovery rate.
type TrendOptions struct {
	Baseline int     // weeks before the last that form the baseline (default 8)
	FDR      float64 // Benjamini–Hochberg false discovery rate (default 0.01)
	MinCalls int     // fewer calls in the last week are not tested (default 5)
}

// TrendCall is one call as trends count it: its time and what it is counted under (kind, key), each once.
type TrendCall struct {
	At   time.Time
	Keys [][2]string
}

// TrendCalls are the rows' dated calls with their drivers, key phrases, products and negative closings.
func TrendCalls(rows []CallRow) []TrendCall {
	var out []TrendCall
	for _, r := range rows {
		if r.Started == nil {
			continue
		}
		c := TrendCall{At: *r.Started}
		for k := range callKeys(r.Doc) {
			c.Keys = append(c.Keys, k)
		}
		out = append(out, c)
	}
	return out
}

// Trends compares the last week of the calls with the Baseline weeks before it: everything a call of
// the last week is counted under is tested.
func Trends(calls []TrendCall, opt TrendOptions) []Trend {
	if opt.Baseline == 0 {
		opt.Baseline = 8
	}
	if opt.FDR == 0 {
		opt.FDR = 0.01
	}
	if opt.MinCalls == 0 {
		opt.MinCalls = 5
	}
	var last time.Time
	for _, c := range calls {
		if c.At.After(last) {
			last = c.At
		}
	}
	if last.IsZero() {
		return nil
	}
	lastWeek := forecast.WeekStart(last)
	from := lastWeek.AddDate(0, 0, -7*opt.Baseline)
	type key struct{ kind, key string }
	now, before := map[key]int{}, map[key]int{}
	var n, m int
	for _, c := range calls {
		if c.At.Before(from) {
			continue
		}
		counts := before
		if !c.At.Before(lastWeek) {
			counts, n = now, n+1
		} else {
			m++
		}
		for _, k := range c.Keys {
			counts[key{k[0], k[1]}]++
		}
	}
	if n == 0 || m == 0 {
		return nil
	}
	week := parley.Week(lastWeek)
	var out []Trend
	for k, x := range now {
		if x < opt.MinCalls {
			continue
		}
		b := before[k]
		share, base := float64(x)/float64(n), float64(b)/float64(m)
		if share <= base {
			continue
		}
		lift := math.Inf(1)
		if base > 0 {
			lift = share / base
		}
		out = append(out, Trend{Kind: k.kind, Key: k.key, Week: week, Calls: x, Of: n, Share: round3(share), Before: b, BeforeOf: m,
			Baseline: round3(base), Lift: round3(lift), P: fisherGreater(x, n, b, m)})
	}
	// Everything seen in the last week was a test, rising or not: the correction counts them all.
	tests := 0
	for _, x := range now {
		if x >= opt.MinCalls {
			tests++
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].P < out[j].P })
	cut := 0
	for i, t := range out {
		if t.P <= opt.FDR*float64(i+1)/float64(tests) {
			cut = i + 1
		}
	}
	out = out[:cut]
	for i := range out {
		if math.IsInf(out[i].Lift, 1) {
			out[i].Lift = 0 // JSON has no infinity: 0 means "not seen before"
		}
	}
	return out
}

// callKeys lists what a call is counted under, each once.
func callKeys(d calldoc.CallDoc) map[[2]string]bool {
	out := map[[2]string]bool{}
	a := d.Analysis
	if a == nil {
		return out
	}
	if a.Intent != nil && a.Intent.Label != "" {
		out[[2]string{TrendDriver, a.Intent.Label}] = true
	}
	for _, p := range a.KeyPhrases {
		out[[2]string{TrendPhrase, strings.ToLower(p.Text)}] = true
	}
	for _, e := range a.Entities {
		if e.Type == "PRODUCT" {
			out[[2]string{TrendProduct, strings.ToLower(e.Text)}] = true
		}
	}
	if s := a.Sentiment; s != nil && s.Customer != nil {
		if s.Customer.EndState() == parley.SentimentNegative {
			out[[2]string{TrendNegativeEnd, "customer ended negative"}] = true
		}
	}
	return out
}

// fisherGreater is the one-sided p-value of Fisher's exact test that x of n is a larger share than b of
// m: the chance, with the x+b calls spread at random over the n+m, that n of them hold x or more.
func fisherGreater(x, n, b, m int) float64 {
	total, k := n+m, x+b
	lf := func(v int) float64 { r, _ := math.Lgamma(float64(v) + 1); return r }
	logC := func(a, c int) float64 { return lf(a) - lf(c) - lf(a-c) }
	denom := logC(total, n)
	var p float64
	for i := x; i <= min(k, n); i++ {
		if k-i > m {
			continue
		}
		p += math.Exp(logC(k, i) + logC(total-k, n-i) - denom)
	}
	return math.Min(1, p)
}
