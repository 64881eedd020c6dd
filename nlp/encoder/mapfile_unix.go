//go:build unix

package encoder

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps a model file read-only: the weights are copied once, from the page cache into ggml's
// buffers, instead of read into the Go heap first (45 MB for all-MiniLM-L6-v2 in float16, twice when the
// sentiment layers share the model). release unmaps it (a no-op after an error or a read); the bytes
// must not be used after.
func mapFile(path string) (b []byte, release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, func() {}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, func() {}, err
	}
	if size := st.Size(); size > 0 && size == int64(int(size)) && st.Mode().IsRegular() {
		if b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED); err == nil {
			return b, func() { _ = unix.Munmap(b) }, nil
		}
	}
	b, err = os.ReadFile(path) // not mappable (empty, a pipe, a file system without mmap): read it
	return b, func() {}, err
}
