package encoder

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Special token ids of the BERT vocabulary are looked up by name; these are their names.
const (
	tokCLS = "[CLS]"
	tokSEP = "[SEP]"
	tokUNK = "[UNK]"
)

// maxWordChars is BERT's limit: a longer "word" (a URL, a run of digits) is one [UNK].
const maxWordChars = 100

// Tokenizer is BERT's uncased WordPiece tokenizer: clean the text, put spaces around CJK characters,
// split on white space, lower-case, strip accents (NFD, marks removed), split off punctuation, then
// split every word greedily into the longest pieces of the vocabulary ("##" marks a continuation).
type Tokenizer struct {
	vocab         map[string]int32
	tokens        []string
	cls, sep, unk int32
}

// NewTokenizer reads a vocabulary in vocab.txt form: one token a line, id = line number from 0.
func NewTokenizer(vocab []byte) (*Tokenizer, error) {
	t := &Tokenizer{vocab: map[string]int32{}}
	sc := bufio.NewScanner(bytes.NewReader(vocab))
	for sc.Scan() {
		tok := strings.TrimRight(sc.Text(), "\r")
		if _, dup := t.vocab[tok]; !dup {
			t.vocab[tok] = int32(len(t.tokens))
		}
		t.tokens = append(t.tokens, tok)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		name string
		id   *int32
	}{{tokCLS, &t.cls}, {tokSEP, &t.sep}, {tokUNK, &t.unk}} {
		id, ok := t.vocab[s.name]
		if !ok {
			return nil, fmt.Errorf("vocabulary has no %s token", s.name)
		}
		*s.id = id
	}
	return t, nil
}

// Size is the number of tokens in the vocabulary.
func (t *Tokenizer) Size() int { return len(t.tokens) }

// Token returns the text of a token id.
func (t *Tokenizer) Token(id int32) string { return t.tokens[id] }

// Encode returns the WordPiece ids of text, without [CLS] and [SEP].
func (t *Tokenizer) Encode(text string) []int32 {
	var ids []int32
	for _, w := range basicTokens(text) {
		ids = t.wordPieces(w, ids)
	}
	return ids
}

// wordPieces appends the pieces of one word (greedy longest match first) to ids.
func (t *Tokenizer) wordPieces(w string, ids []int32) []int32 {
	runes := []rune(w)
	if len(runes) > maxWordChars {
		return append(ids, t.unk)
	}
	n := len(ids)
	for start := 0; start < len(runes); {
		end := len(runes)
		found := int32(-1)
		for ; end > start; end-- {
			piece := string(runes[start:end])
			if start > 0 {
				piece = "##" + piece
			}
			if id, ok := t.vocab[piece]; ok {
				found = id
				break
			}
		}
		if found < 0 { // a word with a piece outside the vocabulary is one [UNK] as a whole
			return append(ids[:n], t.unk)
		}
		ids = append(ids, found)
		start = end
	}
	return ids
}

// basicTokens is BERT's basic tokenizer with lower casing and accent stripping.
func basicTokens(text string) []string {
	var b strings.Builder
	for _, r := range text {
		switch {
		case r == 0 || r == unicode.ReplacementChar || isControl(r):
		case isSpace(r):
			b.WriteByte(' ')
		case isCJK(r):
			b.WriteByte(' ')
			b.WriteRune(r)
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	var out []string
	for _, w := range strings.Fields(b.String()) {
		w = stripAccents(strings.ToLower(w))
		start := 0
		rs := []rune(w)
		for i, r := range rs {
			if isPunct(r) {
				if i > start {
					out = append(out, string(rs[start:i]))
				}
				out = append(out, string(r))
				start = i + 1
			}
		}
		if start < len(rs) {
			out = append(out, string(rs[start:]))
		}
	}
	return out
}

func stripAccents(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isSpace follows BERT: tab, newline, carriage return and Unicode space separators.
func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || unicode.Is(unicode.Zs, r)
}

// isControl follows BERT: control and format characters other than the white space above.
func isControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf)
}

// isPunct follows BERT: every ASCII symbol that is not a letter, digit or space, and Unicode punctuation.
func isPunct(r rune) bool {
	if (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126) {
		return true
	}
	return unicode.IsPunct(r)
}

// isCJK is BERT's list of CJK ideograph blocks (not Hangul or kana, which are split by white space).
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) || (r >= 0x2B740 && r <= 0x2B81F) || (r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0x2F800 && r <= 0x2FA1F)
}
