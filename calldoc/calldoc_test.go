package calldoc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/storage"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		file, code, says string
	}{
		{"a.json", "", ""},
		{"sub/b.json", "", ""},
		{"old.json", parley.CodeBadDocument, "schema_version 0 (this parley reads version 1)"},
		{"summary.json", parley.CodeBadDocument, "no call_id"},
		{"d.error.json", parley.CodeBadDocument, "no call_id"},
		{"notes.json", parley.CodeBadDocument, "not a call document"},
		{"truncated.json", parley.CodeBadDocument, "not a call document"},
		{"a.vtt", parley.CodeBadDocument, "not a call document"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d, err := calldoc.ReadFile(filepath.Join("testdata", "walk", tc.file))
			if parley.ErrorCode(err) != tc.code && !(tc.code == "" && err == nil) {
				t.Fatalf("error %v (code %q), want code %q", err, parley.ErrorCode(err), tc.code)
			}
			if tc.code == "" {
				if d.CallID == "" || d.SchemaVersion != parley.SchemaVersion {
					t.Errorf("decoded %+v", d)
				}
				return
			}
			if !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), tc.file) {
				t.Errorf("error %q should name the file and say %q", err, tc.says)
			}
		})
	}
	if _, err := calldoc.Decode(strings.NewReader(`{"schema_version": 1, "call_id": "x", "padding": "` + strings.Repeat("x", calldoc.MaxSize) + `"}`)); parley.ErrorCode(err) != parley.CodeBadDocument {
		t.Errorf("a document over MaxSize: %v", err)
	}
}

// Walk reads the same documents from a directory given as paths and as a store, skipping by name what
// parley writes beside call documents and naming every document it could not read.
func TestWalk(t *testing.T) {
	var ids, keys []string
	skipped, err := calldoc.Walk(context.Background(), &storage.FS{Root: "testdata/walk"}, "", func(d calldoc.CallDoc, key string) error {
		ids, keys = append(ids, d.CallID), append(keys, key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	if want := []string{"a.json", "sub/b.json"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	if len(skipped) != 3 || !strings.HasPrefix(skipped[0], "notes.json: ") || !strings.HasPrefix(skipped[1], "old.json: ") || !strings.HasPrefix(skipped[2], "truncated.json: ") {
		t.Errorf("skipped %q", skipped)
	}

	var paths []string
	pskipped, err := calldoc.WalkPaths([]string{"testdata/walk", "testdata/walk/a.json", "testdata/none"}, func(d calldoc.CallDoc, p string) error {
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"testdata/walk/a.json", "testdata/walk/sub/b.json", "testdata/walk/a.json"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("paths %v, want %v", paths, want)
	}
	if len(pskipped) != 4 || !strings.HasPrefix(pskipped[3], "testdata/none: ") || !strings.Contains(pskipped[1], filepath.Join("testdata", "walk", "old.json")+": ") {
		t.Errorf("skipped %q", pskipped)
	}
}

func TestIsDocKey(t *testing.T) {
	for name, want := range map[string]bool{"a.json": true, "results/x/a.json": true, "summary.json": false, "out/report.json": false, "out/eval.json": false,
		"results/a.transcript.json": false, "results/a.error.json": false, "a.vtt": false, "a.wav": false} {
		if calldoc.IsDocKey(name) != want {
			t.Errorf("IsDocKey(%q) = %v", name, !want)
		}
	}
}

// Files names a directory's call documents in name order, files as given but the other JSON parley
// writes, and keeps a path that does not exist for its reader to name.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.json", "a.json", "sub/c.json", "summary.json", "eval.json", "a.transcript.json", "a.vtt"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	other := filepath.Join(t.TempDir(), "x.json")
	os.WriteFile(other, []byte("{}"), 0o644)
	got := calldoc.Files([]string{other, dir, filepath.Join(dir, "summary.json"), "testdata/none"})
	want := []string{other, filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"), filepath.Join(dir, "sub", "c.json"), "testdata/none"}
	if !slices.Equal(got, want) {
		t.Errorf("Files = %q, want %q", got, want)
	}
}

// A document made from a result turns back into the same result (times to the millisecond).
func TestRoundTrip(t *testing.T) {
	ms := time.Millisecond
	res := parley.Result{Call: parley.Call{ID: "c", Source: "c.wav", Duration: 9 * time.Second, SampleRate: 8000, Encoding: "alaw",
		Recorded: time.Date(2026, 3, 3, 8, 30, 0, 0, time.UTC), Channels: []parley.Channel{{Index: 0, Role: parley.RoleAgent}, {Index: 1, Role: parley.RoleCustomer}}},
		Transcript: &parley.Transcript{Language: "en",
			Segments:    []parley.Segment{{Channel: 1, Speaker: parley.RoleCustomer, Start: 1500 * ms, End: 3250 * ms, Text: "My bill is wrong.", Confidence: 0.8}},
			Turns:       []parley.Turn{{Speaker: parley.RoleCustomer, Channel: 1, Start: 1500 * ms, End: 3250 * ms, Text: "My bill is wrong."}},
			Translation: []parley.Segment{{Channel: 1, Speaker: parley.RoleCustomer, Start: 1500 * ms, End: 3250 * ms, Text: "My bill is wrong.", Confidence: 0.7}},
			Again: &parley.Hearing{Model: "base.bin", BeamSize: 5,
				Segments: []parley.Segment{{Channel: 0, Speaker: parley.RoleAgent, Start: 250 * ms, End: 1250 * ms, Text: "Northwind, hello.", Confidence: 0.9}},
				Turns:    []parley.Turn{{Speaker: parley.RoleAgent, Channel: 0, Start: 250 * ms, End: 1250 * ms, Text: "Northwind, hello."}}}},
		Warnings: []string{"w"}}
	d := calldoc.New(res, "m.bin")
	f := filepath.Join(t.TempDir(), "c.json")
	b, _ := os.Create(f)
	if err := writeJSON(b, d); err != nil {
		t.Fatal(err)
	}
	b.Close()
	back, err := calldoc.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	got := back.Result()
	if !reflect.DeepEqual(got.Transcript.Segments, res.Transcript.Segments) || !reflect.DeepEqual(got.Transcript.Turns, res.Transcript.Turns) ||
		got.Call.Duration != res.Call.Duration || back.Model != "m.bin" || !got.Call.Recorded.Equal(res.Call.Recorded) ||
		!reflect.DeepEqual(got.Transcript.Translation, res.Transcript.Translation) || !reflect.DeepEqual(got.Transcript.Again, res.Transcript.Again) {
		t.Errorf("round trip:\n%+v\n%+v", got, res)
	}
}

// A call's time is its metadata's start, else its recording's, marked as such.
func TestWhen(t *testing.T) {
	started := time.Date(2026, 11, 2, 9, 15, 0, 0, time.UTC)
	recorded := time.Date(2026, 11, 2, 9, 21, 7, 0, time.UTC)
	for _, tc := range []struct {
		name string
		doc  calldoc.CallDoc
		want *time.Time
		rec  bool
	}{
		{"metadata", calldoc.CallDoc{Metadata: &parley.Metadata{StartedAt: &started}, RecordedAt: &recorded}, &started, false},
		{"recording", calldoc.CallDoc{Metadata: &parley.Metadata{AgentID: "a1"}, RecordedAt: &recorded}, &recorded, true},
		{"recording, no metadata", calldoc.CallDoc{RecordedAt: &recorded}, &recorded, true},
		{"neither", calldoc.CallDoc{Metadata: &parley.Metadata{}}, nil, false},
	} {
		got, rec := tc.doc.When()
		if rec != tc.rec || (got == nil) != (tc.want == nil) || got != nil && !got.Equal(*tc.want) {
			t.Errorf("%s: %v, from the recording %v", tc.name, got, rec)
		}
	}
	// New stores the recording's time to the second, in UTC.
	d := calldoc.New(parley.Result{Call: parley.Call{ID: "c", Recorded: time.Date(2026, 11, 2, 10, 21, 7, 999, time.FixedZone("", 3600))}}, "")
	if d.RecordedAt == nil || !d.RecordedAt.Equal(recorded) || d.RecordedAt.Location() != time.UTC {
		t.Errorf("recorded_at %v", d.RecordedAt)
	}
	if d := calldoc.New(parley.Result{Call: parley.Call{ID: "c"}}, ""); d.RecordedAt != nil {
		t.Errorf("no recording time: recorded_at %v", d.RecordedAt)
	}
}

func writeJSON(f *os.File, d calldoc.CallDoc) error { return json.NewEncoder(f).Encode(d) }

func TestWords(t *testing.T) {
	ms := time.Millisecond
	toks := []parley.Token{{Start: 0, End: 300 * ms, Text: " Hello", P: 0.9}, {Start: 300 * ms, End: 320 * ms, Text: ",", P: 0.5},
		{Start: 400 * ms, End: 500 * ms, Text: " my", P: 0.8}, {Start: 500 * ms, End: 700 * ms, Text: " name", P: 0.7},
		{Start: 700 * ms, End: 750 * ms, Text: "'s", P: 0.6}, {Start: 800 * ms, End: 1100 * ms, Text: " Sam", P: 0.4}, {Start: 1100 * ms, End: 1100 * ms, Text: ".", P: 1}}
	got := calldoc.Words(parley.Segment{Text: "Hello, my name's Sam.", Tokens: toks})
	want := []calldoc.WordDoc{{0, 0.32, "Hello,", 0.7}, {0.4, 0.5, "my", 0.8}, {0.5, 0.75, "name's", 0.65}, {0.8, 1.1, "Sam.", 0.7}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("words\n%+v\nwant\n%+v", got, want)
	}
	// Text changed after recognition (vocabulary, redaction): the recogniser's words would contradict it.
	for _, text := range []string{"Hello, my name's [NAME].", "Hello, my name's Sam", ""} {
		if w := calldoc.Words(parley.Segment{Text: text, Tokens: toks}); w != nil {
			t.Errorf("%q: words %+v, want none", text, w)
		}
	}
	if w := calldoc.Words(parley.Segment{Text: "Hello"}); w != nil {
		t.Errorf("no tokens: %+v", w)
	}
}

// A turn's words are its segments' words in order, when they spell its text; a word under UnsureBelow
// is unsure.
func TestTurnWords(t *testing.T) {
	w := func(text string, c float64) calldoc.WordDoc { return calldoc.WordDoc{Text: text, Confidence: c} }
	d := calldoc.CallDoc{
		Segments: []calldoc.SegmentDoc{
			{Channel: 0, Start: 0, End: 2, Text: "Hi, North wind.", Words: []calldoc.WordDoc{w("Hi,", 0.9), w("North", 0.39), w("wind.", 0.4)}},
			{Channel: 1, Start: 1, End: 3, Text: "Hello.", Words: []calldoc.WordDoc{w("Hello.", 0.95)}},
			{Channel: 0, Start: 2.5, End: 4, Text: "Sam here.", Words: []calldoc.WordDoc{w("Sam", 0.2), w("here.", 0.8)}},
			{Channel: 1, Start: 5, End: 6, Text: "My bill is [REDACTED]."},
		},
		Turns: []calldoc.TurnDoc{
			{Channel: 0, Start: 0, End: 4, Text: "Hi, North wind. Sam here."},
			{Channel: 1, Start: 1, End: 3, Text: "Hello."},
			{Channel: 1, Start: 5, End: 6, Text: "My bill is [REDACTED]."},
		},
	}
	var got []string
	for _, x := range d.TurnWords(0) {
		got = append(got, fmt.Sprintf("%s/%v", x.Text, x.Unsure()))
	}
	if strings.Join(got, " ") != "Hi,/false North/true wind./false Sam/true here./false" {
		t.Errorf("turn 0: %v", got)
	}
	if ws := d.TurnWords(1); len(ws) != 1 || ws[0].Text != "Hello." {
		t.Errorf("turn 1: %+v", ws)
	}
	if ws := d.TurnWords(2); ws != nil {
		t.Errorf("a segment without words: %+v", ws)
	}
	if share, ok := d.HeardUnsurely(); !ok || share != 0.333 { // 2 of the 6 words known
		t.Errorf("heard unsurely %v %v, want 0.333", share, ok)
	}
	d.Turns[0].Text = "Hi, Northwind. Sam here." // corrected after recognition
	if ws := d.TurnWords(0); ws != nil {
		t.Errorf("words that do not spell the turn: %+v", ws)
	}
	if d.TurnWords(7) != nil || d.TurnWords(-1) != nil {
		t.Error("a turn out of range has words")
	}
	d.Turns[1].Text = "Hello there."
	if share, ok := d.HeardUnsurely(); ok {
		t.Errorf("no turn's words known: heard unsurely %v", share)
	}
}

func TestSpeakerNotes(t *testing.T) {
	d := calldoc.CallDoc{Diarization: []parley.Diarization{
		{Channel: 0, Voices: 2, Roles: []parley.Role{parley.RoleCustomer, parley.RoleAgent}, RolesBy: "words", RoleConfidence: 0.54},
	}}
	notes := d.SpeakerNotes()
	if len(notes) != 1 || !strings.Contains(notes[0], "agent is voice 2") || !strings.Contains(notes[0], "54 % sure") || !strings.Contains(notes[0], "Check who the agent is") {
		t.Errorf("unsure roles: %q", notes)
	}
	d.Diarization[0].RoleConfidence = 0.98
	if n := d.SpeakerNotes(); len(n) != 1 || strings.Contains(n[0], "Check") {
		t.Errorf("sure roles: %q", n)
	}
	d.Diarization[0] = parley.Diarization{Channel: 0, Voices: 1, Roles: []parley.Role{parley.RoleUnknown}, RolesBy: "none"}
	if n := d.SpeakerNotes(); len(n) != 0 {
		t.Errorf("one voice: %q", n)
	}
}
