package transcribe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
)

func TestImportFormats(t *testing.T) {
	p := &Pipeline{TurnGap: time.Second}
	tests := []struct {
		file, encoding string
		turns          int
		firstSpeaker   parley.Role
		firstText      string
		warnings       int
	}{
		{"address-change.aws.json", "transcript:aws", 5, parley.RoleCustomer, "Hello, I am moving next month and I need to change my billing address.", 0},
		{"billing-dispute.whisper.json", "transcript:whisper-cli", 9, parley.RoleAgent, "Thank you for calling Northwind support, my name is Sarah. How can I help you today?", 0},
		{"cancel-service.vtt", "transcript:vtt", 7, parley.RoleAgent, "Good morning, this is Daniel from Northwind. What can I do for you?", 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := importFile(t, p, filepath.Join("..", "testdata", "transcripts", tt.file))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			tr := res.Transcript
			if res.Call.Encoding != tt.encoding || len(tr.Turns) != tt.turns || len(res.Warnings) != tt.warnings || tr.Language != "en" && tt.encoding != "transcript:vtt" {
				t.Errorf("encoding %s, %d turns, warnings %v, language %q", res.Call.Encoding, len(tr.Turns), res.Warnings, tr.Language)
			}
			if tr.Turns[0].Speaker != tt.firstSpeaker || tr.Turns[0].Text != tt.firstText {
				t.Errorf("first turn %s: %q", tr.Turns[0].Speaker, tr.Turns[0].Text)
			}
			if res.Call.ID != strings.SplitN(tt.file, ".", 2)[0] || len(res.Call.Channels) != 2 || res.Call.Duration < 15*time.Second {
				t.Errorf("call %+v", res.Call)
			}
		})
	}
}

func TestImportBad(t *testing.T) {
	dir := t.TempDir()
	p := &Pipeline{TurnGap: time.Second}
	for name, body := range map[string]string{
		"no-header.vtt":    "00:00:01.000 --> 00:00:02.000\nhello\n",
		"bad-timing.vtt":   "WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nbackwards\n",
		"bad-aws.aws.json": `{"results": {"items": [{"type": "pronunciation", "start_time": "x", "end_time": "1", "alternatives": [{"content": "hi"}]}]}}`,
		"notes.json":       `{"agent": "a1"}`,
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(body), 0o644)
		res := importFile(t, p, path)
		if res.Err == nil {
			t.Errorf("%s: imported", name)
			continue
		}
		if code := parley.ErrorCode(res.Err); code != parley.CodeBadHeader && code != parley.CodeNotWAV {
			t.Errorf("%s: %v", name, res.Err)
		}
	}
}

// importFile reads a transcript file and imports it, as parley does with an object of a store.
func importFile(t *testing.T, p *Pipeline, name string) parley.Result {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p.Import(name, b)
}
