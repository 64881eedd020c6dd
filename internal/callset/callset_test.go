package callset

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/eval"
	"github.com/parley-cc/parley/internal/testenv"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadScriptRejectsBadScripts(t *testing.T) {
	dir := t.TempDir()
	head := "audio: {agent: \"espeak:en-us\", customer: \"flite:slt\"}\nitems: {greeting: met}\n"
	for _, tt := range []struct{ name, text, want string }{
		{"voice", "audio: {agent: \"say:x\", customer: \"flite:slt\"}\nlines: [\"a: hi\"]\n", `voice "say:x"`},
		{"codec", "audio: {agent: \"espeak:en\", customer: \"flite:slt\", codec: mp3}\nlines: [\"a: hi\"]\n", `codec "mp3"`},
		{"speaker", head + "lines: [\"b: hi\"]\n", `speaker "b"`},
		{"tag", head + "lines: [\"a: hi #greting\"]\n", "#greting names no item"},
		{"result", "audio: {agent: \"espeak:en\", customer: \"flite:slt\"}\nitems: {greeting: yes}\nlines: [\"a: hi\"]\n", `"yes"`},
		{"hold", head + "lines: [\"hold soon\"]\n", "want seconds"},
		{"field", head + "lnes: [\"a: hi\"]\n", "lnes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadScript(write(t, dir, tt.name, tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestGenerate makes one short call and checks the recording and the label against the script: the
// layout and codec, turn times that follow the script's gaps, the interruption, the hold, item moments
// and PII.
func TestGenerate(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	write(t, src, "tiny", `split: heldout
intent: billing_dispute
audio: {agent: "espeak:en-us+f3", customer: "flite:slt", codec: alaw, noise_db: -50, crosstalk_db: -30}
sentiment: {customer: {start: negative, end: positive}}
items: {greeting: met, holds: met, empathy: not_met}
lines:
  - "a: Hello, Northwind, Sam speaking. #greeting"
  - "c: My account is one two three. #pii:ACCOUNT_NUMBER"
  - "hold 2 #holds"
  - "a+1: Thanks for waiting, all sorted."
  - "c-0.5: Great."
`)
	dir, err := Cached(src, out)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := Cached(src, out); err != nil || again != dir {
		t.Fatalf("second call: %s %v, want the cached %s", again, err, dir)
	}
	l, err := eval.ReadLabel(filepath.Join(dir, AudioDir, "tiny"+eval.LabelSuffix))
	if err != nil {
		t.Fatal(err)
	}
	a := testenv.DecodeWAV(t, l.RecordingPath())
	if len(a.Channels) != 2 || a.SampleRate != 8000 || a.Encoding != "alaw" {
		t.Errorf("recording: %d channels, %d Hz, %s", len(a.Channels), a.SampleRate, a.Encoding)
	}
	if d := a.Duration().Seconds(); d < l.DurationS-0.01 || d > l.DurationS+0.01 {
		t.Errorf("recording %.2f s, label %.2f s", d, l.DurationS)
	}
	tu := l.Turns
	if len(tu) != 4 || tu[0].Start != 0.6 || tu[1].Speaker != parley.RoleCustomer || tu[1].Text != "My account is one two three." {
		t.Fatalf("turns %+v", tu)
	}
	near := func(a, b float64) bool { return a-b < 0.002 && b-a < 0.002 }
	if h := l.Holds; len(h) != 1 || !near(h[0].Start, tu[1].End+0.6) || !near(h[0].End, h[0].Start+2) {
		t.Errorf("holds %+v after turn %+v", h, tu[1])
	}
	if !near(tu[2].Start, l.Holds[0].End+1) || !near(tu[3].Start, tu[2].End-0.5) {
		t.Errorf("turn times %+v", tu)
	}
	if in := l.Interruptions; len(in) != 1 || in[0].By != parley.RoleCustomer || in[0].At != tu[3].Start {
		t.Errorf("interruptions %+v", in)
	}
	if it := l.Items["greeting"]; it.At == nil || *it.At != 0.6 || l.Items["empathy"].At != nil || *l.Items["holds"].At != l.Holds[0].Start {
		t.Errorf("items %+v", l.Items)
	}
	if p := l.PII; len(p) != 1 || p[0].Start != tu[1].Start || p[0].Speaker != parley.RoleCustomer {
		t.Errorf("pii %+v", p)
	}
	// Each party speaks on its own channel: the agent's channel is quiet while only the customer talks
	// (crosstalk at -30 dB and noise at -50 dB stay well below speech).
	rms := func(ch []float32, from, to float64) float64 {
		var s float64
		i, j := int(from*8000), int(to*8000)
		for _, v := range ch[i:j] {
			s += float64(v) * float64(v)
		}
		return s / float64(j-i)
	}
	if ag, cu := rms(a.Channels[0], tu[1].Start, tu[1].End), rms(a.Channels[1], tu[1].Start, tu[1].End); ag*100 > cu {
		t.Errorf("customer line: agent channel %.2g, customer channel %.2g", ag, cu)
	}
	// The reference transcript: the label's turns as WebVTT voices, with a label for it.
	ref, err := eval.ReadLabel(filepath.Join(dir, ReferenceDir, "tiny"+eval.LabelSuffix))
	if err != nil {
		t.Fatal(err)
	}
	vtt, err := os.ReadFile(ref.RecordingPath())
	if err != nil || !strings.Contains(string(vtt), "00:00:00.600 --> ") || !strings.Contains(string(vtt), "<v customer>My account is one two three.") {
		t.Errorf("reference transcript: %v\n%s", err, vtt)
	}
}
