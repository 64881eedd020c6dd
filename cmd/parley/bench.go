package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/bench"
	"github.com/parley-cc/parley/models"
	"github.com/parley-cc/parley/report"
)

// benchCmd: parley bench [flags] PATH... — parley against the whisper-cli loop (package bench).
func (m *Main) benchCmd(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("bench", flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	cli := fset.String("whisper-cli", os.Getenv("WHISPER_CLI"), "whisper-cli `binary` to compare with (scripts/whisper.sh env sets WHISPER_CLI)")
	refsDir := fset.String("refs", "testdata/refs", "extra `dir` of reference transcripts NAME.txt")
	outDir := fset.String("out", "bench-out", "`dir` for bench.json and bench.svg")
	rounds := fset.Int("rounds", 3, "runs of each side per corpus, alternating; the median wall time counts")
	modelList := fset.String("models", "", "compare these models (comma-separated names or files), each into --out/MODEL/, then side by side")
	cfg, err := loadConfig(fset, args, m.Environ)
	if err != nil {
		return err
	}
	if *cli == "" {
		return parley.Errorf(parley.CodeConfig, "no whisper-cli: pass --whisper-cli or set WHISPER_CLI (eval \"$(scripts/whisper.sh env)\")")
	}
	if *rounds < 1 {
		return parley.Errorf(parley.CodeConfig, "--rounds %d (want at least 1)", *rounds)
	}
	names := []string{cfg.Model}
	if *modelList != "" {
		names = splitList(*modelList)
	}
	paths := fset.Args()
	if len(paths) == 0 {
		paths = []string{"testdata/calls"}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var reps []*bench.Report
	for _, name := range names {
		modelPath, err := cfg.modelCache().Resolve(name)
		if err != nil {
			return err
		}
		if err := models.CheckFile(modelPath); err != nil {
			return err
		}
		rep, err := bench.Run(ctx, paths, bench.Options{Parley: self, CLI: *cli, Model: modelPath, Threads: cfg.Threads, States: cfg.WhisperStates(),
			VAD: cfg.VAD, VADPack: cfg.VADPack, BeamSize: cfg.BeamSize, Fallback: cfg.Fallback, Language: cfg.Language, Rounds: *rounds,
			RefsDir: *refsDir, WhisperVersion: WhisperVersion, Log: m.Stderr})
		if err != nil {
			return err
		}
		rep.WriteTable(m.Stdout)
		dir := *outDir
		if *modelList != "" { // one directory per model
			dir = filepath.Join(*outDir, strings.TrimSuffix(filepath.Base(modelPath), ".bin"))
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return parley.WrapError(parley.CodeIO, err, "bench output")
		}
		if err := report.WriteJSON(filepath.Join(dir, "bench.json"), rep); err != nil {
			return err
		}
		if err := report.WriteFileAtomic(filepath.Join(dir, "bench.svg"), rep.WriteChart); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "bench: %s, %s\n", filepath.Join(dir, "bench.json"), filepath.Join(dir, "bench.svg"))
		reps = append(reps, rep)
	}
	if len(reps) > 1 {
		fmt.Fprintln(m.Stdout)
		bench.WriteModels(m.Stdout, reps)
	}
	return nil
}
