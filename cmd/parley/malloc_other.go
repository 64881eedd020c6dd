//go:build !linux || !cgo

package main

// fixMallocThresholds is glibc-specific (malloc_linux.go); elsewhere the C allocator's defaults stay.
func fixMallocThresholds() {}
