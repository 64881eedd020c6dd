// Package models knows the official ggml whisper models: their names, byte sizes and sha256 sums, where
// to download them, and how to check a file before handing it to whisper.cpp.
package models

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parley-cc/parley"
)

// DefaultBaseURL is the official whisper.cpp model host. PARLEY_MODEL_BASE_URL (cmd/parley) points
// elsewhere, e.g. at a mirror inside a private network.
const DefaultBaseURL = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main"

// Model is one downloadable ggml model file.
type Model struct {
	Name   string // e.g. "tiny.en", "base-q5_1"
	Size   int64  // bytes
	SHA256 string // hex
}

// File is the file name on the model host and in the cache.
func (m Model) File() string { return "ggml-" + m.Name + ".bin" }

// English reports whether the model only knows English.
func (m Model) English() bool { return strings.Contains(m.Name, ".en") }

// Catalog lists the official ggml whisper models (Git LFS sizes and sha256 sums of the model host).
var Catalog = []Model{
	{"tiny", 77691713, "be07e048e1e599ad46341c8d2a135645097a538221678b7acdd1b1919c6e1b21"},
	{"tiny-q5_1", 32152673, "818710568da3ca15689e31a743197b520007872ff9576237bda97bd1b469c3d7"},
	{"tiny-q8_0", 43537433, "c2085835d3f50733e2ff6e4b41ae8a2b8d8110461e18821b09a15c40c42d1cca"},
	{"tiny.en", 77704715, "921e4cf8686fdd993dcd081a5da5b6c365bfde1162e72b08d75ac75289920b1f"},
	{"tiny.en-q5_1", 32166155, "c77c5766f1cef09b6b7d47f21b546cbddd4157886b3b5d6d4f709e91e66c7c2b"},
	{"tiny.en-q8_0", 43550795, "5bc2b3860aa151a4c6e7bb095e1fcce7cf12c7b020ca08dcec0c6d018bb7dd94"},
	{"base", 147951465, "60ed5bc3dd14eea856493d334349b405782ddcaf0028d4b5df4088345fba2efe"},
	{"base-q5_1", 59707625, "422f1ae452ade6f30a004d7e5c6a43195e4433bc370bf23fac9cc591f01a8898"},
	{"base-q8_0", 81768585, "c577b9a86e7e048a0b7eada054f4dd79a56bbfa911fbdacf900ac5b567cbb7d9"},
	{"base.en", 147964211, "a03779c86df3323075f5e796cb2ce5029f00ec8869eee3fdfb897afe36c6d002"},
	{"base.en-q5_1", 59721011, "4baf70dd0d7c4247ba2b81fafd9c01005ac77c2f9ef064e00dcf195d0e2fdd2f"},
	{"base.en-q8_0", 81781811, "a4d4a0768075e13cfd7e19df3ae2dbc4a68d37d36a7dad45e8410c9a34f8c87e"},
	{"small", 487601967, "1be3a9b2063867b937e64e2ec7483364a79917e157fa98c5d94b5c1fffea987b"},
	{"small-q5_1", 190085487, "ae85e4a935d7a567bd102fe55afc16bb595bdb618e11b2fc7591bc08120411bb"},
	{"small-q8_0", 264464607, "49c8fb02b65e6049d5fa6c04f81f53b867b5ec9540406812c643f177317f779f"},
	{"small.en", 487614201, "c6138d6d58ecc8322097e0f987c32f1be8bb0a18532a3f88f734d1bbf9c41e5d"},
	{"small.en-q5_1", 190098681, "bfdff4894dcb76bbf647d56263ea2a96645423f1669176f4844a1bf8e478ad30"},
	{"small.en-q8_0", 264477561, "67a179f608ea6114bd3fdb9060e762b588a3fb3bd00c4387971be4d177958067"},
	{"medium", 1533763059, "6c14d5adee5f86394037b4e4e8b59f1673b6cee10e3cf0b11bbdbee79c156208"},
	{"medium-q5_0", 539212467, "19fea4b380c3a618ec4723c3eef2eb785ffba0d0538cf43f8f235e7b3b34220f"},
	{"medium-q8_0", 823369779, "42a1ffcbe4167d224232443396968db4d02d4e8e87e213d3ee2e03095dea6502"},
	{"medium.en", 1533774781, "cc37e93478338ec7700281a7ac30a10128929eb8f427dda2e865faa8f6da4356"},
	{"medium.en-q5_0", 539225533, "76733e26ad8fe1c7a5bf7531a9d41917b2adc0f20f2e4f5531688a8c6cd88eb0"},
	{"medium.en-q8_0", 823382461, "43fa2cd084de5a04399a896a9a7a786064e221365c01700cea4666005218f11c"},
	{"large-v3", 3095033483, "64d182b440b98d5203c4f9bd541544d84c605196c4f7b845dfa11fb23594d1e2"},
	{"large-v3-q5_0", 1081140203, "d75795ecff3f83b5faa89d1900604ad8c780abd5739fae406de19f23ecd98ad1"},
	{"large-v3-turbo", 1624555275, "1fc70f774d38eb169993ac391eea357ef47c88757ef72ee5943879b7e8e2bc69"},
	{"large-v3-turbo-q5_0", 574041195, "394221709cd5ad1f40c46e6031ca61bce88931e6e088c188294c6d5a55ffa7e2"},
	{"large-v3-turbo-q8_0", 874188075, "317eb69c11673c9de1e1f0d459b253999804ec71ac4c23c17ecf5fbe24e259a1"},
}

// Lookup finds a catalog model by name ("tiny.en" or its file name "ggml-tiny.en.bin").
func Lookup(name string) (Model, bool) {
	name = strings.TrimSuffix(strings.TrimPrefix(name, "ggml-"), ".bin")
	for _, m := range Catalog {
		if m.Name == name {
			return m, true
		}
	}
	return Model{}, false
}

// DefaultDir is the model cache: $XDG_CACHE_HOME/parley/models, else ~/.cache/parley/models.
func DefaultDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "parley", "models")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "parley", "models")
	}
	return filepath.Join(os.TempDir(), "parley", "models")
}

// Cache is a directory of downloaded models.
type Cache struct {
	Dir     string
	BaseURL string       // model host; DefaultBaseURL when empty
	Client  *http.Client // a client with connect and header timeouts when nil
	// Progress, when set, is called as bytes arrive.
	Progress func(done, total int64)
}

// Path is where the cache keeps model m.
func (c *Cache) Path(m Model) string { return filepath.Join(c.Dir, m.File()) }

// Resolve turns a model setting into a file path: an existing file is used as it is; a catalog name is
// looked up in the cache. A missing model is a CodeModelMissing error that names the command to fetch it.
func (c *Cache) Resolve(nameOrPath string) (string, error) {
	if nameOrPath == "" {
		return "", parley.Errorf(parley.CodeModelMissing, "no model configured: set PARLEY_MODEL or --model to a file or a name (parley models list)")
	}
	if st, err := os.Stat(nameOrPath); err == nil && !st.IsDir() {
		return nameOrPath, nil
	}
	m, ok := Lookup(nameOrPath)
	if !ok {
		if strings.ContainsAny(nameOrPath, `/\`) || strings.HasSuffix(nameOrPath, ".bin") {
			return "", parley.Errorf(parley.CodeModelMissing, "model file %s does not exist", nameOrPath)
		}
		return "", parley.Errorf(parley.CodeModelMissing, "unknown model %q: see `parley models list`", nameOrPath)
	}
	p := c.Path(m)
	if _, err := os.Stat(p); err != nil {
		return "", parley.Errorf(parley.CodeModelMissing, "model %s is not in %s: run `parley models pull %s`", m.Name, c.Dir, m.Name)
	}
	return p, nil
}

// Pull downloads model m into the cache unless a verified copy is there. The download goes to a
// .part file, which is checked for size and sha256 before it takes the model's name: a file under the
// final name is always a verified one.
func (c *Cache) Pull(ctx context.Context, m Model) (string, error) {
	dst := c.Path(m)
	if err := VerifyCatalog(dst, m); err == nil {
		return dst, nil
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return "", parley.WrapError(parley.CodeIO, err, "create model dir")
	}
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	url := strings.TrimSuffix(base, "/") + "/" + m.File()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", m.Name, err)
	}
	client := c.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", parley.WrapError(parley.CodeIO, err, "download %s", url)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", parley.Errorf(parley.CodeIO, "download %s: HTTP %s", url, resp.Status)
	}
	part := dst + ".part"
	f, err := os.Create(part)
	if err != nil {
		return "", parley.WrapError(parley.CodeIO, err, "create %s", part)
	}
	h := sha256.New()
	w := io.MultiWriter(f, h)
	var body io.Reader = io.LimitReader(resp.Body, m.Size+1) // one byte more reveals an oversized body
	if c.Progress != nil {
		body = &progressReader{r: body, total: m.Size, fn: c.Progress}
	}
	n, err := io.Copy(w, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(part)
		return "", parley.WrapError(parley.CodeIO, err, "download %s", url)
	}
	if n != m.Size {
		os.Remove(part)
		return "", parley.Errorf(parley.CodeModelCorrupt, "download %s: got %d bytes, want %d", url, n, m.Size)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != m.SHA256 {
		os.Remove(part)
		return "", parley.Errorf(parley.CodeModelCorrupt, "download %s: sha256 %s, want %s", url, sum, m.SHA256)
	}
	if err := os.Rename(part, dst); err != nil {
		return "", parley.WrapError(parley.CodeIO, err, "install %s", dst)
	}
	return dst, nil
}

// defaultClient gives up on a host that does not answer instead of hanging; the body of a large model
// may take as long as it takes.
var defaultClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
	TLSHandshakeTimeout:   30 * time.Second,
	ResponseHeaderTimeout: 60 * time.Second,
}}

type progressReader struct {
	r     io.Reader
	done  int64
	total int64
	fn    func(done, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	p.fn(p.done, p.total)
	return n, err
}

// ggmlMagic opens every whisper.cpp model file ("ggml" as a little-endian uint32).
const ggmlMagic = 0x67676d6c

// Info is what Inspect learnt about a model file.
type Info struct {
	Vocab        int  // tokens in the vocabulary
	Tensors      int  // weight tensors; 0 for test models, which whisper.cpp runs without weights
	Multilingual bool // vocabulary larger than the English-only one
}

// ggml tensor types whisper models use: bytes per block and elements per block.
var ggmlTypes = map[int32][2]int64{
	0: {4, 1}, 1: {2, 1}, 2: {18, 32}, 3: {20, 32}, 6: {22, 32}, 7: {24, 32}, 8: {34, 32}, 9: {36, 32},
	10: {84, 256}, 11: {110, 256}, 12: {144, 256}, 13: {176, 256}, 14: {210, 256}, 15: {292, 256}, 30: {2, 1},
}

// CheckFile makes sure path is a well-formed ggml whisper model before whisper.cpp reads it; see Inspect.
func CheckFile(path string) error {
	_, err := Inspect(path)
	return err
}

// Inspect walks the whole layout of a ggml whisper model — hyper-parameters, mel filters, vocabulary and
// the header of every tensor — and checks that each part fits in the file. whisper.cpp reads the
// vocabulary without checking for end of file and later aborts the process on a truncated one, so a
// damaged file must be refused here, with its name and what is wrong. Tensor data is skipped, not read,
// so this costs a few milliseconds whatever the model size; VerifyCatalog adds the checksum.
func Inspect(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Info{}, parley.Errorf(parley.CodeModelMissing, "model file %s does not exist", path)
		}
		return Info{}, parley.WrapError(parley.CodeIO, err, "open model %s", path)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Info{}, parley.WrapError(parley.CodeIO, err, "stat model %s", path)
	}
	if st.IsDir() {
		return Info{}, parley.Errorf(parley.CodeModelMissing, "model path %s is a directory", path)
	}
	s := &modelScanner{f: f, br: bufio.NewReaderSize(f, 1<<16), size: st.Size()}
	bad := func(format string, args ...any) (Info, error) {
		return Info{}, parley.Errorf(parley.CodeModelCorrupt, "model file %s: %s (at byte %d of %d)", path, fmt.Sprintf(format, args...), s.off, s.size)
	}
	// magic, then n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx,
	// n_text_state, n_text_head, n_text_layer, n_mels, ftype.
	var hdr [12]int32
	if !s.int32s(hdr[:]) {
		return bad("too short to be a ggml model")
	}
	if uint32(hdr[0]) != ggmlMagic {
		return Info{}, parley.Errorf(parley.CodeModelCorrupt, "model file %s is not a ggml whisper model (magic %08x, want %08x)", path, uint32(hdr[0]), ggmlMagic)
	}
	for i, v := range hdr[1:11] {
		if v <= 0 || v > 1<<20 {
			return bad("impossible hyper-parameter #%d = %d", i+1, v)
		}
	}
	var mel [2]int32
	if !s.int32s(mel[:]) {
		return bad("ends before the mel filters")
	}
	if mel[0] <= 0 || mel[1] <= 0 || int64(mel[0])*int64(mel[1]) > 1<<20 {
		return bad("impossible mel filter size %d×%d", mel[0], mel[1])
	}
	if !s.skip(4 * int64(mel[0]) * int64(mel[1])) {
		return bad("ends inside the mel filters")
	}
	var nv [1]int32
	if !s.int32s(nv[:]) {
		return bad("ends before the vocabulary")
	}
	if nv[0] <= 0 || nv[0] > hdr[1] {
		return bad("vocabulary of %d tokens (hyper-parameters say %d)", nv[0], hdr[1])
	}
	info := Info{Vocab: int(nv[0]), Multilingual: hdr[1] >= 51865}
	for i := range nv[0] {
		var n [1]int32
		if !s.int32s(n[:]) || !s.skip(int64(uint32(n[0]))) {
			return bad("ends inside the vocabulary (token %d of %d)", i, nv[0])
		}
		if uint32(n[0]) > 1024 {
			return bad("token %d is %d bytes long", i, uint32(n[0]))
		}
	}
	for s.off < s.size {
		var th [3]int32 // n_dims, name length, type
		if !s.int32s(th[:]) {
			return bad("ends inside the header of tensor %d", info.Tensors)
		}
		if th[0] < 1 || th[0] > 4 || th[1] <= 0 || th[1] > 256 {
			return bad("tensor %d has %d dimensions and a %d-byte name", info.Tensors, th[0], th[1])
		}
		typ, ok := ggmlTypes[th[2]]
		if !ok {
			return bad("tensor %d has unknown ggml type %d", info.Tensors, th[2])
		}
		dims := make([]int32, th[0])
		if !s.int32s(dims) || !s.skip(int64(th[1])) {
			return bad("ends inside the header of tensor %d", info.Tensors)
		}
		elems := int64(1)
		for _, d := range dims {
			if d <= 0 || d > 1<<24 {
				return bad("tensor %d has dimension %d", info.Tensors, d)
			}
			elems *= int64(d)
		}
		if !s.skip(elems * typ[0] / typ[1]) {
			return bad("ends inside the data of tensor %d (incomplete download?)", info.Tensors)
		}
		info.Tensors++
	}
	return info, nil
}

// modelScanner reads a model file front to back through a buffer and seeks over tensor data.
type modelScanner struct {
	f    *os.File
	br   *bufio.Reader
	off  int64
	size int64
}

func (s *modelScanner) int32s(v []int32) bool {
	if s.off+4*int64(len(v)) > s.size || binary.Read(s.br, binary.LittleEndian, v) != nil {
		return false
	}
	s.off += 4 * int64(len(v))
	return true
}

func (s *modelScanner) skip(n int64) bool {
	if n < 0 || s.off+n > s.size {
		return false
	}
	if n <= int64(s.br.Buffered()) {
		s.br.Discard(int(n))
	} else {
		if _, err := s.f.Seek(s.off+n, io.SeekStart); err != nil {
			return false
		}
		s.br.Reset(s.f)
	}
	s.off += n
	return true
}

// VerifyCatalog checks that path is catalog model m: the right size, sha256 and magic.
func VerifyCatalog(path string, m Model) error {
	st, err := os.Stat(path)
	if err != nil {
		return parley.Errorf(parley.CodeModelMissing, "model %s: %s does not exist", m.Name, path)
	}
	if st.Size() != m.Size {
		return parley.Errorf(parley.CodeModelCorrupt, "model %s: %s is %d bytes, want %d (incomplete download? run `parley models pull %s`)", m.Name, path, st.Size(), m.Size, m.Name)
	}
	sum, err := SHA256File(path)
	if err != nil {
		return err
	}
	if sum != m.SHA256 {
		return parley.Errorf(parley.CodeModelCorrupt, "model %s: %s has sha256 %s, want %s", m.Name, path, sum, m.SHA256)
	}
	return CheckFile(path)
}

// SHA256File returns the hex sha256 of a file.
func SHA256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", parley.WrapError(parley.CodeIO, err, "open %s", path)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", parley.WrapError(parley.CodeIO, err, "read %s", path)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
