package ggml

import (
	"math"
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

// GELU as whisper's encoder and the sentence encoder get it: the tanh form computed in float32
// (ggml-cpu-vector-gelu.patch, switched on by Load), within a few ulps of the formula in float64 — ggml's
// own float16 table, which rounds the input to float16 first, is off by up to 4e-3 near 8.
func TestGELU(t *testing.T) {
	var x []float32
	for v := -12.0; v <= 12.0; v += 0.005 { // 4,801 values: not a multiple of the SIMD width
		x = append(x, float32(v))
	}
	y, err := GELU(x)
	if err != nil {
		t.Fatal(err)
	}
	worst, at := 0.0, 0.0
	for i, v := range x {
		xv := float64(v)
		want := 0.5 * xv * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(xv+0.044715*xv*xv*xv)))
		if d := math.Abs(float64(y[i])-want) / math.Max(1, math.Abs(want)); d > worst {
			worst, at = d, xv
		}
	}
	if worst > 1e-5 {
		t.Errorf("GELU off by %.2g (relative) at %.3f: not the SIMD form", worst, at)
	}
}

// TestMatrix: the product of a matrix in 8-bit blocks with a vector comes within 8-bit rounding of the
// exact one; bad shapes are refused.
func TestMatrix(t *testing.T) {
	const n, cols = 70, 64
	rows := make([]float32, n*cols)
	for i := range rows {
		rows[i] = float32(math.Sin(float64(i)*0.37)) * 0.3
	}
	x := make([]float32, cols)
	for i := range x {
		x[i] = float32(math.Cos(float64(i) * 0.11))
	}
	m, err := NewMatrix(n, cols)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for first := 0; first < n; first += 32 { // in pieces, the last one short
		if err := m.Set(first, rows[first*cols:min(n, first+32)*cols]); err != nil {
			t.Fatal(err)
		}
	}
	got, err := m.MulVec(x)
	if err != nil {
		t.Fatal(err)
	}
	for r := range n {
		var want float64
		for c := range cols {
			want += float64(rows[r*cols+c]) * float64(x[c])
		}
		if math.Abs(float64(got[r])-want) > 0.02 {
			t.Errorf("row %d: %.4f, want %.4f", r, got[r], want)
		}
	}
	if _, err := m.MulVec(x[:10]); err == nil {
		t.Error("a short vector was accepted")
	}
	if _, err := NewMatrix(n, 30); err == nil {
		t.Error("30 columns (not a multiple of 32) were accepted")
	}
	if err := m.Set(n-1, rows[:2*cols]); err == nil {
		t.Error("rows past the end were accepted")
	}
	if err := m.Set(0, rows[:cols+1]); err == nil {
		t.Error("a part of a row was accepted")
	}
	m.Close()
	if _, err := m.MulVec(x); err == nil {
		t.Error("a closed matrix computed")
	}
}
