// Package report writes what parley produced: the per-call JSON document (schema in README.md), WebVTT
// captions, and the batch summary.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/parley-cc/parley"
)

// MonoNote is attached to mono calls: features that need one speaker per channel are absent, and the
// output says so rather than leaving the fields silently empty.
const MonoNote = "speaker roles and overlap detection are not available for mono recordings"

// CallDoc is the per-call JSON document, version parley.SchemaVersion.
type CallDoc struct {
	SchemaVersion int              `json:"schema_version"`
	CallID        string           `json:"call_id"`
	Source        string           `json:"source"`
	DurationS     float64          `json:"duration_s"`
	SampleRate    int              `json:"sample_rate"`
	Encoding      string           `json:"encoding"`
	Language      string           `json:"language"`
	Channels      []parley.Channel `json:"channels"`
	Segments      []SegmentDoc     `json:"segments"`
	Turns         []TurnDoc        `json:"turns"`
	Sound         []parley.Span    `json:"sound_without_speech"` // agent channel: sound but no words (hold music)
	Notes         []string         `json:"notes"`
	Analysis      *parley.Analysis `json:"analysis"`
	Score         *parley.Score    `json:"score"`
	Metadata      *parley.Metadata `json:"metadata"`
	Warnings      []string         `json:"warnings"`
	Model         string           `json:"model,omitempty"`
	ProcessingS   float64          `json:"processing_s"`
}

// SegmentDoc is a segment with times in seconds.
type SegmentDoc struct {
	Channel    int         `json:"channel"`
	Speaker    parley.Role `json:"speaker"`
	Start      float64     `json:"start"`
	End        float64     `json:"end"`
	Text       string      `json:"text"`
	Confidence float64     `json:"confidence"`
	LoudnessDB float64     `json:"loudness_db,omitempty"` // RMS level, dBFS; absent for imported transcripts
}

// TurnDoc is a turn with times in seconds.
type TurnDoc struct {
	Speaker parley.Role `json:"speaker"`
	Channel int         `json:"channel"`
	Start   float64     `json:"start"`
	End     float64     `json:"end"`
	Text    string      `json:"text"`
	Overlap bool        `json:"overlap"`
}

func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

// NewCallDoc builds the JSON document of a successful result.
func NewCallDoc(r parley.Result, model string) CallDoc {
	doc := CallDoc{
		SchemaVersion: parley.SchemaVersion,
		CallID:        r.Call.ID,
		Source:        r.Call.Source,
		DurationS:     seconds(r.Call.Duration),
		SampleRate:    r.Call.SampleRate,
		Encoding:      r.Call.Encoding,
		Channels:      r.Call.Channels,
		Segments:      []SegmentDoc{},
		Turns:         []TurnDoc{},
		Notes:         []string{},
		Sound:         []parley.Span{},
		Analysis:      r.Analysis,
		Score:         r.Score,
		Metadata:      r.Metadata,
		Warnings:      r.Warnings,
		Model:         model,
		ProcessingS:   seconds(r.Elapsed),
	}
	if doc.Warnings == nil {
		doc.Warnings = []string{}
	}
	if len(r.Call.Channels) == 1 {
		doc.Notes = append(doc.Notes, MonoNote)
	}
	if t := r.Transcript; t != nil {
		doc.Language = t.Language
		doc.Warnings = append(doc.Warnings, t.Warnings...)
		for _, s := range t.Segments {
			doc.Segments = append(doc.Segments, SegmentDoc{s.Channel, s.Speaker, seconds(s.Start), seconds(s.End), strings.TrimSpace(s.Text), math.Round(s.Confidence*1000) / 1000, math.Round(s.LoudnessDB*10) / 10})
		}
		slices.SortStableFunc(doc.Segments, func(a, b SegmentDoc) int {
			switch {
			case a.Start < b.Start:
				return -1
			case a.Start > b.Start:
				return 1
			}
			return a.Channel - b.Channel
		})
		for _, t := range t.Turns {
			doc.Turns = append(doc.Turns, TurnDoc{t.Speaker, t.Channel, seconds(t.Start), seconds(t.End), t.Text, t.Overlap})
		}
		if t.Sound != nil {
			doc.Sound = t.Sound
		}
	}
	return doc
}

// ReadCallDoc decodes a call document from r and closes it.
func ReadCallDoc(r io.ReadCloser) (CallDoc, error) {
	defer r.Close()
	var d CallDoc
	err := json.NewDecoder(r).Decode(&d)
	return d, err
}

// Result turns a call document back into a result, for analysing stored transcripts again.
func (d CallDoc) Result() parley.Result {
	dur := func(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
	r := parley.Result{Call: parley.Call{ID: d.CallID, Source: d.Source, Duration: dur(d.DurationS), SampleRate: d.SampleRate,
		Encoding: d.Encoding, Channels: d.Channels}, Transcript: &parley.Transcript{Language: d.Language}, Analysis: d.Analysis, Score: d.Score, Metadata: d.Metadata, Warnings: d.Warnings}
	for _, s := range d.Segments {
		r.Transcript.Segments = append(r.Transcript.Segments, parley.Segment{Channel: s.Channel, Speaker: s.Speaker,
			Start: dur(s.Start), End: dur(s.End), Text: s.Text, Confidence: s.Confidence, LoudnessDB: s.LoudnessDB})
	}
	r.Transcript.Sound = d.Sound
	for _, t := range d.Turns {
		r.Transcript.Turns = append(r.Transcript.Turns, parley.Turn{Speaker: t.Speaker, Channel: t.Channel,
			Start: dur(t.Start), End: dur(t.End), Text: t.Text, Overlap: t.Overlap})
	}
	return r
}

// WriteVTT writes the segments as WebVTT cues with the speaker as voice tag.
func WriteVTT(w io.Writer, doc CallDoc) error {
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

func vttTime(sec float64) string {
	ms := int64(math.Round(sec * 1000))
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
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
}

// Add records one result.
func (s *Summary) Add(r parley.Result, outputs []string) {
	e := SummaryEntry{Input: r.Call.Source, CallID: r.Call.ID, DurationS: seconds(r.Call.Duration), WallS: seconds(r.Elapsed), Outputs: outputs, Warnings: r.Warnings}
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
func PutCallFiles(doc CallDoc, base string, put func(key string, b []byte, contentType string) error) error {
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
func CallFiles(doc CallDoc) []CallFile {
	return []CallFile{
		{".vtt", "text/vtt", func(w io.Writer) error { return WriteVTT(w, doc) }},
		{".html", "text/html", func(w io.Writer) error { return WriteHTML(w, doc) }},
		{".json", "application/json", func(w io.Writer) error { return EncodeJSON(w, doc) }},
	}
}
