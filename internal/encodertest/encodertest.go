// Package encodertest loads the sentence encoder for tests once per test binary: the plain encoder and
// the one with an overlay of fine-tuned layers (nlp.SentimentLayers, passed in so that nlp's own tests
// can use this package).
package encodertest

import (
	"sync"
	"testing"

	"github.com/parley-cc/parley/internal/testenv"
	"github.com/parley-cc/parley/nlp/encoder"
)

var (
	once       sync.Once
	base, over *encoder.Encoder
	err        error
)

// Encoders returns the encoder of the shared folder (or PARLEY_ENCODER) and the same with overlay as its
// "sentiment" layers (the plain one again without an overlay). The test fails when the encoder is
// missing: CI has it.
func Encoders(t testing.TB, overlay []byte) (*encoder.Encoder, *encoder.Encoder) {
	t.Helper()
	dir := testenv.Encoder(t) // fails this test, outside the Once, when the encoder is missing
	once.Do(func() {
		if base, err = encoder.Load(dir, encoder.Options{Threads: 2}); err == nil {
			over = base
			if overlay != nil {
				over, err = encoder.Load(dir, encoder.Options{Threads: 2, Overlay: overlay, OverlayName: "sentiment", Share: base})
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return base, over
}
