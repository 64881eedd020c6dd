package transcribe

import (
	"bufio"
	"io"
	"regexp"
	"strings"
	"unicode"
)

// NormalizeWords lower-cases text, drops punctuation (keeping apostrophes inside words), spells
// currency signs and "%", writes every number as its digits (spellDigits) and splits it into words, so
// that word error rates compare words, not formatting: "£39" and "thirty nine pounds" are the same.
func NormalizeWords(s string) []string {
	var b strings.Builder
	rs := []rune(strings.ToLower(spellSymbols(s)))
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
	return spellDigits(strings.Fields(b.String()))
}

// WordErrors returns the word-level edit distance (substitutions + deletions + insertions) between a
// reference and a hypothesis, after NormalizeWords, and the number of reference words.
func WordErrors(ref, hyp string) (errors, words int) {
	r, h := NormalizeWords(ref), NormalizeWords(hyp)
	return distance(r, h, false), len(r)
}

// distance is the edit distance between a and b (substitutions, deletions, insertions; with swaps, two
// neighbours exchanged also count as one edit), in three rows of memory.
func distance[T comparable](a, b []T, swaps bool) int {
	prev2, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
			if swaps && i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Misplaced counts the reference words that a two-sided recognition put on the wrong side: words of
// side A missing from A's hypothesis that appear as extra words in B's, and the other way round (after
// NormalizeWords, by an edit-distance alignment of each side). words is the reference length of both.
func Misplaced(refA, hypA, refB, hypB string) (misplaced, words int) {
	ra, rb := NormalizeWords(refA), NormalizeWords(refB)
	delA, insA := alignDiff(ra, NormalizeWords(hypA))
	delB, insB := alignDiff(rb, NormalizeWords(hypB))
	for w, n := range delA {
		misplaced += min(n, insB[w])
	}
	for w, n := range delB {
		misplaced += min(n, insA[w])
	}
	return misplaced, len(ra) + len(rb)
}

// alignDiff aligns hyp to ref by edit distance and counts the reference words it lacks (deleted or
// substituted away) and the words it adds (inserted or substituted in).
func alignDiff(r, h []string) (missing, extra map[string]int) {
	_, missing, extra = align(r, h)
	return missing, extra
}

// RightWords aligns the hypothesis words hyp (each already through NormalizeWords) to the reference
// text by edit distance and reports which of them the alignment matches to a reference word.
func RightWords(ref string, hyp []string) []bool {
	right, _, _ := align(NormalizeWords(ref), hyp)
	return right
}

// align aligns hyp to ref by edit distance: which words of hyp match a word of ref, the reference words
// hyp lacks, and the words it adds.
func align(r, h []string) (right []bool, missing, extra map[string]int) {
	d := make([][]int, len(r)+1)
	for i := range d {
		d[i] = make([]int, len(h)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(r); i++ {
		for j := 1; j <= len(h); j++ {
			sub := d[i-1][j-1]
			if r[i-1] != h[j-1] {
				sub++
			}
			d[i][j] = min(sub, d[i-1][j]+1, d[i][j-1]+1)
		}
	}
	right, missing, extra = make([]bool, len(h)), map[string]int{}, map[string]int{}
	for i, j := len(r), len(h); i > 0 || j > 0; {
		switch {
		case i > 0 && j > 0 && r[i-1] == h[j-1] && d[i][j] == d[i-1][j-1]:
			right[j-1] = true
			i, j = i-1, j-1
		case i > 0 && j > 0 && d[i][j] == d[i-1][j-1]+1:
			missing[r[i-1]]++
			extra[h[j-1]]++
			i, j = i-1, j-1
		case i > 0 && d[i][j] == d[i-1][j]+1:
			missing[r[i-1]]++
			i--
		default:
			extra[h[j-1]]++
			j--
		}
	}
	return right, missing, extra
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
