package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/models"
	"github.com/parley-cc/parley/report"
	"github.com/parley-cc/parley/transcribe"
)

// benchInput is one channel of one recording, with its reference text when one is known.
type benchInput struct {
	callID  string
	channel int
	wav16k  string // the channel as 16 kHz mono PCM, for whisper-cli
	ref     string
	hasRef  bool
}

// benchResult is one side of the comparison.
type benchResult struct {
	Name     string  `json:"name"`
	AudioS   float64 `json:"audio_s"`
	WallS    float64 `json:"wall_s"`
	XRT      float64 `json:"x_realtime"`
	WER      float64 `json:"wer"` // -1 when no reference was found
	RefWords int     `json:"ref_words"`
	PeakRSSM float64 `json:"peak_rss_mb"`
}

func (m *Main) benchCmd(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("bench", flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	cli := fset.String("whisper-cli", os.Getenv("WHISPER_CLI"), "whisper-cli `binary` to compare with (scripts/whisper.sh env sets WHISPER_CLI)")
	refsDir := fset.String("refs", "testdata/refs", "extra `dir` of reference transcripts NAME.txt")
	jsonOut := fset.String("json", "", "also write the results as JSON to `file`")
	cfg, err := loadConfig(fset, args, m.Environ)
	if err != nil {
		return err
	}
	if *cli == "" {
		return parley.Errorf(parley.CodeConfig, "no whisper-cli: pass --whisper-cli or set WHISPER_CLI (eval \"$(scripts/whisper.sh env)\")")
	}
	modelPath, err := (&models.Cache{Dir: cfg.ModelDir}).Resolve(cfg.Model)
	if err != nil {
		return err
	}
	if err := models.CheckFile(modelPath); err != nil {
		return err
	}
	paths := fset.Args()
	if len(paths) == 0 {
		paths = []string{"testdata/calls"}
	}
	files, missing := collectInputs(paths)
	for _, p := range missing {
		fmt.Fprintf(m.Stderr, "bench: skipping %s: does not exist\n", p)
	}
	work, err := os.MkdirTemp("", "parley-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	// Split every recording into 16 kHz mono channel files: whisper-cli mixes stereo down to one
	// channel, so it gets each speaker separately, as parley does. This preparation is not timed.
	var inputs []benchInput
	var usable []string
	var audioS float64
	for _, f := range files {
		chans, dur, err := splitForCLI(f, work)
		if err != nil {
			fmt.Fprintf(m.Stderr, "bench: skipping %s: %v\n", f, err)
			continue
		}
		usable = append(usable, f)
		audioS += dur.Seconds() * float64(len(chans))
		id := transcribe.CallID(f)
		for i, c := range chans {
			ref, ok := findReference(f, *refsDir, i, len(chans))
			inputs = append(inputs, benchInput{callID: id, channel: i, wav16k: c, ref: ref, hasRef: ok})
		}
	}
	if len(usable) == 0 {
		return parley.Errorf(parley.CodeConfig, "bench: no usable recordings")
	}
	threads := fmt.Sprint(cfg.Threads)
	fmt.Fprintf(m.Stderr, "bench: %d recordings, %d channels, %.1f s of audio; model %s, %s threads\n", len(usable), len(inputs), audioS, filepath.Base(modelPath), threads)

	// parley: one process for the batch, the model loaded once.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	pout := filepath.Join(work, "parley")
	pargs := append([]string{"run", "--model", modelPath, "--threads", threads, "--language", cfg.Language, "--progress", "off", "--out", pout}, usable...)
	pWall, pRSS, err := timedRun(ctx, self, pargs, nil)
	if err != nil {
		return fmt.Errorf("parley run: %w", err)
	}
	ptexts, err := parleyTexts(pout)
	if err != nil {
		return err
	}

	// whisper-cli: one process per channel file, as a shell loop over recordings would run it. Greedy
	// decoding (-bs 1) as parley's; best-of and temperature fallback are the defaults of both.
	cout := filepath.Join(work, "cli")
	os.MkdirAll(cout, 0o755)
	var cWall time.Duration
	var cRSS int64
	ctexts := map[string]string{}
	for _, in := range inputs {
		of := filepath.Join(cout, fmt.Sprintf("%s.%d", in.callID, in.channel))
		cargs := []string{"-m", modelPath, "-t", threads, "-bs", "1", "-l", cliLanguage(cfg.Language), "-np", "-nt", "-otxt", "-of", of, "-f", in.wav16k}
		wall, rss, err := timedRun(ctx, *cli, cargs, nil)
		if err != nil {
			return fmt.Errorf("whisper-cli %s: %w", in.wav16k, err)
		}
		cWall += wall
		cRSS = max(cRSS, rss)
		b, _ := os.ReadFile(of + ".txt")
		ctexts[fmt.Sprintf("%s.%d", in.callID, in.channel)] = string(b)
	}

	results := []benchResult{
		summarise("parley", inputs, ptexts, audioS, pWall, pRSS),
		summarise("whisper-cli loop", inputs, ctexts, audioS, cWall, cRSS),
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\taudio s\twall s\t× real time\tWER\tref words\tpeak RSS MB\t")
	for _, r := range results {
		wer := "n/a"
		if r.WER >= 0 {
			wer = fmt.Sprintf("%.3f", r.WER)
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.2f\t%.1f\t%s\t%d\t%.0f\t\n", r.Name, r.AudioS, r.WallS, r.XRT, wer, r.RefWords, r.PeakRSSM)
	}
	tw.Flush()
	fmt.Fprintf(m.Stdout, "parley is %.2f× the speed of the whisper-cli loop\n", results[0].XRT/results[1].XRT)
	if *jsonOut != "" {
		return report.WriteJSON(*jsonOut, map[string]any{"model": filepath.Base(modelPath), "threads": cfg.Threads, "results": results})
	}
	return nil
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

// findReference looks for the reference text of one channel: NAME.agent.txt / NAME.customer.txt for
// stereo testdata calls, NAME.txt beside the file or in refsDir, or a pocketsphinx-style
// "transcription" file in the recording's directory.
func findReference(path, refsDir string, channel, channels int) (string, bool) {
	id := transcribe.CallID(path)
	dir := filepath.Dir(path)
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
		var doc report.CallDoc
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

func summarise(name string, inputs []benchInput, texts map[string]string, audioS float64, wall time.Duration, rss int64) benchResult {
	r := benchResult{Name: name, AudioS: audioS, WallS: wall.Seconds(), PeakRSSM: float64(rss) / 1e6, WER: -1}
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
