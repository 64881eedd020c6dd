//go:build linux && cgo

package main

/*
#include <malloc.h>

// With glibc's default, the threshold above which malloc maps memory of its own rises to the size of
// the largest such block freed (up to 32 MB), and from then on blocks below it come from the heaps of
// its arenas, which keep freed memory. whisper.cpp and ggml allocate and free blocks of megabytes per
// recognition (spectrograms, graphs, the sentence encoder's batches), so resident memory grew with them.
// Fixed thresholds turn that adjustment off: large blocks are returned when freed.
static void parley_malloc_fixed(int mmap_threshold, int trim_threshold) {
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
	mallopt(M_MMAP_THRESHOLD, mmap_threshold);
	mallopt(M_TRIM_THRESHOLD, trim_threshold);
#endif
}
*/
import "C"

import "os"

// mallocThreshold is glibc's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD for parley unless the environment
// sets either (mallocTunedByUser). Measured with base q8_0, one state, 12 labelled calls: peak RSS
// 473 MB with glibc's adjusting default, 443-452 MB fixed, at the same time.
const mallocThreshold = 256 << 10

func fixMallocThresholds() {
	if mallocTunedByUser(os.Getenv) {
		return
	}
	C.parley_malloc_fixed(C.int(mallocThreshold), C.int(mallocThreshold))
}
