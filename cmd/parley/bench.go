package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

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
	self, err := os.Executable()
	if err != nil {
		return err
	}
	rep, err := bench.Run(ctx, paths, bench.Options{Parley: self, CLI: *cli, Model: modelPath, Threads: cfg.Threads, States: cfg.WhisperStates(),
		VAD: cfg.VAD, VADPack: cfg.VADPack, BeamSize: cfg.BeamSize, Fallback: cfg.Fallback, Language: cfg.Language, Rounds: *rounds,
		RefsDir: *refsDir, WhisperVersion: WhisperVersion, Log: m.Stderr})
	if err != nil {
		return err
	}
	rep.WriteTable(m.Stdout)
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return parley.WrapError(parley.CodeIO, err, "bench output")
	}
	if err := report.WriteJSON(filepath.Join(*outDir, "bench.json"), rep); err != nil {
		return err
	}
	if err := report.WriteFileAtomic(filepath.Join(*outDir, "bench.svg"), rep.WriteChart); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "bench: %s, %s\n", filepath.Join(*outDir, "bench.json"), filepath.Join(*outDir, "bench.svg"))
	return nil
}
