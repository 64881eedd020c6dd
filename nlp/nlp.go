// Package nlp analyses call transcripts: tokens, part-of-speech tags and named entities with prose,
// sentiment, intent (call drivers), key phrases, pattern entities (money, dates, numbers, cards…) and
// PII redaction.
package nlp

import (
	"regexp"
	"strings"
	"sync"

	"github.com/jdkato/prose/v2"
)

var (
	proseOnce  sync.Once
	proseModel *prose.Model
)

// sharedProse loads prose's tagger and entity models once per process: loading costs about 100 ms.
func sharedProse() *prose.Model {
	proseOnce.Do(func() {
		doc, _ := prose.NewDocument("parley", prose.WithSegmentation(false))
		proseModel = doc.Model
	})
	return proseModel
}

// ptoken is a prose token with its byte offset in the text (-1 when it could not be placed).
type ptoken struct {
	text, tag  string
	start, end int
}

// tag runs prose's part-of-speech tagger (and, when ner is set, its entity recogniser).
func tag(text string, ner bool) ([]ptoken, []prose.Entity) {
	doc, err := prose.NewDocument(text, prose.UsingModel(sharedProse()), prose.WithSegmentation(false), prose.WithExtraction(ner))
	if err != nil {
		return nil, nil
	}
	toks := doc.Tokens()
	out := make([]ptoken, len(toks))
	cur := 0
	for i, t := range toks {
		out[i] = ptoken{text: t.Text, tag: t.Tag, start: -1, end: -1}
		if k := strings.Index(text[cur:], t.Text); k >= 0 && t.Text != "" {
			out[i].start, out[i].end = cur+k, cur+k+len(t.Text)
			cur = out[i].end
		}
	}
	if ner {
		return out, doc.Entities()
	}
	return out, nil
}

var (
	commonOnce  sync.Once
	commonWords map[string]bool
)

// commonWord reports whether w is an everyday English word: prose's recogniser takes capitalised
// sentence openers ("Thank", "Sure") for names and places, and these are filtered out.
func commonWord(w string) bool {
	commonOnce.Do(func() {
		commonWords = set("the a an i my to is it of in for be and on this do can me you your have what how with at there that am are " +
			"hi hello hey yes no okay ok sure thank thanks please sorry well so but and or if then also just now here good great " +
			"morning afternoon evening day week month year today tomorrow card account bill service support team customer agent " +
			"let could would should will shall may might must one two three four five six seven eight nine ten")
		for _, line := range strings.Split(vaderLexicon, "\n") {
			if w, _, ok := strings.Cut(line, "\t"); ok && !strings.ContainsAny(w, " ") {
				commonWords[w] = true
			}
		}
	})
	return commonWords[strings.ToLower(w)]
}

// Extractor finds entities in text.
type Extractor struct {
	products []*regexp.Regexp
}

// NewExtractor returns an extractor that also finds the given product names (case-insensitive, whole
// words).
func NewExtractor(products []string) *Extractor {
	x := &Extractor{}
	for _, p := range products {
		if p = strings.TrimSpace(p); p != "" {
			x.products = append(x.products, regexp.MustCompile(`(?i)\b`+regexp.QuoteMeta(p)+`\b`))
		}
	}
	return x
}

// Find returns the entities of text, without overlaps, in order. toks are text's prose tokens when the
// caller already has them (nil: Find tags the text itself).
func (x *Extractor) Find(text string, toks []ptoken) []Entity {
	ents := x.findPatterns(text)
	if toks == nil {
		toks, _ = tag(text, false)
	}
	// prose's recogniser is the slow step (≈ 0.7 ms a turn): it only runs where the tagger found a
	// proper noun, which is where its PERSON and GPE entities come from.
	proper := false
	for _, t := range toks {
		if t.tag == "NNP" || t.tag == "NNPS" {
			proper = true
			break
		}
	}
	if proper {
		_, pents := tag(text, true)
		cur := 0
		for _, e := range pents {
			if e.Label != "PERSON" && e.Label != "GPE" {
				continue
			}
			k := strings.Index(text[cur:], e.Text)
			if k < 0 {
				continue
			}
			start := cur + k
			cur = start + len(e.Text)
			first, _, _ := strings.Cut(e.Text, " ")
			if commonWord(first) || commonWord(e.Text) {
				continue
			}
			typ := EntPerson
			if e.Label == "GPE" {
				typ = EntPlace
			}
			ents = append(ents, Entity{Type: typ, Text: e.Text, Start: start, End: cur})
		}
	}
	return resolve(ents)
}
