package scoring

import (
	"strings"

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

// compilePhrases reads phrase alternatives; "a|b" inside one string are alternatives too.
func compilePhrases(list []string) phrases {
	var out phrases
	for _, p := range list {
		for _, alt := range strings.Split(p, "|") {
			if ws := turnWords(alt); len(ws) > 0 {
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
	var b []string
	for _, w := range ps[a] {
		b = append(b, w.text)
	}
	return strings.Join(b, " ")
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
