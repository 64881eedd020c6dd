package transcribe

import (
	"sort"
	"strings"
	"unicode"
)

// Vocabulary is the words a contact centre's calls are likely to hold that a recogniser does not know:
// company, product and agent names. They are given to the recogniser as a prompt, and recognised text
// is corrected where it holds a near miss of one ("North Wind" for "Northwind").
type Vocabulary struct {
	Terms []string // for every call
	// ByPrefix adds terms for the calls whose source (path or storage key) starts with the prefix: a
	// queue's folder, a brand's bucket. The longest matching prefix wins.
	ByPrefix map[string][]string
	// Prompt gives the terms to the recogniser as its initial prompt for the agent's opening (see
	// Pipeline.Vocabulary) as well as correcting its text.
	Prompt bool
}

// For returns the terms for a call from source: the general ones, then the longest prefix's.
func (v *Vocabulary) For(source string) []string {
	if v == nil {
		return nil
	}
	terms := v.Terms
	if more, ok := LongestPrefix(v.ByPrefix, source); ok {
		terms = append(append([]string(nil), terms...), more...)
	}
	return terms
}

// LongestPrefix is the value of the longest key of m that source (a path or storage key) starts with:
// the rule for every setting given per queue folder or bucket prefix.
func LongestPrefix[T any](m map[string]T, source string) (T, bool) {
	best, found := "", false
	for p := range m {
		if strings.HasPrefix(source, p) && (!found || len(p) > len(best)) {
			best, found = p, true
		}
	}
	return m[best], found
}

// PromptText is the recogniser prompt for the terms: a sentence listing them, as the speakers would say
// them.
func PromptText(terms []string) string {
	if len(terms) == 0 {
		return ""
	}
	return strings.Join(terms, ", ") + "."
}

// letters is s lower-cased with everything but letters and digits removed.
func letters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// editDistance is the edit distance between a and b in runes, a swap of two neighbours counting as one
// edit ("fiber" and "fibre" are one apart).
func editDistance(a, b string) int { return distance([]rune(a), []rune(b), true) }

// Correct replaces near misses of the terms in text with the terms: a run of one to (words of the
// term + 1) words whose letters are within a fifth of the term's length in edits of the term's letters
// (a swap of two letters is one edit), starting with the same letter. Terms shorter than 6 letters are
// only fixed in spacing and case: a near miss of a short name is too often another word, and so is a
// looser match of a longer one ("north end" is two edits from "Northwind"). Words already spelled as a
// term are left alone. It returns the text and how many replacements it made.
func Correct(text string, terms []string) (string, int) {
	words := strings.Fields(text)
	if len(words) == 0 || len(terms) == 0 {
		return text, 0
	}
	type fix struct {
		from, to int // words [from, to)
		term     string
		dist     int
	}
	var fixes []fix
	for _, term := range terms {
		tl := letters(term)
		n := len(strings.Fields(term))
		if tl == "" || n == 0 {
			continue
		}
		maxDist := len([]rune(tl)) / 5
		if len([]rune(tl)) < 6 {
			maxDist = 0
		}
		for i := range words {
			for k := 1; k <= n+1 && i+k <= len(words); k++ {
				cand := letters(strings.Join(words[i:i+k], ""))
				if cand == "" || []rune(cand)[0] != []rune(tl)[0] {
					continue
				}
				if d := editDistance(cand, tl); d <= maxDist {
					d *= 2 // ranks: exact spellings (-1) first, then the closest
					if d == 0 && strings.TrimFunc(strings.Join(words[i:i+k], " "), unicode.IsPunct) == term {
						d = -1 // already as written: kept, and no other fix may take its words
					}
					fixes = append(fixes, fix{i, i + k, term, d})
				}
			}
		}
	}
	if len(fixes) == 0 {
		return text, 0
	}
	// Longer terms first ("Northwind Telecom" before "Northwind"), then the closest, then the longest
	// runs; no two may overlap.
	sort.SliceStable(fixes, func(a, b int) bool {
		if la, lb := len(letters(fixes[a].term)), len(letters(fixes[b].term)); la != lb {
			return la > lb
		}
		if fixes[a].dist != fixes[b].dist {
			return fixes[a].dist < fixes[b].dist
		}
		return fixes[a].to-fixes[a].from > fixes[b].to-fixes[b].from
	})
	taken := make([]bool, len(words))
	var chosen []fix
	for _, f := range fixes {
		free := true
		for i := f.from; i < f.to; i++ {
			free = free && !taken[i]
		}
		if !free {
			continue
		}
		for i := f.from; i < f.to; i++ {
			taken[i] = true
		}
		if f.dist >= 0 {
			chosen = append(chosen, f)
		}
	}
	sort.Slice(chosen, func(a, b int) bool { return chosen[a].from < chosen[b].from })
	var out []string
	next := 0
	for _, f := range chosen {
		out = append(out, words[next:f.from]...)
		// Keep the punctuation around the replaced words: "(North Wind," → "(Northwind,".
		first, last := words[f.from], words[f.to-1]
		lead := first[:len(first)-len(strings.TrimLeftFunc(first, unicode.IsPunct))]
		trail := last[len(strings.TrimRightFunc(last, unicode.IsPunct)):]
		out = append(out, lead+f.term+trail)
		next = f.to
	}
	out = append(out, words[next:]...)
	return strings.Join(out, " "), len(chosen)
}
