package main

import "testing"

func TestMallocTunedByUser(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"nothing set", nil, false},
		{"mmap threshold", map[string]string{"MALLOC_MMAP_THRESHOLD_": "131072"}, true},
		{"trim threshold", map[string]string{"MALLOC_TRIM_THRESHOLD_": "0"}, true},
		{"tunable mmap", map[string]string{"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=65536"}, true},
		{"tunable trim among others", map[string]string{"GLIBC_TUNABLES": "glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=1048576"}, true},
		{"other tunables only", map[string]string{"GLIBC_TUNABLES": "glibc.malloc.arena_max=2:glibc.cpu.hwcaps=-AVX512F"}, false},
		{"a longer name is not the threshold", map[string]string{"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold_max=1"}, false},
		{"empty value", map[string]string{"MALLOC_MMAP_THRESHOLD_": ""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mallocTunedByUser(func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("mallocTunedByUser(%v) = %v, want %v", tc.env, got, tc.want)
			}
		})
	}
}
