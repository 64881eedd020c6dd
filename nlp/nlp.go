// Package nlp analyses call transcripts: tokens, part-of-speech tags and named entities (nlp/tagger),
// sentiment, intent (call drivers), key phrases, pattern entities (money, dates, numbers, cards…) and
// PII redaction.
package nlp

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/nlp/tagger"
)

// ptoken is a token of the tagger with its byte offsets in the text.
type ptoken struct {
	text, tag  string
	start, end int
}

// tag runs the part-of-speech tagger (and, when ner is set, the entity recogniser): nlp/tagger, prose's
// models held compactly.
func tag(text string, ner bool) ([]ptoken, []tagger.Entity) {
	m, err := tagger.Default()
	if err != nil {
		return nil, nil
	}
	toks, ents := m.Tag(text, ner)
	out := make([]ptoken, len(toks))
	for i, t := range toks {
		out[i] = ptoken{text: t.Text, tag: t.Tag, start: t.Start, end: t.End}
	}
	return out, ents
}

var (
	commonOnce   sync.Once
	commonWords  map[string]bool
	opinionWords map[string]bool // the sentiment lexicon's single words
)

// loadWordLists builds the everyday-word and opinion-word sets once.
func loadWordLists() {
	commonOnce.Do(func() {
		commonWords = set("the a an i my to is it of in for be and on this do can me you your have what how with at there that am are " +
			"hi hello hey yes no okay ok sure thank thanks please sorry well so but and or if then also just now here good great " +
			"morning afternoon evening day week month year today tomorrow card account bill service support team customer agent " +
			"let could would should will shall may might must one two three four five six seven eight nine ten " +
			"goodbye bye understood fine perfect absolutely certainly alright right anything else nothing")
		opinionWords = map[string]bool{}
		for _, line := range strings.Split(vaderLexicon, "\n") {
			if w, _, ok := strings.Cut(line, "\t"); ok && !strings.ContainsAny(w, " ") {
				commonWords[w] = true
				opinionWords[w] = true
			}
		}
	})
}

// commonWord reports whether w is an everyday English word: the entity recogniser takes capitalised
// sentence openers ("Thank", "Sure") for names and places, and these are filtered out.
// A contraction is as common as the word it starts with ("I've", "We'd"; the tagger keeps them whole
// and can take them for names or places).
func commonWord(w string) bool {
	loadWordLists()
	w = strings.ToLower(w)
	if stem, clitic, ok := strings.Cut(w, "'"); ok && clitics[clitic] {
		w = stem
	}
	return commonWords[w]
}

var clitics = map[string]bool{"ve": true, "d": true, "ll": true, "re": true, "m": true, "s": true}

// opinionWord reports whether w is a sentiment word ("great", "help"): not a key phrase on its own.
func opinionWord(w string) bool {
	loadWordLists()
	return opinionWords[w]
}

// nameMentions finds every mention of known names in text: a name heard once in a call ("this is
// Maria") is a name wherever it comes back ("Hi Maria"), whoever says it.
func nameMentions(text string, names map[string]bool) []Entity {
	var out []Entity
	for _, t := range tokenize(text) {
		if names[t.text] {
			out = append(out, Entity{Type: EntPerson, Text: text[t.start:t.end], Start: t.start, End: t.end})
		}
	}
	return out
}

// sentenceSpans returns the byte ranges of the sentences of text, split after ., ? and ! — a run of
// them ("?!", "...") is one end, and the quotes and brackets that close right after it belong to the
// sentence they close (whisper wraps a segment in quotes now and then: `"No, that's it."` is one
// sentence, not that and a lone quote).
func sentenceSpans(text string) [][2]int {
	var out [][2]int
	start := 0
	for i := 0; i < len(text); i++ {
		if !isSentenceEnd(text[i]) {
			continue
		}
		end := i + 1
		for end < len(text) && isSentenceEnd(text[end]) {
			end++
		}
		for end < len(text) {
			r, n := utf8.DecodeRuneInString(text[end:])
			if !strings.ContainsRune(parley.SentenceClosers, r) {
				break
			}
			end += n
		}
		out = append(out, [2]int{start, end})
		start, i = end, end-1
	}
	if start < len(text) {
		out = append(out, [2]int{start, len(text)})
	}
	return out
}

func isSentenceEnd(b byte) bool { return b == '.' || b == '?' || b == '!' }

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

// Find returns the entities of text, without overlaps, in order. toks are text's tagger tokens when the
// caller already has them (nil: Find tags the text itself).
func (x *Extractor) Find(text string, toks []ptoken) []Entity {
	return x.FindAfter("", text, toks)
}

// FindAfter is Find for an answer: context is the end of the turn before it, whose question gives the
// answer its meaning ("date of birth?" — "the third of March nineteen eighty five").
func (x *Extractor) FindAfter(context, text string, toks []ptoken) []Entity {
	var ents []Entity
	if context == "" {
		ents = x.findPatterns(text)
	} else {
		prefix := context + " \n "
		for _, e := range x.findPatterns(prefix + text) {
			if e.Start >= len(prefix) {
				e.Start -= len(prefix)
				e.End -= len(prefix)
				ents = append(ents, e)
			}
		}
	}
	// A date given in answer to a question about the date of birth is one ("Can you confirm your date of
	// birth for me?" — "Yes, it's the ninth of March, nineteen eighty six."), wherever the cue stood in
	// the question.
	// birthDate makes the first full date that also passes ok a date of birth, when the answer has none.
	birthDate := func(ok func(Entity) bool) {
		if context == "" || slices.ContainsFunc(ents, func(e Entity) bool { return e.Type == EntDOB }) {
			return
		}
		for i, e := range ents {
			if e.Type == EntDate && fullDate(e.Text) && ok(e) {
				ents[i].Type = EntDOB
				return
			}
		}
	}
	birthDate(func(Entity) bool { return dobCueRe.MatchString(context) || birthAskedRe.MatchString(context) })
	// So is an answer that is nothing but a date with a year an adult was born in ("Second of July
	// 1979.", "21st of May 2000."), whatever the question: recognisers garble questions past any cue
	// ("So, here in the county news, you need to have" for "To check the account is yours, what's your
	// date of birth?"), and callers say no other dates that long ago on their own.
	birthDate(func(e Entity) bool {
		return adultBirthYear(e.Text) && mostlyPersonal(text, [2]int{0, len(text)}, []Entity{{Type: EntDOB, Start: e.Start, End: e.End}})
	})
	// An answer to a question about an address in which no personal data was found, but numbers were
	// said, is the address: what recognition made of it ("It mayodolane, yaw 10, 3HF." for "Eight Meadow
	// Lane, Y O ten, three H F"). Its first sentence, after the reply words, of ten words at most (a long
	// turn after the question is something else: the agent going on, a price).
	if context != "" && addressAskedRe.MatchString(context) && !emailAskedRe.MatchString(context) &&
		!slices.ContainsFunc(ents, func(e Entity) bool { return PII[e.Type] }) {
		start, answer := firstAnswer(text, false)
		if n := len(words(answer)); strings.ContainsAny(answer, "0123456789") && n >= 2 && n <= 10 {
			ents = append(ents, Entity{Type: EntAddress, Text: answer, Start: start, End: start + len(answer)})
		}
	}
	// So is an answer to a question about email that names a mail domain, however the recogniser wrote
	// the rest ("Qaim.brinannetyahoo.com" for "kwame dot brennan at yahoo dot com", "And I got you'll
	// move that hotmail.com."): its first sentence after the reply words, ten words at most — also where
	// the spoken-address pattern took only the word before "at" ("rhona baxter at gmail dot com").
	if context != "" && emailAskedRe.MatchString(context) {
		if start, answer := firstAnswer(text, true); mailDomainRe.MatchString(answer) && len(words(answer)) <= 10 {
			ents = append(ents, Entity{Type: EntEmail, Text: answer, Start: start, End: start + len(answer)})
		}
	}
	if toks == nil {
		toks, _ = tag(text, false)
	}
	// A name given in answer to a question about a name is one, though the recogniser mangled it past
	// what the recogniser of names knows ("Martin views" for "Martin Hughes"): a word of it tagged a
	// proper noun ("Sian" is tagged an adjective, "Shaw" a proper noun), its first not an everyday word
	// ("Hold on, let me find it").
	nameAsked := context != "" && nameAskedRe.MatchString(context)
	// The answer to it, where the entity recogniser's places are names (below).
	var answer [2]int
	if nameAsked {
		start, a := firstAnswer(text, false)
		answer = [2]int{start, start + len(a)}
		if m := nameAnswerRe.FindStringSubmatchIndex(text); m != nil {
			first, _, _ := strings.Cut(text[m[2]:m[3]], " ")
			proper := slices.ContainsFunc(toks, func(t ptoken) bool {
				return t.start >= m[2] && t.end <= m[3] && (t.tag == "NNP" || t.tag == "NNPS") && !commonWord(t.text)
			})
			if proper && !commonWord(first) {
				ents = append(ents, Entity{Type: EntPerson, Text: text[m[2]:m[3]], Start: m[2], End: m[3]})
			}
		}
	}
	// The entity recogniser is the slow step: it only runs on the sentences where the
	// tagger found a proper noun that is not an everyday word ("Thank" at the start of a sentence is
	// tagged NNP), which is where its PERSON and GPE entities come from.
	for _, sent := range sentenceSpans(text) {
		proper := false
		for _, t := range toks {
			if t.start >= sent[0] && t.end <= sent[1] && (t.tag == "NNP" || t.tag == "NNPS") && !commonWord(t.text) {
				proper = true
				break
			}
		}
		if !proper {
			continue
		}
		sentence := text[sent[0]:sent[1]]
		_, pents := tag(sentence, true)
		for _, e := range pents {
			if e.Label != "PERSON" && e.Label != "GPE" {
				continue
			}
			first, _, _ := strings.Cut(e.Text, " ")
			if commonWord(first) || commonWord(e.Text) {
				continue
			}
			start, end := sent[0]+e.Start, sent[0]+e.End
			typ := EntPerson
			// In answer to a question about a name, what the entity recogniser took for a place is the
			// name: it reads names it does not know as places ("That's me, Nadia Foster.", "It's in
			// Rementa."); one with a digit is a postcode ("LS6").
			if e.Label == "GPE" && !(nameAsked && start >= answer[0] && end <= answer[1] && !strings.ContainsAny(e.Text, "0123456789")) {
				typ = EntPlace
			}
			// (the text as written: "O’Brien", where the recogniser read "O'Brien")
			ents = append(ents, Entity{Type: typ, Text: sentence[e.Start:e.End], Start: start, End: end})
		}
	}
	return resolve(ents)
}

// firstAnswer is the answer in a reply: its first sentence after the reply words ("Yes, it's …"),
// without its end punctuation, and where it starts. inWords: a full stop inside a word ends nothing
// ("hotmail.com", "jam.fisher").
func firstAnswer(text string, inWords bool) (int, string) {
	end := len(text)
	if inWords {
		if m := sentenceEndRe.FindStringIndex(text); m != nil {
			end = m[0] + 1
		}
	} else if spans := sentenceSpans(text); len(spans) > 0 {
		end = spans[0][1]
	}
	start := len(replyLeadRe.FindString(text[:end]))
	return start, strings.TrimRight(text[start:end], " .?!")
}

// sentenceEndRe is a sentence's end followed by a space.
var sentenceEndRe = regexp.MustCompile(`[.?!]\s`)
