package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/models"
	"github.com/parley-cc/parley/process"
	"github.com/parley-cc/parley/scoring"
)

// scorecardCmd: parley scorecard test shows, per item with examples, the sentences of stored calls
// closest in meaning to its examples; parley scorecard eval measures items on labelled sentences.
func (m *Main) scorecardCmd(args []string) error {
	const usage = "usage: parley scorecard test [--item ID] [--top N] CALL.json|DIR... | parley scorecard eval --data item,text,label.csv"
	if len(args) == 0 || (args[0] != "test" && args[0] != "eval") {
		return parley.Errorf(parley.CodeConfig, usage)
	}
	fset := flag.NewFlagSet("scorecard "+args[0], flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	item := fset.String("item", "", "only this item `id`")
	top := fset.Int("top", 5, "sentences shown per item")
	data := fset.String("data", "", "CSV `file` with columns item,text,label (1: counts, 0: does not)")
	cfg, err := loadConfig(fset, args[1:], m.Environ)
	if err != nil {
		return err
	}
	cfg.Scoring = true
	sc, err := cfg.LoadScorecard()
	if err != nil {
		return err
	}
	if enc, _ := cfg.LoadEncoder(); enc == nil {
		dir, _, _ := cfg.EncoderDir()
		return parley.Errorf(parley.CodeModelMissing, "scorecard %s needs the sentence encoder: %s", args[0], models.EncoderHelp(dir))
	}
	var items []*scoring.Item
	for _, sec := range sc.Sections {
		for i := range sec.Items {
			it := &sec.Items[i]
			if (*item == "" && len(it.Examples) > 0) || it.ID == *item {
				items = append(items, it)
			}
		}
	}
	if len(items) == 0 {
		return parley.Errorf(parley.CodeConfig, "scorecard %s: no item %s with examples", sc.Name, *item)
	}
	stages := process.Stages{Vocabulary: cfg.vocabulary(nil)} // each call's terms, for {vocabulary}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	if args[0] == "eval" {
		return scorecardEval(tw, sc, items, *data)
	}
	if fset.NArg() == 0 {
		return parley.Errorf(parley.CodeConfig, usage)
	}
	// Every document is read, from files and directories alike; one that cannot be is named and the
	// others are still shown, and the command fails with the first such error's code.
	paths := calldoc.Files(fset.Args())
	var unread []error
	for _, path := range paths {
		res, _, err := readCallDoc(path)
		if err != nil {
			fmt.Fprintf(m.Stderr, "parley scorecard test: %v\n", err)
			unread = append(unread, err)
			continue
		}
		call := stages.Call(&res)
		fmt.Fprintf(tw, "%s\n", path)
		// What the item comes to on this call with this scorecard, and why: its examples are one way
		// to meet it among phrases, patterns, its classifier and the other party's answer.
		results := map[string]parley.ItemResult{}
		for _, r := range sc.Score(call).Items {
			results[r.ID] = r
		}
		for _, it := range items {
			cands := sc.Candidates(it, call)
			texts := make([]string, len(cands))
			for i, c := range cands {
				texts[i] = c.Text
			}
			ms, err := sc.Nearest(it, texts)
			if err != nil {
				return err
			}
			for i := range ms {
				ms[i].Turn, ms[i].Start, ms[i].Heard = cands[i].Turn, cands[i].Start, cands[i].Heard
			}
			sort.SliceStable(ms, func(a, b int) bool { return ms[a].Similarity > ms[b].Similarity })
			fmt.Fprintf(tw, "  %s (%s, %d sentences, counts from %.2f)\n", it.ID, it.Speaker, len(ms), it.Similarity)
			if r, ok := results[it.ID]; ok {
				fmt.Fprintf(tw, "    → %s: %s\n", r.Status, r.Reason)
			}
			for _, mt := range ms[:min(*top, len(ms))] {
				mark := " "
				if mt.Counts {
					mark = "✓"
				}
				note := ""
				if mt.Question {
					note = " (a question: only statements count)"
				}
				if mt.Heard != "" {
					note += " (heard again by " + mt.Heard + ")"
				}
				if mt.ClassifierConfidence != nil {
					note += fmt.Sprintf(" (reads as %s %.2f)", it.Classifier.Label, *mt.ClassifierConfidence)
				}
				fmt.Fprintf(tw, "    %s %.3f\t%s\t%q%s\t≈ %q\n", mark, mt.Similarity, calldoc.Clock(mt.Start), mt.Text, note, mt.Example)
			}
		}
	}
	if len(unread) > 0 {
		return parley.Errorf(parley.ErrorCode(unread[0]), "scorecard test: %d of %d call documents could not be read (named above)", len(unread), len(paths))
	}
	return nil
}

// scorecardEval reads item,text,label rows and reports, per item, how its examples sort them at its
// similarity, and the least similarity that would sort them best.
func scorecardEval(w io.Writer, sc *scoring.Scorecard, items []*scoring.Item, path string) error {
	if path == "" {
		return parley.Errorf(parley.CodeConfig, "scorecard eval: give --data item,text,label.csv")
	}
	f, err := os.Open(path)
	if err != nil {
		return parley.WrapError(parley.CodeConfig, err, "scorecard eval")
	}
	defer f.Close()
	cr := csv.NewReader(f)
	header, err := cr.Read()
	if err != nil || !slices.Equal(header, []string{"item", "text", "label"}) {
		return parley.Errorf(parley.CodeConfig, "%s: line 1: want the header item,text,label", path)
	}
	texts, labels := map[string][]string{}, map[string][]bool{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return parley.Errorf(parley.CodeConfig, "%s: line %d: %v", path, line, err)
		}
		if rec[2] != "0" && rec[2] != "1" {
			return parley.Errorf(parley.CodeConfig, "%s: line %d: label %q (want 1 or 0)", path, line, rec[2])
		}
		texts[rec[0]] = append(texts[rec[0]], rec[1])
		labels[rec[0]] = append(labels[rec[0]], rec[2] == "1")
	}
	fmt.Fprintln(w, "ITEM\tN\tSIMILARITY\tACCURACY\tPRECISION\tRECALL\tBEST SIMILARITY\tITS ACCURACY")
	for _, it := range items {
		if len(texts[it.ID]) == 0 {
			continue
		}
		ms, err := sc.Nearest(it, texts[it.ID])
		if err != nil {
			return err
		}
		sims := make([]float64, len(ms))
		for i, mt := range ms {
			sims[i] = mt.Similarity
			if mt.CounterExample != "" { // closer to a counter-example: never counts, whatever the threshold
				sims[i] = -1
			}
		}
		acc, prec, rec := scoring.SortQuality(sims, labels[it.ID], it.Similarity)
		best, bestAcc := scoring.BestSimilarity(sims, labels[it.ID])
		if it.Classifier != nil { // what counts is decided with the classifier too (Match.Counts)
			counted := make([]float64, len(ms))
			for i, mt := range ms {
				if mt.Counts {
					counted[i] = 1
				}
			}
			acc, prec, rec = scoring.SortQuality(counted, labels[it.ID], 1)
		}
		fmt.Fprintf(w, "%s\t%d\t%.2f\t%.3f\t%.3f\t%.3f\t%.2f\t%.3f\n", it.ID, len(ms), it.Similarity, acc, prec, rec, best, bestAcc)
		if it.Classifier != nil {
			fmt.Fprintf(w, "  accuracy, precision and recall with its classifier %s (the best similarity: its examples alone)\n", it.Classifier.Model)
		}
		var wrong []string
		for i, mt := range ms {
			if mt.Counts != labels[it.ID][i] {
				wrong = append(wrong, fmt.Sprintf("%.2f %q", mt.Similarity, mt.Text))
			}
		}
		if len(wrong) > 0 {
			fmt.Fprintf(w, "  wrong: %s\n", strings.Join(wrong, "; "))
		}
	}
	return nil
}
