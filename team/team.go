// Package team rolls call documents up for team leads and QA: KPIs per agent or team, scorecard pass
// rates and phrase lifts, alerts and their webhook, and calibration of automatic results against reviewer
// overrides (parley report and the review app).
package team

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
)

// Options shape a team report.
type Options struct {
	From, To     time.Time     // calls started in [From, To); zero: open
	By           string        // "agent" or "team"
	RepeatWindow time.Duration // a caller calling again within this is a repeat (first-call resolution)
	LowScore     float64       // calls below this score count as low-scoring
	HoldLimitS   float64       // holds longer than this are counted (default 40 s)
	Alerts       AlertRules
	Trends       TrendOptions
	Encoder      Embedder // groups the calls whose intent is unclear by meaning (Candidates); nil: not grouped
	// Dispositions (metadata) that mean the caller hung up before being served, and that mean a sale;
	// compared without case. Defaults: abandoned, abandon, caller_abandoned; sale, sold, converted, won.
	Abandoned, Converted []string
}

// AlertRules raise alerts on calls and on KPIs.
type AlertRules struct {
	EndSentimentBelow float64  // customer end sentiment at or below this (default -0.5)
	Intents           []string // intents that alert (default complaint_escalation)…
	IntentConfidence  float64  // …when classified at least this confidently (default 0.35)
	TransferRateOver  float64  // KPI: share of calls transferred (default 0.25)
	RepeatRateOver    float64  // KPI: share of calls from repeat callers (default 0.3)
}

// withDefaults fills the rules left zero.
func (a AlertRules) withDefaults() AlertRules {
	if a.EndSentimentBelow == 0 {
		a.EndSentimentBelow = -0.5
	}
	if a.Intents == nil {
		a.Intents = []string{"complaint_escalation"}
	}
	if a.IntentConfidence == 0 {
		a.IntentConfidence = 0.35
	}
	if a.TransferRateOver == 0 {
		a.TransferRateOver = 0.25
	}
	if a.RepeatRateOver == 0 {
		a.RepeatRateOver = 0.3
	}
	return a
}

// Override is a reviewer's verdict on one item of one call (calibration).
type Override struct {
	CallID   string `json:"call_id" yaml:"call_id"`
	Item     string `json:"item" yaml:"item"`
	Status   string `json:"status" yaml:"status"` // pass, fail or na
	Reviewer string `json:"reviewer" yaml:"reviewer"`
	Note     string `json:"note" yaml:"note"`
}

// Alert is one rule that fired.
type Alert struct {
	Rule    string  `json:"rule"`
	CallID  string  `json:"call_id,omitempty"`
	Agent   string  `json:"agent,omitempty"`
	Value   float64 `json:"value"`
	Message string  `json:"message"`
}

// Report is the output of parley report.
type Report struct {
	Generated   time.Time        `json:"generated"`
	From        *time.Time       `json:"from,omitempty"`
	To          *time.Time       `json:"to,omitempty"`
	By          string           `json:"by"`
	Calls       int              `json:"calls"`
	Skipped     []string         `json:"skipped"` // documents not read, and why
	KPIs        KPIs             `json:"kpis"`
	Groups      []GroupScorecard `json:"groups"`
	Alerts      []Alert          `json:"alerts"`
	Calibration []ItemAgreement  `json:"calibration"`
	Trends      []Trend          `json:"trends"` // what rose in the last week, significantly
	// Candidates are groups of calls with an unclear intent that say the same thing: new taxonomy entries.
	Candidates []Candidate       `json:"taxonomy_candidates"`
	Rows       []CallRow         `json:"-"`
	Items      map[string]string `json:"-"` // item id → label
}

// KPIs are the call-center measures managers track.
type KPIs struct {
	CallsPerDay        map[string]int `json:"calls_per_day"`
	AvgHandleS         float64        `json:"avg_handle_s"`
	AvgHoldS           float64        `json:"avg_hold_s"`
	HoldOverLimitShare float64        `json:"hold_over_limit_share"`
	TransferRate       float64        `json:"transfer_rate"` // of calls with a known transfer flag
	// FirstCallRes is the share of calls whose caller did not call again within the window, of the
	// calls with a caller id and a time (FCRCalls; FCRCoverage of all calls): a call without a caller
	// id cannot be told resolved, so it is left out rather than counted as resolved.
	FirstCallRes     float64 `json:"first_call_resolution"`
	FCRCalls         int     `json:"fcr_calls"`
	FCRCoverage      float64 `json:"fcr_coverage"`
	FirstTimeCallers int     `json:"first_time_callers"`
	RepeatCallers    int     `json:"repeat_callers"`
	// Abandonment and conversion come from the metadata's disposition (Options.Abandoned, Converted; a
	// call with revenue above 0 converted too), of the calls that have one (Dispositions).
	Dispositions    int     `json:"calls_with_disposition"`
	Abandoned       int     `json:"abandoned"`
	AbandonmentRate float64 `json:"abandonment_rate"`
	Conversions     int     `json:"conversions"`
	ConversionRate  float64 `json:"conversion_rate"`
	// RevenuePerCall is the revenue of the calls whose metadata has it, per such call (RevenueCalls).
	RevenuePerCall float64        `json:"revenue_per_call"`
	RevenueCalls   int            `json:"calls_with_revenue"`
	HourHeatmap    [7][24]int     `json:"hour_heatmap"` // weekday (Monday 0) × hour, UTC
	IntentMix      map[string]int `json:"intent_mix"`
	// SpeakersFrom counts calls by how their speakers were found ("channels", "diarization"; "none"
	// for mono calls that sounded like one voice); RolesToCheck the diarized calls whose agent the
	// words left unsure (calldoc.RoleCheckBelow), which a reviewer should confirm.
	SpeakersFrom map[string]int `json:"speakers_from"`
	RolesToCheck int            `json:"roles_to_check"`
	// ItemsToReview counts the item results parley left for a reviewer (status review: recognition too
	// unsure to fail them) that no reviewer's result has replaced, in CallsToReview calls.
	ItemsToReview int `json:"items_to_review"`
	CallsToReview int `json:"calls_to_review"`
	// UnsureWords is the mean share of the recognised words heard unsurely (calldoc.HeardUnsurely) over
	// the UnsureWordsCalls calls whose words are known: how far the transcripts can be read rather than
	// listened to.
	UnsureWords       float64                `json:"words_heard_unsurely"`
	UnsureWordsCalls  int                    `json:"calls_with_words"`
	SentimentByIntent map[string]float64     `json:"customer_end_sentiment_by_intent"`
	BySource          map[string]SourceStats `json:"by_source"`
	// ByLanguage splits calls, scores and drivers by the call's language: a queue in another language
	// is graded on its own phrases, so its pass rates are not the English calls'.
	ByLanguage        map[string]LanguageStats `json:"by_language"`
	ByCampaign        map[string]SourceStats   `json:"by_campaign"`
	CostPerCall       float64                  `json:"cost_per_call"`
	AvgScore          float64                  `json:"avg_score"`
	LowScorePhrases   []PhraseLift             `json:"phrases_in_low_scoring_calls"`
	UnresolvedPhrases []PhraseLift             `json:"phrases_in_unresolved_calls"`
}

// LanguageStats are the calls of one language: how many, their average score, each item's pass rate
// (where it applied) and the call drivers (English calls only: intent is read in English).
type LanguageStats struct {
	Calls     int                `json:"calls"`
	Scored    int                `json:"scored"`
	AvgScore  float64            `json:"avg_score"`
	ItemPass  map[string]float64 `json:"item_pass_rate"`
	IntentMix map[string]int     `json:"intent_mix,omitempty"`

	tally scoreTally
}

// scoreTally adds up scored calls: their number, average score, and each item's pass rate of the calls
// where it applied (not N/A) — for a group's scorecard and a language's alike.
type scoreTally struct {
	scored          int
	sum             float64
	passed, applied map[string]int
}

// add counts a call's score; false when the call was not scored.
func (t *scoreTally) add(s *parley.Score) bool {
	if s == nil || !s.Scored {
		return false
	}
	if t.passed == nil {
		t.passed, t.applied = map[string]int{}, map[string]int{}
	}
	t.scored++
	t.sum += s.Score
	for _, it := range s.Items {
		if it.Status != parley.ItemPass && it.Status != parley.ItemFail { // n/a, or left for a reviewer
			continue
		}
		t.applied[it.ID]++
		if it.Status == parley.ItemPass {
			t.passed[it.ID]++
		}
	}
	return true
}

// avg is the average score of the scored calls (0 without any).
func (t *scoreTally) avg() float64 {
	if t.scored == 0 {
		return 0
	}
	return round1(t.sum / float64(t.scored))
}

// passRates are the items' pass rates.
func (t *scoreTally) passRates() map[string]float64 {
	out := map[string]float64{}
	for id, n := range t.applied {
		out[id] = round3(float64(t.passed[id]) / float64(n))
	}
	return out
}

// SourceStats are the calls of one traffic source or campaign: revenue, conversions and cost.
type SourceStats struct {
	Calls          int     `json:"calls"`
	Revenue        float64 `json:"revenue"`
	RevenuePerCall float64 `json:"revenue_per_call"` // of the calls with revenue
	Conversions    int     `json:"conversions"`
	ConversionRate float64 `json:"conversion_rate"` // of the calls with a disposition or revenue
	Cost           float64 `json:"cost"`
	CostPerCall    float64 `json:"cost_per_call"` // of the calls with a cost

	revenueN, convKnown, costN int
}

// PhraseLift is a key phrase over-represented in a subset of calls.
type PhraseLift struct {
	Phrase string  `json:"phrase"`
	In     int     `json:"in_subset"`
	All    int     `json:"in_all"`
	Lift   float64 `json:"lift"`
}

// GroupScorecard is an agent's or a team's results against the team baseline.
type GroupScorecard struct {
	Name        string             `json:"name"`
	Calls       int                `json:"calls"`
	AvgScore    float64            `json:"avg_score"`
	Baseline    float64            `json:"baseline"` // average score of all calls
	AutoFails   int                `json:"auto_fails"`
	ItemPass    map[string]float64 `json:"item_pass_rate"`   // of calls where the item applied
	WeeklyScore map[string]float64 `json:"weekly_score"`     // ISO week → average score
	ForReview   int                `json:"items_for_review"` // item results left for a reviewer, none replaced yet
	// AgentUnsure is the mean share of the agent's words that the recogniser heard unsurely
	// (calldoc.HeardUnsurelyOf) over the group's calls whose words are known, and UnsureBaseline the same
	// over all calls: a group's scores rest on what was heard, and an agent heard less surely than the
	// rest (an accent the model knows less) has scores that deserve a listen before they count against
	// them. Nil when no call's words are known (imported transcripts).
	AgentUnsure    *float64 `json:"agent_words_unsure,omitempty"`
	UnsureBaseline *float64 `json:"agent_words_unsure_baseline,omitempty"`
	UnsureCalls    int      `json:"calls_with_words"` // the group's calls whose words are known
}

// UnsureMargin is how far above the baseline a group's share of agent words heard unsurely is marked
// on the report page: on the labelled call set 5 points of it came with about 7 points more agent
// word error rate (README, Reports). MinUnsureCalls is how many calls with known words the group needs
// for that: one call's share varies by about 8 points within an accent there, so the mean of fewer than
// ten cannot tell 5 points from chance (two standard errors).
const (
	UnsureMargin   = 0.05
	MinUnsureCalls = 10
)

// HeardWorse reports whether agents whose words were heard unsurely at the share given, over calls
// calls, were heard markedly less surely than the rest, whose share is baseline.
func HeardWorse(share, baseline float64, calls int) bool {
	return calls >= MinUnsureCalls && share >= baseline+UnsureMargin
}

// HeardWorse reports whether the recogniser heard the group's agents markedly less surely than all.
func (g GroupScorecard) HeardWorse() bool {
	return g.AgentUnsure != nil && g.UnsureBaseline != nil && HeardWorse(*g.AgentUnsure, *g.UnsureBaseline, g.UnsureCalls)
}

// meanOf is sum/n, nil when n is 0.
func meanOf(sum float64, n int) *float64 {
	if n == 0 {
		return nil
	}
	v := round3(sum / float64(n))
	return &v
}

// ItemAgreement is how often the automatic result matched the reviewers.
type ItemAgreement struct {
	Item string `json:"item"`
	// Language is the reviewed calls' language when they are in more than one (the agreement is then per
	// item and language: another language's phrases can be right where English ones are not).
	Language  string   `json:"language,omitempty"`
	Reviewed  int      `json:"reviewed"`
	Agreement float64  `json:"agreement"`
	Disagree  []string `json:"disagreements"` // "call: auto fail, reviewer pass (name)"
}

// CallRow is one call in the exports.
type CallRow struct {
	Doc      calldoc.CallDoc
	Group    string
	Started  *time.Time
	Repeat   bool // the caller had called within the window before
	Resolved bool // the caller did not call again within the window (false when Known is)
	Known    bool // the call has a caller id and a time: repeats and resolution are measured
}

// Build aggregates call documents.
func Build(docs []calldoc.CallDoc, opt Options, overrides []Override) *Report {
	if opt.By == "" {
		opt.By = "agent"
	}
	if opt.RepeatWindow == 0 {
		opt.RepeatWindow = 7 * 24 * time.Hour
	}
	if opt.LowScore == 0 {
		opt.LowScore = 60
	}
	if opt.HoldLimitS == 0 {
		opt.HoldLimitS = 40
	}
	if opt.Abandoned == nil {
		opt.Abandoned = []string{"abandoned", "abandon", "caller_abandoned"}
	}
	if opt.Converted == nil {
		opt.Converted = []string{"sale", "sold", "converted", "won"}
	}
	opt.Alerts = opt.Alerts.withDefaults()
	r := &Report{Generated: time.Now().UTC(), By: opt.By, Skipped: []string{}, Alerts: []Alert{}, Calibration: []ItemAgreement{}, Items: map[string]string{},
		KPIs: KPIs{CallsPerDay: map[string]int{}, IntentMix: map[string]int{}, SpeakersFrom: map[string]int{}, SentimentByIntent: map[string]float64{}, BySource: map[string]SourceStats{}, ByCampaign: map[string]SourceStats{}, ByLanguage: map[string]LanguageStats{},
			LowScorePhrases: []PhraseLift{}, UnresolvedPhrases: []PhraseLift{}}}
	if !opt.From.IsZero() {
		r.From = &opt.From
	}
	if !opt.To.IsZero() {
		r.To = &opt.To
	}
	// The reviewers' results in force replace the automatic ones everywhere but in calibration, which
	// compares the two (the automatic result stays in each item's AutoStatus).
	byCall := map[string]map[string]parley.ReviewedStatus{}
	for _, o := range overrides {
		if byCall[o.CallID] == nil {
			byCall[o.CallID] = map[string]parley.ReviewedStatus{}
		}
		byCall[o.CallID][o.Item] = parley.ReviewedStatus{Status: o.Status, Reviewer: o.Reviewer}
	}
	for _, d := range docs {
		if rv := byCall[d.CallID]; rv != nil {
			d.Score = d.Score.Reviewed(rv)
		}
		started, _ := d.When() // the metadata's start, else the recording's time
		if (r.From != nil || r.To != nil) && started == nil {
			r.Skipped = append(r.Skipped, d.CallID+": no started_at and no recording time, outside any period")
			continue
		}
		if started != nil && (r.From != nil && started.Before(*r.From) || r.To != nil && !started.Before(*r.To)) {
			continue
		}
		group := "(unknown)"
		if d.Metadata != nil {
			switch {
			case opt.By == "team" && d.Metadata.Team != "":
				group = d.Metadata.Team
			case opt.By == "agent" && d.Metadata.Agent() != "":
				group = d.Metadata.Agent()
			}
		}
		r.Rows = append(r.Rows, CallRow{Doc: d, Group: group, Started: started})
	}
	r.Calls = len(r.Rows)
	markRepeats(r.Rows, opt.RepeatWindow)
	r.kpis(opt)
	r.groups()
	r.Trends = Trends(TrendCalls(r.Rows), opt.Trends)
	if r.Trends == nil {
		r.Trends = []Trend{}
	}
	docsIn := make([]calldoc.CallDoc, len(r.Rows))
	for i, row := range r.Rows {
		docsIn[i] = row.Doc
	}
	var err error
	if r.Candidates, err = Clusters(docsIn, opt.Encoder); err != nil {
		r.Skipped = append(r.Skipped, "taxonomy candidates: "+err.Error())
		r.Candidates = []Candidate{}
	}
	r.alerts(opt)
	r.calibrate(overrides)
	return r
}

// markRepeats finds repeat callers by caller-id hash and start time.
func markRepeats(rows []CallRow, window time.Duration) {
	byCaller := map[string][]int{}
	for i, row := range rows {
		if m := row.Doc.Metadata; m != nil && m.CallerIDHash != "" && row.Started != nil {
			rows[i].Known, rows[i].Resolved = true, true
			byCaller[m.CallerIDHash] = append(byCaller[m.CallerIDHash], i)
		}
	}
	for _, idx := range byCaller {
		sort.Slice(idx, func(a, b int) bool { return rows[idx[a]].Started.Before(*rows[idx[b]].Started) })
		for k := 1; k < len(idx); k++ {
			if rows[idx[k]].Started.Sub(*rows[idx[k-1]].Started) <= window {
				rows[idx[k]].Repeat = true
				rows[idx[k-1]].Resolved = false
			}
		}
	}
}

func (r *Report) kpis(opt Options) {
	k := &r.KPIs
	n := float64(len(r.Rows))
	if n == 0 {
		return
	}
	var handle, hold, cost, score float64
	var holdOver, transferKnown, transferred, resolved, scored, costKnown int
	var revenue float64
	sentSum, sentN := map[string]float64{}, map[string]int{}
	phrasesAll, phrasesLow, phrasesUnres := map[string]int{}, map[string]int{}, map[string]int{}
	for _, row := range r.Rows {
		d := row.Doc
		handle += d.DurationS
		if row.Started != nil {
			k.CallsPerDay[row.Started.Format("2006-01-02")]++
			k.HourHeatmap[(int(row.Started.Weekday())+6)%7][row.Started.Hour()]++
		}
		if d.Score != nil && d.Score.Scored {
			hold += d.Score.Metrics.HoldS
			for _, h := range d.Score.Metrics.Holds {
				if h.End-h.Start > opt.HoldLimitS {
					holdOver++
					break
				}
			}
			score += d.Score.Score
			scored++
		}
		if m := d.Metadata; m != nil {
			if m.Transferred != nil {
				transferKnown++
				if *m.Transferred {
					transferred++
				}
			}
			if m.Cost != nil {
				cost += *m.Cost
				costKnown++
			}
			abandoned := containsFold(opt.Abandoned, m.Disposition)
			converted := containsFold(opt.Converted, m.Disposition) || m.Revenue != nil && *m.Revenue > 0
			known := m.Disposition != "" || m.Revenue != nil
			if m.Disposition != "" {
				k.Dispositions++
				if abandoned {
					k.Abandoned++
				}
			}
			if converted {
				k.Conversions++
			}
			if m.Revenue != nil {
				revenue += *m.Revenue
				k.RevenueCalls++
			}
			add := func(by map[string]SourceStats, key string) {
				if key == "" {
					key = "(unknown)"
				}
				s := by[key]
				s.Calls++
				if m.Revenue != nil {
					s.Revenue += *m.Revenue
					s.revenueN++
				}
				if known {
					s.convKnown++
				}
				if converted {
					s.Conversions++
				}
				if m.Cost != nil {
					s.Cost += *m.Cost
					s.costN++
				}
				by[key] = s
			}
			add(k.BySource, m.Source)
			add(k.ByCampaign, m.Campaign)
		}
		lang := d.Language
		if lang == "" {
			lang = "(unknown)"
		}
		ls, ok := k.ByLanguage[lang]
		if !ok {
			ls = LanguageStats{IntentMix: map[string]int{}}
		}
		ls.Calls++
		ls.tally.add(d.Score)
		if a := d.Analysis; a != nil && a.Intent != nil {
			ls.IntentMix[a.Intent.Label]++
		}
		k.ByLanguage[lang] = ls
		if row.Known {
			k.FCRCalls++
			if row.Repeat {
				k.RepeatCallers++
			} else {
				k.FirstTimeCallers++
			}
			if row.Resolved {
				resolved++
			}
		}
		from := d.SpeakersFrom // documents written before it was recorded: by their channels
		if from == "" || from == calldoc.SpeakersFromChannels {
			from = calldoc.SpeakersFromChannels
			if len(d.Channels) < 2 {
				from = "none"
			}
		}
		k.SpeakersFrom[from]++
		for _, dz := range d.Diarization {
			if dz.Voices > 1 && dz.RolesBy == "words" && dz.RoleConfidence < calldoc.RoleCheckBelow {
				k.RolesToCheck++
				break
			}
		}
		if d.Score != nil && d.Score.Review > 0 {
			k.ItemsToReview += d.Score.Review
			k.CallsToReview++
		}
		if share, ok := d.HeardUnsurely(); ok {
			k.UnsureWords += share
			k.UnsureWordsCalls++
		}
		if a := d.Analysis; a != nil && a.Intent != nil {
			k.IntentMix[a.Intent.Label]++
			if a.Sentiment != nil && a.Sentiment.Customer != nil {
				sentSum[a.Intent.Label] += a.Sentiment.Customer.End
				sentN[a.Intent.Label]++
			}
		}
		if a := d.Analysis; a != nil {
			seen := map[string]bool{}
			for _, p := range a.KeyPhrases {
				if seen[p.Text] {
					continue
				}
				seen[p.Text] = true
				phrasesAll[p.Text]++
				if d.Score != nil && d.Score.Scored && d.Score.Score < opt.LowScore {
					phrasesLow[p.Text]++
				}
				if !row.Resolved {
					phrasesUnres[p.Text]++
				}
			}
		}
	}
	k.AvgHandleS = round1(handle / n)
	k.AvgHoldS = round1(hold / n)
	k.HoldOverLimitShare = round3(float64(holdOver) / n)
	if transferKnown > 0 {
		k.TransferRate = round3(float64(transferred) / float64(transferKnown))
	}
	if k.UnsureWordsCalls > 0 {
		k.UnsureWords = round3(k.UnsureWords / float64(k.UnsureWordsCalls))
	}
	if k.FCRCalls > 0 {
		k.FirstCallRes = round3(float64(resolved) / float64(k.FCRCalls))
	}
	k.FCRCoverage = round3(float64(k.FCRCalls) / n)
	if k.Dispositions > 0 {
		k.AbandonmentRate = round3(float64(k.Abandoned) / float64(k.Dispositions))
	}
	convKnown := 0
	for _, s := range k.BySource {
		convKnown += s.convKnown
	}
	if convKnown > 0 {
		k.ConversionRate = round3(float64(k.Conversions) / float64(convKnown))
	}
	if k.RevenueCalls > 0 {
		k.RevenuePerCall = round3(revenue / float64(k.RevenueCalls))
	}
	for lang, ls := range k.ByLanguage {
		ls.Scored, ls.AvgScore, ls.ItemPass = ls.tally.scored, ls.tally.avg(), ls.tally.passRates()
		k.ByLanguage[lang] = ls
	}
	for _, by := range []map[string]SourceStats{k.BySource, k.ByCampaign} {
		for key, s := range by {
			if s.revenueN > 0 {
				s.RevenuePerCall = round3(s.Revenue / float64(s.revenueN))
			}
			if s.convKnown > 0 {
				s.ConversionRate = round3(float64(s.Conversions) / float64(s.convKnown))
			}
			if s.costN > 0 {
				s.CostPerCall = round3(s.Cost / float64(s.costN))
			}
			s.Revenue, s.Cost = round3(s.Revenue), round3(s.Cost)
			by[key] = s
		}
	}
	if costKnown > 0 {
		k.CostPerCall = round3(cost / float64(costKnown))
	}
	if scored > 0 {
		k.AvgScore = round1(score / float64(scored))
	}
	for l, s := range sentSum {
		k.SentimentByIntent[l] = round3(s / float64(sentN[l]))
	}
	k.LowScorePhrases = lifts(phrasesLow, phrasesAll)
	k.UnresolvedPhrases = lifts(phrasesUnres, phrasesAll)
}

// lifts ranks phrases by how much more often they occur in the subset than overall (add-one smoothed),
// keeping those seen in at least two subset calls.
func lifts(sub, all map[string]int) []PhraseLift {
	subTotal, allTotal := 0, 0
	for _, v := range sub {
		subTotal += v
	}
	for _, v := range all {
		allTotal += v
	}
	out := []PhraseLift{}
	for p, c := range sub {
		if c < 2 {
			continue
		}
		lift := (float64(c) / float64(subTotal+1)) / (float64(all[p]+1) / float64(allTotal+1))
		out = append(out, PhraseLift{p, c, all[p], round3(lift)})
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Lift != out[b].Lift {
			return out[a].Lift > out[b].Lift
		}
		return out[a].Phrase < out[b].Phrase
	})
	if len(out) > 15 {
		out = out[:15]
	}
	return out
}

func (r *Report) groups() {
	idx := map[string]*GroupScorecard{}
	tallies := map[string]*scoreTally{}
	weekSum, weekN := map[string]map[string]float64{}, map[string]map[string]int{}
	var all scoreTally
	heardSum, heardN := map[string]float64{}, map[string]int{} // the agent's share of words heard unsurely, per call
	var heardAllSum float64
	var heardAllN int
	for _, row := range r.Rows {
		g, ok := idx[row.Group]
		if !ok {
			g = &GroupScorecard{Name: row.Group, WeeklyScore: map[string]float64{}}
			idx[row.Group], tallies[row.Group] = g, &scoreTally{}
			weekSum[row.Group], weekN[row.Group] = map[string]float64{}, map[string]int{}
		}
		g.Calls++
		if share, ok := row.Doc.HeardUnsurelyOf(parley.RoleAgent); ok {
			heardSum[row.Group] += share
			heardN[row.Group]++
			heardAllSum += share
			heardAllN++
		}
		s := row.Doc.Score
		if !tallies[row.Group].add(s) {
			continue
		}
		all.add(s)
		if s.AutoFailed {
			g.AutoFails++
		}
		g.ForReview += s.Review
		for _, it := range s.Items {
			r.Items[it.ID] = it.Label
		}
		if row.Started != nil {
			wk := parley.Week(*row.Started)
			weekSum[row.Group][wk] += s.Score
			weekN[row.Group][wk]++
		}
	}
	for name, g := range idx {
		g.AvgScore, g.Baseline, g.ItemPass = tallies[name].avg(), all.avg(), tallies[name].passRates()
		g.AgentUnsure, g.UnsureBaseline, g.UnsureCalls = meanOf(heardSum[name], heardN[name]), meanOf(heardAllSum, heardAllN), heardN[name]
		for wk, s := range weekSum[name] {
			g.WeeklyScore[wk] = round1(s / float64(weekN[name][wk]))
		}
		r.Groups = append(r.Groups, *g)
	}
	sort.Slice(r.Groups, func(a, b int) bool { return r.Groups[a].Name < r.Groups[b].Name })
}

func (r *Report) alerts(opt Options) {
	for _, row := range r.Rows {
		r.Alerts = append(r.Alerts, CallAlerts(row.Doc, row.Group, opt.Alerts)...)
	}
	if r.Calls > 0 {
		if k := r.KPIs.TransferRate; k > opt.Alerts.TransferRateOver {
			r.Alerts = append(r.Alerts, Alert{Rule: "transfer_rate", Value: k, Message: fmt.Sprintf("transfer rate %.0f%% over %.0f%%", k*100, opt.Alerts.TransferRateOver*100)})
		}
		if n := r.KPIs.FCRCalls; n > 0 && float64(r.KPIs.RepeatCallers)/float64(n) > opt.Alerts.RepeatRateOver {
			rate := float64(r.KPIs.RepeatCallers) / float64(n)
			r.Alerts = append(r.Alerts, Alert{Rule: "repeat_rate", Value: round3(rate), Message: fmt.Sprintf("repeat callers %.0f%% over %.0f%%", rate*100, opt.Alerts.RepeatRateOver*100)})
		}
	}
	for _, t := range r.Trends {
		r.Alerts = append(r.Alerts, Alert{Rule: "trend", Value: t.Share, Message: t.String()})
	}
	// A group the recogniser heard markedly less surely: its scores rest on weaker text.
	for _, g := range r.Groups {
		if !g.HeardWorse() {
			continue
		}
		a := Alert{Rule: "heard_unsurely", Value: *g.AgentUnsure, Message: fmt.Sprintf("%s: %.0f%% of the agent's words heard unsurely against %.0f%% in all calls — listen to their calls before their scores count against them",
			g.Name, *g.AgentUnsure*100, *g.UnsureBaseline*100)}
		if r.By == "agent" {
			a.Agent = g.Name
		}
		r.Alerts = append(r.Alerts, a)
	}
}

// CallAlerts are the per-call rules that fire on one call: auto_fail, intent and negative_end. Rules
// left zero take their defaults.
func CallAlerts(d calldoc.CallDoc, agent string, rules AlertRules) []Alert {
	rules = rules.withDefaults()
	var out []Alert
	if d.Score != nil && d.Score.AutoFailed {
		out = append(out, Alert{Rule: "auto_fail", CallID: d.CallID, Agent: agent, Message: "scorecard auto-fail"})
	}
	if a := d.Analysis; a != nil {
		if a.Intent != nil && contains(rules.Intents, a.Intent.Label) && a.Intent.Confidence >= rules.IntentConfidence {
			out = append(out, Alert{Rule: "intent", CallID: d.CallID, Agent: agent, Value: a.Intent.Confidence, Message: "intent " + a.Intent.Label})
		}
		if a.Sentiment != nil && a.Sentiment.Customer != nil && a.Sentiment.Customer.End <= rules.EndSentimentBelow {
			out = append(out, Alert{Rule: "negative_end", CallID: d.CallID, Agent: agent, Value: a.Sentiment.Customer.End,
				Message: fmt.Sprintf("customer ended at %+.2f", a.Sentiment.Customer.End)})
		}
		seen := map[string]bool{}
		for _, th := range a.Threats { // one alert per kind: the first time the customer said it
			if !seen[th.Kind] {
				seen[th.Kind] = true
				out = append(out, Alert{Rule: th.Kind + "_threat", CallID: d.CallID, Agent: agent, Value: th.Similarity,
					Message: fmt.Sprintf("customer at %s: %q", calldoc.Clock(th.Start), th.Text)})
			}
		}
	}
	return out
}

// calibrate compares reviewers' overrides with the automatic results.
func (r *Report) calibrate(overrides []Override) {
	auto := map[[2]string]string{}
	lang := map[string]string{}
	for _, row := range r.Rows {
		lang[row.Doc.CallID] = row.Doc.Language
		if row.Doc.Score != nil {
			for _, it := range row.Doc.Score.Items {
				st := it.Status
				if it.AutoStatus != "" {
					st = it.AutoStatus
				}
				auto[[2]string{row.Doc.CallID, it.ID}] = st
			}
		}
	}
	r.Calibration = Calibrate(auto, overrides, lang)
}

// Calibrate measures, per item, how often reviewers agreed with the automatic result. auto maps
// {call id, item id} to the automatic status; overrides on items not in it are left out.
func Calibrate(auto map[[2]string]string, overrides []Override, language map[string]string) []ItemAgreement {
	langs := map[string]bool{}
	for _, o := range overrides {
		if _, ok := auto[[2]string{o.CallID, o.Item}]; ok {
			langs[language[o.CallID]] = true
		}
	}
	byItem := map[[2]string]*ItemAgreement{}
	agree := map[[2]string]int{}
	for _, o := range overrides {
		a, ok := auto[[2]string{o.CallID, o.Item}]
		if !ok {
			continue
		}
		key := [2]string{o.Item}
		if len(langs) > 1 {
			key[1] = language[o.CallID]
		}
		ia := byItem[key]
		if ia == nil {
			ia = &ItemAgreement{Item: o.Item, Language: key[1], Disagree: []string{}}
			byItem[key] = ia
		}
		ia.Reviewed++
		if a == o.Status {
			agree[key]++
		} else {
			ia.Disagree = append(ia.Disagree, fmt.Sprintf("%s: auto %s, reviewer %s (%s)", o.CallID, a, o.Status, o.Reviewer))
		}
	}
	out := []ItemAgreement{}
	for key, ia := range byItem {
		ia.Agreement = round3(float64(agree[key]) / float64(ia.Reviewed))
		out = append(out, *ia)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Item != out[b].Item {
			return out[a].Item < out[b].Item
		}
		return out[a].Language < out[b].Language
	})
	return out
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// containsFold tells whether s is in list, without case; "" is in no list.
func containsFold(list []string, s string) bool {
	return s != "" && slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(v, s) })
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
