// Tokenizer ported from prose v2.0.0 (github.com/jdkato/prose/v2, tokenize.go; MIT licence:
// LICENSE-prose), unchanged in what it does: the tagger and the entity model were trained on its tokens.

package tagger

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	internalRE = regexp.MustCompile(`^(?:[A-Za-z]\.){2,}$|^[A-Z][a-z]{1,2}\.$`)
	straight   = [][2]string{{"\u201c", `"`}, {"\u201d", `"`}, {"\u2018", "'"}, {"\u2019", "'"}, {"&rsquo;", "'"}}
	suffixes   = []string{",", ")", `"`, "]", "!", ";", ".", "?", ":", "'"}
	prefixes   = []string{"$", "(", `"`, "["}
	clitics    = []string{"'ll", "'s", "'re", "'m"}
	negation   = []string{"n't"}
)

// tokenize splits text at white space, then splits each run further: opening brackets, quotes and
// currency signs before it, closing punctuation after it, clitics ("they'll" → they 'll, "don't" →
// do n't); emoticons and abbreviations ("U.S.", "Mr.") stay whole. Curly quotes are read as straight
// ones; each token has its offsets in text.
func tokenize(text string) []Token {
	var tokens []Token
	clean, at := sanitize(text)
	white := false
	start, index := 0, 0
	cache := map[string][]string{}
	add := func(span string, from int) {
		toks, found := cache[span]
		if !found {
			toks = split(span)
			cache[span] = toks
		}
		// split's pieces come in order and are pieces of span: each is placed after the one before.
		cur := 0
		for _, w := range toks {
			k := cur + strings.Index(span[cur:], w)
			cur = k + len(w)
			tokens = append(tokens, Token{Text: w, Start: at(from + k), End: at(from + cur)})
		}
	}
	for index <= len(clean) {
		uc, size := utf8.DecodeRuneInString(clean[index:])
		if size == 0 {
			break
		} else if index == 0 {
			white = unicode.IsSpace(uc)
		}
		if unicode.IsSpace(uc) != white {
			if start < index {
				add(clean[start:index], start)
			}
			if uc == ' ' {
				start = index + 1
			} else {
				start = index
			}
			white = !white
		}
		index += size
	}
	if start < index {
		add(clean[start:index], start)
	}
	return tokens
}

// sanitize makes curly quotes (and "&rsquo;") straight, as the models were trained to read them, and
// returns the text with a function from its byte offsets to those of the text given.
func sanitize(text string) (string, func(int) int) {
	if !slices.ContainsFunc(straight, func(q [2]string) bool { return strings.Contains(text, q[0]) }) {
		return text, func(i int) int { return i }
	}
	var b strings.Builder
	from := make([]int, 0, len(text)+1)
next:
	for i := 0; i < len(text); {
		for _, q := range straight {
			if strings.HasPrefix(text[i:], q[0]) {
				b.WriteString(q[1])
				from = append(from, i)
				i += len(q[0])
				continue next
			}
		}
		b.WriteByte(text[i])
		from = append(from, i)
		i++
	}
	from = append(from, len(text))
	return b.String(), func(i int) int { return from[i] }
}

func addToken(s string, toks []string) []string {
	if strings.TrimSpace(s) != "" {
		toks = append(toks, s)
	}
	return toks
}

func isSpecial(token string) bool {
	_, found := emoticons[token]
	return found || internalRE.MatchString(token)
}

// maxRun is the longest run of text without white space that split takes apart; a longer one (no
// word: a garbled or hostile transcript) is one token. Taking a run apart costs its length for every
// character taken off, so a run of 20,000 opening brackets took 8 s.
const maxRun = 1000

// split splits one run of text without white space (as prose's doSplit).
func split(token string) []string {
	if len(token) > maxRun {
		return addToken(token, nil) // (a run of white space other than ' ' comes here too)
	}
	var tokens, suffs []string
	last := 0
	for token != "" && utf8.RuneCountInString(token) != last {
		if isSpecial(token) {
			tokens = addToken(token, tokens)
			break
		}
		last = utf8.RuneCountInString(token)
		lower := strings.ToLower(token)
		if hasAnyPrefix(token, prefixes) {
			tokens = addToken(token[:1], tokens)
			token = token[1:]
		} else if idx := hasAnyIndex(lower, clitics); idx > -1 && idx <= len(token) {
			// (idx is found in the lower-cased run; where lower-casing lengthened it past the
			// run ("ȺȺȺȺ's"), prose sliced out of range and panicked: here the next rule applies.)
			tokens = addToken(token[:idx], tokens)
			token = token[idx:]
		} else if idx := hasAnyIndex(lower, negation); idx > -1 && idx <= len(token) {
			tokens = addToken(token[:idx], tokens)
			token = token[idx:]
		} else if hasAnySuffix(token, suffixes) {
			suffs = append([]string{token[len(token)-1:]}, suffs...)
			token = token[:len(token)-1]
		} else {
			tokens = addToken(token, tokens)
		}
	}
	return append(tokens, suffs...)
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if len(s) > len(p) && strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func hasAnySuffix(s string, suffixes []string) bool {
	for _, p := range suffixes {
		if len(s) > len(p) && strings.HasSuffix(s, p) {
			return true
		}
	}
	return false
}

func hasAnyIndex(s string, subs []string) int {
	for _, p := range subs {
		if idx := strings.Index(s, p); idx >= 0 && len(s) > len(p) {
			return idx
		}
	}
	return -1
}
