package team

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
)

func tp(s string) *time.Time { t, _ := time.Parse(time.RFC3339, s); return &t }
func bp(b bool) *bool        { return &b }
func fp(f float64) *float64  { return &f }

// doc builds a call document with the fields the team report reads.
func doc(id, agent, team, caller, started string, score float64, transferred bool, hold float64, intent string, end float64, phrases ...string) calldoc.CallDoc {
	d := calldoc.CallDoc{SchemaVersion: parley.SchemaVersion, CallID: id, DurationS: 300,
		Metadata: &parley.Metadata{AgentName: agent, Team: team, CallerIDHash: caller, StartedAt: tp(started), Transferred: bp(transferred),
			Source: "web", Revenue: fp(10), Cost: fp(2)},
		Score: &parley.Score{Score: score, Scored: true, Items: []parley.ItemResult{
			{ID: "greeting", Label: "Greeting", Status: map[bool]string{true: "pass", false: "fail"}[score >= 50]},
			{ID: "holds", Label: "Holds", Status: "na"}},
			Metrics: parley.TalkMetrics{HoldS: hold}},
		Analysis: &parley.Analysis{Intent: &parley.IntentResult{Label: intent, Confidence: 0.8},
			Sentiment: &parley.CallSentiment{Customer: &parley.SpeakerSentiment{End: end}}},
	}
	if hold > 0 {
		d.Score.Metrics.Holds = []parley.Span{{Start: 10, End: 10 + hold}}
	}
	for _, p := range phrases {
		d.Analysis.KeyPhrases = append(d.Analysis.KeyPhrases, parley.KeyPhrase{Text: p})
	}
	return d
}

func sampleDocs() []calldoc.CallDoc {
	return []calldoc.CallDoc{
		doc("c1", "Sarah", "billing", "h1", "2026-11-02T09:00:00Z", 90, false, 0, "billing_dispute", 0.5, "refund"),
		doc("c2", "Sarah", "billing", "h1", "2026-11-04T09:30:00Z", 40, false, 55, "billing_dispute", -0.2, "second charge", "refund"),
		doc("c3", "Daniel", "retention", "h2", "2026-11-03T18:00:00Z", 30, true, 0, "complaint_escalation", -0.7, "second charge"),
		doc("c4", "Daniel", "retention", "h3", "2026-11-10T11:00:00Z", 70, true, 20, "cancel_service", 0.1),
	}
}

func TestTeamReportKPIs(t *testing.T) {
	r := Build(sampleDocs(), Options{By: "agent"}, nil)
	k := r.KPIs
	if r.Calls != 4 || k.AvgScore != 57.5 || k.AvgHandleS != 300 || k.TransferRate != 0.5 || k.CostPerCall != 2 {
		t.Errorf("kpis %+v", k)
	}
	// h1 called again within 7 days: c2 is a repeat, c1 was not resolved first time.
	if k.RepeatCallers != 1 || k.FirstTimeCallers != 3 || k.FirstCallRes != 0.75 {
		t.Errorf("repeat %d first %d fcr %v", k.RepeatCallers, k.FirstTimeCallers, k.FirstCallRes)
	}
	if k.HoldOverLimitShare != 0.25 || k.AvgHoldS != 18.8 {
		t.Errorf("holds %v %v", k.HoldOverLimitShare, k.AvgHoldS)
	}
	if k.HourHeatmap[0][9] != 1 || k.HourHeatmap[2][9] != 1 || k.HourHeatmap[1][18] != 1 || k.BySource["web"].Revenue != 40 {
		t.Errorf("heatmap %v sources %v", k.HourHeatmap[0], k.BySource)
	}
	if k.IntentMix["billing_dispute"] != 2 || k.SentimentByIntent["billing_dispute"] != 0.15 {
		t.Errorf("intents %v %v", k.IntentMix, k.SentimentByIntent)
	}
	// The sample documents have no channels: mono calls from before speakers_from, one voice each.
	if k.SpeakersFrom["none"] != 4 || k.RolesToCheck != 0 {
		t.Errorf("speakers from %v, roles to check %d", k.SpeakersFrom, k.RolesToCheck)
	}
	if len(k.LowScorePhrases) != 1 || k.LowScorePhrases[0].Phrase != "second charge" {
		t.Errorf("low-score phrases %+v", k.LowScorePhrases)
	}
	if len(r.Groups) != 2 || r.Groups[1].Name != "Sarah" || r.Groups[1].AvgScore != 65 || r.Groups[1].Baseline != 57.5 ||
		r.Groups[1].ItemPass["greeting"] != 0.5 || r.Groups[1].WeeklyScore["2026-W45"] != 65 {
		t.Errorf("groups %+v", r.Groups)
	}
	if _, ok := r.Groups[0].ItemPass["holds"]; ok {
		t.Error("an N/A item counted in the pass rate")
	}
	// An item left for a reviewer is neither passed nor failed: Sarah's failed greeting (c2) under
	// review leaves her passed one alone.
	docs := sampleDocs()
	docs[1].Score.Items[0].Status, docs[1].Score.Review = parley.ItemReview, 1 // as Score.Total counts it
	rr := Build(docs, Options{By: "agent"}, nil)
	if got := rr.Groups[1].ItemPass["greeting"]; got != 1 {
		t.Errorf("greeting pass rate with an item under review %v, want 1", got)
	}
	if rr.KPIs.ItemsToReview != 1 || rr.KPIs.CallsToReview != 1 || k.ItemsToReview != 0 {
		t.Errorf("items to review %d in %d calls (%d without)", rr.KPIs.ItemsToReview, rr.KPIs.CallsToReview, k.ItemsToReview)
	}
	// The words heard unsurely: the mean share over the calls whose recogniser's words are known.
	heard := sampleDocs()
	for i, conf := range [][]float64{{0.2, 0.9}, {0.8, 0.9}} {
		heard[i].Turns = []calldoc.TurnDoc{{Speaker: parley.RoleAgent, End: 1, Text: "Hello there."}}
		heard[i].Segments = []calldoc.SegmentDoc{{Speaker: parley.RoleAgent, End: 1, Text: "Hello there.",
			Words: []calldoc.WordDoc{{Text: "Hello", Confidence: conf[0]}, {Text: "there.", Confidence: conf[1]}}}}
	}
	hr := Build(heard, Options{By: "agent"}, nil)
	if hk := hr.KPIs; hk.UnsureWords != 0.25 || hk.UnsureWordsCalls != 2 || k.UnsureWordsCalls != 0 {
		t.Errorf("words heard unsurely %v over %d calls (%d without words)", hk.UnsureWords, hk.UnsureWordsCalls, k.UnsureWordsCalls)
	}
	var page bytes.Buffer
	if err := hr.WriteHTML(&page); err != nil || !strings.Contains(page.String(), "25% of the words heard unsurely (2 calls whose words are known)") {
		t.Errorf("the report does not give the words heard unsurely: %v", err)
	}
	rules := map[string]int{}
	for _, a := range r.Alerts {
		rules[a.Rule]++
	}
	if rules["intent"] != 1 || rules["negative_end"] != 1 || rules["transfer_rate"] != 1 || rules["repeat_rate"] != 0 {
		t.Errorf("alerts %+v", r.Alerts)
	}
}

func TestTeamReportPeriodAndTeams(t *testing.T) {
	docs := sampleDocs()
	docs = append(docs, calldoc.CallDoc{SchemaVersion: parley.SchemaVersion, CallID: "undated"})
	from, _ := time.Parse("2006-01-02", "2026-11-03")
	to, _ := time.Parse("2006-01-02", "2026-11-10")
	r := Build(docs, Options{By: "team", From: from, To: to}, nil)
	if r.Calls != 2 || len(r.Groups) != 2 || r.Groups[0].Name != "billing" || len(r.Skipped) != 1 {
		t.Errorf("calls %d groups %+v skipped %v", r.Calls, r.Groups, r.Skipped)
	}
}

func TestCalibration(t *testing.T) {
	r := Build(sampleDocs(), Options{}, []Override{
		{CallID: "c1", Item: "greeting", Status: "pass", Reviewer: "qa1"},
		{CallID: "c2", Item: "greeting", Status: "pass", Reviewer: "qa1"},
		{CallID: "c9", Item: "greeting", Status: "fail", Reviewer: "qa1"}, // unknown call: ignored
	})
	if len(r.Calibration) != 1 || r.Calibration[0].Reviewed != 2 || r.Calibration[0].Agreement != 0.5 || !strings.Contains(r.Calibration[0].Disagree[0], "c2: auto fail, reviewer pass") {
		t.Errorf("calibration %+v", r.Calibration)
	}
	// Reviewed calls in two languages: agreement per item and language.
	docs := sampleDocs()
	docs[1].Language = "es"
	r = Build(docs, Options{}, []Override{
		{CallID: "c1", Item: "greeting", Status: "pass", Reviewer: "qa1"},
		{CallID: "c2", Item: "greeting", Status: "pass", Reviewer: "qa1"},
	})
	if len(r.Calibration) != 2 || r.Calibration[0].Language != docs[0].Language || r.Calibration[0].Agreement != 1 ||
		r.Calibration[1].Language != "es" || r.Calibration[1].Agreement != 0 || r.Calibration[1].Reviewed != 1 {
		t.Errorf("calibration by language %+v", r.Calibration)
	}
}

func TestTeamExportsAndWebhook(t *testing.T) {
	r := Build(sampleDocs(), Options{}, nil)
	var b bytes.Buffer
	if err := r.WriteCallsCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 5 || rows[0][0] != "call_id" || rows[2][20] != "true" {
		t.Errorf("calls.csv %v %v", rows, err)
	}
	b.Reset()
	if err := r.WriteHTML(&b); err != nil || !strings.Contains(b.String(), "First-call resolution") {
		t.Errorf("html: %v", err)
	}
	var got []Alert
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var a Alert
		if json.Unmarshal(body, &a) == nil && req.Header.Get("Content-Type") == "application/json" {
			got = append(got, a)
		}
	}))
	defer srv.Close()
	if err := r.PostAlerts(context.Background(), srv.URL, nil); err != nil || len(got) != len(r.Alerts) || len(got) == 0 {
		t.Errorf("webhook: %v, %d of %d alerts", err, len(got), len(r.Alerts))
	}
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }))
	defer failing.Close()
	if err := r.PostAlerts(context.Background(), failing.URL, nil); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("failing webhook: %v", err)
	}
}

// A churn or escalation threat raises one alert per kind, quoting the first time it was said.
func TestThreatAlerts(t *testing.T) {
	d := sampleDocs()[3]
	d.Analysis.Threats = []parley.Threat{
		{Kind: parley.ThreatChurn, Start: 65, Text: "I'm switching to another company.", Similarity: 0.71},
		{Kind: parley.ThreatChurn, Start: 90, Text: "I'm leaving.", Similarity: 0.6},
		{Kind: parley.ThreatEscalation, Start: 95, Text: "Put me through to your manager.", Similarity: 0.8},
	}
	var got []string
	for _, a := range CallAlerts(d, "Daniel", AlertRules{}) {
		got = append(got, a.Rule+" "+a.Message)
	}
	want := []string{`churn_threat customer at 1:05: "I'm switching to another company."`, `escalation_threat customer at 1:35: "Put me through to your manager."`}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("alerts %q lack %q", got, w)
		}
	}
	if len(got) != 2 {
		t.Errorf("alerts %q", got)
	}
}

// Calls are counted by how their speakers were found, and diarized calls whose agent the words left
// unsure are counted for a reviewer to confirm.
func TestSpeakersFrom(t *testing.T) {
	docs := sampleDocs()
	docs[0].Channels = []parley.Channel{{Index: 0, Role: parley.RoleAgent}, {Index: 1, Role: parley.RoleCustomer}}
	docs[1].SpeakersFrom, docs[1].Channels = calldoc.SpeakersFromChannels, []parley.Channel{{Index: 0}, {Index: 1}}
	docs[2].SpeakersFrom, docs[2].Channels = calldoc.SpeakersFromDiarization, []parley.Channel{{Index: 0}}
	docs[2].Diarization = []parley.Diarization{{Voices: 2, RolesBy: "words", RoleConfidence: 0.55}}
	docs[3].SpeakersFrom, docs[3].Channels = calldoc.SpeakersFromDiarization, []parley.Channel{{Index: 0}}
	docs[3].Diarization = []parley.Diarization{{Voices: 2, RolesBy: "words", RoleConfidence: 0.95}}
	k := Build(docs, Options{By: "agent"}, nil).KPIs
	if k.SpeakersFrom["channels"] != 2 || k.SpeakersFrom["diarization"] != 2 || k.RolesToCheck != 1 {
		t.Errorf("speakers from %v, roles to check %d", k.SpeakersFrom, k.RolesToCheck)
	}
}

// Reviewers' results count in the report's scores; calibration still compares them with the automatic
// results.
func TestReportCountsOverrides(t *testing.T) {
	docs := sampleDocs()
	for i := range docs { // items with their weight, as documents now carry it
		for j := range docs[i].Score.Items {
			docs[i].Score.Items[j].Weight = 10
		}
		docs[i].Score.Total()
	}
	plain := Build(docs, Options{By: "agent"}, nil)
	// c2 (Sarah, 40 → greeting failed automatically): the reviewer passes the greeting.
	ov := []Override{{CallID: "c2", Item: "greeting", Status: "pass", Reviewer: "quinn"}}
	r := Build(docs, Options{By: "agent"}, ov)
	if r.KPIs.AvgScore <= plain.KPIs.AvgScore {
		t.Errorf("average score %.1f with the override, %.1f without", r.KPIs.AvgScore, plain.KPIs.AvgScore)
	}
	if len(r.Calibration) != 1 || r.Calibration[0].Reviewed != 1 || len(r.Calibration[0].Disagree) != 1 {
		t.Errorf("calibration %+v: the reviewer disagreed with the automatic fail", r.Calibration)
	}
	if docs[1].Score.Items[0].Status != "fail" {
		t.Error("Build changed the documents it was given")
	}
}

// Twelve calls with planted outcomes: first-call resolution only over the calls with a caller id (and
// says how many that is), abandonment and conversion from the dispositions, revenue and cost per call by
// source and campaign, each over the calls that have the value.
func TestOutcomeKPIs(t *testing.T) {
	var docs []calldoc.CallDoc
	for i := range 12 {
		d := doc(string(rune('a'+i)), "Sarah", "sales", "", "2026-11-02T09:00:00Z", 80, false, 0, "sales_lead", 0.3)
		d.Metadata.StartedAt = tp(time.Date(2026, 11, 2+i, 9, 0, 0, 0, time.UTC).Format(time.RFC3339))
		m := d.Metadata
		m.Revenue, m.Cost = nil, nil
		switch {
		case i < 4: // one caller twice within the window (i = 0, 1), two once
			m.CallerIDHash = []string{"h1", "h1", "h2", "h3"}[i]
			m.Source, m.Campaign, m.Disposition, m.Revenue, m.Cost = "google-ads", "autumn", "sale", fp(100), fp(5)
		case i < 7:
			m.Source, m.Campaign, m.Disposition, m.Cost = "google-ads", "autumn", "Abandoned", fp(1)
		case i < 10:
			m.Source, m.Campaign, m.Disposition, m.Revenue = "website", "", "resolved", fp(0)
		default: // no disposition, no revenue: neither abandonment nor conversion is known
			m.Source = "website"
		}
		docs = append(docs, d)
	}
	k := Build(docs, Options{}, nil).KPIs
	if k.FCRCalls != 4 || k.FCRCoverage != 0.333 || k.FirstCallRes != 0.75 || k.RepeatCallers != 1 || k.FirstTimeCallers != 3 {
		t.Errorf("FCR %v over %d calls (coverage %v), repeat %d, first %d", k.FirstCallRes, k.FCRCalls, k.FCRCoverage, k.RepeatCallers, k.FirstTimeCallers)
	}
	if k.Dispositions != 10 || k.Abandoned != 3 || k.AbandonmentRate != 0.3 {
		t.Errorf("abandonment %v: %d of %d", k.AbandonmentRate, k.Abandoned, k.Dispositions)
	}
	if k.Conversions != 4 || k.ConversionRate != 0.4 || k.RevenueCalls != 7 || k.RevenuePerCall != 57.143 {
		t.Errorf("conversion %v (%d), revenue per call %v over %d", k.ConversionRate, k.Conversions, k.RevenuePerCall, k.RevenueCalls)
	}
	ads, web, autumn := k.BySource["google-ads"], k.BySource["website"], k.ByCampaign["autumn"]
	if ads.Calls != 7 || ads.Conversions != 4 || ads.ConversionRate != 0.571 || ads.RevenuePerCall != 100 || ads.CostPerCall != 3.286 || ads != autumn {
		t.Errorf("google-ads %+v, campaign autumn %+v", ads, autumn)
	}
	if web.Calls != 5 || web.ConversionRate != 0 || web.RevenuePerCall != 0 || k.ByCampaign["(unknown)"].Calls != 5 {
		t.Errorf("website %+v, no campaign %+v", web, k.ByCampaign["(unknown)"])
	}
	var csvOut bytes.Buffer
	r := Build(docs, Options{}, nil)
	if err := r.WriteCallsCSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	recs, _ := csv.NewReader(&csvOut).ReadAll()
	if recs[1][20] != "false" || recs[2][20] != "true" || recs[12][20] != "" || recs[12][21] != "" || recs[1][22] != "autumn" {
		t.Errorf("CSV repeat/resolved/campaign: %v … %v", recs[1][20:], recs[12][20:])
	}
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil || !strings.Contains(page.String(), "of the 4 calls with a caller id (33% of calls)") || !strings.Contains(page.String(), "by campaign") {
		t.Errorf("HTML report: %v", err)
	}
}

// Calls in two languages: the report splits calls, scores and item pass rates by language.
func TestByLanguage(t *testing.T) {
	docs := sampleDocs()
	for i := range docs[:2] {
		docs[i].Language = "es"
	}
	r := Build(docs, Options{}, nil)
	es, en := r.KPIs.ByLanguage["es"], r.KPIs.ByLanguage["(unknown)"]
	if es.Calls != 2 || es.AvgScore != 65 || es.ItemPass["greeting"] != 0.5 || en.Calls != 2 || en.AvgScore != 50 {
		t.Errorf("es %+v, rest %+v", es, en)
	}
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil || !strings.Contains(page.String(), `id="by-language"`) || !strings.Contains(page.String(), "greeting 50%") {
		t.Errorf("HTML report without the language split: %v", err)
	}
}

// How surely each agent was heard: the mean share of the agent's words heard unsurely in their calls,
// beside all calls'; an agent heard markedly less surely than the rest is marked on the page, and each
// call's share is in the calls export. A customer's unsure words are not the agent's.
func TestAgentsHeardUnsurely(t *testing.T) {
	var docs []calldoc.CallDoc // Sarah: c1, c2; Daniel: c3, c4; five times over (ten calls each)
	for k := range 5 {
		for _, d := range sampleDocs() {
			if k > 0 {
				d.CallID = fmt.Sprintf("%s-%d", d.CallID, k)
			}
			docs = append(docs, d)
		}
	}
	for i := range docs {
		conf := 0.9
		if docs[i].Metadata.AgentName == "Daniel" {
			conf = 0.2 // half his words: "Hello" unsure, "there." sure
		}
		docs[i].Turns = []calldoc.TurnDoc{{Speaker: parley.RoleAgent, End: 1, Text: "Hello there."}, {Speaker: parley.RoleCustomer, Start: 2, End: 3, Text: "Hi."}}
		docs[i].Segments = []calldoc.SegmentDoc{
			{Speaker: parley.RoleAgent, End: 1, Text: "Hello there.", Words: []calldoc.WordDoc{{Text: "Hello", Confidence: conf}, {Text: "there.", Confidence: 0.9}}},
			{Channel: 1, Speaker: parley.RoleCustomer, Start: 2, End: 3, Text: "Hi.", Words: []calldoc.WordDoc{{Text: "Hi.", Start: 2, End: 3, Confidence: 0.1}}},
		}
		docs[i].Turns[1].Channel = 1
	}
	docs[2].Score.Review = 2
	r := Build(docs, Options{By: "agent"}, nil)
	got := map[string]GroupScorecard{}
	for _, g := range r.Groups {
		got[g.Name] = g
	}
	d, s := got["Daniel"], got["Sarah"]
	if d.AgentUnsure == nil || *d.AgentUnsure != 0.5 || *d.UnsureBaseline != 0.25 || *s.AgentUnsure != 0 || !d.HeardWorse() || s.HeardWorse() {
		t.Fatalf("Daniel %v, Sarah %v, baseline %v; marked %v %v", d.AgentUnsure, s.AgentUnsure, d.UnsureBaseline, d.HeardWorse(), s.HeardWorse())
	}
	if d.ForReview != 2 || s.ForReview != 0 {
		t.Errorf("items for review: Daniel %d, Sarah %d", d.ForReview, s.ForReview)
	}
	var heard []Alert
	for _, a := range r.Alerts {
		if a.Rule == "heard_unsurely" {
			heard = append(heard, a)
		}
	}
	if len(heard) != 1 || heard[0].Agent != "Daniel" || heard[0].Value != 0.5 || !strings.Contains(heard[0].Message, "50% of the agent's words heard unsurely against 25% in all calls") {
		t.Errorf("heard_unsurely alerts %+v", heard)
	}
	var page, calls bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(page.String(), "heard less surely than the rest"); n != 1 || !strings.Contains(page.String(), "50% <span class=\"facts\">(all 25%)</span>") {
		t.Errorf("%d agents marked as heard less surely:\n%s", n, page.String())
	}
	if err := r.WriteCallsCSV(&calls); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(calls.String()), "\n")
	if !strings.HasSuffix(lines[0], ",agent_words_unsure") || !strings.HasSuffix(lines[1], ",0") || !strings.HasSuffix(lines[3], ",0.5") {
		t.Errorf("calls export:\n%s", calls.String())
	}
	// Two calls each: the shares are given, but two calls cannot tell 5 points from chance.
	r = Build(docs[:4], Options{By: "agent"}, nil)
	for _, g := range r.Groups {
		if g.AgentUnsure == nil || g.UnsureCalls != 2 || g.HeardWorse() {
			t.Errorf("two calls: %s %v over %d calls, marked %v", g.Name, g.AgentUnsure, g.UnsureCalls, g.HeardWorse())
		}
	}
	for _, a := range r.Alerts {
		if a.Rule == "heard_unsurely" {
			t.Errorf("an alert from two calls: %+v", a)
		}
	}
	// Imported transcripts: no words with confidences, nothing to say.
	r = Build(sampleDocs(), Options{By: "agent"}, nil)
	if g := r.Groups[0]; g.AgentUnsure != nil || g.UnsureBaseline != nil || g.HeardWorse() {
		t.Errorf("without words: %+v", g)
	}
}
