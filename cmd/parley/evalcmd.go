package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/eval"
	"github.com/parley-cc/parley/process"
	"github.com/parley-cc/parley/report"
)

const evalUsage = `usage: parley eval --labels PATH[,PATH…] [--results DIR] [--out DIR] [--worst N] [--details all|tune] [--by TAG[,TAG…]] [--reference on|off] [run flags]
       parley eval labels --overrides FILE --results DIR --out DIR   (reviewers' overrides → label files)

Measures parley against reviewer labels (NAME.labels.yaml beside each recording; format in README.md):
word error rate per speaker, intent, sentiment at start and end, every scorecard item, holds,
interruptions and PII, for all calls and per split (tune, heldout), and the worst calls.
Without --results it runs the pipeline on the labelled recordings first (every 'parley run' flag
applies: --model, --scorecard, --encoder…) and keeps the call documents in --out.
Writes DIR/eval.json and DIR/eval.html and prints the summary. --details tune: the held-out calls count
in the summary, but their misses are not shown (the worst calls, the page's call table), so that
tuning never reads them. --by agent (any tag of the label files' tags:, or agent, team and queue from
the call documents' metadata, or mix): the same measures group by group, worst first, and the held-out
gap within the groups. Calls whose labels have turns are also analysed and scored from that reference
transcript (with the configuration; --reference off: not): the item agreement there, and which results
parley got wrong were lost in the hearing (right from the reference) or in the judgement (wrong there too).`

// evalFlags are eval's own flags; everything else goes to the run it starts.
var evalFlags = map[string]bool{"labels": true, "results": true, "out": true, "worst": true, "details": true, "by": true, "reference": true}

// splitEvalArgs takes eval's own flags (--name value or --name=value) out of args.
func splitEvalArgs(args []string) (own map[string]string, rest []string, err error) {
	own = map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-h" || a == "--help" || a == "-help" {
			return nil, nil, parley.Errorf(parley.CodeConfig, "%s", evalUsage)
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || !evalFlags[name] {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, parley.Errorf(parley.CodeConfig, "parley eval: --%s needs a value", name)
			}
			i++
			value = args[i]
		}
		own[name] = value
	}
	return own, rest, nil
}

func (m *Main) evalCmd(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "labels" {
		return m.evalLabelsCmd(args[1:])
	}
	own, runArgs, err := splitEvalArgs(args)
	if err != nil {
		return err
	}
	if own["labels"] == "" {
		return parley.Errorf(parley.CodeConfig, "parley eval: --labels is required\n%s", evalUsage)
	}
	worst := 10
	if v := own["worst"]; v != "" {
		if worst, err = strconv.Atoi(v); err != nil || worst < 0 {
			return parley.Errorf(parley.CodeConfig, "parley eval: --worst %q: want a number", v)
		}
	}
	details := own["details"]
	if details != "" && details != "all" && details != eval.SplitTune {
		return parley.Errorf(parley.CodeConfig, "parley eval: --details %q: want all or tune", details)
	}
	var by []string
	if v, ok := own["by"]; ok {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t == "" {
				return parley.Errorf(parley.CodeConfig, "parley eval: --by %q: want tag names, comma-separated", v)
			}
			by = append(by, t)
		}
	}
	reference := true
	switch v := own["reference"]; v {
	case "", "on":
	case "off":
		reference = false
	default:
		return parley.Errorf(parley.CodeConfig, "parley eval: --reference %q: want on or off", v)
	}
	out := own["out"]
	if out == "" {
		out = "eval-out"
	}
	configArgs := slices.Clone(runArgs)
	labels, errs := eval.ReadLabels(strings.Split(own["labels"], ","))
	var skipped []string
	for _, e := range errs {
		skipped = append(skipped, e.Error())
		fmt.Fprintln(m.Stderr, "parley eval:", e)
	}
	if len(labels) == 0 {
		return parley.Errorf(parley.CodeBadLabel, "parley eval: no usable label files in %s", own["labels"])
	}
	results := own["results"]
	if results == "" {
		var recordings []string
		for _, l := range labels {
			recordings = append(recordings, l.RecordingPath())
			// A document left from an earlier run must not stand in for a recording that fails now.
			os.Remove(filepath.Join(out, l.ID()+".json"))
		}
		runArgs = append(append(runArgs, "--out", out, "--progress", "off"), recordings...)
		// A recording that fails is reported by run and measured below as a call without a document.
		if code := m.runCmd(ctx, runArgs); code == exitUsage {
			return parley.Errorf(parley.CodeConfig, "parley eval: run failed (exit %d)", code)
		}
		results = out
	} else if len(runArgs) > 0 {
		return parley.Errorf(parley.CodeConfig, "parley eval: with --results no run flags apply (got %v)", runArgs)
	}
	docs, docSkipped := calldoc.Load([]string{results})
	for _, s := range docSkipped { // a broken document: its call is measured as one without a document
		skipped = append(skipped, s)
		fmt.Fprintln(m.Stderr, "parley eval:", s)
	}
	var refs []calldoc.CallDoc
	if reference {
		if refs, err = m.referenceDocs(configArgs, labels, docs); err != nil {
			return err
		}
	}
	rep := eval.Evaluate(labels, docs, refs)
	rep.GroupBy(by)
	rep.Skipped = skipped
	rep.HeldoutHidden = details == eval.SplitTune
	if err := os.MkdirAll(out, 0o755); err != nil {
		return parley.WrapError(parley.CodeIO, err, "create output dir")
	}
	if err := report.WriteJSON(filepath.Join(out, "eval.json"), rep); err != nil {
		return parley.WrapError(parley.CodeIO, err, "write eval.json")
	}
	if err := report.WriteFileAtomic(filepath.Join(out, "eval.html"), rep.WriteHTML); err != nil {
		return parley.WrapError(parley.CodeIO, err, "write eval.html")
	}
	return rep.WriteText(m.Stdout, worst)
}

// referenceDocs analyses and scores each labelled call again from its label's reference transcript
// (eval.Reference), with the stages the configuration (and the run flags args) sets up: the documents
// are kept in memory, for eval to tell what was lost in the hearing from what was lost in the judgement.
func (m *Main) referenceDocs(args []string, labels []*eval.Label, docs []calldoc.CallDoc) ([]calldoc.CallDoc, error) {
	fset := flag.NewFlagSet("eval", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	cfg, err := loadConfig(fset, args, m.Environ)
	if err != nil {
		return nil, err
	}
	byID := calldoc.ByID(docs)
	var stages *process.Stages
	var refs []calldoc.CallDoc
	for _, l := range labels {
		res, ok := eval.Reference(l, byID[l.ID()], time.Duration(cfg.TurnGap))
		if !ok {
			continue
		}
		if stages == nil {
			analyzer, scorecard, err := cfg.stages()
			if err != nil {
				return nil, err
			}
			stages = &cfg.Processor(nil, "", analyzer, scorecard).Stages
		}
		if err := stages.Apply(&res); err != nil {
			fmt.Fprintf(m.Stderr, "parley eval: %s from its reference transcript: %v\n", l.ID(), err)
			continue
		}
		refs = append(refs, calldoc.New(res, ""))
	}
	if len(refs) > 0 {
		fmt.Fprintf(m.Stderr, "parley eval: %d calls also scored from their labels' reference transcripts\n", len(refs))
	}
	return refs, nil
}

// evalLabelsCmd turns reviewers' overrides (the review app's export, or the YAML parley report reads)
// into label files, one per overridden call, for parley eval.
func (m *Main) evalLabelsCmd(args []string) error {
	fset := flag.NewFlagSet("eval labels", flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	overrides := fset.String("overrides", "", "overrides `file` (YAML: the review app's /calibration/overrides.yaml)")
	results := fset.String("results", "", "`dir` of the call documents the overrides are about")
	out := fset.String("out", "", "`dir` to write NAME.labels.yaml into")
	if err := fset.Parse(args); err != nil {
		return parley.Errorf(parley.CodeConfig, "%v", err)
	}
	if *overrides == "" || *results == "" || *out == "" {
		return parley.Errorf(parley.CodeConfig, "usage: parley eval labels --overrides FILE --results DIR --out DIR")
	}
	ov, err := readOverrides(*overrides)
	if err != nil {
		return err
	}
	docs, _ := calldoc.Load([]string{*results})
	labels, skipped := eval.FromOverrides(ov, docs)
	for _, s := range skipped {
		fmt.Fprintln(m.Stderr, "parley eval labels:", s)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return parley.WrapError(parley.CodeIO, err, "create output dir")
	}
	for _, l := range labels {
		if !strings.Contains(l.Recording, "://") {
			if abs, err := filepath.Abs(l.Recording); err == nil {
				l.Recording = abs
			}
		}
		if err := l.Write(filepath.Join(*out, l.ID()+eval.LabelSuffix)); err != nil {
			return parley.WrapError(parley.CodeIO, err, "write label")
		}
	}
	fmt.Fprintf(m.Stdout, "%d label files in %s (%d overridden calls without a document)\n", len(labels), *out, len(skipped))
	return nil
}
