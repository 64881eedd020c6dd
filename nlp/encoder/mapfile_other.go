//go:build !unix

package encoder

import "os"

// mapFile reads a model file (mapped on unix systems: mapfile_unix.go).
func mapFile(path string) (b []byte, release func(), err error) {
	b, err = os.ReadFile(path)
	return b, func() {}, err
}
