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

// TestPackedAttention: flash attention with a head's keys and values packed once for all of its
// queries (ggml-cpu-whole-head-flash-attn.patch, which Load switches on) gives exactly the numbers of
// ggml's own tiled kernel, which packs them again for every tile of 64 queries, and both are the
// softmax-weighted sums worked out here in float64 — keys and values in float32 (as whisper's encoder
// keeps them for parley) and in float16, on one thread and on two (whose chunks of rows cross from one
// head into the next), with counts of queries and keys that are not multiples of 64.
func TestPackedAttention(t *testing.T) {
	const heads, nq, nkv, d = 3, 150, 130, 64
	// Multiples of 1/256 below 1 in magnitude: exact in float16 too, so one reference serves both.
	val := func(i, mul int) float32 { return float32((i*mul)%511-255) / 256 }
	q, k, v := make([]float32, heads*nq*d), make([]float32, heads*nkv*d), make([]float32, heads*nkv*d)
	for i := range q {
		q[i] = val(i, 37)
	}
	for i := range k {
		k[i], v[i] = val(i, 53), val(i, 71)
	}
	want := make([]float64, heads*nq*d) // [row][head][d], as ggml gives it
	for h := range heads {
		for i := range nq {
			w := make([]float64, nkv)
			top := math.Inf(-1)
			for j := range nkv {
				var s float64
				for c := range d {
					s += float64(q[(h*nq+i)*d+c]) * float64(k[(h*nkv+j)*d+c])
				}
				w[j] = s / math.Sqrt(d)
				top = math.Max(top, w[j])
			}
			var sum float64
			for j := range w {
				w[j] = math.Exp(w[j] - top)
				sum += w[j]
			}
			for c := range d {
				var o float64
				for j := range nkv {
					o += w[j] * float64(v[(h*nkv+j)*d+c])
				}
				want[(i*heads+h)*d+c] = o / sum
			}
		}
	}
	if !setSwitch(packedAttention, false) {
		t.Fatal("the CPU backend has no switch " + packedAttention + ": whisper.cpp was built without ggml-cpu-whole-head-flash-attn.patch")
	}
	defer setSwitch(packedAttention, true)
	for _, f16 := range []bool{false, true} {
		for _, threads := range []int{1, 2} {
			setSwitch(packedAttention, false)
			plain, err := attention(q, k, v, heads, nq, nkv, d, f16, threads)
			if err != nil {
				t.Fatal(err)
			}
			setSwitch(packedAttention, true)
			packed, err := attention(q, k, v, heads, nq, nkv, d, f16, threads)
			if err != nil {
				t.Fatal(err)
			}
			differ, worst := 0, 0.0
			for i := range packed {
				if math.Float32bits(packed[i]) != math.Float32bits(plain[i]) {
					differ++
				}
				worst = math.Max(worst, math.Abs(float64(packed[i])-want[i]))
			}
			if differ > 0 {
				t.Errorf("float16 %v, %d threads: %d of %d values differ from ggml's own kernel", f16, threads, differ, len(packed))
			}
			if worst > 1e-4 {
				t.Errorf("float16 %v, %d threads: off the softmax-weighted sums by up to %.2g", f16, threads, worst)
			}
		}
	}
}
