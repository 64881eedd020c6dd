package transcribe

import (
	"context"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-cc/parley"
)

func TestCorrect(t *testing.T) {
	terms := []string{"Northwind", "Northwind Telecom", "FibreMax", "Kim"}
	for _, tt := range []struct {
		in, want string
		fixes    int
	}{
		{"North wind technical support, this is Kim.", "Northwind technical support, this is Kim.", 1},
		{"Hello, Northwnd, you're talking to Isla.", "Hello, Northwind, you're talking to Isla.", 1},
		{"Hello, not wind, you're talking to Isla.", "Hello, not wind, you're talking to Isla.", 0}, // two edits: too far
		{"Thanks for calling Northwind Pelorcom.", "Thanks for calling Northwind Telecom.", 1},
		{"Do you want the fiber max package?", "Do you want the FibreMax package?", 1},
		{"Northwind Telecom, how can I help?", "Northwind Telecom, how can I help?", 0},
		// Ordinary words stay: not close enough, another first letter, or a short term.
		{"It is not windy at the north end.", "It is not windy at the north end.", 0},
		{"I'll find my kit.", "I'll find my kit.", 0},
		{"", "", 0},
	} {
		got, n := Correct(tt.in, terms)
		if got != tt.want || n != tt.fixes {
			t.Errorf("Correct(%q) = %q, %d fixes; want %q, %d", tt.in, got, n, tt.want, tt.fixes)
		}
	}
}

func TestVocabularyFor(t *testing.T) {
	v := &Vocabulary{Terms: []string{"Northwind"}, ByPrefix: map[string][]string{"calls/": {"Sam"}, "calls/billing/": {"PayEasy"}}}
	for src, want := range map[string]string{
		"calls/billing/x.wav": "Northwind, PayEasy.",
		"calls/tech/x.wav":    "Northwind, Sam.",
		"other/x.wav":         "Northwind.",
	} {
		if got := PromptText(v.For(src)); got != want {
			t.Errorf("%s: prompt %q, want %q", src, got, want)
		}
	}
	if (*Vocabulary)(nil).For("x") != nil || PromptText(nil) != "" {
		t.Error("no vocabulary must give no terms and no prompt")
	}
}

// The languages a call may be detected in: the longest prefix of its source, else the general list.
func TestLanguagesFor(t *testing.T) {
	p := &Pipeline{Languages: []string{"en"}, LanguagesByPrefix: map[string][]string{"s3://calls/": {"en", "es"}, "s3://calls/kr/": {"ko", "en"}, "": {"fr"}}}
	for src, want := range map[string]string{"s3://calls/kr/1.wav": "ko en", "s3://calls/mx/1.wav": "en es", "/tmp/x.wav": "fr"} {
		if got := strings.Join(p.languagesFor(src), " "); got != want {
			t.Errorf("%s: %q, want %q", src, got, want)
		}
	}
	delete(p.LanguagesByPrefix, "")
	if got := p.languagesFor("/tmp/x.wav"); len(got) != 1 || got[0] != "en" {
		t.Errorf("no prefix: %v, want the general list", got)
	}
}

// A prompt that makes the recogniser skip speech is left out for that window, and the transcript says
// so; the window's text then comes from the recognition without it.
func TestPromptThatSkipsSpeechIsDropped(t *testing.T) {
	prompts := 0
	tr := parley.TranscriberFunc(func(ctx context.Context, s []float32) (parley.Recognition, error) {
		if parley.PromptFrom(ctx) != "" {
			prompts++
			return parley.Recognition{Language: "en"}, nil // heard nothing
		}
		d := time.Duration(len(s)) * time.Second / parley.SampleRate
		return parley.Recognition{Language: "en", Segments: []parley.Segment{{Start: 0, End: d, Text: "north wind speaking"}}}, nil
	})
	p := &Pipeline{Transcriber: tr, TurnGap: time.Second, VAD: &VAD{}, PackPerChannel: true,
		Vocabulary: &Vocabulary{Terms: []string{"Northwind"}, Prompt: true}}
	res := p.File(context.Background(), "../testdata/calls/billing-dispute.wav")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if prompts == 0 || len(res.Transcript.Warnings) != 1 || !strings.Contains(res.Transcript.Warnings[0], "vocabulary prompt left out") {
		t.Fatalf("%d prompted recognitions, warnings %v", prompts, res.Transcript.Warnings)
	}
	if s := res.Transcript.Segments; len(s) == 0 || s[0].Text != "Northwind speaking" {
		t.Errorf("segments %+v: want the text without the prompt, corrected", s)
	}
	// Without Prompt the terms only correct the text: nothing is prompted.
	prompts = 0
	p.Vocabulary.Prompt = false
	if res := p.File(context.Background(), "../testdata/calls/billing-dispute.wav"); res.Err != nil || prompts != 0 || len(res.Transcript.Warnings) != 0 {
		t.Errorf("prompt off: %d prompted, %v, %v", prompts, res.Err, res.Transcript.Warnings)
	}
}

// The prompt goes to the agent's opening and to the opening of a channel whose speaker is unknown
// (mono), never to the customer's speech, whichever side of the recorder the customer is on; without
// the voice detector (whole channels) to the agent's whole channel.
func TestPromptOnTheAgentsSideOnly(t *testing.T) {
	tr := parley.TranscriberFunc(func(ctx context.Context, s []float32) (parley.Recognition, error) {
		text := "plain"
		if parley.PromptFrom(ctx) != "" {
			text = "prompted"
		}
		d := samplesToDuration(len(s), parley.SampleRate)
		return parley.Recognition{Language: "en", Segments: []parley.Segment{{Start: 0, End: d, Text: text}}}, nil
	})
	call := filepath.Join("..", "testdata", "calls", "billing-dispute.wav")
	both, mono := readWAV(t, call), monoMix(t, call)
	for _, tt := range []struct {
		name  string
		roles []parley.Role
		audio *Audio
		want  map[parley.Role]string // the speaker's first segment
	}{
		{"agent left", nil, both, map[parley.Role]string{parley.RoleAgent: "prompted", parley.RoleCustomer: "plain"}},
		{"agent right", []parley.Role{parley.RoleCustomer, parley.RoleAgent}, both, map[parley.Role]string{parley.RoleAgent: "prompted", parley.RoleCustomer: "plain"}},
		{"mono", nil, mono, map[parley.Role]string{parley.RoleUnknown: "prompted"}},
	} {
		for _, vad := range []*VAD{nil, {}} {
			p := &Pipeline{Transcriber: tr, Roles: tt.roles, TurnGap: time.Second, VAD: vad, PackPerChannel: true, Diarize: DiarizeOff,
				Vocabulary: &Vocabulary{Terms: []string{"Northwind"}, Prompt: true}}
			first, prompted := map[parley.Role]string{}, 0
			res, err := p.Audio(context.Background(), tt.audio, &parley.Call{})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range res.Segments {
				if _, ok := first[s.Speaker]; !ok {
					first[s.Speaker] = s.Text
				}
				if s.Text == "prompted" {
					prompted++
				}
			}
			if !maps.Equal(first, tt.want) {
				t.Errorf("%s, vad %v: %v, want %v", tt.name, vad != nil, first, tt.want)
			}
			if vad != nil && prompted != 1 {
				t.Errorf("%s: %d prompted segments, want the opening's alone", tt.name, prompted)
			}
		}
	}
}

// soundRuns recognises a window as one segment per run of sound in it (the pipeline lays pieces out
// with silence between them), each named by whether the window was read with the prompt. It splits at
// exact digital silence, not with the voice detector (as TestPackedCallComesBackToItsChannels does),
// whose noise floor is the window's own: a piece would split differently alone than packed.
func soundRuns(calls *[]int) parley.TranscriberFunc {
	var mu sync.Mutex
	return func(ctx context.Context, s []float32) (parley.Recognition, error) {
		text := "plain"
		if parley.PromptFrom(ctx) != "" {
			text = "prompted"
			mu.Lock()
			*calls = append(*calls, len(s))
			mu.Unlock()
		}
		var rec parley.Recognition
		at := func(i int) time.Duration { return samplesToDuration(i, parley.SampleRate) }
		start, zeros := -1, 0
		for i, v := range s {
			switch {
			case v != 0:
				if start < 0 {
					start = i
				}
				zeros = 0
			case start >= 0:
				if zeros++; zeros == parley.SampleRate/10 {
					rec.Segments = append(rec.Segments, parley.Segment{Start: at(start), End: at(i - zeros + 1), Text: text})
					start = -1
				}
			}
		}
		if start >= 0 {
			rec.Segments = append(rec.Segments, parley.Segment{Start: at(start), End: at(len(s) - zeros), Text: text})
		}
		return rec, nil
	}
}

// The agent's opening is read a second time, alone and with the prompt, and that reading replaces its
// text from the packed windows: every other segment is as without the prompt, none is lost or doubled,
// with one party per window and with both parties' turns packed together.
func TestPromptReadsTheOpeningAlone(t *testing.T) {
	call := readWAV(t, filepath.Join("..", "testdata", "calls", "billing-dispute.wav"))
	for _, perChannel := range []bool{true, false} {
		var prompted []int
		p := &Pipeline{Transcriber: soundRuns(&prompted), TurnGap: time.Second, VAD: &VAD{}, PackPerChannel: perChannel, Diarize: DiarizeOff,
			Vocabulary: &Vocabulary{Terms: []string{"Northwind"}}}
		plain, err := p.Audio(context.Background(), call, &parley.Call{})
		if err != nil {
			t.Fatal(err)
		}
		p.Vocabulary.Prompt = true
		got, err := p.Audio(context.Background(), call, &parley.Call{})
		if err != nil {
			t.Fatal(err)
		}
		if len(prompted) != 1 || prompted[0] >= 10*parley.SampleRate {
			t.Fatalf("per channel %v: prompted recognitions of %v samples, want one short opening", perChannel, prompted)
		}
		if len(got.Segments) != len(plain.Segments) {
			t.Fatalf("per channel %v: %d segments with the prompt, %d without", perChannel, len(got.Segments), len(plain.Segments))
		}
		firstAgent := true
		for i, s := range got.Segments {
			want := "plain"
			if s.Speaker == parley.RoleAgent && firstAgent {
				want, firstAgent = "prompted", false
			}
			q := plain.Segments[i]
			if s.Text != want || s.Speaker != q.Speaker || (s.Start-q.Start).Abs() > 50*time.Millisecond {
				t.Errorf("per channel %v: segment %d %s %v %q, want %s %v %q", perChannel, i, s.Speaker, s.Start, s.Text, q.Speaker, q.Start, want)
			}
		}
	}
}
