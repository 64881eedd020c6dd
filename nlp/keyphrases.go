package nlp

import (
	"math"
	"sort"
	"strings"
)

// Key-phrase ranking methods. Both rank the same candidates: runs of adjectives and nouns ending in a
// noun, from the part-of-speech tags. TestKeyPhraseMethods measures them against hand-picked phrases of
// the testdata calls, where they tie; TextRank is the default because it rewards words that recur
// across the turns of a call.
const (
	TextRank = "textrank" // Mihalcea & Tarau 2004: PageRank over word co-occurrence
	RAKE     = "rake"     // Rose et al. 2010: word degree / frequency within candidates
)

// candidate is one occurrence of a key-phrase candidate.
type candidate struct {
	words []string // lower case
	turn  int
}

// phraseStop are words a key phrase neither starts nor ends with, even when tagged as nouns.
var phraseStop = set("name course hold help nobody anybody anyone someone welcome security moment minute second thing things lot bit way kind sort time today tomorrow yesterday morning evening moment something anything nothing everything one ones yes no okay ok hi hello thanks thank please sir madam um uh person number")

// timeNouns are key phrases only with a modifier ("next month"), never alone.
var timeNouns = set("month months week weeks day days year years hour hours minute minutes evening")

// candidates extracts key-phrase candidates from tagged tokens, skipping tokens inside the byte ranges
// of skip (entities: names and numbers are not key phrases, and must not leak under redaction).
func candidates(toks []ptoken, skip []Entity, turn int) []candidate {
	var out []candidate
	var cur []ptoken
	inSkip := func(t ptoken) bool {
		for _, e := range skip {
			if t.start < e.End && e.Start < t.end {
				return true
			}
		}
		return false
	}
	flush := func() {
		for len(cur) > 0 && (!strings.HasPrefix(cur[len(cur)-1].tag, "NN") || phraseStop[strings.ToLower(cur[len(cur)-1].text)]) {
			cur = cur[:len(cur)-1]
		}
		for len(cur) > 0 && phraseStop[strings.ToLower(cur[0].text)] {
			cur = cur[1:]
		}
		if len(cur) > 0 && len(cur) <= 4 {
			c := candidate{turn: turn}
			for _, t := range cur {
				c.words = append(c.words, strings.ToLower(t.text))
			}
			single := len(c.words) == 1
			if !single || len(c.words[0]) > 2 && !pairStop[c.words[0]] && !opinionWord(c.words[0]) && !timeNouns[c.words[0]] && !strings.HasPrefix(cur[0].tag, "NNP") {
				out = append(out, c)
			}
		}
		cur = cur[:0]
	}
	for _, t := range toks {
		okTag := strings.HasPrefix(t.tag, "NN") || strings.HasPrefix(t.tag, "JJ") || t.tag == "VBG" && len(cur) > 0
		word := len(t.text) > 1 && !isDigits(t.text) && !fillers[strings.ToLower(t.text)] && !strings.ContainsAny(t.text, "[]'")
		if okTag && word && !inSkip(t) {
			cur = append(cur, t)
			continue
		}
		flush()
	}
	flush()
	return out
}

// rankPhrases scores distinct phrases by the given method.
func rankPhrases(cands []candidate, method string) map[string]float64 {
	wordScore := map[string]float64{}
	switch method {
	case RAKE:
		freq, deg := map[string]float64{}, map[string]float64{}
		for _, c := range cands {
			for _, w := range c.words {
				freq[w]++
				deg[w] += float64(len(c.words))
			}
		}
		for w := range freq {
			wordScore[w] = deg[w] / freq[w]
		}
	default:
		// Co-occurrence graph: words of one candidate and of neighbouring candidates in a turn link.
		links := map[string]map[string]bool{}
		link := func(a, b string) {
			if a == b {
				return
			}
			for _, p := range [][2]string{{a, b}, {b, a}} {
				if links[p[0]] == nil {
					links[p[0]] = map[string]bool{}
				}
				links[p[0]][p[1]] = true
			}
		}
		for i, c := range cands {
			for _, w := range c.words {
				if links[w] == nil {
					links[w] = map[string]bool{}
				}
				for _, v := range c.words {
					link(w, v)
				}
				if i+1 < len(cands) && cands[i+1].turn == c.turn {
					for _, v := range cands[i+1].words {
						link(w, v)
					}
				}
			}
		}
		for w := range links {
			wordScore[w] = 1
		}
		for range 30 {
			next := map[string]float64{}
			for w := range links {
				s := 0.0
				for v := range links[w] {
					s += wordScore[v] / float64(len(links[v]))
				}
				next[w] = 0.15 + 0.85*s
			}
			wordScore = next
		}
	}
	out := map[string]float64{}
	count := map[string]int{}
	for _, c := range cands {
		count[strings.Join(c.words, " ")]++
	}
	for _, c := range cands {
		k := strings.Join(c.words, " ")
		if _, done := out[k]; done {
			continue
		}
		s := 0.0
		for _, w := range c.words {
			s += wordScore[w]
		}
		// Repetition counts, with diminishing returns.
		out[k] = s * (1 + math.Log(float64(count[k])))
	}
	return out
}

// topPhrases returns the n best phrases, dropping one contained in a better one ("bill" under "internet
// bill").
func topPhrases(scores map[string]float64, n int) []string {
	keys := make([]string, 0, len(scores))
	for k := range scores {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if scores[keys[a]] != scores[keys[b]] {
			return scores[keys[a]] > scores[keys[b]]
		}
		return keys[a] < keys[b]
	})
	var out []string
	for _, k := range keys {
		dup := false
		for _, o := range out {
			if strings.Contains(" "+o+" ", " "+k+" ") {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, k)
		}
		if len(out) == n {
			break
		}
	}
	return out
}
