package scoring

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/parley-cc/parley/nlp"
)

// word is a word of a transcript, with its stem.
type word struct{ text, stem string }

func turnWords(text string) []word {
	ws := nlp.Words(text)
	out := make([]word, len(ws))
	for i, w := range ws {
		out[i] = word{w, nlp.Stem(w)}
	}
	return out
}

// phrases is a list of alternatives; each alternative is a sequence of words.
type phrases [][]word

// foreignWords splits text of another language into words as they are written, lower-cased and not
// stemmed (the stemmer is English); a run of a script written without spaces (Han, kana, Thai) is one
// "word" each character, so that a phrase matches inside it.
func foreignWords(text string) []word {
	var out []word
	for _, w := range nlp.Words(strings.ToLower(text)) {
		if unspaced(w) {
			for _, r := range w {
				out = append(out, word{string(r), string(r)})
			}
			continue
		}
		out = append(out, word{w, w})
	}
	return out
}

// unspaced tells a word of a script written without spaces between words.
func unspaced(w string) bool {
	for _, r := range w {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar) {
			return true
		}
	}
	return false
}

// compileForeign reads phrase alternatives of another language (see foreignWords).
func compileForeign(list []string) phrases { return compileWith(list, foreignWords) }

// compilePhrases reads phrase alternatives; "a|b" inside one string are alternatives too.
func compilePhrases(list []string) phrases { return compileWith(list, turnWords) }

// VocabularyPhrase, as a phrase alternative ("welcome to|{vocabulary}"), stands for the call's
// vocabulary terms (Call.Vocabulary): a scorecard names the company without spelling it, and each queue
// or brand (vocabulary_by_prefix) brings its own.
const VocabularyPhrase = "{vocabulary}"

// checkPlaceholders refuses a phrase entry with braces anywhere but a {vocabulary} alternative of its own.
func checkPlaceholders(entry string) error {
	for _, alt := range strings.Split(entry, "|") {
		if a := strings.TrimSpace(alt); strings.ContainsAny(a, "{}") && a != VocabularyPhrase {
			return fmt.Errorf("phrase %q: %q is no placeholder parley knows (%s, alone between |, is the call's vocabulary)", entry, a, VocabularyPhrase)
		}
	}
	return nil
}

// compileWith reads phrase alternatives with a way of splitting them into words; {vocabulary} is kept
// as an alternative of its own, a word no text has, until the call's terms replace it (withTerms).
func compileWith(list []string, split func(string) []word) phrases {
	var out phrases
	for _, p := range list {
		for _, alt := range strings.Split(p, "|") {
			if strings.TrimSpace(alt) == VocabularyPhrase {
				out = append(out, []word{{VocabularyPhrase, VocabularyPhrase}})
				continue
			}
			if ws := split(alt); len(ws) > 0 {
				out = append(out, ws)
			}
		}
	}
	return out
}

// wordMatch: same stem, or — for words of five letters or more — one letter apart, the commonest ASR
// slip ("verifying"/"verifing").
func wordMatch(p, w word) bool {
	if p.stem == w.stem || p.text == w.text {
		return true
	}
	return len(p.text) >= 5 && len(w.text) >= 5 && within1(p.text, w.text)
}

// find looks for any alternative in ws and returns the index of the alternative found. One extra word
// inside the phrase is allowed ("thank you so much for calling").
func (ps phrases) find(ws []word) (int, bool) {
	for a, alt := range ps {
		for i := range ws {
			if !wordMatch(alt[0], ws[i]) {
				continue
			}
			j, skipped, ok := i+1, 0, true
			for _, p := range alt[1:] {
				switch {
				case j < len(ws) && wordMatch(p, ws[j]):
					j++
				case skipped == 0 && j+1 < len(ws) && wordMatch(p, ws[j+1]):
					skipped++
					j += 2
				default:
					ok = false
				}
				if !ok {
					break
				}
			}
			if ok {
				return a, true
			}
		}
	}
	return -1, false
}

// text spells alternative a.
func (ps phrases) text(a int) string {
	var b strings.Builder
	for i, w := range ps[a] {
		if i > 0 && !(unspaced(w.text) && unspaced(ps[a][i-1].text)) { // 感谢您, not 感 谢 您
			b.WriteByte(' ')
		}
		b.WriteString(w.text)
	}
	return b.String()
}

// within1 reports whether a and b are at most one edit (insert, delete, substitute) apart.
func within1(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return a[i+min(1, len(a)-i):] == b[i+min(1, len(b)-i):]
	}
	return a[i:] == b[i+1:]
}
