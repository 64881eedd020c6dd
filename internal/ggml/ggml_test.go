package ggml

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestLoadFindsTheCPUBackend(t *testing.T) {
	for range 2 {
		if err := Load(); err != nil {
			t.Fatal(err)
		}
	}
}

// The features ggml reports for the backend in use: on a CPU with AVX2 it uses AVX2 (the portable
// build's floor), and on a CPU with AVX-512 the backend chosen at run time (the default build) uses it.
func TestFeatures(t *testing.T) {
	f := Features()
	if len(f) == 0 {
		t.Fatal("no features reported")
	}
	cpuinfo, _ := os.ReadFile("/proc/cpuinfo")
	if strings.Contains(string(cpuinfo), " avx2") && !slices.Contains(f, "AVX2") {
		t.Errorf("features %v: this CPU has AVX2 and the backend in use does not use it", f)
	}
	if strings.Contains(string(cpuinfo), " avx512f") && Chosen() && !slices.Contains(f, "AVX512") {
		t.Errorf("features %v: this CPU has AVX-512 and the backend chosen for it does not use it", f)
	}
}
