// Package tagger tags English text with parts of speech and finds named entities (people, places,
// organisations…) with the models of prose v2.0.0 (github.com/jdkato/prose/v2, MIT licence:
// LICENSE-prose): its averaged-perceptron tagger (a port of TextBlob's, trained on the Penn
// Treebank's tags) and its maximum-entropy entity model, ported with what they compute unchanged.
//
// What differs from prose is how the models are held. prose decodes them from gob at load into maps of
// maps (map[string]map[string]float64 for 75,447 tagger features, map[string]int for 149,576 entity
// features): 185 ms and 103 MB allocated to load (1.3 million allocations), 40 MB of Go heap for the
// life of the process. Here they are one compact file (model.bin.gz, 3.0 MB, written from prose's own
// by `go generate`: gen/) read into one string of keys, two open-addressing tables from a key to its
// run of (class, weight) pairs (table.go) and flat slices of those: 60 ms and 28 MB allocated to load,
// 11 MB live (BenchmarkRead; 18 MB with Go maps for the tables). Tagging does not compile a regular
// expression per word as prose's entity features did: a turn with its entities in 75 µs against
// 1.15 ms (BenchmarkTag).
//
// What comes out differs in a few things. Every occurrence of a word is tagged in its own context:
// prose's tokenizer handed every occurrence of a run of text (but the text's last) one shared token, so
// all of them ended with the tag and label of the last (TestRepeatedWords). Where two classes score
// exactly the same, prose took whichever its map iteration met first, a different one from run to
// run; here the first in the model's order. A word whose lower case is longer ("ȺȺȺȺ's") is tagged
// where prose panicked, and a run of text without white space longer than 1,000 bytes is one token
// (tokenize.go). Tokens and entities carry their byte offsets in the text as given (curly quotes are
// read straight, as prose read them). Otherwise tokens, tags, labels and entities are prose's
// (TestSameAsProse).
package tagger

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mingrammer/commonregex"

	"github.com/parley-cc/parley/internal/resident"
)

//go:generate go run ./gen -out model.bin.gz

var (
	none = regexp.MustCompile(`^(?:0|\*[\w?]\*|\*\-\d{1,3}|\*[A-Z]+\*\-\d{1,3}|\*)$`)
	keep = regexp.MustCompile(`^\-[A-Z]{3}\-$`)
)

//go:embed model.bin.gz
var embedded []byte

// Token is a token of the text with its part-of-speech tag (Penn Treebank) and, when entities were
// asked for, its IOB entity label ("B-PERSON", "I-GPE", "O"). Text is the token as the model reads it
// (curly quotes made straight); Start and End are its byte offsets in the text given to Tag.
type Token struct {
	Text, Tag, Label string
	Start, End       int
}

// Entity is a named entity: its tokens joined by single spaces, its type (PERSON, GPE, LOCATION,
// ORGANIZATION, FACILITY, GSP), and the byte offsets in the text given to Tag from its first token's
// start to its last one's end.
type Entity struct {
	Text, Label string
	Start, End  int
}

// Model is the tagger and the entity model. It is read-only once loaded: safe for concurrent use.
type Model struct {
	classes []string         // part-of-speech tags
	known   map[string]uint8 // words the tagger gives one tag without looking at context
	feats   weights          // the tagger's features, over classes

	labels []string // entity IOB labels
	ents   weights  // "name-value" entity features, over labels
}

// weights are a linear model's features: each known one's run of (class, weight) pairs.
type weights struct {
	index *table // feature → its run in cls and w (start<<8 | length)
	cls   []uint8
	w     []float64
}

// add adds feature f's weights to scores (one per class) and marks their classes in seen, when seen
// is not nil.
func (ws weights) add(f string, scores []float64, seen []bool) {
	run, ok := ws.index.get(f)
	if !ok {
		return
	}
	for k := run >> 8; k < run>>8+run&0xff; k++ {
		scores[ws.cls[k]] += ws.w[k]
		if seen != nil {
			seen[ws.cls[k]] = true
		}
	}
}

var (
	defaultOnce  sync.Once
	defaultModel *Model
	defaultErr   error
)

// Default returns the model embedded in parley, read once per process.
func Default() (*Model, error) {
	defaultOnce.Do(func() {
		defaultModel, defaultErr = Read(bytes.NewReader(embedded))
		resident.Drop(embedded)
	})
	return defaultModel, defaultErr
}

// Tag tokenizes text and tags every token; with entities set it also labels the tokens and returns the
// named entities found, in order.
func (m *Model) Tag(text string, entities bool) ([]Token, []Entity) {
	toks := tokenize(text)
	m.tag(toks)
	if !entities {
		return toks, nil
	}
	m.label(toks)
	return toks, chunk(toks)
}

// tag gives each token its part-of-speech tag (prose's perceptronTagger.tag).
func (m *Model) tag(toks []Token) {
	ctx := context(toks)
	p1, p2 := "-START-", "-START2-"
	for i := range toks {
		word := toks[i].Text
		var tag string
		if word == "-" {
			tag = "-"
		} else if _, ok := emoticons[word]; ok {
			tag = "SYM"
		} else if commonregex.LinkRegex.MatchString(word) || commonregex.EmailRegex.MatchString(word) || strings.HasPrefix(word, "@") {
			tag = "NN"
		} else if none.MatchString(word) {
			tag = "-NONE-"
		} else if keep.MatchString(word) {
			tag = word
		} else if c, ok := m.known[word]; ok {
			tag = m.classes[c]
		} else if c, _ := m.predict(features(i, ctx, word, p1, p2)); c >= 0 {
			tag = m.classes[c]
		}
		toks[i].Tag = tag
		p2, p1 = p1, tag
	}
}

// predict returns the class the tagger's features score highest (-1 when none of them is known),
// and whether another class scored the same.
func (m *Model) predict(feats [14]string) (int, bool) {
	var scores [256]float64
	var seen [256]bool
	for _, f := range feats {
		m.feats.add(f, scores[:], seen[:])
	}
	best, tie := -1, false
	for c := range m.classes {
		switch {
		case !seen[c]:
		case best < 0 || scores[c] > scores[best]:
			best, tie = c, false
		case scores[c] == scores[best]:
			tie = true
		}
	}
	return best, tie
}

// context is the tagger's view of the tokens: each normalised, with two markers either side.
func context(toks []Token) []string {
	ctx := make([]string, len(toks)+4)
	ctx[0], ctx[1] = "-START-", "-START2-"
	for i, t := range toks {
		ctx[i+2] = normalize(t.Text)
	}
	ctx[len(ctx)-2], ctx[len(ctx)-1] = "-END-", "-END2-"
	return ctx
}

// features are the tagger's features of the word at i (prose's featurize; ctx is the normalised
// text with two markers either side).
func features(i int, ctx []string, w, p1, p2 string) [14]string {
	suf := min(len(w), 3)
	i = min(len(ctx)-2, i+2)
	iminus := min(len(ctx[i-1]), 3)
	iplus := min(len(ctx[i+1]), 3)
	return [14]string{
		"bias",
		"i suffix " + w[len(w)-suf:],
		"i pref1 " + string(rune(w[0])), // prose converts the first byte, not the first rune
		"i-1 tag " + p1,
		"i-2 tag " + p2,
		"i tag+i-2 tag " + p1 + " " + p2,
		"i word " + ctx[i],
		"i-1 tag+i word " + p1 + " " + ctx[i],
		"i-1 word " + ctx[i-1],
		"i-1 suffix " + ctx[i-1][len(ctx[i-1])-iminus:],
		"i-2 word " + ctx[i-2],
		"i+1 word " + ctx[i+1],
		"i+1 suffix " + ctx[i+1][len(ctx[i+1])-iplus:],
		"i+2 word " + ctx[i+2],
	}
}

func normalize(word string) string {
	if word == "" {
		return word
	}
	first := string(rune(word[0]))
	if strings.Contains(word, "-") && first != "-" {
		return "!HYPHEN"
	} else if _, err := strconv.Atoi(word); err == nil && len(word) == 4 {
		return "!YEAR"
	} else if _, err := strconv.Atoi(first); err == nil {
		return "!DIGITS"
	}
	return strings.ToLower(word)
}

// entityFeatures is how many features the entity model reads of a token (entityValues).
const entityFeatures = 17

// label gives each token its IOB entity label (prose's entityExtracter.classify), left to right,
// each token seeing the labels before it.
func (m *Model) label(toks []Token) {
	history := make([]string, 0, len(toks))
	scores := make([]float64, len(m.labels))
	for i := range toks {
		l, _ := m.classify(entityValues(i, toks, history), scores)
		best := ""
		if l >= 0 {
			best = m.labels[l]
		}
		toks[i].Label = best
		history = append(history, simplePOS(best))
	}
}

// classify returns the label the entity features score highest (-1 when every label scores -Inf),
// and whether another label scored the same. scores is scratch space, one per label.
func (m *Model) classify(feats [entityFeatures]string, scores []float64) (int, bool) {
	clear(scores)
	for _, f := range feats {
		m.ents.add(f, scores, nil)
	}
	best, tie, top := -1, false, math.Inf(-1)
	for l, s := range scores {
		if s > top {
			best, tie, top = l, false, s
		} else if s == top && best >= 0 {
			tie = true
		}
	}
	return best, tie
}

// entityValues are the entity model's features of token i as "name-value", in the order prose sums
// them (prose's extract).
func entityValues(i int, toks []Token, history []string) [entityFeatures]string {
	word := toks[i].Text
	lower := strings.ToLower(word)
	prevShape, prevTag, prevWord, prevPOS := "None", "None", "None", "None"
	if i > 0 {
		prevWord, prevPOS, prevTag = strings.ToLower(toks[i-1].Text), toks[i-1].Tag, history[i-1]
		if i > 1 { // (prose leaves the shape of the first word out)
			prevShape = shape(toks[i-1].Text)
		}
	}
	nextWord, nextPOS := "None", "None"
	if i < len(toks)-1 {
		nextWord, nextPOS = strings.ToLower(toks[i+1].Text), strings.ToLower(toks[i+1].Tag)
	}
	pos := toks[i].Tag
	basic := "False"
	if basicWords[word] {
		basic = "True"
	}
	return [entityFeatures]string{
		"bias-True",
		"en-wordlist-" + basic,
		"nextpos-" + nextPOS,
		"nextword-" + nextWord,
		"pos-" + pos,
		"pos+prevtag-" + pos + "+" + prevTag,
		"prefix3-" + strings.ToLower(word[:min(len(word), 3)]),
		"prevpos-" + prevPOS,
		"prevtag-" + prevTag,
		"prevword-" + prevWord,
		"shape-" + shape(word),
		"shape+prevtag-" + prevShape + "+" + prevTag,
		"suffix3-" + strings.ToLower(word[len(word)-min(len(word), 3):]),
		"word-" + word,
		"word+nextpos-" + lower + "+" + nextPOS,
		"word.lower-" + lower,
		"wordlen-" + strconv.Itoa(len(word)),
	}
}

var basicWords = func() map[string]bool {
	s := make(map[string]bool, len(enWordList))
	for _, w := range enWordList {
		s[w] = true
	}
	return s
}()

// shape is "number", "punct" (ends in a character that is not an ASCII letter, digit or _), and
// otherwise "downcase", "upcase" (title case) or "mixedcase"; "other" for the empty string.
func shape(word string) string {
	if _, err := strconv.ParseFloat(word, 64); err == nil {
		return "number"
	}
	r, _ := utf8.DecodeLastRuneInString(word)
	switch {
	case word == "":
		return "other"
	case !(r == '_' || r < utf8.RuneSelf && ('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')):
		return "punct"
	case strings.ToLower(word) == word:
		return "downcase"
	case strings.Title(word) == word: //nolint:staticcheck // as the model was trained
		return "upcase"
	}
	return "mixedcase"
}

func simplePOS(label string) string {
	if strings.HasPrefix(label, "V") {
		return "v"
	}
	before, _, _ := strings.Cut(label, "-")
	return before
}

// chunk joins labelled tokens into entities (prose's entityExtracter.chunk and coalesce).
func chunk(toks []Token) []Entity {
	var out []Entity
	var parts []Token
	end := ""
	for _, tok := range toks {
		label := tok.Label
		n := len(parts)
		if (label != "O" && label != end) || (n > 0 && tok.Tag == parts[n-1].Tag) || (n > 0 && tok.Tag == "CD" && parts[n-1].Label != "O") {
			end = strings.Replace(label, "B", "I", 1)
			parts = append(parts, tok)
		} else if (label == "O" && end != "") || label == end {
			if label != "O" {
				parts = append(parts, tok)
			}
			out = append(out, coalesce(parts))
			end, parts = "", nil
		}
	}
	return out
}

func coalesce(parts []Token) Entity {
	words := make([]string, len(parts))
	person := false
	for i, t := range parts {
		words[i] = t.Text
		person = person || t.Label == "B-PERSON"
	}
	label := ""
	if person && len(parts) == 2 { // a person's two names: PERSON, whatever the second was labelled
		label = "PERSON"
	} else if _, after, ok := strings.Cut(parts[0].Label, "-"); ok {
		label, _, _ = strings.Cut(after, "-")
	}
	return Entity{Text: strings.Join(words, " "), Label: label, Start: parts[0].Start, End: parts[len(parts)-1].End}
}

// Read reads a model written by Write (gzip'd).
func Read(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("tagger model: %w", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("tagger model: %w", err)
	}
	m, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("tagger model: %w", err)
	}
	return m, nil
}
