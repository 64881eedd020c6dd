package main

import "strings"

// mallocTunedByUser reports whether the environment sets glibc's mmap or trim threshold, the old way
// (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_) or as a tunable (GLIBC_TUNABLES=
// glibc.malloc.mmap_threshold=…:glibc.malloc.trim_threshold=…): parley then leaves them as set.
func mallocTunedByUser(getenv func(string) string) bool {
	if getenv("MALLOC_MMAP_THRESHOLD_") != "" || getenv("MALLOC_TRIM_THRESHOLD_") != "" {
		return true
	}
	for _, t := range strings.Split(getenv("GLIBC_TUNABLES"), ":") {
		name, _, _ := strings.Cut(strings.TrimSpace(t), "=")
		if name == "glibc.malloc.mmap_threshold" || name == "glibc.malloc.trim_threshold" {
			return true
		}
	}
	return false
}
