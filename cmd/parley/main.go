// Command parley transcribes and analyses contact-center call recordings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/ggml"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

// WhisperVersion is the whisper.cpp release parley is built against (scripts/whisper.sh pins it).
const WhisperVersion = "1.9.1"

// gcPercent is Go's GOGC for parley unless the environment sets one. Most of parley's Go heap is models
// loaded once and kept (the tagger's maps, classifiers: about 50 MB); with Go's default of 100 the heap
// grows to twice what is live before a collection, and that doubling of permanent data is the largest
// part of the heap's peak. Collections are short beside recognition.
const gcPercent = 50

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	fixMallocThresholds()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()}
	os.Exit(m.Run(ctx, os.Args[1:]))
}

// Main is the parley program, with its streams and environment passed in so tests can run it whole.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Environ        []string
}

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // some inputs failed; the rest were processed
	exitUsage  = 2 // bad command line, configuration or model: nothing was processed
)

const usage = `parley transcribes contact-center call recordings with whisper.cpp.

Usage:
  parley run [flags] PATH...      transcribe and analyse WAV files and directories into --out
  parley analyze [flags] CALL.json|DIR...   analyse stored call documents again (new taxonomy, redaction)
  parley rescore --scorecard F CALL.json|DIR...   grade stored calls again with another scorecard
  parley worker                   process queued recordings (Redis + S3; see README)
  parley bucket create s3://bucket...   create buckets that do not exist yet
  parley enqueue [--since D --until D --priority P --dry-run] s3://bucket/prefix
  parley schedule [--cron SPEC] s3://bucket/prefix...   scan prefixes periodically
  parley status                   queue depth, throughput per minute, backlog ETA
  parley report [--from D --to D --by agent|team] CALLS...   scorecards, KPIs, alerts, calibration
  parley serve [DIR|s3://bucket/results/...]   the review app (indexes the call documents given)
  parley users add|list|passwd|token   review app users (the first admin: parley users add --role admin NAME)
  parley nlp sentiment            score lines of stdin, one JSON object per line
  parley intent train|eval        train an intent model from CSV or a taxonomy; evaluate it
  parley sentiment train|eval     train the sentiment classifier on text,label CSV; evaluate it
  parley scorecard test|eval      a scorecard item's closest sentences in calls; item examples scored
  parley models list|pull|verify|path
  parley bench [flags] PATH...    parley against the whisper-cli loop on the same audio
  parley eval --labels PATH [flags]  parley measured against reviewer labels (WER, intent, sentiment, items)
  parley eval labels --overrides F   reviewer overrides exported by the review app as label files
  parley version

Run 'parley COMMAND -h' for the flags of a command.
`

// Run runs one command and returns the process exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	slog.SetDefault(slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "run":
		return m.runCmd(ctx, args[1:])
	case "analyze", "rescore":
		return m.reprocessCmd(ctx, args[0], args[1:])
	case "worker":
		err = m.workerCmd(ctx, args[1:])
	case "bucket":
		err = m.bucketCmd(ctx, args[1:])
	case "enqueue":
		err = m.enqueueCmd(ctx, args[1:])
	case "schedule":
		err = m.scheduleCmd(ctx, args[1:])
	case "status":
		err = m.statusCmd(ctx, args[1:])
	case "report":
		err = m.reportCmd(ctx, args[1:])
	case "serve":
		err = m.serveCmd(ctx, args[1:])
	case "users":
		err = m.usersCmd(ctx, args[1:])
	case "nlp":
		err = m.nlpCmd(args[1:], m.Stdin)
	case "intent":
		err = m.intentCmd(args[1:])
	case "sentiment":
		err = m.sentimentCmd(args[1:])
	case "scorecard":
		err = m.scorecardCmd(args[1:])
	case "models":
		err = m.modelsCmd(ctx, args[1:])
	case "bench":
		err = m.benchCmd(ctx, args[1:])
	case "eval":
		err = m.evalCmd(ctx, args[1:])
	case "version", "--version", "-version":
		fmt.Fprintf(m.Stdout, "parley %s (whisper.cpp %s)\nggml CPU backend: %s\n", version, WhisperVersion, strings.Join(ggml.Features(), " "))
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
	default:
		fmt.Fprintf(m.Stderr, "parley: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return m.exit(err)
}

func (m *Main) exit(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitUsage
	}
	fmt.Fprintf(m.Stderr, "parley: %v\n", err)
	var pe *parley.Error
	if errors.As(err, &pe) && pe.Code != parley.CodeConfig && pe.Code != parley.CodeModelMissing && pe.Code != parley.CodeModelCorrupt {
		return exitFailed
	}
	return exitUsage
}
