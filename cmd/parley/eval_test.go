package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/eval"
	"github.com/parley-cc/parley/internal/callset"
	"github.com/parley-cc/parley/internal/fixtures"
	"github.com/parley-cc/parley/internal/testenv"
)

// Floors on the labelled call set (testdata/callset, generated), transcribed by the real tiny.en model
// with the default settings: what parley reached when they were set, less about two calls' worth, as
// whisper's temperature fallback samples and runs differ a little; a change that costs accuracy fails
// here. The README's accuracy table has the measured numbers and the targets.
const (
	evalMaxWER        = 0.31 // both parties, stereo and mono calls (0.294 on the 84 calls, tune 0.276, held out 0.312; 0.285 on the 60 calls, 0.282 on the first 42; 0.291 on the first 30)
	evalMaxMisplaced  = 0.01 // reference words on the other party's side (0.5 %)
	evalMinIntent     = 0.82 // (84.5 % on the 84 calls, tune 90.5 %, held out 78.6 %: the 24 calls held out on 2026-12-05 read 17 of 24 from tiny.en, 22 of 24 from their reference transcripts; 90.0 % on the 60 calls, tune 90.5 %, held out 88.9 %; 88.3 % before a bare old date was a date of birth and so no vote, each customer turn read whole; on the first 42 calls 85.7 % with the CPU backend chosen at run time, where one call sits at the unclear bar; 88.1 % with the static build, 90.5 % before whisper's quotation marks were dropped; on the first 30 calls 93.3 %, 86.7 % before sentences voted by how much they read as an intent, 83.3 % before mono calls were diarized)
	evalMinClosing    = 0.88 // customer sentiment at the end of the call (91.7 % on the 60 calls; on the first 42 95.2 %, 92.9 % before a threat after a reply word and a comma was read, 83.3 % before)
	evalMinAgreement  = 0.80 // scorecard item results equal to the reviewer's (88.6 % on the 84 calls, tune 91.0 %, held out 86.2 %; 89.3 % on the 60 calls since 2026-12-04, 83.1 % on the 60 calls before, 76.5 % on the 18 held out since 2026-12-02; on the first 42 86.0 %, 85.4 %, 85.2 % before a segment's start counted as a sentence end when a turn is split back, 84.9 % and 84.1 % before words of empathy and closing that survive recognition were phrases, 83.6 % before the hold announcements were cut to what survives recognition, 83.3 % before a threat after a reply word and a comma was read, 82.8 % before the recap counted what the agent promises to send and identity verification stopped applying to a card machine, 82.3 % before "not my job" and "nothing I can do about it" were prohibited and a sale's "Let's do it" read positive, 82.0 % before a refusal was a counter-example of the offer of help, 81.7 % before "bye" closed a call, 80.7 % before the recap pattern for recognised text, 80.4 % before more short answers in the sentiment data, 80.2 % before the recap's not_intent, 79.6 % before the threat classifier; on the first 30 calls 80.4 %, 78.9 % before a phrase said where its condition was not seen counted as met, 70.0 % before)
	evalMinHoldsFound = 0.8  // labelled holds found (17/17 on the 84 calls)
	evalMinPII        = 0.86 // labelled personal data found as PII (89.1 % on the 84 calls: tune 100 %, held out 79.2 %, the 24 calls held out on 2026-12-05 19 of 26; 95.5 % on the 60 calls, 90.9 % before a bare date of the last century was a date of birth, 89.4 % before an answer to an address question counted, 84.8 % before a mangled name in answer to a name question counted, 81.8 % before a garbled postcode did; on the first 42 84.1 %, 75.0 % before a question that speaks of birth asked for a date of birth, 70.5 % before postcodes)
	evalMinSumRecap   = 0.35 // the summary quotes the agent's labelled recap (41.7 %: the recap item agrees on 45.2 %)
)

// callSet is the labelled call set (testdata/callset) generated into the parley cache; generating it
// needs espeak-ng, flite and sox.
func callSet(t *testing.T) string {
	t.Helper()
	dir, err := callset.Cached(filepath.Join(testenv.Root(), "testdata", "callset"), callset.CacheRoot())
	if err != nil {
		t.Fatalf("labelled call set: %v", err)
	}
	return dir
}

// runEval runs parley eval with the sentence encoder on a folder of the call set, and returns the
// report it wrote and its output folder.
func runEval(t *testing.T, labels string, args ...string) (eval.Report, string) {
	t.Helper()
	return runEvalEnv(t, nil, labels, args...)
}

// runEvalEnv is runEval with more settings in the environment.
func runEvalEnv(t *testing.T, more []string, labels string, args ...string) (eval.Report, string) {
	t.Helper()
	out := t.TempDir()
	env := append([]string{"PARLEY_ENCODER=" + testenv.Encoder(t)}, more...)
	code, stdout, stderr := runMain(t, env, append([]string{"eval", "--labels", labels, "--out", out}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	t.Logf("\n%s", stdout)
	var rep eval.Report
	readJSON(t, filepath.Join(out, "eval.json"), &rep)
	return rep, out
}

func TestEvalCallSet(t *testing.T) {
	set := callSet(t)
	rep, out := runEval(t, filepath.Join(set, callset.AudioDir), "--model", testenv.TinyEn(t), "--threads", "2")
	all := rep.Summary["all"]
	if all.Calls < 84 || all.Errors != 0 || rep.Summary[eval.SplitHeldout].Calls < 42 {
		t.Fatalf("calls %d (%d not measured), held out %d", all.Calls, all.Errors, rep.Summary[eval.SplitHeldout].Calls)
	}
	for _, f := range []struct {
		what      string
		got, want float64
		atMost    bool
	}{
		{"WER", all.WER["all"].WER(), evalMaxWER, true},
		{"misplaced words", all.Misplaced.WER(), evalMaxMisplaced, true},
		{"intent", all.Intent.Rate(), evalMinIntent, false},
		{"closing sentiment", all.Sentiment["customer_end"].Rate(), evalMinClosing, false},
		{"item agreement", all.ItemAgreement.Rate(), evalMinAgreement, false},
		{"holds found", float64(all.Holds.Found) / float64(all.Holds.Labelled), evalMinHoldsFound, false},
		{"PII found", all.PII.Rate(), evalMinPII, false},
		{"summary quotes the recap", all.SummaryRecap.Rate(), evalMinSumRecap, false},
	} {
		if f.got < 0 || f.atMost && f.got > f.want || !f.atMost && f.got < f.want {
			t.Errorf("%s %.3f, floor %.3f", f.what, f.got, f.want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(out, "eval.html")); err != nil || !strings.Contains(string(b), "held") || !strings.Contains(string(b), "reference transcript") {
		t.Errorf("eval.html: %v", err)
	}
	// Every call was scored from its label's reference transcript too: far more items right there, and
	// of the results not agreed most were lost in the hearing (71 of 86 on the 84 calls, 48 of 59 on the 60; the
	// reference transcripts 97.8 %).
	if all.RefItems.Total != all.ItemAgreement.Total || all.RefItems.Rate() < 0.93 || all.MissHeard+all.MissJudged != all.ItemAgreement.Total-all.ItemAgreement.Right ||
		all.MissHeard <= 2*all.MissJudged {
		t.Errorf("from the reference transcripts %+v of %+v; not agreed: %d in the hearing, %d in the judgement", all.RefItems, all.ItemAgreement, all.MissHeard, all.MissJudged)
	}
	// The documents it wrote can be measured again without a run; with --details tune no held-out call
	// is named; --reference off: no reference transcript scored.
	code, stdout2, _ := runMain(t, nil, "eval", "--labels", filepath.Join(set, callset.AudioDir), "--results", out, "--out", t.TempDir(), "--details", "tune", "--reference", "off")
	if code != 0 || !strings.Contains(stdout2, "scorecard item agreement") || !strings.Contains(stdout2, "their misses not shown") || strings.Contains(stdout2, "reference transcript") {
		t.Errorf("eval --results: exit %d\n%s", code, stdout2)
	}
	for _, c := range rep.Calls {
		if c.Split == eval.SplitHeldout && strings.Contains(stdout2, "  "+c.ID+" (") {
			t.Errorf("held-out call %s shown with --details tune", c.ID)
		}
	}
}

// The PII probe set (testdata/pii-probe, scripts/train/pii-probe.py: agents asking for personal data,
// customers giving it), heard by the real tiny.en: the personal data found in the recognised text, tune
// and held out (92.2 % and 86.7 % when set; 76.7 % and 83.3 % before the rules read off its tune half).
func TestPIIProbe(t *testing.T) {
	dir, err := callset.Cached(filepath.Join(testenv.Root(), "testdata", "pii-probe"), callset.CacheRoot())
	if err != nil {
		t.Fatalf("PII probe set: %v", err)
	}
	rep, _ := runEval(t, filepath.Join(dir, callset.AudioDir), "--model", testenv.TinyEn(t), "--threads", "2")
	for split, floor := range map[string]float64{eval.SplitTune: 0.85, eval.SplitHeldout: 0.80} {
		if s := rep.Summary[split]; s.Calls < 20 || s.PII.Total < 60 || s.PII.Rate() < floor {
			t.Errorf("%s: %d calls, PII found %v (floor %.2f)", split, s.Calls, s.PII, floor)
		}
	}
}

// The vocabulary prompt goes to the agent's opening: on stereo calls whose greeting tiny.en garbles
// without it ("The law not win the count"), the greeting is recognised with the company's name more
// often, and every other word — the customer's, and the agent's after the customer first speaks — is
// the same as with the vocabulary's correction alone.
func TestVocabularyPromptOnTheAgentsOpening(t *testing.T) {
	dir := filepath.Join(callSet(t), callset.AudioDir)
	var labels []string
	for _, name := range []string{"bill-price-rise", "cancel-retained", "order-upgrade-fibre", "sales-tv-bundle"} {
		labels = append(labels, filepath.Join(dir, name+".labels.yaml"))
	}
	vocabulary := []string{"PARLEY_VOCABULARY=Northwind,Northwind Telecom"}
	args := []string{"--model", testenv.TinyEn(t), "--threads", "2"}
	plain, plainOut := runEvalEnv(t, vocabulary, strings.Join(labels, ","), args...)
	prompted, promptedOut := runEvalEnv(t, append(vocabulary, "PARLEY_VOCABULARY_PROMPT=true"), strings.Join(labels, ","), args...)
	before, after := plain.Summary["all"].Items["greeting"].Agree, prompted.Summary["all"].Items["greeting"].Agree
	if after.Rate() <= before.Rate() {
		t.Errorf("greeting agreement %v with the prompt, %v without", after, before)
	}
	openingChanged := false
	for _, l := range labels {
		name := strings.TrimSuffix(filepath.Base(l), ".labels.yaml")
		// sides returns the customer's words, the agent's before the customer first speaks (the
		// opening) and the agent's after.
		sides := func(out string) (customer, opening, agent string) {
			var doc calldoc.CallDoc
			readJSON(t, filepath.Join(out, name+".json"), &doc)
			first := -1.0
			for _, s := range doc.Segments {
				if s.Speaker == parley.RoleCustomer && (first < 0 || s.Start < first) {
					first = s.Start
				}
			}
			for _, s := range doc.Segments {
				switch {
				case s.Speaker == parley.RoleCustomer:
					customer += s.Text + "\n"
				case s.Start < first:
					opening += s.Text + "\n"
				default:
					agent += s.Text + "\n"
				}
			}
			return customer, opening, agent
		}
		c1, o1, a1 := sides(plainOut)
		c2, o2, a2 := sides(promptedOut)
		if c1 != c2 {
			t.Errorf("%s: the customer's words changed with the prompt:\n%s---\n%s", name, c1, c2)
		}
		if a1 != a2 {
			t.Errorf("%s: the agent's words after the opening changed with the prompt:\n%s---\n%s", name, a1, a2)
		}
		openingChanged = openingChanged || o1 != o2
	}
	if !openingChanged {
		t.Error("the agent's openings are the same with the prompt: it was not given")
	}
}

// Bad labels are named and the rest of the set is still measured; a label that does not match its
// recording is reported for that call.
func TestEvalBadLabels(t *testing.T) {
	dir := t.TempDir()
	results := t.TempDir()
	wav := filepath.Join(testenv.Root(), "testdata", "calls", "billing-dispute.wav")
	for name, text := range map[string]string{
		"broken":   "recording: broken.wav\nmix: stereo\nturns: [{start: 0, end: 1, speaker: robot, text: hi}]\n",
		"mismatch": "recording: " + wav + "\nmix: mono\nduration_s: 300\nturns: [{start: 0, end: 1, speaker: agent, text: hi}]\n",
	} {
		os.WriteFile(filepath.Join(dir, name+eval.LabelSuffix), []byte(text), 0o644)
	}
	os.WriteFile(filepath.Join(results, "mismatch.json"), []byte(`{{{`), 0o644) // a broken call document
	code, stdout, stderr := runMain(t, nil, "eval", "--labels", dir, "--results", results, "--out", t.TempDir())
	if code != 0 || !strings.Contains(stderr, "bad_label") || !strings.Contains(stderr, "broken.labels.yaml") || !strings.Contains(stdout, "skipped: bad_label") {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "mismatch.json: bad_document") {
		t.Errorf("the broken call document is not named:\n%s", stdout)
	}
	if !strings.Contains(stdout, "no call document") {
		t.Errorf("the call without a document is not reported:\n%s", stdout)
	}
	if code, _, stderr := runMain(t, nil, "eval", "--out", t.TempDir()); code != exitUsage || !strings.Contains(stderr, "--labels is required") {
		t.Errorf("no labels: exit %d %s", code, stderr)
	}
	if code, _, stderr := runMain(t, nil, "eval", "--labels", dir, "--results", results, "--details", "heldout"); code != exitUsage || !strings.Contains(stderr, `--details "heldout"`) {
		t.Errorf("--details heldout: exit %d %s", code, stderr)
	}
	if code, _, stderr := runMain(t, nil, "eval", "--labels", dir, "--results", results, "--reference", "maybe"); code != exitUsage || !strings.Contains(stderr, `--reference "maybe"`) {
		t.Errorf("--reference maybe: exit %d %s", code, stderr)
	}
	if code, _, stderr := runMain(t, nil, "eval", "--labels", dir, "--results", results, "--by", "agent,"); code != exitUsage || !strings.Contains(stderr, `--by "agent,"`) {
		t.Errorf("--by agent,: exit %d %s", code, stderr)
	}
}

// The same labels measured on the reference transcripts (imported WebVTT): the NLP and the scorecard
// without recognition errors. Floors as measured when set: items 90.4 %, intent 80.0 %, closing 90.0 %;
// the summary quotes the agent's labelled recap on 21 of 27 calls (77.8 %; 16/19 tune, 5/8 held out).
func TestEvalReferenceTranscripts(t *testing.T) {
	rep, _ := runEval(t, filepath.Join(callSet(t), callset.ReferenceDir), "--model", testenv.TestModel(t), "--by", "accent,team")
	all := rep.Summary["all"]
	// The set's calls are tagged with their agent's accent: every call in one accent's group, several
	// accents, and the held-out gap within them; no call has a team.
	if len(rep.Groupings) != 2 || rep.Groupings[0].By != "accent" || rep.Groupings[1].By != "team" {
		t.Fatalf("groupings %+v", rep.Groupings)
	}
	n := 0
	for _, g := range rep.Groupings[0].Groups {
		n += g.Summary.Calls
		if g.Value == eval.Untagged {
			t.Errorf("%d calls have no accent", g.Summary.Calls)
		}
	}
	if g := rep.Groupings[0]; n != all.Calls || len(g.Groups) < 5 || g.WithinGap == nil {
		t.Errorf("by accent: %d calls in %d groups, gap within %+v", n, len(g.Groups), g.WithinGap)
	}
	if g := rep.Groupings[1].Groups; len(g) != 1 || g[0].Value != eval.Untagged {
		t.Errorf("by team: %+v", g)
	}
	if all.Calls < 84 || all.Errors != 0 || all.WER["all"].Errors != 0 {
		t.Fatalf("calls %d (%d not measured), word errors %d on perfect transcripts", all.Calls, all.Errors, all.WER["all"].Errors)
	}
	for what, f := range map[string][2]float64{
		"item agreement":    {all.ItemAgreement.Rate(), 0.93},             // 97.4 % on the 84 calls (tune 98.1 %, held out 96.6 %), 95.4 % on the 60 calls (94.8 % before a prospect's sentence was no churn and empathy was owed from a customer turn at -0.3; the first 42: 96.3 %, 95.2 % before the recap counted what the agent promises to send and identity verification stopped applying to a card machine, 94.7 % before "not my job" and "nothing I can do about it" were prohibited and a sale's "Let's do it" read positive, 94.2 % before the empathy similarity 0.43, 93.9 % before more short answers in the sentiment data, 93.4 % before a greeting example without a salutation, 93.1 % before the recap's not_intent, 92.6 % before the threat classifier, 92.1 % before an item's phrase in a sentence nearer its examples than its counter-examples counted where its condition was not seen; the first 30 calls 93.0 %)
		"intent":            {all.Intent.Rate(), 0.86},                    // 91.7 % on the 84 calls (tune 92.9 %, held out 90.5 %); 91.7 % on the 60 calls (tune 92.9 %, held out 88.9 %; 90.0 % before personal data was left unread)
		"closing sentiment": {all.Sentiment["customer_end"].Rate(), 0.88}, // 91.7 % on the 84 calls and on the 60 (the first 42: 95.2 %, 92.9 % before more short answers in the sentiment data)
		"summary recap":     {all.SummaryRecap.Rate(), 0.70},
		"threats":           {all.Threats.Rate(), 0.88}, // 95.2 % on the 84 calls, 93.3 % on the 60 calls (90.0 % before a prospect's sentence was no churn) (the first 42: 92.9 %): calls whose churn and escalation threats are found as labelled (83.3 % by nearest example)
	} {
		if f[0] < f[1] {
			t.Errorf("%s %.3f on reference transcripts, floor %.2f", what, f[0], f[1])
		}
	}
}

// Reviewers' overrides become label files, and parley eval measures the documents against them: the
// overridden item disagrees with the automatic result, so agreement is 0 of 1; an override of a call
// without a document is named.
func TestEvalLabelsFromOverrides(t *testing.T) {
	results, _ := fixtures.Dir(t)
	ov := filepath.Join(t.TempDir(), "overrides.yaml")
	os.WriteFile(ov, []byte(`- {call_id: billing-dispute, item: closing, status: pass, reviewer: quinn, note: said goodbye}
- {call_id: lost-call, item: greeting, status: fail, reviewer: quinn, note: x}
`), 0o644)
	labels := t.TempDir()
	code, stdout, stderr := runMain(t, nil, "eval", "labels", "--overrides", ov, "--results", results, "--out", labels)
	if code != 0 || !strings.Contains(stdout, "1 label files") || !strings.Contains(stderr, "lost-call") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	l, err := eval.ReadLabel(filepath.Join(labels, "billing-dispute"+eval.LabelSuffix))
	if err != nil || l.Items["closing"].Result != eval.Met || l.Mix != "stereo" || len(l.Turns) != 0 {
		t.Fatalf("label %+v %v", l, err)
	}
	out := t.TempDir()
	code, stdout, stderr = runMain(t, nil, "eval", "--labels", labels, "--results", results, "--out", out, "--by", "agent")
	if code != 0 || !strings.Contains(stdout, "0.0% (0/1)") {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	// The label has no tags: the call is grouped by its document's agent.
	var rep eval.Report
	readJSON(t, filepath.Join(out, "eval.json"), &rep)
	if len(rep.Groupings) != 1 || len(rep.Groupings[0].Groups) != 1 || rep.Groupings[0].Groups[0].Value != "Sarah" {
		t.Errorf("by agent: %+v", rep.Groupings)
	}
}
