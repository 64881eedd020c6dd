package transcribe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/parley-cc/parley"
)

// Transcript formats parley imports, so teams keep the history made by another engine and the
// analysis layers can run on any transcript.
const (
	FormatVTT     = "vtt"         // WebVTT; speakers from <v Name> voice tags
	FormatWhisper = "whisper-cli" // whisper-cli -oj output
	FormatAWS     = "aws"         // AWS Transcribe job output, channel or speaker identification
)

// EncodingTranscript starts the encoding of a call read from a transcript ("transcript:vtt"…).
const EncodingTranscript = "transcript:"

// TranscriptSuffixes name transcripts beside a recording: NAME.vtt, NAME.whisper.json, NAME.aws.json.
var TranscriptSuffixes = []string{".vtt", ".whisper.json", ".aws.json"}

// IsRecording tells whether a file or object name is a recording parley decodes (by its extension; the
// decoder names what is wrong inside). parley run, the queue and the review app all ask here.
func IsRecording(name string) bool { return strings.EqualFold(path.Ext(name), ".wav") }

// BaseName is a recording's or transcript's path without its extension, or without its transcript
// suffix (calls/a.wav, calls/a.vtt and calls/a.whisper.json are all calls/a).
func BaseName(name string) string {
	for _, suf := range TranscriptSuffixes {
		if strings.HasSuffix(name, suf) {
			return strings.TrimSuffix(name, suf)
		}
	}
	return strings.TrimSuffix(name, path.Ext(name))
}

// DetectTranscript tells whether a file's name and content make it a transcript parley imports, and
// its format.
func DetectTranscript(name string, b []byte) (string, bool) {
	switch strings.ToLower(path.Ext(name)) {
	case ".vtt":
		return FormatVTT, true
	case ".json":
		var probe map[string]json.RawMessage
		if json.Unmarshal(b, &probe) != nil {
			return "", false
		}
		if _, ok := probe["transcription"]; ok {
			return FormatWhisper, true
		}
		if r, ok := probe["results"]; ok && bytes.Contains(r, []byte(`"items"`)) {
			return FormatAWS, true
		}
	}
	return "", false
}

// IsTranscriptFile is DetectTranscript on a file (read only when its name could be a transcript).
func IsTranscriptFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".vtt":
		return true
	case ".json":
		b, err := os.ReadFile(name)
		if err != nil {
			return false
		}
		_, ok := DetectTranscript(name, b)
		return ok
	}
	return false
}

// Import reads a transcript (name is its file name or object key) into a result, mapping channels (or
// speakers 0 and 1) to roles as for recordings. Warnings name what was guessed.
func (p *Pipeline) Import(name string, b []byte) parley.Result {
	start := time.Now()
	res := parley.Result{Call: parley.Call{ID: CallID(name), Source: name}}
	format, ok := DetectTranscript(name, b)
	if !ok {
		res.Err = parley.Errorf(parley.CodeNotWAV, "%s is neither a WAV recording nor a transcript parley imports (WebVTT, whisper-cli JSON, AWS Transcribe JSON)", path.Base(name))
		return res
	}
	var segs []parley.Segment
	var lang string
	var err error
	switch format {
	case FormatVTT:
		segs, res.Warnings, err = parseVTT(b)
	case FormatWhisper:
		segs, lang, err = parseWhisperJSON(b)
	case FormatAWS:
		segs, lang, err = parseAWS(b)
	}
	if err != nil {
		res.Err = parley.WrapError(parley.CodeBadHeader, err, "%s transcript", format)
		return res
	}
	channels := 0
	for _, s := range segs {
		channels = max(channels, s.Channel+1)
	}
	res.Call.Channels = p.channels(max(channels, 1))
	for i := range segs {
		segs[i].Speaker = res.Call.Channels[segs[i].Channel].Role
		res.Call.Duration = max(res.Call.Duration, segs[i].End)
	}
	sort.SliceStable(segs, func(a, b int) bool { return segs[a].Start < segs[b].Start })
	res.Call.Encoding = EncodingTranscript + format
	res.Transcript = &parley.Transcript{Language: lang, Segments: segs, Turns: MergeTurns(segs, p.TurnGap)}
	if res.Transcript.Segments == nil {
		res.Transcript.Segments = []parley.Segment{}
	}
	if res.Transcript.Turns == nil {
		res.Transcript.Turns = []parley.Turn{}
	}
	res.Elapsed = time.Since(start)
	return res
}

var (
	vttTiming = regexp.MustCompile(`^((?:\d+:)?\d{1,2}:\d{2}[.,]\d{3})\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}[.,]\d{3})`)
	vttVoice  = regexp.MustCompile(`^<v(?:\.[^ >]*)?\s+([^>]+)>`)
	vttTag    = regexp.MustCompile(`</?[^>]+>`)
)

// parseVTT reads WebVTT cues. Voices named agent or customer go to their channels; other names are
// given channels in order of appearance, with a warning.
func parseVTT(b []byte) ([]parley.Segment, []string, error) {
	if !bytes.HasPrefix(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), []byte("WEBVTT")) {
		return nil, nil, fmt.Errorf("no WEBVTT header")
	}
	var segs []parley.Segment
	var warnings []string
	voices := map[string]int{"agent": 0, "customer": 1}
	guessed := 0
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		m := vttTiming.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		start, err1 := vttTime(m[1])
		end, err2 := vttTime(m[2])
		if err1 != nil || err2 != nil || end < start {
			return nil, nil, fmt.Errorf("line %d: bad cue timing %q", i+1, lines[i])
		}
		var text []string
		ch := -1
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			l := strings.TrimSpace(lines[i])
			if v := vttVoice.FindStringSubmatch(l); v != nil {
				name := strings.ToLower(strings.TrimSpace(v[1]))
				c, ok := voices[name]
				if !ok {
					c = min(guessed, 1)
					guessed++
					voices[name] = c
					warnings = append(warnings, fmt.Sprintf("transcript_speaker_guessed: voice %q taken as channel %d", v[1], c))
				}
				ch = c
			}
			text = append(text, vttTag.ReplaceAllString(l, ""))
		}
		if ch < 0 {
			ch = 0
		}
		t := strings.TrimSpace(strings.Join(text, " "))
		t = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(t)
		segs = append(segs, parley.Segment{Channel: ch, Start: start, End: end, Text: t, Confidence: 1})
	}
	return segs, warnings, nil
}

func vttTime(s string) (time.Duration, error) {
	s = strings.Replace(s, ",", ".", 1)
	parts := strings.Split(s, ":")
	var h, m int
	var sec float64
	var err error
	switch len(parts) {
	case 3:
		if h, err = strconv.Atoi(parts[0]); err != nil {
			return 0, err
		}
		parts = parts[1:]
		fallthrough
	case 2:
		if m, err = strconv.Atoi(parts[0]); err != nil {
			return 0, err
		}
		if sec, err = strconv.ParseFloat(parts[1], 64); err != nil {
			return 0, err
		}
	default:
		return 0, fmt.Errorf("time %q", s)
	}
	return time.Duration((float64(h*3600+m*60) + sec) * float64(time.Second)), nil
}

// parseWhisperJSON reads whisper-cli -oj output. A "speaker" field ("0", "1") picks the channel.
func parseWhisperJSON(b []byte) ([]parley.Segment, string, error) {
	var doc struct {
		Result struct {
			Language string `json:"language"`
		} `json:"result"`
		Transcription []struct {
			Offsets struct {
				From, To int64
			} `json:"offsets"`
			Text    string `json:"text"`
			Speaker string `json:"speaker"`
		} `json:"transcription"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, "", err
	}
	var segs []parley.Segment
	for _, t := range doc.Transcription {
		ch, _ := strconv.Atoi(t.Speaker)
		if ch < 0 || ch > 1 {
			ch = 0
		}
		segs = append(segs, parley.Segment{Channel: ch, Start: time.Duration(t.Offsets.From) * time.Millisecond,
			End: time.Duration(t.Offsets.To) * time.Millisecond, Text: strings.TrimSpace(t.Text), Confidence: 1})
	}
	return segs, doc.Result.Language, nil
}

// parseAWS reads an AWS Transcribe result: words with times and a channel (ch_N) or speaker (spk_N)
// label, grouped into segments at speaker changes, pauses over a second and sentence ends.
func parseAWS(b []byte) ([]parley.Segment, string, error) {
	type item struct {
		Start        string `json:"start_time"`
		End          string `json:"end_time"`
		Type         string `json:"type"`
		ChannelLabel string `json:"channel_label"`
		SpeakerLabel string `json:"speaker_label"`
		Alternatives []struct {
			Content    string `json:"content"`
			Confidence string `json:"confidence"`
		} `json:"alternatives"`
	}
	var doc struct {
		Results struct {
			LanguageCode  string `json:"language_code"`
			Items         []item `json:"items"`
			ChannelLabels *struct {
				Channels []struct {
					ChannelLabel string `json:"channel_label"`
					Items        []item `json:"items"`
				} `json:"channels"`
			} `json:"channel_labels"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, "", err
	}
	items := doc.Results.Items
	if cl := doc.Results.ChannelLabels; cl != nil && len(items) > 0 && items[0].ChannelLabel == "" {
		items = nil
		for _, c := range cl.Channels {
			for _, it := range c.Items {
				it.ChannelLabel = c.ChannelLabel
				items = append(items, it)
			}
		}
	}
	label := func(it item) int {
		l := it.ChannelLabel
		if l == "" {
			l = it.SpeakerLabel
		}
		n, _ := strconv.Atoi(l[strings.LastIndex(l, "_")+1:])
		return min(max(n, 0), 1)
	}
	var segs []parley.Segment
	var cur *parley.Segment
	var confSum float64
	var words int
	flush := func() {
		if cur != nil && cur.Text != "" {
			cur.Confidence = confSum / float64(max(words, 1))
			segs = append(segs, *cur)
		}
		cur, confSum, words = nil, 0, 0
	}
	var lastCh int
	for _, it := range items {
		if len(it.Alternatives) == 0 {
			continue
		}
		content := it.Alternatives[0].Content
		if it.Type == "punctuation" {
			if cur != nil {
				cur.Text += content
				if parley.EndsSentence(content) {
					flush()
				}
			}
			continue
		}
		st, err1 := strconv.ParseFloat(it.Start, 64)
		en, err2 := strconv.ParseFloat(it.End, 64)
		if err1 != nil || err2 != nil {
			return nil, "", fmt.Errorf("item %q without valid times", content)
		}
		ch := label(it)
		start, end := time.Duration(st*float64(time.Second)), time.Duration(en*float64(time.Second))
		if cur != nil && (ch != lastCh || start-cur.End > time.Second) {
			flush()
		}
		if cur == nil {
			cur = &parley.Segment{Channel: ch, Start: start}
		} else {
			cur.Text += " "
		}
		cur.Text += content
		cur.End = end
		c, _ := strconv.ParseFloat(it.Alternatives[0].Confidence, 64)
		confSum += c
		words++
		lastCh = ch
	}
	flush()
	lang := strings.ToLower(doc.Results.LanguageCode)
	if i := strings.Index(lang, "-"); i > 0 {
		lang = lang[:i]
	}
	return segs, lang, nil
}
