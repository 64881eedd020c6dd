// Package report renders and writes what parley produced for a call: its document as JSON, WebVTT and
// SRT captions, the HTML page; atomic file writes; and the batch summary. The document itself is in
// calldoc.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
)

// WriteVTT writes the segments as WebVTT cues with the speaker as voice tag.
func WriteVTT(w io.Writer, doc calldoc.CallDoc) error {
	var b strings.Builder
	b.WriteString("WEBVTT\n\n")
	for _, s := range doc.Segments {
		if s.Text == "" {
			continue
		}
		fmt.Fprintf(&b, "%s --> %s\n<v %s>%s\n\n", vttTime(s.Start), vttTime(s.End), s.Speaker, vttEscape(s.Text))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSRT writes the segments as SubRip cues, numbered from 1, each text led by its speaker
// ("agent: …"), for players and editors that read SRT but not WebVTT voices.
func WriteSRT(w io.Writer, doc calldoc.CallDoc) error {
	var b strings.Builder
	n := 0
	for _, s := range doc.Segments {
		if s.Text == "" {
			continue
		}
		n++
		fmt.Fprintf(&b, "%d\n%s --> %s\n%s: %s\n\n", n, clockMS(s.Start, ','), clockMS(s.End, ','), s.Speaker, strings.ReplaceAll(s.Text, "\n", " "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func vttTime(sec float64) string { return clockMS(sec, '.') }

// clockMS is HH:MM:SS then sep then milliseconds.
func clockMS(sec float64, sep byte) string {
	ms := int64(math.Round(sec * 1000))
	return fmt.Sprintf("%02d:%02d:%02d%c%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}

var vttReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "-->", "--&gt;")

func vttEscape(s string) string { return vttReplacer.Replace(s) }

// SummaryEntry is one input of a batch.
type SummaryEntry struct {
	Input     string   `json:"input"`
	CallID    string   `json:"call_id"`
	Status    string   `json:"status"` // "ok" or "failed"
	ErrorCode string   `json:"error_code,omitempty"`
	Error     string   `json:"error,omitempty"`
	DurationS float64  `json:"duration_s"`
	WallS     float64  `json:"wall_s"`
	Outputs   []string `json:"outputs,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
}

// Summary is summary.json: every input of a batch with its status.
type Summary struct {
	SchemaVersion int            `json:"schema_version"`
	StartedAt     time.Time      `json:"started_at"`
	FinishedAt    time.Time      `json:"finished_at"`
	Model         string         `json:"model,omitempty"`
	Total         int            `json:"total"`
	OK            int            `json:"ok"`
	Failed        int            `json:"failed"`
	AudioS        float64        `json:"audio_s"`
	WallS         float64        `json:"wall_s"`
	Calls         []SummaryEntry `json:"calls"`
	Skipped       []Skipped      `json:"skipped,omitempty"` // files in the input directories that are not calls
}

// Skipped is a file that was not processed, and why.
type Skipped struct {
	Input  string `json:"input"`
	Reason string `json:"reason"`
}

// Add records one result.
func (s *Summary) Add(r parley.Result, outputs []string) {
	e := SummaryEntry{Input: r.Call.Source, CallID: r.Call.ID, DurationS: calldoc.Seconds(r.Call.Duration), WallS: calldoc.Seconds(r.Elapsed), Outputs: outputs, Warnings: r.Warnings}
	s.Total++
	if r.Err != nil {
		s.Failed++
		e.Status, e.ErrorCode, e.Error = "failed", parley.ErrorCode(r.Err), r.Err.Error()
	} else {
		s.OK++
		e.Status = "ok"
		s.AudioS += e.DurationS
	}
	s.Calls = append(s.Calls, e)
}

// WriteFileAtomic writes a file through a temporary sibling and a rename, so that readers never see a
// half-written result.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// EncodeJSON writes v as indented JSON.
func EncodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// WriteJSON writes v as indented JSON to path, atomically.
func WriteJSON(path string, v any) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return EncodeJSON(w, v) })
}

// CallFile is one file written per call.
type CallFile struct {
	Ext, ContentType string
	Write            func(io.Writer) error
}

// PutCallFiles writes a call's files through put (a bucket's or a directory's), base + each file's
// extension, the JSON last.
func PutCallFiles(doc calldoc.CallDoc, base string, put func(key string, b []byte, contentType string) error) error {
	for _, f := range CallFiles(doc) {
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			return err
		}
		if err := put(base+f.Ext, buf.Bytes(), f.ContentType); err != nil {
			return err
		}
	}
	return nil
}

// CallFiles are the files of a call, in the order to write them: the JSON last, so that its presence
// means the call is complete.
func CallFiles(doc calldoc.CallDoc) []CallFile {
	return []CallFile{
		{".vtt", "text/vtt", func(w io.Writer) error { return WriteVTT(w, doc) }},
		{".srt", "application/x-subrip", func(w io.Writer) error { return WriteSRT(w, doc) }},
		{".html", "text/html", func(w io.Writer) error { return WriteHTML(w, doc) }},
		{".json", "application/json", func(w io.Writer) error { return EncodeJSON(w, doc) }},
	}
}
