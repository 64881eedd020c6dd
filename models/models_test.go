package models

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/testenv"
)

// testModel is the weightless tiny.en test model as a catalog entry (size and sha256 from
// shared/models/README.md), so the download path can be exercised end to end.
var testModel = Model{Name: "for-tests-tiny.en", Size: 586836, SHA256: "dd6b7796204a1cdf7164666423034e6e1a7a3e9f5c22327b4b7974c4584bd82d"}

func TestCatalog(t *testing.T) {
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	for _, m := range Catalog {
		if seen[m.Name] || !hex64.MatchString(m.SHA256) || m.Size < 30e6 {
			t.Errorf("bad catalog entry %+v", m)
		}
		seen[m.Name] = true
	}
	for _, want := range []string{"tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en", "large-v3", "tiny.en-q5_1", "base.en-q8_0", "large-v3-turbo-q5_0"} {
		if !seen[want] {
			t.Errorf("catalog lacks %s", want)
		}
	}
	// Cross-check with the figure published beside the test model.
	m, ok := Lookup("ggml-tiny.en-q5_1.bin")
	if !ok || m.Size != 32166155 || m.SHA256 != "c77c5766f1cef09b6b7d47f21b546cbddd4157886b3b5d6d4f709e91e66c7c2b" {
		t.Errorf("tiny.en-q5_1 = %+v", m)
	}
	if !m.English() || m.File() != "ggml-tiny.en-q5_1.bin" {
		t.Errorf("English %v file %s", m.English(), m.File())
	}
}

func TestInspectTestModel(t *testing.T) {
	info, err := Inspect(testenv.TestModel(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Vocab != 50257 || info.Tensors != 0 || info.Multilingual {
		t.Errorf("info %+v, want the English vocabulary and no tensors", info)
	}
	if err := VerifyCatalog(testenv.TestModel(t), testModel); err != nil {
		t.Error(err)
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	c := &Cache{Dir: dir}
	tests := []struct {
		in, code, says string
	}{
		{"", parley.CodeModelMissing, "PARLEY_MODEL"},
		{"tiny.en", parley.CodeModelMissing, "parley models pull tiny.en"},
		{"tiny.xx", parley.CodeModelMissing, "parley models list"},
		{"/no/such/model.bin", parley.CodeModelMissing, "/no/such/model.bin"},
	}
	for _, tt := range tests {
		_, err := c.Resolve(tt.in)
		if parley.ErrorCode(err) != tt.code || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("Resolve(%q) = %v, want %s mentioning %q", tt.in, err, tt.code, tt.says)
		}
	}
	m, _ := Lookup("tiny.en")
	os.WriteFile(c.Path(m), []byte("x"), 0o644)
	if p, err := c.Resolve("tiny.en"); err != nil || p != filepath.Join(dir, "ggml-tiny.en.bin") {
		t.Errorf("cached model: %s, %v", p, err)
	}
	if p, err := c.Resolve(testenv.TestModel(t)); err != nil || p != testenv.TestModel(t) {
		t.Errorf("explicit file: %s, %v", p, err)
	}
}

// TestPull downloads from a real HTTP server on the loopback address.
func TestPull(t *testing.T) {
	body, err := os.ReadFile(testenv.TestModel(t))
	if err != nil {
		t.Fatal(err)
	}
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		switch r.URL.Path {
		case "/ggml-for-tests-tiny.en.bin":
			w.Write(body)
		case "/ggml-short.bin":
			w.Write(body[:1000])
		case "/ggml-tampered.bin":
			b := append([]byte{}, body...)
			b[len(b)-1] ^= 1
			w.Write(b)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	var progressed int64
	c := &Cache{Dir: filepath.Join(t.TempDir(), "models"), BaseURL: srv.URL, Progress: func(done, total int64) { progressed = done }}
	path, err := c.Pull(context.Background(), testModel)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyCatalog(path, testModel); err != nil {
		t.Error(err)
	}
	if progressed != testModel.Size {
		t.Errorf("progress reached %d of %d", progressed, testModel.Size)
	}
	if _, err := c.Pull(context.Background(), testModel); err != nil || requests != 1 {
		t.Errorf("second pull: %v after %d requests; a verified model must not be downloaded again", err, requests)
	}

	for _, tt := range []struct {
		m    Model
		code string
		says string
	}{
		{Model{Name: "short", Size: testModel.Size, SHA256: testModel.SHA256}, parley.CodeModelCorrupt, "got 1000 bytes"},
		{Model{Name: "tampered", Size: testModel.Size, SHA256: testModel.SHA256}, parley.CodeModelCorrupt, "sha256"},
		{Model{Name: "absent", Size: 1, SHA256: testModel.SHA256}, parley.CodeIO, "404"},
	} {
		_, err := c.Pull(context.Background(), tt.m)
		if parley.ErrorCode(err) != tt.code || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("pull %s: %v, want %s mentioning %q", tt.m.Name, err, tt.code, tt.says)
		}
		if _, err := os.Stat(c.Path(tt.m)); err == nil {
			t.Errorf("pull %s left a file under the final name", tt.m.Name)
		}
		if _, err := os.Stat(c.Path(tt.m) + ".part"); err == nil {
			t.Errorf("pull %s left its .part file", tt.m.Name)
		}
	}
}

func TestVerifyCatalogWrongSize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ggml-tiny.en.bin")
	os.WriteFile(p, []byte("partial"), 0o644)
	m, _ := Lookup("tiny.en")
	if err := VerifyCatalog(p, m); parley.ErrorCode(err) != parley.CodeModelCorrupt || !strings.Contains(err.Error(), "parley models pull tiny.en") {
		t.Errorf("VerifyCatalog = %v", err)
	}
}
