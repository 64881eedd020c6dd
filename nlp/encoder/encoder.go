// Package encoder embeds sentences with a BERT sentence encoder (all-MiniLM-L6-v2 by default: 6 layers,
// 384 wide) in-process on the CPU. The WordPiece tokenizer and the safetensors reader are Go; the forward
// pass is a ggml graph run through cgo on the same ggml that whisper.cpp links, so parley has one
// numeric engine. A sentence's embedding is the mean of the last layer's token vectors, L2-normalised,
// as sentence-transformers computes it.
package encoder

/*
#cgo CFLAGS: -O2
#cgo LDFLAGS: -lm -lstdc++
#cgo linux LDFLAGS: -fopenmp
#include <stdlib.h>
#include "bert.h"
*/
import "C"

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/ggml"
)

// The files of a model directory.
const (
	WeightsFile = "model-f16.safetensors"
	// WeightsFile32 is the float32 original, read when the float16 file is absent.
	WeightsFile32 = "model.safetensors"
	VocabFile     = "vocab.txt"
	ConfigFile    = "config.json"
)

// Options tune an Encoder. Zero values take the defaults.
type Options struct {
	Threads     int // ggml threads per batch (default min(4, CPUs))
	MaxTokens   int // tokens per window, [CLS] and [SEP] included (default 256, the model's training length)
	BatchTokens int // tokens in one forward pass, padding included (default 512)
	// Truncate cuts a text after MaxTokens instead of averaging its windows (how sentence-transformers
	// embeds, used to compare with its reference vectors).
	Truncate bool
	// Overlay is a safetensors file whose tensors replace the model's of the same name (fine-tuned top
	// layers, e.g. parley's sentiment layers); OverlayName is added to the encoder's name.
	Overlay     []byte
	OverlayName string
	// Share is the same model loaded without an overlay: the tensors the overlay does not replace (the
	// embeddings and the lower layers, for fine-tuned top layers) are Share's, not a second copy. Share
	// stays in memory until this encoder is closed too.
	Share *Encoder
	// Remember is how many recently embedded texts keep their embedding (default 4096, about 7 MB;
	// negative: none). The analysis of a call embeds many texts more than once — an agent's sentences for
	// the scorecard and for the summary, a customer's for intent and for threats — and calls repeat
	// short turns ("Thank you.", "Yes, that's right."): those are embedded once.
	Remember int
}

// Encoder embeds texts. It is safe for concurrent use; batches run one at a time, each on Threads.
type Encoder struct {
	cfg  Config
	tok  *Tokenizer
	opts Options
	name string
	fp   string

	memo *lru.Cache[string, []float32] // text → embedding (nil: Remember < 0)
	runs atomic.Int64                  // texts run through the model, not found in memo

	mu     sync.Mutex
	m      *C.parley_bert
	closed bool
	users  int      // encoders sharing this one's tensors (Options.Share), still open
	base   *Encoder // the encoder whose tensors this one shares, or nil
}

// ErrClosed is returned by Embed after Close.
var ErrClosed = errors.New("encoder: closed")

// Load reads a model directory (config.json, vocab.txt, model-f16.safetensors). A missing file is a
// model_missing error, a file of the wrong form or shape model_corrupt.
func Load(dir string, opts Options) (*Encoder, error) {
	var shared *Tokenizer
	if opts.Share != nil {
		shared = opts.Share.tok
	}
	cfg, tok, w, baseFP, groups, release, err := loadFiles(dir, opts.Overlay, shared)
	if err != nil {
		return nil, err
	}
	defer release() // ggml holds its own copy of every tensor once set below
	if err := ggml.Load(); err != nil {
		return nil, err
	}
	if opts.Threads <= 0 {
		opts.Threads = min(4, runtime.NumCPU())
	}
	if opts.MaxTokens <= 2 || opts.MaxTokens > cfg.MaxPositions {
		opts.MaxTokens = min(256, cfg.MaxPositions)
	}
	if opts.BatchTokens < opts.MaxTokens {
		opts.BatchTokens = max(512, opts.MaxTokens)
	}
	if opts.Remember == 0 {
		opts.Remember = 4096
	}
	// own[g]: group g (0: the embeddings, 1+l: layer l) is this encoder's own, not Share's.
	own := make([]C.int, cfg.Layers+1)
	for g := range own {
		if opts.Share == nil || groups[g] {
			own[g] = 1
		}
	}
	var m *C.parley_bert
	if share := opts.Share; share != nil {
		if opts.Overlay == nil {
			return nil, parley.Errorf(parley.CodeConfig, "encoder %s: a shared encoder needs an overlay", dir)
		}
		if share.cfg != cfg || share.fp != baseFP {
			return nil, parley.Errorf(parley.CodeConfig, "encoder %s: the encoder to share (%s) is another model", dir, share.name)
		}
		share.mu.Lock()
		closed := share.closed
		if !closed {
			m = C.parley_bert_new_over(share.m, &own[0])
		}
		if m != nil {
			share.users++
		}
		share.mu.Unlock()
		if closed {
			return nil, ErrClosed
		}
		tok = share.tok
	} else {
		m = C.parley_bert_new(C.int(cfg.Hidden), C.int(cfg.Layers), C.int(cfg.Heads), C.int(cfg.Intermediate),
			C.int(cfg.Vocab), C.int(cfg.MaxPositions), C.int(cfg.TypeVocab), C.float(cfg.Eps))
	}
	if m == nil {
		return nil, parley.Errorf(parley.CodeInternal, "encoder: ggml could not allocate the model (or an overlay that replaces nothing)")
	}
	e := &Encoder{cfg: cfg, tok: tok, opts: opts, m: m, name: filepath.Base(dir), fp: fingerprint(w), base: opts.Share}
	if opts.Remember > 0 {
		e.memo, _ = lru.New[string, []float32](opts.Remember) // fails only for a size ≤ 0
	}
	if opts.OverlayName != "" {
		e.name += "+" + opts.OverlayName
	}
	set := func(slot int, t tensor) {
		if err != nil {
			return
		}
		var rc C.int
		if t.dtype == "F16" { // as stored: no float32 copy of the model is ever made
			rc = C.parley_bert_set_f16(m, C.int(slot), (*C.uint16_t)(unsafe.Pointer(&t.raw[0])), C.int64_t(len(t.raw)/2))
		} else {
			data := t.floats() // one tensor's float32 at a time
			rc = C.parley_bert_set(m, C.int(slot), (*C.float)(unsafe.Pointer(&data[0])), C.int64_t(len(data)))
		}
		if rc != 0 {
			err = parley.Errorf(parley.CodeModelCorrupt, "encoder %s: tensor slot %d does not fit", dir, slot)
		}
	}
	if own[0] != 0 {
		set(C.PB_WORD, w.word)
		set(C.PB_POS, w.pos)
		set(C.PB_TYPE, w.typ)
		set(C.PB_LNG, w.lng)
		set(C.PB_LNB, w.lnb)
	}
	for i, l := range w.layers {
		if own[1+i] == 0 {
			continue
		}
		base := C.PB_EMB_COUNT + i*C.PARLEY_BERT_PER_LAYER
		for slot, data := range map[int]tensor{
			C.PB_Q: l.q, C.PB_QB: l.qb, C.PB_K: l.k, C.PB_KB: l.kb, C.PB_V: l.v, C.PB_VB: l.vb, C.PB_O: l.o, C.PB_OB: l.ob,
			C.PB_LN1G: l.ln1g, C.PB_LN1B: l.ln1b, C.PB_UP: l.up, C.PB_UPB: l.upb, C.PB_DOWN: l.down, C.PB_DOWNB: l.downb,
			C.PB_LN2G: l.ln2g, C.PB_LN2B: l.ln2b,
		} {
			set(base+slot, data)
		}
	}
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// loadFiles reads and checks a model directory's three files, and the overlay's tensors over them. It
// also returns the fingerprint of the model without the overlay and which groups the overlay replaces
// tensors of (groups[0]: the embeddings, groups[1+l]: layer l). The weights' bytes are the mapped file's
// until release is called. tok, when not nil, is the tokenizer of the same model already built (an
// encoder sharing another's tensors shares its tokenizer too; Load checks that the weights are that
// model's): the vocabulary is not read again.
func loadFiles(dir string, overlay []byte, tok *Tokenizer) (cfg Config, _ *Tokenizer, w *weights, baseFP string, groups []bool, release func(), err error) {
	release = func() {}
	fail := func(e error) (Config, *Tokenizer, *weights, string, []bool, func(), error) {
		release()
		return cfg, nil, nil, "", nil, nil, e
	}
	missing := func(name string, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return parley.WrapError(parley.CodeModelMissing, err, "sentence encoder: %s is missing in %s", name, dir)
		}
		return parley.WrapError(parley.CodeIO, err, "sentence encoder")
	}
	corrupt := func(name string, err error) error {
		return parley.WrapError(parley.CodeModelCorrupt, err, "sentence encoder %s", filepath.Join(dir, name))
	}
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return fail(missing(ConfigFile, err))
	}
	if cfg, err = parseConfig(b); err != nil {
		return fail(corrupt(ConfigFile, err))
	}
	if tok == nil {
		if b, err = os.ReadFile(filepath.Join(dir, VocabFile)); err != nil {
			return fail(missing(VocabFile, err))
		}
		if tok, err = NewTokenizer(b); err != nil {
			return fail(corrupt(VocabFile, err))
		}
	}
	if tok.Size() != cfg.Vocab {
		return fail(corrupt(VocabFile, fmt.Errorf("%d tokens, the configuration says %d", tok.Size(), cfg.Vocab)))
	}
	weightsFile := WeightsFile
	if _, err := os.Stat(filepath.Join(dir, WeightsFile)); errors.Is(err, os.ErrNotExist) {
		if _, err32 := os.Stat(filepath.Join(dir, WeightsFile32)); err32 == nil {
			weightsFile = WeightsFile32
		}
	}
	if b, release, err = mapFile(filepath.Join(dir, weightsFile)); err != nil {
		return fail(missing(weightsFile, err))
	}
	ts, err := readSafetensors(b)
	if err != nil {
		return fail(corrupt(weightsFile, err))
	}
	if w, err = bindWeights(ts, cfg); err != nil {
		return fail(corrupt(weightsFile, err))
	}
	baseFP = fingerprint(w)
	groups = make([]bool, cfg.Layers+1)
	if overlay != nil {
		over, err := readSafetensors(overlay)
		if err != nil {
			return fail(parley.WrapError(parley.CodeModelCorrupt, err, "sentence encoder overlay"))
		}
		for name, t := range over {
			base, ok := ts[name]
			if !ok || fmt.Sprint(base.shape) != fmt.Sprint(t.shape) {
				return fail(parley.Errorf(parley.CodeModelCorrupt, "sentence encoder overlay: tensor %s %v does not replace one of the model", name, t.shape))
			}
			ts[name] = t
			groups[overlayGroup(name)] = true
		}
		if w, err = bindWeights(ts, cfg); err != nil {
			return fail(corrupt(weightsFile, err))
		}
	}
	return cfg, tok, w, baseFP, groups, release, nil
}

// overlayGroup is the group of a tensor name: 1+l for a tensor of layer l, 0 for the rest (the
// embeddings).
func overlayGroup(name string) int {
	var l int
	if _, err := fmt.Sscanf(strings.TrimPrefix(name, "bert."), "encoder.layer.%d.", &l); err == nil && l >= 0 {
		return 1 + l
	}
	return 0
}

// fingerprint identifies the weights (base and overlay) in a way that survives float16/float32 files: a
// hash of values rounded to float16 from the embeddings and the last layer.
func fingerprint(w *weights) string {
	h := sha256.New()
	last := w.layers[len(w.layers)-1]
	var buf [2]byte
	for _, part := range []tensor{w.word, last.down, last.ln2g} {
		for _, v := range part.halves(8192) {
			binary.LittleEndian.PutUint16(buf[:], v)
			h.Write(buf[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Fingerprint identifies the encoder's weights: a classifier trained on its embeddings records it.
func (e *Encoder) Fingerprint() string { return e.fp }

// Dim is the length of an embedding.
func (e *Encoder) Dim() int { return e.cfg.Hidden }

// Name is the model directory's name.
func (e *Encoder) Name() string { return e.name }

// Threads is how many threads a batch computes on.
func (e *Encoder) Threads() int { return e.opts.Threads }

// Close frees the model; Embed fails with ErrClosed afterwards. The memory of an encoder others share
// (Options.Share) is freed when the last of them is closed too.
func (e *Encoder) Close() {
	e.mu.Lock()
	e.closed = true
	freed := e.free()
	e.mu.Unlock()
	if freed && e.base != nil {
		e.base.release()
	}
}

// free frees the model once it is closed and no other encoder shares it (mu held); it reports whether
// it did.
func (e *Encoder) free() bool {
	if !e.closed || e.users > 0 || e.m == nil {
		return false
	}
	C.parley_bert_free(e.m)
	e.m = nil
	return true
}

// release is called by an encoder that shared e's tensors when it is freed.
func (e *Encoder) release() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.users--
	e.free()
}

// window is one forward-pass input: [CLS] pieces [SEP] of one text.
type window struct {
	text int // index of the text
	ids  []int32
}

// windows splits a text's pieces into windows of at most MaxTokens tokens (or the first one, with
// Truncate). An empty text is one window of [CLS] [SEP].
func (e *Encoder) windows(i int, text string, out []window) []window {
	pieces := e.tok.Encode(text)
	per := e.opts.MaxTokens - 2
	for start := 0; ; start += per {
		end := min(start+per, len(pieces))
		ids := make([]int32, 0, end-start+2)
		ids = append(append(append(ids, e.tok.cls), pieces[start:end]...), e.tok.sep)
		out = append(out, window{text: i, ids: ids})
		if end >= len(pieces) || e.opts.Truncate {
			return out
		}
	}
}

// Embed returns one L2-normalised embedding per text. A text longer than MaxTokens is embedded in
// windows whose mean vectors are averaged by their token counts. Windows are packed end to end into rows
// (embed), at most BatchTokens tokens a forward pass.
//
// A text embedded recently (Options.Remember) is not run through the model again, nor is a text given
// twice; every embedding returned is the caller's own copy. With Remember < 0 every text runs.
func (e *Encoder) Embed(texts []string) ([][]float32, error) {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if e.memo == nil {
		e.runs.Add(int64(len(texts)))
		return e.embed(texts)
	}
	out := make([][]float32, len(texts))
	var todo []string
	var at [][]int // at[k]: the positions of todo[k] in texts
	pending := map[string]int{}
	for i, t := range texts {
		if v, ok := e.memo.Get(t); ok {
			out[i] = slices.Clone(v)
		} else if k, ok := pending[t]; ok {
			at[k] = append(at[k], i)
		} else {
			pending[t] = len(todo)
			todo, at = append(todo, t), append(at, []int{i})
		}
	}
	if len(todo) == 0 {
		return out, nil
	}
	embs, err := e.embed(todo)
	if err != nil {
		return nil, err
	}
	e.runs.Add(int64(len(todo)))
	for k, v := range embs {
		e.memo.Add(todo[k], v)
		for _, i := range at[k] {
			out[i] = slices.Clone(v)
		}
	}
	return out, nil
}

// Remember adds embeddings computed before by this model (the same Fingerprint) to the texts the
// encoder remembers (Options.Remember), so that they do not run again: the examples of a scorecard and
// a taxonomy, embedded at every start. A vector of another width is refused; nothing is remembered when
// Remember < 0.
func (e *Encoder) Remember(texts []string, vecs [][]float32) error {
	if len(texts) != len(vecs) {
		return parley.Errorf(parley.CodeInternal, "encoder: %d texts, %d embeddings to remember", len(texts), len(vecs))
	}
	for i, v := range vecs {
		if len(v) != e.cfg.Hidden {
			return parley.Errorf(parley.CodeInternal, "encoder: an embedding of %d values to remember for %q, the model's have %d", len(v), texts[i], e.cfg.Hidden)
		}
	}
	if e.memo == nil {
		return nil
	}
	for i, t := range texts {
		e.memo.Add(t, slices.Clone(vecs[i]))
	}
	return nil
}

// Remembered returns the texts the encoder remembers, oldest first, with their embeddings (copies).
func (e *Encoder) Remembered() (texts []string, vecs [][]float32) {
	if e.memo == nil {
		return nil, nil
	}
	for _, t := range e.memo.Keys() {
		if v, ok := e.memo.Peek(t); ok {
			texts, vecs = append(texts, t), append(vecs, slices.Clone(v))
		}
	}
	return texts, vecs
}

// Runs is how many texts have gone through the model (texts found among the remembered ones do not).
func (e *Encoder) Runs() int64 { return e.runs.Load() }

// embed runs the texts through the model. Windows are packed end to end into rows and attend only to
// their own tokens (packRows, forward): texts of different lengths no longer pay for padding (on the
// labelled calls' analyses 39 % of the tokens a forward pass ran were padding when each window had its
// own row). The rows of a pass are as long as its longest window: a longer row costs every token in it
// attention over more positions, more than the padding it saves.
func (e *Encoder) embed(texts []string) ([][]float32, error) {
	var wins []window
	for i, t := range texts {
		wins = e.windows(i, t, wins)
	}
	h := e.cfg.Hidden
	sums := make([][]float64, len(texts))
	for i := range sums {
		sums[i] = make([]float64, h)
	}
	slices.SortStableFunc(wins, func(a, b window) int { return len(b.ids) - len(a.ids) })
	for len(wins) > 0 {
		var rows [][]window
		rows, wins = packRows(wins, e.opts.BatchTokens)
		length := len(rows[0][0].ids)
		hidden, err := e.forward(rows, length)
		if err != nil {
			return nil, err
		}
		for b, row := range rows {
			off := b * length
			for _, w := range row {
				sum := sums[w.text]
				for t := range w.ids {
					for j, v := range hidden[(off+t)*h : (off+t+1)*h] {
						sum[j] += float64(v)
					}
				}
				off += len(w.ids)
			}
		}
	}
	out := make([][]float32, len(texts))
	for i, sum := range sums {
		var norm float64
		for _, v := range sum {
			norm += v * v
		}
		norm = math.Sqrt(norm)
		out[i] = make([]float32, h)
		for j, v := range sum {
			out[i][j] = float32(v / norm)
		}
	}
	return out, nil
}

// packRows packs windows, longest first, into the rows of one forward pass: rows as long as the first
// window, as many as batchTokens allow (at least one), each window in the first row with room for it.
// It returns the rows and the windows left for the next pass, in their order.
func packRows(wins []window, batchTokens int) (rows [][]window, rest []window) {
	length := len(wins[0].ids)
	most := max(1, batchTokens/length)
	var used []int
	for _, w := range wins {
		r := slices.IndexFunc(used, func(u int) bool { return u+len(w.ids) <= length })
		if r < 0 && len(rows) < most {
			r = len(rows)
			rows, used = append(rows, nil), append(used, 0)
		}
		if r < 0 {
			rest = append(rest, w)
			continue
		}
		rows[r], used[r] = append(rows[r], w), used[r]+len(w.ids)
	}
	return rows, rest
}

// forward runs rows of windows laid end to end, padded to length tokens, and returns the last layer,
// [row][length][hidden]. A token attends to the tokens of its own window only (padding to padding), and
// each window's positions start at 0, so a window comes out as it would alone.
func (e *Encoder) forward(rows [][]window, length int) ([]float32, error) {
	n := len(rows) * length
	ids := make([]int32, n)
	pos := make([]int32, n)
	mask := make([]float32, len(rows)*length*length)
	neg := float32(math.Inf(-1))
	seg := make([]int, length)
	for b, row := range rows {
		off := b * length
		p := 0
		for k, w := range row {
			copy(ids[off+p:], w.ids)
			for t := range w.ids {
				pos[off+p+t] = int32(t)
				seg[p+t] = k
			}
			p += len(w.ids)
		}
		for ; p < length; p++ {
			seg[p] = -1
		}
		for q := range length {
			m := mask[(off+q)*length : (off+q+1)*length]
			for k := range length {
				if seg[k] != seg[q] {
					m[k] = neg
				}
			}
		}
	}
	out := make([]float32, n*e.cfg.Hidden)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	if rc := C.parley_bert_encode(e.m, (*C.int32_t)(unsafe.Pointer(&ids[0])), (*C.int32_t)(unsafe.Pointer(&pos[0])),
		(*C.float)(unsafe.Pointer(&mask[0])), C.int(length), C.int(len(rows)), C.int(e.opts.Threads), (*C.float)(unsafe.Pointer(&out[0]))); rc != 0 {
		return nil, parley.Errorf(parley.CodeInternal, "encoder: ggml forward pass failed (%d)", int(rc))
	}
	return out, nil
}
