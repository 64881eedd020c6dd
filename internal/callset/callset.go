// Package callset generates parley's labelled call set (testdata/callset) from call scripts: speech from
// espeak-ng and flite voices, shaped with sox (tempo, pitch), mixed in Go (timing, interruptions, hold
// music, line noise, crosstalk) and encoded by sox as the recorders store calls (µ-law or A-law at 8 kHz,
// 16 kHz PCM; stereo or mono). Each call gets a label file in the format of package eval, with the moments
// of its script resolved to times. Audio is generated at test time into a cache, never committed.
//
// A script (testdata/callset/NAME.yaml):
//
//	split: tune                     # or heldout: no tuning looks at it
//	intent: billing_dispute
//	audio: {agent: "espeak:en-us+f3", customer: "flite:rms", codec: ulaw, rate: 8000, mix: stereo,
//	        agent_tempo: 1.1, customer_pitch: -200, noise_db: -42, crosstalk_db: -30}
//	sentiment: {customer: {start: negative, end: positive}, agent: {start: neutral, end: positive}}
//	items: {greeting: met, identity_verification: met, closing: not_met, holds: not_applicable}
//	lines:
//	  - "a: Thanks for calling… #greeting"  # a agent, c customer; starts 0.6 s after the previous line
//	  - "c+1.5: It's 4 4 1 9. #pii:ACCOUNT_NUMBER"  # starts 1.5 s after the previous line ended
//	  - "a-0.8: …"                  # starts 0.8 s before the previous line ended: an interruption
//	  - "hold 8"                    # 8 s of hold music on the agent's side
//
// Tags at the end of a line are not spoken: #ITEM is the moment of that item's result (every script
// item the reviewer judged; a tag of an unlisted item is an error), #pii:TYPE is personal data said in
// the line.
package callset

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/eval"
)

// version changes whenever the generator makes different audio from the same scripts.
const version = "4" // 4: label files carry tags (agent, accent, codec)

// Script is one call of the set.
type Script struct {
	Split     string                        `yaml:"split"`
	Intent    string                        `yaml:"intent"`
	Audio     Audio                         `yaml:"audio"`
	Sentiment map[parley.Role]eval.StartEnd `yaml:"sentiment"`
	Items     map[string]string             `yaml:"items"`
	Threats   *[]string                     `yaml:"threats"` // the customer's churn and escalation threats; absent: not judged
	Lines     []string                      `yaml:"lines"`

	lines []line // Lines, parsed
}

// Audio says how a call sounds and how it is stored.
type Audio struct {
	Agent         string  `yaml:"agent"`    // espeak:VOICE or flite:VOICE
	Customer      string  `yaml:"customer"` // same
	Codec         string  `yaml:"codec"`    // ulaw (default), alaw or pcm
	Rate          int     `yaml:"rate"`     // 8000 (default) or 16000
	Mix           string  `yaml:"mix"`      // stereo (default: agent left, customer right) or mono
	AgentTempo    float64 `yaml:"agent_tempo"`
	CustomerTempo float64 `yaml:"customer_tempo"`
	AgentPitch    float64 `yaml:"agent_pitch"` // cents
	CustomerPitch float64 `yaml:"customer_pitch"`
	NoiseDB       float64 `yaml:"noise_db"`     // line noise RMS level (dBFS) on every channel; 0: none
	CrosstalkDB   float64 `yaml:"crosstalk_db"` // the other side leaking into each channel; 0: none
}

// line is a parsed script line.
type line struct {
	speaker parley.Role // "" for hold music
	gap     float64
	text    string
	holdS   float64
	tags    []string // without '#'
}

const defaultGap = 0.6

func parseLine(s string) (line, error) {
	if rest, ok := strings.CutPrefix(s, "hold "); ok {
		f := strings.Fields(rest)
		d, err := strconv.ParseFloat(f[0], 64)
		if err != nil || d <= 0 {
			return line{}, fmt.Errorf("hold %q: want seconds", rest)
		}
		l := line{gap: defaultGap, holdS: d}
		for _, tag := range f[1:] {
			if len(tag) < 2 || tag[0] != '#' {
				return line{}, fmt.Errorf("hold %q: want seconds and #tags", rest)
			}
			l.tags = append(l.tags, tag[1:])
		}
		return l, nil
	}
	head, text, ok := strings.Cut(s, ":")
	if !ok || len(head) == 0 || strings.TrimSpace(text) == "" {
		return line{}, fmt.Errorf("line %q: want \"a: text\", \"c+1.5: text\" or \"hold 8\"", s)
	}
	l := line{gap: defaultGap}
	words := strings.Fields(text)
	for len(words) > 0 && strings.HasPrefix(words[len(words)-1], "#") && len(words[len(words)-1]) > 1 {
		l.tags = append(l.tags, words[len(words)-1][1:])
		words = words[:len(words)-1]
	}
	if len(words) == 0 {
		return line{}, fmt.Errorf("line %q: no words", s)
	}
	l.text = strings.Join(words, " ")
	switch head[0] {
	case 'a':
		l.speaker = parley.RoleAgent
	case 'c':
		l.speaker = parley.RoleCustomer
	default:
		return line{}, fmt.Errorf("line %q: speaker %q, want a or c", s, head[:1])
	}
	if g := head[1:]; g != "" {
		v, err := strconv.ParseFloat(g, 64)
		if err != nil {
			return line{}, fmt.Errorf("line %q: gap %q", s, g)
		}
		l.gap = v
	}
	return l, nil
}

// ReadScript reads and checks one script.
func ReadScript(path string) (*Script, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var s Script
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	a := &s.Audio
	a.Codec = cmpOr(a.Codec, "ulaw")
	a.Mix = cmpOr(a.Mix, "stereo")
	if a.Rate == 0 {
		a.Rate = 8000
	}
	if !slices.Contains([]string{"ulaw", "alaw", "pcm"}, a.Codec) || !slices.Contains([]string{"stereo", "mono"}, a.Mix) || (a.Rate != 8000 && a.Rate != 16000) {
		return nil, fmt.Errorf("%s: audio codec %q, mix %q, rate %d", path, a.Codec, a.Mix, a.Rate)
	}
	for _, v := range []string{a.Agent, a.Customer} {
		if !strings.HasPrefix(v, "espeak:") && !strings.HasPrefix(v, "flite:") {
			return nil, fmt.Errorf("%s: voice %q: want espeak:VOICE or flite:VOICE", path, v)
		}
	}
	for id, v := range s.Items {
		if !slices.Contains([]string{eval.Met, eval.NotMet, eval.NotApplicable}, v) {
			return nil, fmt.Errorf("%s: item %s: %q, want met, not_met or not_applicable", path, id, v)
		}
	}
	for _, raw := range s.Lines {
		l, err := parseLine(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		s.lines = append(s.lines, l)
		for _, tag := range l.tags {
			if _, ok := strings.CutPrefix(tag, "pii:"); !ok && s.Items[tag] == "" {
				return nil, fmt.Errorf("%s: line %q: tag #%s names no item of items:", path, raw, tag)
			}
		}
	}
	return &s, nil
}

// tags are what parley eval --by can compare calls by: the agent (their voice), the agent's accent (the
// voice without its variant: en-gb-scotland), and how the call was stored.
func (s *Script) tags() map[string]string {
	voice := s.Audio.Agent
	_, accent, _ := strings.Cut(voice, ":")
	accent, _, _ = strings.Cut(accent, "+")
	codec := s.Audio.Codec
	if s.Audio.Rate != 8000 {
		codec = fmt.Sprintf("%s %d kHz", codec, s.Audio.Rate/1000)
	}
	return map[string]string{"agent": voice, "accent": accent, "codec": codec}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Cached generates the set from the scripts in srcDir into a folder of cacheRoot named after the
// scripts' content and the generator version, unless it is already there, and returns the folder (its
// AudioDir and ReferenceDir hold the set). A folder being written is never seen half done: it is
// renamed into place when complete.
func Cached(srcDir, cacheRoot string) (string, error) {
	scripts, err := filepath.Glob(filepath.Join(srcDir, "*.yaml"))
	if err != nil || len(scripts) == 0 {
		return "", fmt.Errorf("callset: no scripts in %s", srcDir)
	}
	sort.Strings(scripts)
	h := sha256.New()
	h.Write([]byte(version))
	for _, s := range scripts {
		b, err := os.ReadFile(s)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(s), len(b))
		h.Write(b)
	}
	dir := filepath.Join(cacheRoot, "callset-"+hex.EncodeToString(h.Sum(nil))[:12])
	if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(cacheRoot, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cacheRoot, "callset-tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := Generate(scripts, tmp); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, "complete"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "complete")); serr == nil {
			return dir, nil // another process finished first
		}
		return "", err
	}
	return dir, nil
}

// Generate writes NAME.wav and NAME.labels.yaml into root/audio, and the reference transcripts into
// root/reference, for every script, two calls at a time.
func Generate(scripts []string, root string) error {
	outDir := filepath.Join(root, AudioDir)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	for _, t := range []string{"espeak-ng", "flite", "sox"} {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("callset: %s is missing (apt-get install espeak-ng flite sox)", t)
		}
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, 2)
	)
	for _, s := range scripts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := generateOne(s, outDir); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("callset: %v", errs)
	}
	return nil
}

func generateOne(path, outDir string) error {
	s, err := ReadScript(path)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(filepath.Base(path), ".yaml")
	tmp, err := os.MkdirTemp("", "callset-"+name+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	rate := s.Audio.Rate
	// Each party's speech on its own track, at call time; hold music on the agent's.
	tracks := map[parley.Role][]float64{}
	put := func(role parley.Role, at float64, x []float64) {
		dst, i0 := tracks[role], int(at*float64(rate))
		if need := i0 + len(x); need > len(dst) {
			dst = append(dst, make([]float64, need-len(dst))...)
		}
		for i, v := range x {
			dst[i0+i] += v
		}
		tracks[role] = dst
	}
	lab := &eval.Label{Recording: name + ".wav", Split: s.Split, Mix: s.Audio.Mix, Intent: s.Intent,
		Sentiment: s.Sentiment, Threats: s.Threats, Items: map[string]eval.ItemLabel{}, Tags: s.tags()}
	for id, v := range s.Items {
		lab.Items[id] = eval.ItemLabel{Result: v}
	}
	t := 0.0
	for i, l := range s.lines {
		start := max(0, t+l.gap)
		var x []float64
		if l.holdS > 0 {
			x = holdMusic(rate, l.holdS)
			put(parley.RoleAgent, start, x)
			lab.Holds = append(lab.Holds, parley.Span{Start: round(start), End: round(start + l.holdS)})
		} else {
			voice, tempo, pitch := s.Audio.Agent, s.Audio.AgentTempo, s.Audio.AgentPitch
			if l.speaker == parley.RoleCustomer {
				voice, tempo, pitch = s.Audio.Customer, s.Audio.CustomerTempo, s.Audio.CustomerPitch
			}
			if x, err = speak(tmp, voice, l.text, rate, tempo, pitch); err != nil {
				return fmt.Errorf("%s line %d: %w", path, i+1, err)
			}
			put(l.speaker, start, x)
		}
		end := start + float64(len(x))/float64(rate)
		if l.holdS == 0 {
			lab.Turns = append(lab.Turns, eval.Turn{Start: round(start), End: round(end), Speaker: l.speaker, Text: l.text})
			if l.gap < 0 && i > 0 {
				lab.Interruptions = append(lab.Interruptions, eval.Interruption{At: round(start), By: l.speaker})
			}
		}
		// The line's tags: the moment of an item (its first tagged line), or personal data said.
		at := round(start)
		for _, tag := range l.tags {
			if typ, ok := strings.CutPrefix(tag, "pii:"); ok {
				lab.PII = append(lab.PII, eval.PIILabel{Type: typ, Start: at, End: round(end), Speaker: l.speaker})
			} else if it := lab.Items[tag]; it.At == nil {
				it.At = &at
				lab.Items[tag] = it
			}
		}
		// The next line follows the later of this line and the one it interrupted.
		t = max(t, end)
	}
	// The call as the recorder hears it: a second of room after the last line.
	total := int((t + 1) * float64(rate))
	chans := [2][]float64{make([]float64, total), make([]float64, total)}
	for c, role := range []parley.Role{parley.RoleAgent, parley.RoleCustomer} {
		copy(chans[c], tracks[role])
	}
	if g := s.Audio.CrosstalkDB; g != 0 {
		k := math.Pow(10, g/20)
		a, c := slices.Clone(chans[0]), slices.Clone(chans[1])
		for i := range total {
			chans[0][i] += k * c[i]
			chans[1][i] += k * a[i]
		}
	}
	if s.Audio.Mix == "mono" {
		for i := range total {
			chans[0][i] += chans[1][i]
		}
		chans[1] = nil
	}
	if db := s.Audio.NoiseDB; db != 0 {
		h := fnv.New64a()
		h.Write([]byte(name))
		rng := rand.New(rand.NewPCG(h.Sum64(), 1))
		k := math.Pow(10, db/20)
		for _, ch := range chans {
			for i := range ch {
				ch[i] += k * rng.NormFloat64()
			}
		}
	}
	lab.DurationS = round(float64(total) / float64(rate))
	if err := encode(tmp, filepath.Join(outDir, name+".wav"), chans, rate, s.Audio.Codec); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := lab.Write(filepath.Join(outDir, name+eval.LabelSuffix)); err != nil {
		return err
	}
	return writeReference(lab, filepath.Join(filepath.Dir(outDir), ReferenceDir), name)
}

// The folders of a generated set: AudioDir holds the recordings with their label files; ReferenceDir
// each call's reference transcript as WebVTT (speakers as voices) with a label file for it, so that
// parley eval measures the NLP and scoring on perfect transcripts, apart from recognition errors.
const (
	AudioDir     = "audio"
	ReferenceDir = "reference"
)

func writeReference(lab *eval.Label, dir, name string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	ts := func(s float64) string {
		ms := int(math.Round(s * 1000))
		return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
	}
	for _, t := range lab.Turns {
		fmt.Fprintf(&b, "\n%s --> %s\n<v %s>%s\n", ts(t.Start), ts(t.End), t.Speaker, t.Text)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".vtt"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	ref := *lab
	ref.Recording, ref.Mix, ref.DurationS = name+".vtt", "stereo", 0 // both voices known; no audio length
	return ref.Write(filepath.Join(dir, name+eval.LabelSuffix))
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// holdMusic is a soft two-tone phrase with a slow tremolo, as hold lines play it.
func holdMusic(rate int, seconds float64) []float64 {
	n := int(seconds * float64(rate))
	out := make([]float64, n)
	for i := range out {
		t := float64(i) / float64(rate)
		out[i] = 0.06 * (math.Sin(2*math.Pi*440*t) + math.Sin(2*math.Pi*554*t)) * (0.6 + 0.4*math.Sin(2*math.Pi*t))
	}
	return out
}

// speak synthesises text with the voice and returns it as samples at rate, tempo and pitch applied and
// normalised to −3 dBFS.
func speak(tmp, voice, text string, rate int, tempo, pitch float64) ([]float64, error) {
	raw := filepath.Join(tmp, "raw.wav")
	engine, v, _ := strings.Cut(voice, ":")
	var cmd *exec.Cmd
	if engine == "espeak" {
		cmd = exec.Command("espeak-ng", "-v", v, "-s", "160", "-w", raw, text)
	} else {
		cmd = exec.Command("flite", "-voice", v, "-t", text, "-o", raw)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %v %s", engine, err, out)
	}
	pcm := filepath.Join(tmp, "line.raw")
	args := []string{"-D", raw, "-r", strconv.Itoa(rate), "-c", "1", "-b", "16", "-e", "signed", pcm}
	if tempo > 0 && tempo != 1 {
		args = append(args, "tempo", "-s", strconv.FormatFloat(tempo, 'f', 3, 64))
	}
	if pitch != 0 {
		args = append(args, "pitch", strconv.FormatFloat(pitch, 'f', 0, 64))
	}
	args = append(args, "norm", "-3")
	if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("sox: %v %s", err, out)
	}
	b, err := os.ReadFile(pcm)
	if err != nil {
		return nil, err
	}
	x := make([]float64, len(b)/2)
	for i := range x {
		x[i] = float64(int16(binary.LittleEndian.Uint16(b[2*i:]))) / 32768
	}
	return x, nil
}

// encode writes the channels (interleaved) through sox in the codec.
func encode(tmp, out string, chans [2][]float64, rate int, codec string) error {
	n := 1
	if chans[1] != nil {
		n = 2
	}
	b := make([]byte, 0, len(chans[0])*2*n)
	for i := range chans[0] {
		for c := range n {
			v := max(-1, min(1, chans[c][i]))
			b = binary.LittleEndian.AppendUint16(b, uint16(int16(math.Round(v*32767))))
		}
	}
	pcm := filepath.Join(tmp, "call.raw")
	if err := os.WriteFile(pcm, b, 0o644); err != nil {
		return err
	}
	enc := map[string][]string{"ulaw": {"-e", "u-law", "-b", "8"}, "alaw": {"-e", "a-law", "-b", "8"}, "pcm": {"-e", "signed", "-b", "16"}}[codec]
	args := append([]string{"-D", "-t", "raw", "-r", strconv.Itoa(rate), "-e", "signed", "-b", "16", "-c", strconv.Itoa(n), pcm}, enc...)
	args = append(args, out)
	if o, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("sox encode: %v %s", err, o)
	}
	return nil
}

// CacheRoot is where generated sets are kept: PARLEY_CACHE, else the user cache folder's parley.
func CacheRoot() string {
	if d := os.Getenv("PARLEY_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "parley")
	}
	return filepath.Join(os.TempDir(), "parley-cache")
}
