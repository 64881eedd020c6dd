package resident

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

func drop(b []byte) {
	page := uintptr(os.Getpagesize())
	if len(b) == 0 {
		return
	}
	start := uintptr(unsafe.Pointer(&b[0]))
	from := (start + page - 1) &^ (page - 1) // the first whole page
	to := (start + uintptr(len(b))) &^ (page - 1)
	if to <= from {
		return
	}
	// MADV_DONTNEED on a private file mapping: the pages are read from the file again when touched.
	_ = unix.Madvise(b[from-start:to-start], unix.MADV_DONTNEED)
}
