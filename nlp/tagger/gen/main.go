// Command gen writes parley's tagger model (nlp/tagger/model.bin.gz) from the models embedded in prose
// v2.0.0 (github.com/jdkato/prose/v2, MIT licence): the averaged-perceptron tagger's weights, tags and
// classes, and the entity model's feature mapping, weights and labels, decoded from prose's gob and
// written as nlp/tagger's compact tables. Run by `go generate ./nlp/tagger`.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/gob"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/jdkato/prose/v2"

	"github.com/parley-cc/parley/nlp/tagger"
)

func main() {
	out := flag.String("out", "model.bin.gz", "the model file to write")
	flag.Parse()
	if err := run(*out); err != nil {
		log.Fatal(err)
	}
}

// asset decodes one of prose's gob assets (gzip'd by go-bindata).
func asset(name string, v any) error {
	b, err := prose.Asset("model/" + name)
	if err != nil {
		return err
	}
	if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
		if b, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func run(out string) error {
	var src tagger.Source
	var mapping map[string]int
	var weights []float64
	for name, v := range map[string]any{
		"AveragedPerceptron/classes.gob": &src.Classes,
		"AveragedPerceptron/tags.gob":    &src.Known,
		"AveragedPerceptron/weights.gob": &src.Feats,
		"Maxent/labels.gob":              &src.Labels,
		"Maxent/mapping.gob":             &mapping,
		"Maxent/weights.gob":             &weights,
	} {
		if err := asset(name, v); err != nil {
			return err
		}
	}
	// prose looks an entity feature up as "name-value-label": split each key at the one label it ends
	// with, so a token's feature is looked up once for all labels.
	src.Ents = map[string]map[string]float64{}
	for key, i := range mapping {
		var prefix, label string
		for _, l := range src.Labels {
			if p, ok := strings.CutSuffix(key, "-"+l); ok {
				if label != "" {
					return fmt.Errorf("entity feature %q ends with two labels, %s and %s", key, label, l)
				}
				prefix, label = p, l
			}
		}
		if label == "" || i < 0 || i >= len(weights) {
			return fmt.Errorf("entity feature %q (%d): no label or weight", key, i)
		}
		if src.Ents[prefix] == nil {
			src.Ents[prefix] = map[string]float64{}
		}
		src.Ents[prefix][label] = weights[i]
	}
	var buf bytes.Buffer
	if err := tagger.Write(&buf, src); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
