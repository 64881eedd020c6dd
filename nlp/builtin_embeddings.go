package nlp

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/gob"
	"io"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/resident"
)

// The embeddings of the texts parley embeds at every start with the built-in all-MiniLM-L6-v2: the
// default taxonomy's, scorecard's and threats' examples. Written by
// `go test ./cmd/parley -run TestBuiltinEmbeddings -update-embeddings`, which fails without the flag
// when a start embeds a text the file lacks.
//
//go:embed data/builtin-embeddings.gob.gz
var builtinEmbeddings []byte

// Embeddings are texts with their embeddings by one encoder (its Fingerprint).
type Embeddings struct {
	Fingerprint string
	Texts       []string
	Vecs        [][]float32
}

// BuiltinEmbeddings reads the built-in examples' embeddings: a start whose encoder has the same
// fingerprint remembers them (encoder.Remember) instead of running the examples through the model.
func BuiltinEmbeddings() (*Embeddings, error) {
	e, err := ReadEmbeddings(bytes.NewReader(builtinEmbeddings), "built-in embeddings")
	resident.Drop(builtinEmbeddings) // read: its pages need not stay in memory
	return e, err
}

// ReadEmbeddings reads embeddings in the format Write writes; name says whose in an error.
func ReadEmbeddings(r io.Reader, name string) (*Embeddings, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, parley.WrapError(parley.CodeInternal, err, "%s", name)
	}
	var e Embeddings
	if err := gob.NewDecoder(zr).Decode(&e); err != nil {
		return nil, parley.WrapError(parley.CodeInternal, err, "%s", name)
	}
	return &e, nil
}

// Write writes the embeddings in the built-in file's format.
func (e *Embeddings) Write(w io.Writer) error {
	zw := gzip.NewWriter(w)
	if err := gob.NewEncoder(zw).Encode(e); err != nil {
		return err
	}
	return zw.Close()
}
