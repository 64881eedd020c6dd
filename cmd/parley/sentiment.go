package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/models"
	"github.com/parley-cc/parley/nlp"
	"github.com/parley-cc/parley/nlp/encoder"
)

// sentimentCmd: parley sentiment train|eval. Training embeds every example with the sentence encoder
// (minutes for tens of thousands of rows); --cache keeps those embeddings between runs.
func (m *Main) sentimentCmd(args []string) error {
	const usage = "usage: parley sentiment train --data a.csv[,b.csv…] [--dev dev.csv] --out MODEL | parley sentiment eval [--sentiment-model MODEL] --data test.csv[,…]"
	if len(args) == 0 || (args[0] != "train" && args[0] != "eval") {
		return parley.Errorf(parley.CodeConfig, usage)
	}
	fset := flag.NewFlagSet("sentiment "+args[0], flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	data := fset.String("data", "", "CSV `files` (comma-separated) with columns text,label (negative, neutral, positive)")
	dev := fset.String("dev", "", "CSV `files` that set the probability scale (default: the training data)")
	out := fset.String("out", "", "where to write the model `file`")
	cache := fset.String("cache", "", "`dir` keeping embeddings between runs")
	c := fset.Float64("c", 0.5, "SVM regularisation")
	minDF := fset.Int("min-df", 3, "keep words seen in at least this many training texts")
	embWeight := fset.Float64("emb-weight", 2, "weight of the sentence embedding beside the words")
	memory := fset.String("memory", "", "train: CSV `files` (comma-separated) kept in the model as embeddings, whose nearest neighbours vote beside the classifier")
	memoryK := fset.Int("memory-k", 5, "train: how many of the memory's nearest texts vote")
	memoryWeight := fset.Float64("memory-weight", 0.2, "train: the share of the memory's vote in the probabilities")
	memorySharpness := fset.Float64("memory-sharpness", 10, "train: a neighbour's vote is exp(sharpness × cosine)")
	asJSON := fset.Bool("json", false, "print the evaluation as JSON")
	base := fset.Bool("base-encoder", false, "embed with the base encoder, without the built-in sentiment layers")
	asRead := fset.Bool("as-read", false, "eval: read each text as the analyzer reads a turn of its speaker (an optional speaker column): a customer's churn or escalation threat is negative, an agent's apology or sympathy is not")
	fset.BoolVar(asRead, "threats", false, "the same as --as-read (its older name)")
	cfg, err := loadConfig(fset, args[1:], m.Environ)
	if err != nil {
		return err
	}
	if *data == "" || fset.NArg() > 0 {
		return parley.Errorf(parley.CodeConfig, usage)
	}
	var mdl *nlp.SentimentModel
	var enc *encoder.Encoder
	if args[0] == "eval" {
		mdl, enc, err = cfg.SentimentStage()
	} else if *base {
		enc, err = cfg.LoadEncoder()
	} else {
		enc, err = cfg.LoadSentimentEncoder()
	}
	if err != nil {
		return err
	}
	if enc == nil {
		dir, _, _ := cfg.EncoderDir()
		return parley.Errorf(parley.CodeModelMissing, "sentiment %s needs the sentence encoder: %s", args[0], models.EncoderHelp(dir))
	}
	// A file named more than once — the calls repeated in --data to weigh more, the memory's files that
	// --data trains on too — is read and embedded once.
	type set struct {
		ex   []nlp.Example
		embs [][]float32
	}
	read := map[string]set{}
	readSets := func(list string) ([]nlp.Example, [][]float32, error) {
		var ex []nlp.Example
		var embs [][]float32
		for _, path := range splitList(list) {
			f, ok := read[path]
			if !ok {
				e, err := nlp.ReadExamplesFile(path)
				if err != nil {
					return nil, nil, err
				}
				v, err := embedCached(enc, e, *cache)
				if err != nil {
					return nil, nil, err
				}
				f = set{e, v}
				read[path] = f
			}
			ex, embs = append(ex, f.ex...), append(embs, f.embs...)
		}
		return ex, embs, nil
	}
	ex, embs, err := readSets(*data)
	if err != nil {
		return err
	}
	switch args[0] {
	case "train":
		if *out == "" {
			return parley.Errorf(parley.CodeConfig, "sentiment train: give --out MODEL")
		}
		var dx []nlp.Example
		var dv [][]float32
		if *dev != "" {
			if dx, dv, err = readSets(*dev); err != nil {
				return err
			}
		}
		start := time.Now()
		mdl, err = nlp.TrainSentiment(ex, embs, dx, dv, enc, nlp.SentimentTrainOptions{C: *c, MinDF: *minDF, EmbWeight: *embWeight})
		if err != nil {
			return err
		}
		if *memory != "" {
			mx, mv, err := readSets(*memory)
			if err != nil {
				return err
			}
			if err := mdl.Remember(mx, mv, *memoryK, *memoryWeight, *memorySharpness); err != nil {
				return err
			}
		}
		if err := mdl.Save(*out); err != nil {
			return parley.WrapError(parley.CodeIO, err, "save model")
		}
		kept := ""
		if mdl.Memory != nil {
			kept = fmt.Sprintf(", a memory of %d texts", len(mdl.Memory.Labels))
		}
		fmt.Fprintf(m.Stdout, "trained on %d examples (%d word features + %d-dim %s embeddings, scale %.2f%s) in %.1f s → %s\n",
			len(ex), len(mdl.W[0])-mdl.Dim, mdl.Dim, mdl.Encoder, mdl.Scale, kept, time.Since(start).Seconds(), *out)
		return nil
	default:
		var ev nlp.Eval
		if *asRead {
			ev, err = evalAsRead(cfg, mdl, enc, ex, embs)
		} else {
			ev, err = mdl.Evaluate(ex, embs)
		}
		if err != nil {
			return err
		}
		return m.printEval(ev, *asJSON)
	}
}

// embedCached embeds the examples' texts, reading and writing dir/<sha256 of encoder and texts>.f32 when
// dir is set.
func embedCached(enc nlp.Embedder, ex []nlp.Example, dir string) ([][]float32, error) {
	texts := nlp.ExampleTexts(ex)
	var path string
	if dir != "" {
		h := sha256.New()
		fmt.Fprintf(h, "%s\x00%d\x00", enc.Fingerprint(), enc.Dim())
		h.Write([]byte(strings.Join(texts, "\x00")))
		path = filepath.Join(dir, hex.EncodeToString(h.Sum(nil))[:24]+".f32")
		if b, err := os.ReadFile(path); err == nil && len(b) == 4*enc.Dim()*len(texts) {
			out := make([][]float32, len(texts))
			for i := range out {
				out[i] = make([]float32, enc.Dim())
				for j := range out[i] {
					out[i][j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*(i*enc.Dim()+j):]))
				}
			}
			return out, nil
		}
	}
	var out [][]float32
	for start := 0; start < len(texts); start += 512 {
		v, err := enc.Embed(texts[start:min(start+512, len(texts))])
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	if path != "" {
		b := make([]byte, 0, 4*enc.Dim()*len(texts))
		for _, v := range out {
			for _, f := range v {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, parley.WrapError(parley.CodeIO, err, "embedding cache")
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return nil, parley.WrapError(parley.CodeIO, err, "embedding cache")
		}
	}
	return out, nil
}

// evalAsRead evaluates the model on the examples as the analyzer reads turns (EvaluateAsRead), with the
// threat classifier.
func evalAsRead(cfg *Config, mdl *nlp.SentimentModel, enc *encoder.Encoder, ex []nlp.Example, embs [][]float32) (nlp.Eval, error) {
	th, err := cfg.Threats()
	if err != nil {
		return nlp.Eval{}, err
	}
	kinds, err := th.Texts(nlp.ExampleTexts(ex))
	if err != nil {
		return nlp.Eval{}, err
	}
	return mdl.EvaluateAsRead(ex, embs, kinds, enc)
}
