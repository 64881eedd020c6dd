package tagger

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

func tags(toks []Token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.Text + "/" + t.Tag + " ")
	}
	return strings.TrimSpace(b.String())
}

// TestRepeatedWords: every occurrence of a word is tagged in its own context. (prose hands all
// occurrences of a run of text but the text's last one token, so each word below came out with the
// tag of its last occurrence, NN, twice.)
func TestRepeatedWords(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		want []string // the tags of the repeated word, in order
		word string
	}{
		{"We can call you back and log the call today", []string{"VB", "NN"}, "call"},
		{"I will check the check you sent", []string{"VB", "NN"}, "check"},
		{"Can you address the letter to my new address please", []string{"VB", "NN"}, "address"},
		{"They refund the money and the refund arrives Monday", []string{"VBP", "NN"}, "refund"},
	} {
		toks, _ := m.Tag(tc.text, false)
		var got []string
		for _, tok := range toks {
			if tok.Text == tc.word {
				got = append(got, tok.Tag)
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%q: %q tagged %v, want %v (%s)", tc.text, tc.word, got, tc.want, tags(toks))
		}
	}
}

func TestEntities(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	_, ents := m.Tag("My name is Sarah Connor and I moved from Boston to Chicago last May.", true)
	var got []string
	for _, e := range ents {
		got = append(got, e.Label+":"+e.Text)
	}
	want := "PERSON:Sarah Connor GPE:Boston GPE:Chicago"
	if strings.Join(got, " ") != want {
		t.Errorf("entities %q, want %q", strings.Join(got, " "), want)
	}
	if _, ents := m.Tag("Sarah Connor", false); ents != nil {
		t.Errorf("entities %v without asking", ents)
	}
	// A run too long to be a word is one token (taking it apart is quadratic: 20,000 brackets took 8 s).
	long := strings.Repeat("(", 20000) + "a"
	if toks, _ := m.Tag(long+" here", true); len(toks) != 2 || toks[0].Text != long {
		t.Errorf("a run of %d bytes: %d tokens", len(long), len(toks))
	}
	// So is a long run of white space but ' ' (the fuzzer's find: 1,200 line breaks came out as a
	// token of white space): no token at all.
	if toks, _ := m.Tag("a"+strings.Repeat("\n", 1200)+"b", true); len(toks) != 2 || toks[0].Text != "a" || toks[1].Text != "b" {
		t.Errorf("a, 1,200 line breaks, b: %v", toks)
	}
	if toks, _ := m.Tag("(((a)))", false); len(toks) != 7 {
		t.Errorf("(((a))): %d tokens, want 7", len(toks))
	}
	// Curly quotes are read as straight ones, and every token and entity keeps its place in the text as
	// written (nlp redacts a name by those offsets: "O’Brien" was not found in the text before).
	text := "“I’m calling for Sean O’Brien,” she said &rsquo; in Dublin."
	toks, ents := m.Tag(text, true)
	var words []string
	for _, tok := range toks {
		words = append(words, text[tok.Start:tok.End])
	}
	if want := "“ I ’m calling for Sean O’Brien , ” she said &rsquo; in Dublin ."; strings.Join(words, " ") != want {
		t.Errorf("tokens placed at %q, want %q", strings.Join(words, " "), want)
	}
	got = nil
	for _, e := range ents {
		got = append(got, e.Label+":"+e.Text+"="+text[e.Start:e.End])
	}
	if want := "PERSON:Sean O'Brien=Sean O’Brien GPE:Dublin=Dublin"; strings.Join(got, " ") != want {
		t.Errorf("entities %q, want %q", strings.Join(got, " "), want)
	}
	// None of these may panic; prose did on the last but one: lower-casing "Ⱥ" takes a byte more, and
	// it cut the run where the lower-cased one has its clitic, past the run's end.
	for _, text := range []string{"", "   ", "-", "\u00e9\u00e9\u00e9", "$", "'s", "\xff\xfe", "İ'LL", "ȺȺȺȺ's", "http://x.co a@b.co @x :-)"} {
		m.Tag(text, true)
	}
}

func rawModel(t *testing.T) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(embedded))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// TestRoundTrip: a model written by Write from another's tables reads back the same.
func TestRoundTrip(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	src := Source{Classes: m.classes, Labels: m.labels, Known: map[string]string{},
		Feats: map[string]map[string]float64{}, Ents: map[string]map[string]float64{}}
	for w, c := range m.known {
		src.Known[w] = m.classes[c]
	}
	runs := func(ws weights, names []string, out map[string]map[string]float64) {
		ix, cls := ws.index, ws.cls
		for i := range ix.len() {
			k := ix.key(i)
			run, ok := ix.get(k)
			if !ok || run != ix.val[i] {
				t.Fatalf("%q: %d %v, want %d", k, run, ok, ix.val[i])
			}
			out[k] = map[string]float64{}
			for j := run >> 8; j < run>>8+run&0xff; j++ {
				out[k][names[cls[j]]] = ws.w[j]
			}
		}
	}
	runs(m.feats, m.classes, src.Feats)
	runs(m.ents, m.labels, src.Ents)
	var buf bytes.Buffer
	if err := Write(&buf, src); err != nil {
		t.Fatal(err)
	}
	m2, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	text := "Thanks Maria, I'll send the refund to your Visa card in London by Friday."
	a, ae := m.Tag(text, true)
	b, be := m2.Tag(text, true)
	if tags(a) != tags(b) || len(ae) != len(be) || m2.feats.index.len() != m.feats.index.len() || m2.ents.index.len() != m.ents.index.len() {
		t.Errorf("read back: %s %v, want %s %v", tags(b), be, tags(a), ae)
	}
	if !bytes.Equal(gz(rawModel(t)), gz(mustRaw(t, &buf, src))) {
		t.Error("writing the same tables twice gave different bytes")
	}
	src.Known["x"] = "NOT-A-TAG"
	if err := Write(io.Discard, src); err == nil || !strings.Contains(err.Error(), "unknown tag") {
		t.Errorf("unknown tag: %v", err)
	}
}

func mustRaw(t *testing.T, buf *bytes.Buffer, src Source) []byte {
	t.Helper()
	buf.Reset()
	if err := Write(buf, src); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(buf)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	return b
}

// TestBadModel: a damaged model file is a named error, never a panic.
func TestBadModel(t *testing.T) {
	raw := rawModel(t)
	bad := func(b []byte) []byte { return append([]byte(nil), b...) }
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"not gzip":     {[]byte("parley-tagger\x01"), "tagger model:"},
		"not a model":  {gz([]byte("hello, world")), "not a tagger model"},
		"empty":        {gz(nil), "not a tagger model"},
		"truncated":    {gz(raw[:len(raw)/3]), "truncated"},
		"cut at end":   {gz(raw[:len(raw)-3]), "truncated"},
		"extra":        {gz(append(bad(raw), 1, 2, 3)), "left over"},
		"keys missing": {gz(append([]byte(magic), 0xff, 0xff, 0xff, 0x7f)), "truncated"},
	} {
		_, err := Read(bytes.NewReader(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "tagger model") {
			t.Errorf("%s: %v, want an error with %q", name, err, tc.want)
		}
	}
	// A byte changed anywhere: an error or a model, never a panic.
	for i := len(magic); i < len(raw); i += len(raw) / 23 {
		b := bad(raw)
		b[i] ^= 0x5a
		if m, err := decode(b); err == nil {
			m.Tag("Thanks Maria, see you in London.", true)
		}
	}
}

// BenchmarkRead reads the embedded model (prose decoded its gob in 0.3–0.5 s of CPU).
func BenchmarkRead(b *testing.B) {
	for b.Loop() {
		if _, err := Read(bytes.NewReader(embedded)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTag tags a turn and finds its entities.
func BenchmarkTag(b *testing.B) {
	m, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	text := "Hi Sarah, this is John from Northwind in Boston. I can see the refund went to your Visa card on the third of March."
	for b.Loop() {
		m.Tag(text, true)
	}
}

func TestTable(t *testing.T) {
	keys := "abbcccabdd"
	// entries: "a", "bb", "ccc", "ab", "dd", "" and "a" again
	off := []uint32{0, 1, 3, 6, 8, 10, 10}
	val := []uint32{1, 2, 3, 4, 5, 6}
	tb := newTable(keys+"a", append(off, 11), append(val, 7))
	for k, want := range map[string]uint32{"a": 1, "bb": 2, "ccc": 3, "ab": 4, "dd": 5, "": 6} {
		if v, ok := tb.get(k); !ok || v != want {
			t.Errorf("%q: %d %v, want %d", k, v, ok, want)
		}
	}
	for _, k := range []string{"b", "abb", "cc", "d", "x"} {
		if v, ok := tb.get(k); ok {
			t.Errorf("%q found: %d", k, v)
		}
	}
	if tb.len() != 7 || len(tb.slots)&(len(tb.slots)-1) != 0 || len(tb.slots)*3 < tb.len()*4 {
		t.Errorf("%d entries in %d slots", tb.len(), len(tb.slots))
	}
	if empty := newTable("", []uint32{0}, nil); empty.len() != 0 {
		t.Error("empty table")
	} else if _, ok := empty.get("a"); ok {
		t.Error("found in an empty table")
	}
}

// FuzzTag: any text is tokenized, tagged and labelled without a panic, every token is non-empty and
// placed in the text in order (its text the written one with straight quotes), and every entity spans
// its tokens.
func FuzzTag(f *testing.F) {
	for _, s := range []string{"Hi Sarah, this is John from Boston.", "ȺȺȺȺ's", "İ'LL", "don't won't they'll", "\"(quoted)\" [x] $5 e.g. U.S.A. Mr. :-)", "http://x.co a@b.co @x", "\xff\xfe\x00", "- -- --- 1999 12-3", "a" + strings.Repeat("\n", 1200) + "b"} {
		f.Add(s)
	}
	m, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		toks, ents := m.Tag(text, true)
		words, end := map[string]bool{}, 0
		for _, tok := range toks {
			if strings.TrimSpace(tok.Text) == "" {
				t.Fatalf("%q: an empty token", text)
			}
			if tok.Start < end || tok.End > len(text) || tok.Start >= tok.End {
				t.Fatalf("%q: token %q at %d–%d after %d", text, tok.Text, tok.Start, tok.End, end)
			}
			if written, _ := sanitize(text[tok.Start:tok.End]); written != tok.Text {
				t.Fatalf("%q: token %q placed on %q", text, tok.Text, text[tok.Start:tok.End])
			}
			words[tok.Text], end = true, tok.End
		}
		for _, e := range ents {
			for _, w := range strings.Split(e.Text, " ") {
				if !words[w] {
					t.Fatalf("%q: entity %q has %q, not a token", text, e.Text, w)
				}
			}
			if e.Start < 0 || e.End > len(text) || e.Start >= e.End {
				t.Fatalf("%q: entity %q at %d–%d", text, e.Text, e.Start, e.End)
			}
		}
	})
}
