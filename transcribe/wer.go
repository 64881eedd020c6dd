package transcribe

import (
	"bufio"
	"io"
	"regexp"
	"strings"
	"unicode"
)

// NormalizeWords lower-cases text, drops punctuation (keeping apostrophes inside words) and splits it
// into words, so that word error rates compare words, not formatting.
func NormalizeWords(s string) []string {
	var b strings.Builder
	rs := []rune(strings.ToLower(s))
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case (r == '\'' || r == '’') && i > 0 && i+1 < len(rs) && unicode.IsLetter(rs[i-1]) && unicode.IsLetter(rs[i+1]):
			b.WriteRune('\'')
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Fields(b.String())
}

// WordErrors returns the word-level edit distance (substitutions + deletions + insertions) between a
// reference and a hypothesis, after NormalizeWords, and the number of reference words.
func WordErrors(ref, hyp string) (errors, words int) {
	r, h := NormalizeWords(ref), NormalizeWords(hyp)
	prev := make([]int, len(h)+1)
	cur := make([]int, len(h)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(r); i++ {
		cur[0] = i
		for j := 1; j <= len(h); j++ {
			sub := prev[j-1]
			if r[i-1] != h[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(h)], len(r)
}

// WER is the word error rate of hyp against ref: WordErrors divided by the reference length.
func WER(ref, hyp string) float64 {
	e, n := WordErrors(ref, hyp)
	if n == 0 {
		if e == 0 {
			return 0
		}
		return 1
	}
	return float64(e) / float64(n)
}

var sphinxLine = regexp.MustCompile(`^<s>\s*(.*?)\s*</s>\s*\((.+)\)$`)

// ParseSphinxTranscription reads a CMU Sphinx "transcription" file (lines "<s> words </s> (utterance-id)",
// as in pocketsphinx-testdata) into utterance id → reference text, in file order.
func ParseSphinxTranscription(r io.Reader) (ids []string, refs map[string]string, err error) {
	refs = map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if m := sphinxLine.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
			ids = append(ids, m[2])
			refs[m[2]] = m[1]
		}
	}
	return ids, refs, sc.Err()
}
