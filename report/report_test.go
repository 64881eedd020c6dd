package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
)

func TestWriteVTT(t *testing.T) {
	res := parley.Result{
		Call: parley.Call{ID: "c", Channels: []parley.Channel{{Index: 0, Role: parley.RoleAgent}, {Index: 1, Role: parley.RoleCustomer}}},
		Transcript: &parley.Transcript{Segments: []parley.Segment{
			{Channel: 1, Speaker: parley.RoleCustomer, Start: 3723*time.Second + 450*time.Millisecond, End: 3725 * time.Second, Text: " a <b> & c --> d"},
			{Channel: 0, Speaker: parley.RoleAgent, Start: 0, End: 1500 * time.Millisecond, Text: "Hello"},
			{Channel: 0, Speaker: parley.RoleAgent, Start: 2 * time.Second, End: 3 * time.Second, Text: "  "},
		}},
	}
	var b bytes.Buffer
	if err := WriteVTT(&b, calldoc.New(res, "m")); err != nil {
		t.Fatal(err)
	}
	want := "WEBVTT\n\n" +
		"00:00:00.000 --> 00:00:01.500\n<v agent>Hello\n\n" +
		"01:02:03.450 --> 01:02:05.000\n<v customer>a &lt;b&gt; &amp; c --&gt; d\n\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	if err := WriteSRT(&b, calldoc.New(res, "m")); err != nil {
		t.Fatal(err)
	}
	want = "1\n00:00:00,000 --> 00:00:01,500\nagent: Hello\n\n" +
		"2\n01:02:03,450 --> 01:02:05,000\ncustomer: a <b> & c --> d\n\n"
	if b.String() != want {
		t.Errorf("SRT got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestSummary(t *testing.T) {
	var s Summary
	s.Add(parley.Result{Call: parley.Call{ID: "a", Source: "a.wav", Duration: 90 * time.Second}}, []string{"a.json"})
	s.Add(parley.Result{Call: parley.Call{ID: "b", Source: "b.wav"}, Err: parley.Errorf(parley.CodeEmptyFile, "the file is empty")}, nil)
	s.Add(parley.Result{Call: parley.Call{ID: "c", Source: "c.wav"}, Err: errors.New("surprise")}, nil)
	if s.Total != 3 || s.OK != 1 || s.Failed != 2 || s.AudioS != 90 {
		t.Errorf("counts %+v", s)
	}
	if c := s.Calls[1]; c.Status != "failed" || c.ErrorCode != parley.CodeEmptyFile || !strings.Contains(c.Error, "empty") {
		t.Errorf("failed entry %+v", c)
	}
	if c := s.Calls[2]; c.ErrorCode != parley.CodeInternal {
		t.Errorf("an unnamed error must still get a code: %+v", c)
	}
}

func TestMonoNote(t *testing.T) {
	doc := calldoc.New(parley.Result{Call: parley.Call{Channels: []parley.Channel{{Index: 0, Role: parley.RoleUnknown}}}}, "")
	if len(doc.Notes) != 1 || doc.Segments == nil || doc.Turns == nil {
		t.Errorf("mono doc %+v: notes must say what is missing, lists must be [] not null", doc)
	}
}

// A diarized call's page says which voice is the agent's, and a turn of a document written before the
// window split kept punctuation with its words does not open with the sentence before's full stop.
func TestHTMLSpeakersAndText(t *testing.T) {
	doc := calldoc.New(parley.Result{Call: parley.Call{Channels: []parley.Channel{{Index: 0, Role: parley.RoleUnknown}}},
		Transcript: &parley.Transcript{
			Turns: []parley.Turn{{Speaker: parley.RoleAgent, Voice: 1, Text: "Anything else?"}, {Speaker: parley.RoleCustomer, Voice: 2, Text: ". Nope."}},
			Diarization: []parley.Diarization{{Channel: 0, Voices: 2, Roles: []parley.Role{parley.RoleAgent, parley.RoleCustomer},
				RolesBy: "words", RoleConfidence: 0.55}},
		}}, "")
	var b bytes.Buffer
	if err := WriteHTML(&b, doc); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if !strings.Contains(page, "<td>Nope.") || strings.Contains(page, ". Nope.") {
		t.Error("the turn still opens with a stray full stop")
	}
	if !strings.Contains(page, "the agent is voice 1") || !strings.Contains(page, "Check who the agent is") || !strings.Contains(page, calldoc.DiarizedNote) {
		t.Errorf("the page does not say how the speakers were found:\n%s", page)
	}
}

// Evidence quoted from the second hearing says so on the call's page, escaped.
func TestHTMLHeardAgain(t *testing.T) {
	doc := calldoc.New(parley.Result{Transcript: &parley.Transcript{Turns: []parley.Turn{{Speaker: parley.RoleAgent, Text: "Thank you for coloring."}}},
		Score: &parley.Score{Items: []parley.ItemResult{{Label: "Greets", Status: parley.ItemPass, Evidence: []parley.Evidence{
			{Speaker: parley.RoleAgent, Quote: "Thank you for calling.", Heard: "<b>base</b>.bin"}, {Speaker: parley.RoleAgent, Quote: "Hello."}}}}}}, "")
	var b bytes.Buffer
	if err := WriteHTML(&b, doc); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if !strings.Contains(page, "<q>Thank you for calling.</q> <span class=\"heard\">(heard again by &lt;b&gt;base&lt;/b&gt;.bin)</span>") ||
		strings.Count(page, "heard again by") != 1 {
		t.Errorf("the second hearing's quote is not marked, or marked where it is not one:\n%s", page)
	}
}

// A recognised turn's words the recogniser was unsure of are marked, escaped, the leading punctuation
// gone as from the text, with a legend.
func TestHTMLUnsureWords(t *testing.T) {
	ms := time.Millisecond
	seg := parley.Segment{Speaker: parley.RoleAgent, End: time.Second, Text: ". Hi <Northwind>", Tokens: []parley.Token{
		{End: 10 * ms, Text: ".", P: 0.2}, {Start: 10 * ms, End: 200 * ms, Text: " Hi", P: 0.9}, {Start: 200 * ms, End: 900 * ms, Text: " <Northwind>", P: 0.3}}}
	doc := calldoc.New(parley.Result{Call: parley.Call{Channels: []parley.Channel{{Index: 0, Role: parley.RoleAgent}}},
		Transcript: &parley.Transcript{Segments: []parley.Segment{seg},
			Turns: []parley.Turn{{Speaker: parley.RoleAgent, End: time.Second, Text: seg.Text}}}}, "")
	var b bytes.Buffer
	if err := WriteHTML(&b, doc); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if !strings.Contains(page, `<td>Hi <span class="unsure" title="heard unsurely (0.30)">&lt;Northwind&gt;</span>`) || !strings.Contains(page, "were heard unsurely") {
		t.Errorf("unsure words not marked:\n%s", page[strings.Index(page, "<h2>Transcript"):])
	}
}

// The timeline marks speech, holds, negative customer turns and evidence, each with the moment a click
// plays from, names them in a legend, and escapes what comes from the document.
func TestTimelineMarks(t *testing.T) {
	doc := calldoc.CallDoc{DurationS: 60,
		Segments: []calldoc.SegmentDoc{{Speaker: parley.RoleAgent, Start: 1, End: 4}, {Speaker: "<b>x</b>", Start: 5, End: 9}},
		Turns:    []calldoc.TurnDoc{{Speaker: parley.RoleCustomer, Start: 5, End: 9, Overlap: true}},
		Score: &parley.Score{Metrics: parley.TalkMetrics{Holds: []parley.Span{{Start: 20, End: 30}}},
			Items: []parley.ItemResult{{Label: "Greets <i>", Status: parley.ItemPass, Evidence: []parley.Evidence{{Start: 1.5}}}}},
		Analysis: &parley.Analysis{Sentiment: &parley.CallSentiment{Turns: []parley.TurnSentiment{{Speaker: parley.RoleCustomer, Start: 40, Label: "negative", Score: -0.6}}}},
	}
	svg := string(Timeline(doc))
	for _, want := range []string{`data-seek="1.00"`, `data-seek="20.00"`, `data-seek="40.00"`, `data-seek="1.50"`, "hold</span>", "customer negative</span>", "overlapping speech</span>", "&lt;b&gt;x&lt;/b&gt;", "Greets &lt;i&gt;"} {
		if !strings.Contains(svg, want) {
			t.Errorf("timeline lacks %s", want)
		}
	}
	if strings.Contains(svg, "<b>x") || strings.Contains(svg, "dead air</span>") {
		t.Error("unescaped document text, or a legend entry for what the call does not have")
	}
}
