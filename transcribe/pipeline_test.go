package transcribe

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-cc/parley"
)

// echoTranscriber reports one segment per channel whose text is the channel's loudness, so a test can
// tell which audio reached which speaker. It stands in for whisper only in these unit tests of channel
// mapping; the whisper package's tests run the real recogniser.
func echoTranscriber(calls *int) parley.Transcriber {
	return parley.TranscriberFunc(func(ctx context.Context, s []float32) (parley.Recognition, error) {
		*calls++
		text := "quiet"
		if peakDBFS(s) > -10 {
			text = "loud"
		}
		d := samplesToDuration(len(s), parley.SampleRate)
		return parley.Recognition{Language: "en", Segments: []parley.Segment{{Start: 0, End: d + time.Second, Text: text, Confidence: 0.9}}}, nil
	})
}

func stereo(left, right float32, rate, n int) *Audio {
	a := &Audio{SampleRate: rate, Encoding: "pcm_s16le", Channels: [][]float32{make([]float32, n), make([]float32, n)}}
	for i := range n {
		ph := math.Sin(2 * math.Pi * 300 * float64(i) / float64(rate))
		a.Channels[0][i] = left * float32(ph)
		a.Channels[1][i] = right * float32(ph)
	}
	return a
}

func TestPipelineChannelRoles(t *testing.T) {
	tests := []struct {
		name      string
		roles     []parley.Role
		audio     *Audio
		want      map[parley.Role]string // speaker → text
		wantCalls int
	}{
		{"default: agent left, customer right", nil, stereo(0.9, 0.05, 8000, 8000),
			map[parley.Role]string{parley.RoleAgent: "loud", parley.RoleCustomer: "quiet"}, 2},
		{"swapped recorder", []parley.Role{parley.RoleCustomer, parley.RoleAgent}, stereo(0.9, 0.05, 8000, 8000),
			map[parley.Role]string{parley.RoleCustomer: "loud", parley.RoleAgent: "quiet"}, 2},
		{"silent channel is not recognised", nil, stereo(0.9, 0, 8000, 8000),
			map[parley.Role]string{parley.RoleAgent: "loud"}, 1},
		{"mono is unknown speaker", nil, &Audio{SampleRate: 16000, Encoding: "pcm_s16le", Channels: [][]float32{stereo(0.9, 0, 16000, 16000).Channels[0]}},
			map[parley.Role]string{parley.RoleUnknown: "loud"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			p := &Pipeline{Transcriber: echoTranscriber(&calls), Roles: tt.roles, TurnGap: time.Second, SilenceDBFS: -50}
			call := &parley.Call{}
			tr, err := p.Audio(context.Background(), tt.audio, call)
			if err != nil {
				t.Fatal(err)
			}
			if calls != tt.wantCalls {
				t.Errorf("recogniser ran %d times, want %d", calls, tt.wantCalls)
			}
			got := map[parley.Role]string{}
			for _, s := range tr.Segments {
				got[s.Speaker] = s.Text
				if s.Speaker != call.Channels[s.Channel].Role {
					t.Errorf("segment on channel %d says %s, channel map says %s", s.Channel, s.Speaker, call.Channels[s.Channel].Role)
				}
				if s.End > call.Duration {
					t.Errorf("segment ends at %v, after the call (%v)", s.End, call.Duration)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("speakers %v, want %v", got, tt.want)
			}
			for role, text := range tt.want {
				if got[role] != text {
					t.Errorf("%s said %q, want %q", role, got[role], text)
				}
			}
			if call.Duration != time.Second || len(call.Channels) != len(tt.audio.Channels) {
				t.Errorf("call facts: %v, %d channels", call.Duration, len(call.Channels))
			}
		})
	}
}

func TestPipelineRecogniserError(t *testing.T) {
	boom := errors.New("boom")
	p := &Pipeline{Transcriber: parley.TranscriberFunc(func(context.Context, []float32) (parley.Recognition, error) {
		return parley.Recognition{}, boom
	})}
	_, err := p.Audio(context.Background(), stereo(0.5, 0.5, 8000, 800), &parley.Call{})
	if !errors.Is(err, boom) || parley.ErrorCode(err) != parley.CodeTranscribe {
		t.Errorf("error %v, want transcribe_failed wrapping the cause", err)
	}
}

func TestValidateRoles(t *testing.T) {
	for _, tt := range []struct {
		roles []parley.Role
		ok    bool
	}{
		{[]parley.Role{parley.RoleAgent, parley.RoleCustomer}, true},
		{[]parley.Role{parley.RoleCustomer, parley.RoleAgent}, true},
		{[]parley.Role{parley.RoleUnknown, parley.RoleUnknown}, true},
		{[]parley.Role{parley.RoleAgent, parley.RoleAgent}, false},
		{[]parley.Role{parley.RoleAgent}, false},
		{[]parley.Role{parley.RoleAgent, parley.RoleCustomer, parley.RoleUnknown}, true},
		{[]parley.Role{parley.RoleUnknown, parley.RoleCustomer, parley.RoleUnknown, parley.RoleAgent}, true},
		{[]parley.Role{parley.RoleAgent, parley.RoleCustomer, parley.RoleCustomer}, false},
		{make([]parley.Role, 9), false},
	} {
		if err := ValidateRoles(tt.roles); (err == nil) != tt.ok {
			t.Errorf("ValidateRoles(%v) = %v", tt.roles, err)
		}
	}
}

func TestWER(t *testing.T) {
	for _, tt := range []struct {
		ref, hyp string
		want     float64
	}{
		{"And so, my fellow Americans", "and so my fellow americans", 0},
		{"ask not what your country can do", "ask what your country can do", 1.0 / 7},
		{"I'm calling", "im calling", 0.5},
		{"hello there", "hello their friend", 1},
		{"", "", 0},
		{"", "noise", 1},
	} {
		if got := WER(tt.ref, tt.hyp); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("WER(%q, %q) = %v, want %v", tt.ref, tt.hyp, got, tt.want)
		}
	}
}

// refTranscriber answers each channel with the reference utterances of a testdata call (and a
// "[Music]" segment a recogniser might write during the hold), so the audio measurements can be
// checked against known times.
func refTranscriber(t *testing.T, call string) parley.Transcriber {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "calls", call+".turns.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	byRole := map[string][]parley.Segment{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(line, "\t")
		s, _ := strconv.ParseFloat(f[0], 64)
		e, _ := strconv.ParseFloat(f[1], 64)
		byRole[f[2]] = append(byRole[f[2]], parley.Segment{Start: secs(s), End: secs(e), Text: f[3]})
	}
	byRole["agent"] = append(byRole["agent"], parley.Segment{Start: secs(28), End: secs(32), Text: "[Music]"})
	// The channels are recognised concurrently: tell them apart by who speaks in the first utterances
	// (the agent from 0.5 s, the customer from 6.7 s).
	rms := func(s []float32, from, to float64) float64 {
		a, b := int(from*parley.SampleRate), min(len(s), int(to*parley.SampleRate))
		var sum float64
		for _, v := range s[a:b] {
			sum += float64(v) * float64(v)
		}
		return sum
	}
	return parley.TranscriberFunc(func(_ context.Context, samples []float32) (parley.Recognition, error) {
		role := "customer"
		if rms(samples, 0.5, 5.5) > rms(samples, 6.7, 13) {
			role = "agent"
		}
		return parley.Recognition{Language: "en", Segments: byRole[role]}, nil
	})
}

func TestPipelineAudioSignals(t *testing.T) {
	p := &Pipeline{Transcriber: refTranscriber(t, "billing-dispute"), TurnGap: time.Second, SilenceDBFS: -50}
	res := p.File(context.Background(), filepath.Join("..", "testdata", "calls", "billing-dispute.wav"))
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	tr := res.Transcript
	for _, s := range tr.Segments {
		if strings.Contains(s.Text, "Music") {
			t.Errorf("non-speech segment kept: %q", s.Text)
		}
		if s.LoudnessDB > -3 || s.LoudnessDB < -40 {
			t.Errorf("segment %q level %.1f dBFS: synthetic speech is normalised to about -3 dBFS peak", s.Text, s.LoudnessDB)
		}
	}
	// The generator plays 6 s of hold music on the agent channel after "…on hold for a moment." (ends 26.4 s).
	found := false
	for _, s := range tr.Sound {
		if s.Start >= 26 && s.Start <= 28 && s.End >= 32 && s.End <= 34 {
			found = true
		}
	}
	if !found {
		t.Errorf("hold music not found: %+v", tr.Sound)
	}
	for _, text := range []string{"[Music]", "(upbeat music)", "♪ ♪", "[BLANK_AUDIO]"} {
		if !nonSpeech.MatchString(text) {
			t.Errorf("%q not taken as non-speech", text)
		}
	}
	if nonSpeech.MatchString("[PERSON] called") {
		t.Error("words taken as non-speech")
	}
}

func TestMaxFileSize(t *testing.T) {
	p := &Pipeline{Transcriber: parley.TranscriberFunc(func(context.Context, []float32) (parley.Recognition, error) {
		t.Fatal("a refused file reached the recogniser")
		return parley.Recognition{}, nil
	}), MaxFileSize: 1000}
	res := p.File(context.Background(), filepath.Join("..", "testdata", "calls", "address-change.wav"))
	if parley.ErrorCode(res.Err) != parley.CodeTooLarge || !strings.Contains(res.Err.Error(), "1000-byte limit") {
		t.Errorf("error %v", res.Err)
	}
}

// TestPipelineThreeChannels: with max_channels 3, a recording of three parties (a supervisor joined on
// the third channel) is transcribed with each channel's speech under its own role, the channels past
// the role map as unknown; at the default of 2 it is refused by name.
func TestPipelineThreeChannels(t *testing.T) {
	const rate, n = 8000, 8000
	pcm := make([]int16, 3*n)
	for i := range n {
		for c, amp := range []float64{0.9, 0.3, 0.05} {
			pcm[3*i+c] = int16(amp * 32767 * math.Sin(2*math.Pi*300*float64(i)/rate))
		}
	}
	path := filepath.Join(t.TempDir(), "three.wav")
	if err := os.WriteFile(path, wavBytes(formatPCM, 3, rate, 16, 0, le16(pcm...), -1), 0o644); err != nil {
		t.Fatal(err)
	}
	calls := 0
	p := &Pipeline{Transcriber: echoTranscriber(&calls), Roles: DefaultRoles, MaxChannels: 3, TurnGap: time.Second, SilenceDBFS: -50}
	res := p.File(context.Background(), path)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	got := map[int]parley.Role{}
	for _, s := range res.Transcript.Segments {
		got[s.Channel] = s.Speaker
	}
	want := map[int]parley.Role{0: parley.RoleAgent, 1: parley.RoleCustomer, 2: parley.RoleUnknown}
	if calls != 3 || len(res.Call.Channels) != 3 || !maps.Equal(got, want) {
		t.Errorf("%d recognitions, channels %v, speakers by channel %v", calls, res.Call.Channels, got)
	}
	p.MaxChannels = 0
	if res := p.File(context.Background(), path); parley.ErrorCode(res.Err) != parley.CodeUnsupportedChannels || !strings.Contains(res.Err.Error(), "max_channels") {
		t.Errorf("at the default: %v", res.Err)
	}
}

func TestNormalizeNumbers(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Sure, it is seven two four one nine.", "sure it is 7 2 4 1 9"},
		{"Sure, it's 72419.", "sure it's 7 2 4 1 9"},
		{"the ninth of March, nineteen eighty six", "the 9 of march 1 9 8 6"},
		{"the 9th of March 1986", "the 9 of march 1 9 8 6"},
		{"oh seven seven zero zero nine double four one two eight", "0 7 7 0 0 9 4 4 1 2 8"},
		{"07700 944128", "0 7 7 0 0 9 4 4 1 2 8"},
		{"four hundred and eighty", "4 8 0"},
		{"thirty nine pounds, twenty percent", "3 9 pounds 2 0 percent"},
		{"£39, 20%", "3 9 pounds 2 0 percent"},
		{"twenty first of October", "2 1 of october"},
		{"Oh no, and a hundred things", "oh no and a hundred things"},
		{"two thousand and five", "2 0 0 5"},
	} {
		if got := strings.Join(NormalizeWords(tt.in), " "); got != tt.want {
			t.Errorf("NormalizeWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMisplaced(t *testing.T) {
	for _, tt := range []struct {
		refA, hypA, refB, hypB string
		want, words            int
	}{
		{"hello there", "hello there", "yes I am", "yes I am", 0, 5},
		// The customer's "Yes" heard at the end of the agent's turn.
		{"can you confirm your date of birth", "can you confirm your date of birth yes", "yes it's the ninth", "it's the ninth", 1, 11},
		// A word lost on one side and not found on the other is an error, not misplaced.
		{"good morning", "good", "hi", "hi", 0, 3},
	} {
		if got, n := Misplaced(tt.refA, tt.hypA, tt.refB, tt.hypB); got != tt.want || n != tt.words {
			t.Errorf("Misplaced(%q…) = %d of %d, want %d of %d", tt.hypA, got, n, tt.want, tt.words)
		}
	}
}

// Whisper's quotation marks are dropped from a segment's text and tokens, and the tokens still spell
// the text word for word (a token that was only a quotation mark gives its space to the next one).
func TestUnquote(t *testing.T) {
	tok := func(texts ...string) []parley.Token {
		var out []parley.Token
		for i, x := range texts {
			out = append(out, parley.Token{Start: time.Duration(i) * time.Second, End: time.Duration(i+1) * time.Second, Text: x, P: 0.9})
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		text       string
		toks       []string
		wantText   string
		wantTokens []string
	}{
		{"a quoted segment", `"No, that's it."`, []string{` "`, `No`, `,`, ` that`, `'s`, ` it`, `."`}, `No, that's it.`, []string{` No`, `,`, ` that`, `'s`, ` it`, `.`}},
		{"a quote inside", `He said "cancel it" then.`, []string{` He`, ` said`, ` "`, `cancel`, ` it`, `"`, ` then`, `.`}, `He said cancel it then.`, []string{` He`, ` said`, ` cancel`, ` it`, ` then`, `.`}},
		{"curly quotes glued to words", `“Great” thanks`, []string{` “Great”`, ` thanks`}, `Great thanks`, []string{` Great`, ` thanks`}},
		{"no quotes: unchanged", `It's fine.`, []string{` It`, `'s`, ` fine`, `.`}, `It's fine.`, []string{` It`, `'s`, ` fine`, `.`}},
		{"only quotation marks", `""`, []string{` "`, `"`}, ``, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := unquote(parley.Segment{Text: tc.text, Tokens: tok(tc.toks...)})
			if got.Text != tc.wantText {
				t.Errorf("text %q, want %q", got.Text, tc.wantText)
			}
			var texts []string
			spelled := ""
			for _, k := range got.Tokens {
				texts = append(texts, k.Text)
				spelled += k.Text
			}
			if strings.Join(texts, "|") != strings.Join(tc.wantTokens, "|") {
				t.Errorf("tokens %q, want %q", texts, tc.wantTokens)
			}
			if strings.Join(strings.Fields(spelled), " ") != got.Text {
				t.Errorf("tokens spell %q, the text is %q", spelled, got.Text)
			}
		})
	}
}

// TestSecondHearing: with Again set, the agent's speech — and only the agent's — is read a second time
// by the other recogniser, told the language the first reading found and its own beam width (the first
// reading is told none), and kept beside the transcript,
// which stays as it is read once; a call the first reading needs no second one for is read once; a
// recording without an agent's channel, or a second reading that fails, keeps the first reading with a
// warning.
func TestSecondHearing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.wav")
	writeBurstCall(t, path, 2*time.Minute)
	var beams sync.Map // the reading's text → the beam widths it was told
	say := func(text string, calls *atomic.Int32, told *sync.Map) parley.Transcriber {
		return parley.TranscriberFunc(func(ctx context.Context, s []float32) (parley.Recognition, error) {
			calls.Add(1)
			beams.Store(text+fmt.Sprint(parley.BeamSizeFrom(ctx)), true)
			if told != nil {
				told.Store(parley.LanguageFrom(ctx), true)
			}
			end := time.Duration(len(s)) * time.Second / parley.SampleRate
			return parley.Recognition{Language: "en", Segments: []parley.Segment{{Start: 0, End: end, Text: text, Confidence: 0.9}}}, nil
		})
	}
	run := func(p *Pipeline) *parley.Transcript {
		t.Helper()
		p.VAD, p.TurnGap, p.SilenceDBFS, p.PackPerChannel = &VAD{}, time.Second, -50, true
		res := p.File(context.Background(), path)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		return res.Transcript
	}
	var once, first, again atomic.Int32
	var told sync.Map
	plain := run(&Pipeline{Transcriber: say("first", &once, nil)})
	tr := run(&Pipeline{Transcriber: say("first", &first, nil), Again: &SecondHearing{Transcriber: say("again", &again, &told), Model: "m2", BeamSize: 5}})
	if tr.Again == nil || tr.Again.Model != "m2" || tr.Again.BeamSize != 5 || len(tr.Again.Segments) == 0 || len(tr.Again.Turns) == 0 {
		t.Fatalf("no second hearing: %+v (warnings %q)", tr.Again, tr.Warnings)
	}
	var told2 []string
	beams.Range(func(k, _ any) bool { told2 = append(told2, k.(string)); return true })
	if slices.Sort(told2); !slices.Equal(told2, []string{"again5", "first0"}) {
		t.Errorf("readings told beam widths %q, want again5 and first0", told2)
	}
	for _, s := range tr.Again.Segments {
		if s.Speaker != parley.RoleAgent || s.Channel != 0 || s.Text != "again" {
			t.Errorf("second hearing's segment %+v", s)
		}
	}
	for _, tu := range tr.Again.Turns {
		if tu.Speaker != parley.RoleAgent {
			t.Errorf("second hearing's turn %+v", tu)
		}
	}
	agentOnce := 0
	for _, s := range plain.Segments {
		if s.Speaker == parley.RoleAgent {
			agentOnce++
		}
	}
	// one party per window: the second recogniser reads the agent's windows, as many as the first does
	if n := int(again.Load()); n == 0 || n != agentOnce || first.Load() != once.Load() || n >= int(first.Load()) {
		t.Errorf("windows read: %d the second time (the agent has %d), %d the first (%d without a second hearing)", n, agentOnce, first.Load(), once.Load())
	}
	langs := 0
	told.Range(func(k, _ any) bool {
		langs++
		if k != "en" {
			t.Errorf("the second reading told language %q, want the first reading's en", k)
		}
		return true
	})
	if langs != 1 {
		t.Errorf("%d languages told", langs)
	}
	if !slices.EqualFunc(plain.Segments, tr.Segments, func(a, b parley.Segment) bool {
		return a.Text == b.Text && a.Start == b.Start && a.Speaker == b.Speaker
	}) ||
		len(plain.Turns) != len(tr.Turns) {
		t.Error("the transcript changed with a second hearing beside it")
	}

	// A call the first reading scores fully is not heard again (Needed), and the check sees that reading.
	var skipped atomic.Int32
	var seen []string
	needed := func(tr *parley.Transcript, _ []string) bool {
		for _, s := range tr.Segments {
			seen = append(seen, s.Text)
		}
		return false
	}
	tr = run(&Pipeline{Transcriber: say("first", &first, nil), Again: &SecondHearing{Transcriber: say("again", &skipped, nil), Model: "m2", Needed: needed}})
	if tr.Again != nil || skipped.Load() != 0 || len(tr.Warnings) != 0 || len(seen) != len(plain.Segments) || seen[0] != "first" {
		t.Errorf("not needed: again %+v after %d readings, warnings %q, the check saw %q", tr.Again, skipped.Load(), tr.Warnings, seen)
	}

	var n atomic.Int32
	tr = run(&Pipeline{Transcriber: say("first", &n, nil), Roles: []parley.Role{parley.RoleCustomer, parley.RoleUnknown},
		Again: &SecondHearing{Transcriber: say("again", &n, nil), Model: "m2"}})
	if tr.Again != nil || !slices.ContainsFunc(tr.Warnings, func(w string) bool { return strings.HasPrefix(w, "second hearing not done: no channel") }) {
		t.Errorf("no agent channel: again %+v, warnings %q", tr.Again, tr.Warnings)
	}
	failing := parley.TranscriberFunc(func(context.Context, []float32) (parley.Recognition, error) {
		return parley.Recognition{}, errors.New("out of memory")
	})
	tr = run(&Pipeline{Transcriber: say("first", &n, nil), Again: &SecondHearing{Transcriber: failing, Model: "m2"}})
	if tr.Again != nil || len(tr.Segments) != len(plain.Segments) ||
		!slices.ContainsFunc(tr.Warnings, func(w string) bool {
			return strings.HasPrefix(w, "second hearing failed") && strings.Contains(w, "out of memory")
		}) {
		t.Errorf("a failing second reading: again %+v, %d segments, warnings %q", tr.Again, len(tr.Segments), tr.Warnings)
	}
}
