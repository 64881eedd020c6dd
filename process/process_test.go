package process_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/nlp"
	"github.com/parley-cc/parley/process"
	"github.com/parley-cc/parley/scoring"
	"github.com/parley-cc/parley/transcribe"
)

// tree writes files (name → content) under a new directory.
func tree(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const vtt = "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\n<v agent>Northwind, Sam speaking.\n\n00:00:02.500 --> 00:00:04.000\n<v customer>My bill is wrong.\n"

func TestCollect(t *testing.T) {
	dir := tree(t, map[string]string{
		"a.wav": "RIFF", "a.vtt": vtt, "a.json": `{"agent_id": "a1"}`, // a recording, its transcript and metadata
		"b.vtt": vtt, "b.json": `{"agent_id": "a2"}`, // a transcript alone, with metadata
		"sub/c.WAV": "RIFF", "notes.txt": "x", "stray.json": `{"x": 1}`,
	})
	for _, tc := range []struct {
		transcripts string
		inputs      []string
		skipped     []string
	}{
		{process.TranscriptsPrefer, []string{"a.wav", "b.vtt", "sub/c.WAV"}, []string{"notes.txt", "stray.json"}},
		{process.TranscriptsIgnore, []string{"a.wav", "b.vtt", "sub/c.WAV"}, []string{"a.vtt", "notes.txt", "stray.json"}},
	} {
		inputs, missing, skipped := process.Collect([]string{dir, filepath.Join(dir, "nope.wav")}, tc.transcripts)
		var got, gotSkipped []string
		for _, p := range inputs {
			got = append(got, filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator))))
		}
		for _, s := range skipped {
			gotSkipped = append(gotSkipped, filepath.Base(s.Input))
		}
		if !reflect.DeepEqual(got, tc.inputs) || !reflect.DeepEqual(gotSkipped, tc.skipped) || len(missing) != 1 {
			t.Errorf("%s: inputs %v skipped %v missing %v; want %v and %v", tc.transcripts, got, gotSkipped, missing, tc.inputs, tc.skipped)
		}
	}
}

// panickyStore stands for a defect met while a call is read: its Stat panics.
type panickyStore struct{ parley.Store }

func (panickyStore) Stat(context.Context, string) (parley.Object, error) { panic("a defect") }

// Transcribe without a model: transcripts import (beside a recording too, when preferred) with their
// metadata; a recording that needs recognition is a model_missing error, not a crash; a panic in the
// analysis or while a call is read is that call's error.
func TestTranscribeWithoutModel(t *testing.T) {
	dir := tree(t, map[string]string{"a.wav": "RIFF", "a.vtt": vtt, "a.json": `{"agent_id": "a1"}`, "b.vtt": vtt, "c.wav": "RIFF"})
	p := &process.Processor{Pipeline: &transcribe.Pipeline{Roles: transcribe.DefaultRoles}, Transcripts: process.TranscriptsPrefer, Model: "m.bin"}
	ctx := context.Background()
	march := time.Date(2026, 3, 3, 8, 30, 0, 0, time.UTC) // the recording's time, not its transcript's
	if err := os.Chtimes(filepath.Join(dir, "a.wav"), march, march); err != nil {
		t.Fatal(err)
	}
	res := p.Transcribe(ctx, process.Local(filepath.Join(dir, "a.wav")))
	if !res.Call.Recorded.Equal(march) {
		t.Errorf("a.wav recorded %v, want its file's time %v", res.Call.Recorded, march)
	}
	if res.Err != nil || res.Call.ID != "a" || res.Metadata == nil || res.Metadata.AgentID != "a1" || len(res.Transcript.Turns) != 2 ||
		!strings.HasPrefix(res.Warnings[0], "transcript_imported: a.vtt") || !p.NeedsModel(ctx, process.Local(filepath.Join(dir, "c.wav"))) || p.NeedsModel(ctx, process.Local(filepath.Join(dir, "a.wav"))) {
		t.Errorf("a.wav with a.vtt beside: %+v", res)
	}
	if doc, err := p.Finish(&res); err != nil || doc.Model != "" || doc.Source != filepath.Join(dir, "a.wav") {
		t.Errorf("an imported call records model %q, source %q (%v)", doc.Model, doc.Source, err)
	}
	// A panic in the analysis is the call's error, named, and no document; the next call is analysed.
	broken := process.Stages{Analyzer: &nlp.Analyzer{}} // an analyzer not made by nlp.NewAnalyzer panics
	if err := broken.Apply(&res); parley.ErrorCode(err) != parley.CodeInternal || !strings.Contains(err.Error(), "analysis of a failed") || res.Analysis != nil {
		t.Errorf("a panicking analysis: %v, analysis %v", err, res.Analysis)
	}
	if _, err := (&process.Processor{Stages: broken}).Finish(&res); err == nil {
		t.Error("Finish after a panicking analysis: no error")
	}
	if doc, err := p.Finish(&res); err != nil || doc.Source != filepath.Join(dir, "a.wav") {
		t.Errorf("the next Finish: %v", err)
	}
	if res := p.Transcribe(ctx, process.Local(filepath.Join(dir, "b.vtt"))); res.Err != nil || res.Call.ID != "b" {
		t.Errorf("b.vtt: %+v", res)
	}
	// A panic while a call is read is that call's error, named; the next call is read.
	in := process.Local(filepath.Join(dir, "b.vtt"))
	in.Store = panickyStore{in.Store}
	if res := p.Transcribe(ctx, in); parley.ErrorCode(res.Err) != parley.CodeInternal || res.Call.ID != "b" || res.Transcript != nil ||
		!strings.Contains(res.Err.Error(), "reading b failed: a defect") {
		t.Errorf("a panicking store: %+v", res)
	}
	if res := p.Transcribe(ctx, process.Local(filepath.Join(dir, "c.wav"))); parley.ErrorCode(res.Err) != parley.CodeModelMissing {
		t.Errorf("c.wav without a model: %v", res.Err)
	}
	p.Transcripts = process.TranscriptsIgnore
	if res := p.Transcribe(ctx, process.Local(filepath.Join(dir, "a.wav"))); parley.ErrorCode(res.Err) != parley.CodeModelMissing {
		t.Errorf("a.wav, transcripts ignored, no model: %v", res.Err)
	}
}

// TestStagesVocabulary: the scorecard is given each call's vocabulary by its source — a queue's terms
// (vocabulary_by_prefix) beside the general ones — so one scorecard's {vocabulary} greeting is met by
// each brand's own name and not by another's.
func TestStagesVocabulary(t *testing.T) {
	sc, err := scoring.Parse([]byte(`version: 1
name: t
sections:
  - name: s
    items:
      - id: greeting
        kind: required_phrase
        weight: 100
        match: all
        phrases: ["hello|{vocabulary}", "speaking"]
`), "t")
	if err != nil {
		t.Fatal(err)
	}
	st := process.Stages{Scorecard: sc, Vocabulary: &transcribe.Vocabulary{Terms: []string{"Parley"},
		ByPrefix: map[string][]string{"s3://calls/northwind/": {"Northwind"}, "s3://calls/acme/": {"Acme"}}}}
	for _, tc := range []struct{ source, text, want string }{
		{"s3://calls/northwind/1.wav", "Northwind billing, Luke speaking.", parley.ItemPass},
		{"s3://calls/acme/1.wav", "Northwind billing, Luke speaking.", parley.ItemFail},
		{"s3://calls/acme/2.wav", "Acme billing, Luke speaking.", parley.ItemPass},
		{"s3://calls/other/1.wav", "Parley support, Luke speaking.", parley.ItemPass},
	} {
		seg := parley.Segment{Speaker: parley.RoleAgent, End: 3 * time.Second, Text: tc.text}
		res := parley.Result{Call: parley.Call{ID: "x", Source: tc.source, Duration: 3 * time.Second},
			Transcript: &parley.Transcript{Segments: []parley.Segment{seg}, Turns: transcribe.MergeTurns([]parley.Segment{seg}, time.Second)}}
		if err := st.Apply(&res); err != nil {
			t.Fatal(err)
		}
		if got := res.Score.Items[0]; got.Status != tc.want {
			t.Errorf("%s %q: %s %q", tc.source, tc.text, got.Status, got.Reason)
		}
	}
}
