package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/internal/stats"
	"github.com/parley-cc/parley/models"
	"github.com/parley-cc/parley/nlp"
	"github.com/parley-cc/parley/nlp/encoder"
	"github.com/parley-cc/parley/report"
)

// reprocessCmd works on call documents that parley wrote before, without transcribing again.
// analyze runs the NLP stage and the scorecard (a new taxonomy or intent model, redaction switched on);
// rescore keeps the stored analysis and recomputes the scores (a new scorecard over months of calls).
func (m *Main) reprocessCmd(ctx context.Context, name string, args []string) int {
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	out := fset.String("out", "out", "output `dir`")
	cpuProfile := fset.String("cpuprofile", "", "write a CPU profile (go tool pprof) of the "+name+" to `file`")
	cfg, err := loadConfig(fset, args, m.Environ)
	if err != nil {
		return m.exit(err)
	}
	if fset.NArg() == 0 {
		fmt.Fprintf(m.Stderr, "parley %s: give call JSON files written by parley run, or their directories\n", name)
		return exitUsage
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return m.exit(err)
		}
		defer stop()
	}
	cfg.NLP = name == "analyze"
	if name == "rescore" {
		cfg.Scoring = true
	}
	analyzer, scorecard, err := cfg.stages()
	if err != nil {
		return m.exit(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return m.exit(parley.WrapError(parley.CodeIO, err, "create output dir"))
	}
	b := newBatch(*out, cfg.Processor(nil, "", analyzer, scorecard))
	for _, path := range calldoc.Files(fset.Args()) {
		if ctx.Err() != nil {
			break
		}
		start := time.Now()
		res, model, err := readCallDoc(path)
		if err != nil {
			res = parley.Result{Call: parley.Call{ID: strings.TrimSuffix(filepath.Base(path), ".json"), Source: path}, Err: err}
		}
		res.Elapsed = time.Since(start)
		b.proc.Model = model // keep the recognition model recorded in the document
		b.add(res)
	}
	if err := b.finish(); err != nil {
		return m.exit(err)
	}
	fmt.Fprintf(m.Stderr, "parley %s: %d ok, %d failed → %s\n", name, b.sum.OK, b.sum.Failed, *out)
	if b.sum.Failed > 0 {
		return exitFailed
	}
	return exitOK
}

// readCallDoc reads a call document as a result, and the name of the model that transcribed it.
func readCallDoc(path string) (parley.Result, string, error) {
	doc, err := calldoc.ReadFile(path)
	return doc.Result(), doc.Model, err
}

// nlpCmd: parley nlp sentiment reads lines of text and writes one JSON object per line: with the
// sentence encoder installed, the classifier's score, label and class probabilities, and a churn or
// escalation threat, which makes the line negative as it makes a customer's turn; without it, the word
// lexicon's score and label, with "method" saying which.
func (m *Main) nlpCmd(args []string, stdin io.Reader) error {
	if len(args) == 0 || args[0] != "sentiment" {
		return parley.Errorf(parley.CodeConfig, "usage: parley nlp sentiment < lines.txt")
	}
	fset := flag.NewFlagSet("nlp sentiment", flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	cfg, err := loadConfig(fset, args[1:], m.Environ)
	if err != nil {
		return err
	}
	model, enc, err := cfg.SentimentStage()
	if err != nil {
		return err
	}
	if model == nil {
		dir, _, _ := cfg.EncoderDir()
		fmt.Fprintf(m.Stderr, "parley: sentiment from the word lexicon, no threats: no sentence encoder (%s)\n", models.EncoderHelp(dir))
	}
	threats, err := cfg.Threats()
	if parley.ErrorCode(err) == parley.CodeConfig { // another encoder than the threat model's
		fmt.Fprintf(m.Stderr, "parley: no churn or escalation threats read: %v\n", err)
		threats, err = nil, nil
	}
	if err != nil {
		return err
	}
	lex := nlp.NewSentiment()
	type line struct {
		Text   string      `json:"text"`
		Score  float64     `json:"score"`
		Label  string      `json:"label"`
		Probs  *[3]float64 `json:"probabilities,omitempty"` // negative, neutral, positive
		Threat string      `json:"threat,omitempty"`        // churn or escalation
		Method string      `json:"method"`
	}
	enc2 := json.NewEncoder(m.Stdout)
	flush := func(texts []string) error {
		var embs [][]float32
		var kinds []string
		if model != nil {
			if embs, err = enc.Embed(texts); err != nil {
				return err
			}
			if kinds, err = threats.Texts(texts); err != nil {
				return err
			}
		}
		for i, text := range texts {
			l := line{Text: text, Method: nlp.MethodLexicon}
			if model != nil {
				r, err := model.Classify(text, embs[i])
				if err != nil {
					return err
				}
				if l.Threat = kinds[i]; l.Threat != "" {
					r = nlp.Threatened(r)
				}
				for k := range r.Probs {
					r.Probs[k] = math.Round(r.Probs[k]*1000) / 1000
				}
				l.Score, l.Label, l.Probs, l.Method = r.Score, r.Label, &r.Probs, "encoder:"+enc.Name()
				if !nlp.LatinScript(text) {
					l.Score, l.Label, l.Probs = 0, nlp.Unsupported, nil
				}
			} else {
				l.Score = lex.Score(text)
				l.Label = nlp.Label(l.Score)
			}
			l.Score = math.Round(l.Score*1000) / 1000
			if err := enc2.Encode(l); err != nil {
				return err
			}
		}
		return nil
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var batch []string
	for sc.Scan() {
		if batch = append(batch, sc.Text()); len(batch) == 256 {
			if err := flush(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return flush(batch)
}

// printEval prints an evaluation as a table, or as JSON.
func (m *Main) printEval(ev nlp.Eval, asJSON bool) error {
	if asJSON {
		return report.EncodeJSON(m.Stdout, ev)
	}
	fmt.Fprintf(m.Stdout, "examples  %d\naccuracy  %.4f\nmacro-F1  %.4f  (95 %% interval %.3f–%.3f, the examples drawn again %d times)\n\nmost confused (true → predicted):\n",
		ev.N, ev.Accuracy, ev.MacroF1, ev.MacroF1Interval[0], ev.MacroF1Interval[1], stats.Resamples)
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	for _, c := range ev.Confused {
		fmt.Fprintf(tw, "  %d\t%s\t→ %s\n", c.Count, c.True, c.Predicted)
	}
	return tw.Flush()
}

// intentCmd: parley intent train|eval.
func (m *Main) intentCmd(args []string) error {
	if len(args) == 0 {
		return parley.Errorf(parley.CodeConfig, "usage: parley intent train --data train.csv --out MODEL | parley intent eval --model MODEL --data test.csv")
	}
	fset := flag.NewFlagSet("intent "+args[0], flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	data := fset.String("data", "", "CSV `file` with columns text,category")
	taxonomy := fset.String("taxonomy", "", "train from a taxonomy YAML `file` instead of CSV")
	out := fset.String("out", "", "where to write the model `file`")
	model := fset.String("model", "", "model `file` to evaluate")
	c := fset.Float64("c", nlp.DefaultC, "SVM regularisation")
	asJSON := fset.Bool("json", false, "print the evaluation as JSON")
	noEncoder := fset.Bool("no-encoder", false, "train on n-grams alone, without sentence embeddings")
	encDir := fset.String("encoder", "", "sentence encoder `dir` (default: the encoder setting)")
	if err := fset.Parse(args[1:]); err != nil {
		return err
	}
	// --model is the intent model here, so the configuration (for the encoder) comes from file and
	// environment only.
	cfg, err := loadConfig(flag.NewFlagSet("intent", flag.ContinueOnError), nil, m.Environ)
	if err != nil {
		return err
	}
	if *encDir != "" {
		cfg.Encoder = *encDir
	}
	var enc *encoder.Encoder
	if !*noEncoder {
		if enc, err = cfg.LoadEncoder(); err != nil {
			return err
		}
	}
	var embedder nlp.Embedder // nil interface, not a nil *Encoder, when there is none
	if enc != nil {
		embedder = enc
	}
	switch args[0] {
	case "train":
		var ex []nlp.Example
		switch {
		case *taxonomy != "":
			b, rerr := os.ReadFile(*taxonomy)
			if rerr != nil {
				return parley.WrapError(parley.CodeConfig, rerr, "taxonomy")
			}
			t, perr := nlp.ParseTaxonomy(b, *taxonomy)
			if perr != nil {
				return perr
			}
			ex = t.Examples()
		case *data != "":
			ex, err = nlp.ReadExamplesFile(*data)
		default:
			return parley.Errorf(parley.CodeConfig, "intent train: give --data CSV or --taxonomy YAML")
		}
		if err != nil {
			return err
		}
		if *out == "" {
			return parley.Errorf(parley.CodeConfig, "intent train: give --out MODEL")
		}
		start := time.Now()
		mdl, err := nlp.TrainIntentWith(ex, nil, embedder, *c)
		if err != nil {
			return err
		}
		if err := mdl.Save(*out); err != nil {
			return parley.WrapError(parley.CodeIO, err, "save model")
		}
		fmt.Fprintf(m.Stdout, "trained on %d examples, %d intents, %d n-gram features + %d-dim embeddings in %.1f s → %s\n", len(ex), len(mdl.Labels), len(mdl.Vec.IDF), mdl.Dim, time.Since(start).Seconds(), *out)
		return nil
	case "eval":
		if *model == "" || *data == "" {
			return parley.Errorf(parley.CodeConfig, "intent eval: give --model MODEL and --data CSV")
		}
		mdl, err := nlp.LoadIntentModel(*model)
		if err != nil {
			return err
		}
		ex, err := nlp.ReadExamplesFile(*data)
		if err != nil {
			return err
		}
		if mdl.Dim > 0 && enc == nil {
			if enc, err = cfg.LoadEncoder(); err != nil {
				return err
			}
			if enc != nil {
				embedder = enc
			}
		}
		if err := mdl.CheckEncoder(embedder); err != nil {
			return err
		}
		var embs [][]float32
		if mdl.Dim > 0 {
			if embs, err = embedCached(enc, ex, ""); err != nil {
				return err
			}
		}
		return m.printEval(mdl.Evaluate(ex, embs), *asJSON)
	}
	return parley.Errorf(parley.CodeConfig, "unknown intent command %q (train, eval)", args[0])
}
