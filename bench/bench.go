// Package bench measures parley against the whisper-cli loop a team would otherwise run — the same
// recordings, model, threads and decoding, each side timed over alternating rounds — with word error
// rates where reference transcripts are found (parley bench).
package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/eval"
	"github.com/parley-cc/parley/process"
	"github.com/parley-cc/parley/transcribe"
)

// input is one channel of one recording, with its reference text when one is known.
type input struct {
	callID  string
	channel int
	wav16k  string // the channel as 16 kHz mono PCM, for whisper-cli
	ref     string
	hasRef  bool
}

// Result is one side of the comparison.
type Result struct {
	Name     string    `json:"name"`
	AudioS   float64   `json:"audio_s"`
	WallS    float64   `json:"wall_s"`
	XRT      float64   `json:"x_realtime"`
	WER      float64   `json:"wer"` // -1 when no reference was found
	RefWords int       `json:"ref_words"`
	PeakRSSM float64   `json:"peak_rss_mb"`
	RoundsS  []float64 `json:"rounds_s"` // the wall time of each round, in the order run
}

// corpus is one PATH argument of parley bench: its recordings, split for whisper-cli.
type corpus struct {
	Name   string
	files  []string
	inputs []input
	audioS float64
}

// Report is what parley bench writes as JSON.
type Report struct {
	Machine    string         `json:"machine"`
	Cores      int            `json:"cores"`
	Model      string         `json:"model"`
	Threads    int            `json:"threads"`
	CLIThreads int            `json:"whisper_cli_threads"` // threads × states: the same cores
	States     int            `json:"whisper_states"`
	VAD        string         `json:"vad"`
	BeamSize   int            `json:"beam_size"` // 0 or 1: greedy; both sides decode alike
	Rounds     int            `json:"rounds"`
	Whisper    string         `json:"whisper_cpp"`
	Corpora    []CorpusResult `json:"corpora"`
	Measured   time.Time      `json:"measured"`
}

type CorpusResult struct {
	Corpus  string   `json:"corpus"`
	Results []Result `json:"results"` // parley, then the whisper-cli loop
	Speedup float64  `json:"speedup"` // parley's throughput over the loop's
	// RoundSpeedups is each round's speed-up, the loop's wall over parley's in that round: how far the
	// machine's own variation moves the ratio.
	RoundSpeedups []float64 `json:"round_speedups"`
}

// Options are what parley bench compares: the same model file and decoding for both sides.
type Options struct {
	Parley         string // the parley binary (run as `parley run` over each corpus)
	CLI            string // the whisper-cli binary
	Model          string // model file
	Threads        int
	States         int
	VAD, VADPack   string
	BeamSize       int
	Fallback       bool
	Language       string
	Rounds         int    // runs of each side per corpus, alternating; the median counts
	RefsDir        string // extra reference transcripts NAME.txt
	WhisperVersion string
	Log            io.Writer // progress
}

// Run measures every corpus (a directory or recording per path) and returns the report.
func Run(ctx context.Context, paths []string, opt Options) (*Report, error) {
	work, err := os.MkdirTemp("", "parley-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	// Every recording is split into 16 kHz mono channel files: whisper-cli mixes stereo down to one
	// channel, so it gets each speaker separately, as parley does. This preparation is not timed.
	var corpora []*corpus
	for ci, p := range paths {
		files, missing, _ := process.Collect([]string{p}, process.TranscriptsIgnore)
		for _, x := range missing {
			fmt.Fprintf(opt.Log, "bench: skipping %s: does not exist\n", x)
		}
		c := &corpus{Name: p}
		dir := filepath.Join(work, fmt.Sprint(ci))
		os.MkdirAll(dir, 0o755)
		for _, f := range files {
			chans, dur, err := splitForCLI(f, dir)
			if err != nil {
				fmt.Fprintf(opt.Log, "bench: skipping %s: %v\n", f, err)
				continue
			}
			c.files = append(c.files, f)
			c.audioS += dur.Seconds() * float64(len(chans))
			id := transcribe.CallID(f)
			for i, ch := range chans {
				ref, ok := findReference(f, opt.RefsDir, i, len(chans))
				c.inputs = append(c.inputs, input{callID: id, channel: i, wav16k: ch, ref: ref, hasRef: ok})
			}
		}
		if len(c.files) > 0 {
			corpora = append(corpora, c)
		}
	}
	if len(corpora) == 0 {
		return nil, parley.Errorf(parley.CodeConfig, "bench: no usable recordings")
	}
	rep := Report{Machine: cpuModel(), Cores: runtime.NumCPU(), Model: filepath.Base(opt.Model), Threads: opt.Threads,
		CLIThreads: opt.Threads * max(1, opt.States), States: opt.States, VAD: opt.VAD + "/" + opt.VADPack, BeamSize: opt.BeamSize, Rounds: opt.Rounds, Whisper: opt.WhisperVersion, Measured: time.Now().UTC()}
	threads := fmt.Sprint(opt.Threads)
	// The loop gets the same cores as parley: all of its threads on the one process it runs at a time.
	cliThreads := fmt.Sprint(rep.CLIThreads)
	for _, c := range corpora {
		fmt.Fprintf(opt.Log, "bench: %s: %d recordings, %d channels, %.1f s of audio; model %s, %s threads, %d rounds\n",
			c.Name, len(c.files), len(c.inputs), c.audioS, rep.Model, threads+"×"+fmt.Sprint(rep.States), opt.Rounds)
		var pWalls, cWalls []time.Duration
		var pRSS, cRSS int64
		var ptexts, ctexts map[string]string
		for r := range opt.Rounds {
			// parley: one process for the corpus, the model loaded once.
			runParley := func() error {
				pout := filepath.Join(work, "parley")
				os.RemoveAll(pout)
				pargs := append([]string{"run", "--model", opt.Model, "--threads", threads, "--states", fmt.Sprint(rep.States), "--vad", opt.VAD, "--vad-pack", opt.VADPack,
					"--beam-size", fmt.Sprint(opt.BeamSize), "--temperature-fallback=" + fmt.Sprint(opt.Fallback),
					"--language", opt.Language, "--progress", "off", "--out", pout}, c.files...)
				wall, rss, err := timedRun(ctx, opt.Parley, pargs, nil)
				if err != nil {
					return fmt.Errorf("parley run: %w", err)
				}
				pWalls, pRSS = append(pWalls, wall), max(pRSS, rss)
				ptexts, err = parleyTexts(pout)
				return err
			}
			// whisper-cli: one process per channel file, as a shell loop over recordings would run it,
			// with the same decoding settings.
			runCLI := func() error {
				cout := filepath.Join(work, "cli")
				os.MkdirAll(cout, 0o755)
				var wall time.Duration
				ctexts = map[string]string{}
				for _, in := range c.inputs {
					of := filepath.Join(cout, fmt.Sprintf("%s.%d", in.callID, in.channel))
					cargs := []string{"-m", opt.Model, "-t", cliThreads, "-bs", fmt.Sprint(max(1, opt.BeamSize)), "-l", cliLanguage(opt.Language), "-np", "-nt", "-otxt", "-of", of, "-f", in.wav16k}
					if !opt.Fallback {
						cargs = append(cargs, "-nf")
					}
					w, rss, err := timedRun(ctx, opt.CLI, cargs, nil)
					if err != nil {
						return fmt.Errorf("whisper-cli %s: %w", in.wav16k, err)
					}
					wall += w
					cRSS = max(cRSS, rss)
					b, _ := os.ReadFile(of + ".txt")
					ctexts[fmt.Sprintf("%s.%d", in.callID, in.channel)] = string(b)
				}
				cWalls = append(cWalls, wall)
				return nil
			}
			first, second := runParley, runCLI
			if r%2 == 1 { // alternate, so that neither side always runs on a warmer machine
				first, second = runCLI, runParley
			}
			if err := first(); err != nil {
				return nil, err
			}
			if err := second(); err != nil {
				return nil, err
			}
		}
		res := []Result{
			summarise("parley", c.inputs, ptexts, c.audioS, pWalls, pRSS),
			summarise("whisper-cli loop", c.inputs, ctexts, c.audioS, cWalls, cRSS),
		}
		cr := CorpusResult{Corpus: c.Name, Results: res}
		if res[1].XRT > 0 {
			cr.Speedup = res[0].XRT / res[1].XRT
		}
		for r := range pWalls {
			if pWalls[r] > 0 {
				cr.RoundSpeedups = append(cr.RoundSpeedups, cWalls[r].Seconds()/pWalls[r].Seconds())
			}
		}
		rep.Corpora = append(rep.Corpora, cr)
	}
	return &rep, nil
}

// WriteTable prints one table for all corpora.
func (rep *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "%s, %d cores; model %s, parley %d threads × %d states, whisper-cli %d threads, vad %s, beam %d; median of %d rounds\n",
		rep.Machine, rep.Cores, rep.Model, rep.Threads, rep.States, rep.CLIThreads, rep.VAD, max(1, rep.BeamSize), rep.Rounds)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "corpus\t\taudio s\twall s\t× real time\tWER\tref words\tpeak RSS MB\tspeed-up\t")
	for _, c := range rep.Corpora {
		for i, r := range c.Results {
			wer := werText(r.WER)
			name, speed := "", ""
			if i == 0 {
				name, speed = filepath.Base(c.Corpus), fmt.Sprintf("%.2f×", c.Speedup)
			}
			fmt.Fprintf(tw, "%s\t%s\t%.1f\t%.2f\t%.1f\t%s\t%d\t%.0f\t%s\t\n", name, r.Name, r.AudioS, r.WallS, r.XRT, wer, r.RefWords, r.PeakRSSM, speed)
		}
	}
	tw.Flush()
	if rep.Rounds > 1 { // the spread a single number hides
		for _, c := range rep.Corpora {
			var rounds []string
			for _, x := range c.RoundSpeedups {
				rounds = append(rounds, fmt.Sprintf("%.2f×", x))
			}
			fmt.Fprintf(w, "%s: speed-up by round %s\n", filepath.Base(c.Corpus), strings.Join(rounds, ", "))
		}
	}
}

// WriteChart draws × real time per corpus, parley beside the whisper-cli loop, as an SVG.
func (rep *Report) WriteChart(w io.Writer) error {
	const width, rowH, left, barMax = 660.0, 56.0, 150.0, 370.0
	top := 40.0
	maxX := 1.0
	for _, c := range rep.Corpora {
		for _, r := range c.Results {
			maxX = math.Max(maxX, r.XRT)
		}
	}
	h := top + rowH*float64(len(rep.Corpora)) + 30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`, width, h)
	fmt.Fprintf(&b, `<text x="8" y="18" font-size="14" font-weight="bold">× real time (higher is faster): %s, %d threads, %s</text>`, html.EscapeString(rep.Model), rep.Threads, html.EscapeString(rep.Machine))
	colors := []string{"#1f5fa8", "#9a9a9a"}
	for i, c := range rep.Corpora {
		y := top + rowH*float64(i)
		fmt.Fprintf(&b, `<text x="8" y="%.0f">%s</text><text x="8" y="%.0f" fill="#555">%.2f× the loop</text>`, y+18, html.EscapeString(filepath.Base(c.Corpus)), y+34, c.Speedup)
		for j, r := range c.Results {
			bw := barMax * r.XRT / maxX
			by := y + float64(j)*22
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.1f" height="18" fill="%s"/><text x="%.1f" y="%.0f">%s %.1f×</text>`,
				left, by, bw, colors[j], left+bw+4, by+13, html.EscapeString(r.Name), r.XRT)
		}
	}
	b.WriteString(`</svg>`)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteModels prints the models side by side, a row per model and corpus, for choosing one: parley's and
// the loop's speed and WER, parley's memory, and the speed-up.
func WriteModels(w io.Writer, reps []*Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tcorpus\tparley × real time\tparley WER\tpeak RSS MB\tloop × real time\tloop WER\tspeed-up\t")
	for _, r := range reps {
		for _, c := range r.Corpora {
			p, l := c.Results[0], c.Results[1]
			fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%.0f\t%.1f\t%s\t%.2f×\t\n", r.Model, filepath.Base(c.Corpus), p.XRT, werText(p.WER), p.PeakRSSM, l.XRT, werText(l.WER), c.Speedup)
		}
	}
	tw.Flush()
}

// werText is a WER for the tables: "n/a" when no reference was found.
func werText(w float64) string {
	if w < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", w)
}

// Median is the middle value of v (the upper one of the middle two when even).
func Median[T cmp.Ordered](v []T) T {
	if len(v) == 0 {
		var zero T
		return zero
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// cpuModel names the processor, from /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}

func cliLanguage(l string) string {
	if l == "" {
		return "auto"
	}
	return l
}

// timedRun runs a command and returns its wall time and peak resident set size in bytes.
func timedRun(ctx context.Context, name string, args []string, stdout io.Writer) (time.Duration, int64, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && cmd.ProcessState != nil {
		rss = ru.Maxrss * 1024 // kilobytes on Linux
	}
	if err != nil {
		tail := stderr.String()
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return wall, rss, fmt.Errorf("%w: %s", err, tail)
	}
	return wall, rss, nil
}

// splitForCLI writes each channel of a recording as a 16 kHz mono 16-bit WAV file.
func splitForCLI(path, dir string) ([]string, time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, _ := f.Stat()
	a, err := transcribe.DecodeWAV(f, st.Size(), transcribe.DecodeOptions{})
	if err != nil {
		return nil, 0, err
	}
	rs := transcribe.NewResampler(a.SampleRate, parley.SampleRate)
	var out []string
	for i, c := range a.Channels {
		p := filepath.Join(dir, fmt.Sprintf("%s.%d.wav", transcribe.CallID(path), i))
		if err := writePCM16(p, rs.Resample(c)); err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, a.Duration(), nil
}

func writePCM16(path string, samples []float32) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	enc := wav.NewEncoder(f, parley.SampleRate, 16, 1, 1)
	buf := &audio.IntBuffer{Format: &audio.Format{NumChannels: 1, SampleRate: parley.SampleRate}, SourceBitDepth: 16, Data: make([]int, len(samples))}
	for i, s := range samples {
		buf.Data[i] = int(max(-32768, min(32767, s*32768)))
	}
	if err := enc.Write(buf); err != nil {
		return err
	}
	return enc.Close()
}

// findReference looks for the reference text of one channel: a reviewer's label file
// (NAME.labels.yaml, the turns of the channel's speaker: agent left, customer right), NAME.agent.txt /
// NAME.customer.txt for stereo testdata calls, NAME.txt beside the file or in refsDir, or a
// pocketsphinx-style "transcription" file in the recording's directory.
func findReference(path, refsDir string, channel, channels int) (string, bool) {
	id := transcribe.CallID(path)
	dir := filepath.Dir(path)
	if l, err := eval.ReadLabel(filepath.Join(dir, id+eval.LabelSuffix)); err == nil && len(l.Turns) > 0 {
		switch {
		case channels == 1:
			return l.Text(""), true
		case channels == 2:
			return l.Text([]parley.Role{parley.RoleAgent, parley.RoleCustomer}[channel]), true
		}
	}
	var candidates []string
	if channels == 2 {
		role := []string{"agent", "customer"}[channel]
		candidates = append(candidates, filepath.Join(dir, id+"."+role+".txt"), filepath.Join(refsDir, id+"."+role+".txt"))
	} else {
		candidates = append(candidates, filepath.Join(dir, id+".txt"), filepath.Join(refsDir, id+".txt"))
	}
	for _, c := range candidates {
		if b, err := os.ReadFile(c); err == nil {
			return string(b), true
		}
	}
	if f, err := os.Open(filepath.Join(dir, "transcription")); err == nil && channels == 1 {
		defer f.Close()
		if _, refs, err := transcribe.ParseSphinxTranscription(f); err == nil {
			ref, ok := refs[id]
			return ref, ok
		}
	}
	return "", false
}

// parleyTexts reads parley's per-call JSON files into "callID.channel" → text.
func parleyTexts(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range files {
		if filepath.Base(f) == "summary.json" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var doc calldoc.CallDoc
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, s := range doc.Segments {
			k := fmt.Sprintf("%s.%d", doc.CallID, s.Channel)
			out[k] += s.Text + " "
		}
	}
	return out, nil
}

func summarise(name string, inputs []input, texts map[string]string, audioS float64, walls []time.Duration, rss int64) Result {
	r := Result{Name: name, AudioS: audioS, WallS: Median(walls).Seconds(), PeakRSSM: float64(rss) / 1e6, WER: -1}
	for _, w := range walls {
		r.RoundsS = append(r.RoundsS, w.Seconds())
	}
	if r.WallS > 0 {
		r.XRT = audioS / r.WallS
	}
	var errs int
	for _, in := range inputs {
		if !in.hasRef {
			continue
		}
		e, n := transcribe.WordErrors(in.ref, texts[fmt.Sprintf("%s.%d", in.callID, in.channel)])
		errs += e
		r.RefWords += n
	}
	if r.RefWords > 0 {
		r.WER = float64(errs) / float64(r.RefWords)
	}
	return r
}
