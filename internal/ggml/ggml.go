// Package ggml makes sure ggml's CPU backend is there before whisper.cpp or the sentence encoder runs,
// and sets it up for them: the GELU of whisper's encoder and the sentence encoder's feed-forward layers
// computed with SIMD (reading ggml's table one value at a time was about 4 % of a run with tiny.en),
// and flash attention that packs a head's keys and values once for all of its queries (whisper's
// encoder packed them 24 times a head: about 6 % of a run with tiny.en).
// A static build of whisper.cpp has it built in. A build with one CPU backend per instruction set
// (scripts/whisper.sh, GGML_BACKEND_DL with GGML_CPU_ALL_VARIANTS) keeps them in libraries beside
// libggml: Load picks the one that scores best on this CPU (AVX-512 where there is AVX-512), once per
// process, so a portable binary runs as fast as one built for the machine.
package ggml

/*
#cgo LDFLAGS: -lm -lstdc++ -ldl
#cgo linux LDFLAGS: -fopenmp
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ggml.h>
#include <ggml-alloc.h>
#include <ggml-backend.h>

// parley_ggml_log passes on ggml's errors only.
static void parley_ggml_log(enum ggml_log_level level, const char *text, void *user) {
	if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static int parley_chosen; // the CPU backend was chosen at run time (not built in)

// parley_load_backends loads the CPU backend from the directory libggml was loaded from when it is not
// built in, then from ggml's own places (the executable's directory, the working directory).
static void parley_load_backends(void) {
	if (ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) != NULL) return;
	parley_chosen = 1;
	ggml_log_set(parley_ggml_log, NULL); // "load_backend: loaded CPU backend from …" is not parley's output
	Dl_info info;
	if (dladdr((void *)ggml_backend_load_all_from_path, &info) && info.dli_fname != NULL) {
		char *dir = strdup(info.dli_fname);
		char *slash = dir ? strrchr(dir, '/') : NULL;
		if (slash != NULL) {
			*slash = 0;
			ggml_backend_load_all_from_path(dir);
		}
		free(dir);
	}
	if (ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) == NULL) ggml_backend_load_all();
}

static int parley_was_chosen(void) { return parley_chosen; }

// parley_switch calls the CPU backend's switch name (a function of one bool that its registry hands
// out, added by scripts/whisper-patches) with on; 0 when the backend has no such switch (a build
// without the patch).
static int parley_switch(const char *name, bool on) {
	ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
	if (dev == NULL) return 0;
	void (*set)(bool) = (void (*)(bool))ggml_backend_reg_get_proc_address(ggml_backend_dev_backend_reg(dev), name);
	if (set == NULL) return 0;
	set(on);
	return 1;
}

// parley_attention computes ggml's flash attention (no mask, scale 1/sqrt(d)) of heads heads of nq
// queries over nkv keys and values, d values each, on the CPU backend with threads threads: q, k and v
// in [head][row][d] order (k and v stored as float16 when f16), out in ggml's [row][head][d]. Non-zero
// on failure.
static int parley_attention(const float *q, const float *k, const float *v, float *out,
		int heads, int nq, int nkv, int d, int f16, int threads) {
	ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
	if (dev == NULL) return 1;
	ggml_backend_t be = ggml_backend_dev_init(dev, NULL);
	if (be == NULL) return 1;
	ggml_backend_set_n_threads_t set = (ggml_backend_set_n_threads_t)ggml_backend_reg_get_proc_address(ggml_backend_dev_backend_reg(dev), "ggml_backend_set_n_threads");
	if (set) set(be, threads);
	struct ggml_init_params ip = { ggml_tensor_overhead()*8 + ggml_graph_overhead(), NULL, true };
	struct ggml_context *ctx = ggml_init(ip);
	enum ggml_type kv = f16 ? GGML_TYPE_F16 : GGML_TYPE_F32;
	struct ggml_tensor *tq = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, d, nq, heads);
	struct ggml_tensor *tk = ggml_new_tensor_3d(ctx, kv, d, nkv, heads);
	struct ggml_tensor *tv = ggml_new_tensor_3d(ctx, kv, d, nkv, heads);
	struct ggml_tensor *r = ggml_flash_attn_ext(ctx, tq, tk, tv, NULL, 1.0f/sqrtf((float)d), 0.0f, 0.0f);
	ggml_flash_attn_ext_set_prec(r, GGML_PREC_F32);
	struct ggml_cgraph *gf = ggml_new_graph(ctx);
	ggml_build_forward_expand(gf, r);
	ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx, be);
	int rc = 1;
	size_t n = (size_t)heads*nkv*d;
	ggml_fp16_t *h = f16 ? malloc(n*sizeof(ggml_fp16_t)) : NULL;
	if (buf != NULL && (h != NULL || !f16)) {
		ggml_backend_tensor_set(tq, q, 0, ggml_nbytes(tq));
		if (f16) {
			ggml_fp32_to_fp16_row(k, h, n);
			ggml_backend_tensor_set(tk, h, 0, ggml_nbytes(tk));
			ggml_fp32_to_fp16_row(v, h, n);
			ggml_backend_tensor_set(tv, h, 0, ggml_nbytes(tv));
		} else {
			ggml_backend_tensor_set(tk, k, 0, ggml_nbytes(tk));
			ggml_backend_tensor_set(tv, v, 0, ggml_nbytes(tv));
		}
		if (ggml_backend_graph_compute(be, gf) == GGML_STATUS_SUCCESS) {
			ggml_backend_tensor_get(r, out, 0, ggml_nbytes(r));
			rc = 0;
		}
	}
	free(h);
	if (buf != NULL) ggml_backend_buffer_free(buf);
	ggml_free(ctx);
	ggml_backend_free(be);
	return rc;
}

// parley_gelu computes ggml's GELU of the n values x into y on the CPU backend; non-zero on failure.
static int parley_gelu(const float *x, float *y, int n) {
	ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
	if (dev == NULL) return 1;
	ggml_backend_t be = ggml_backend_dev_init(dev, NULL);
	if (be == NULL) return 1;
	struct ggml_init_params ip = { ggml_tensor_overhead()*4 + ggml_graph_overhead(), NULL, true };
	struct ggml_context *ctx = ggml_init(ip);
	struct ggml_tensor *a = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, n);
	struct ggml_tensor *g = ggml_gelu(ctx, a);
	struct ggml_cgraph *gf = ggml_new_graph(ctx);
	ggml_build_forward_expand(gf, g);
	ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx, be);
	int rc = 1;
	if (buf != NULL) {
		ggml_backend_tensor_set(a, x, 0, (size_t)n*sizeof(float));
		if (ggml_backend_graph_compute(be, gf) == GGML_STATUS_SUCCESS) {
			ggml_backend_tensor_get(g, y, 0, (size_t)n*sizeof(float));
			rc = 0;
		}
		ggml_backend_buffer_free(buf);
	}
	ggml_free(ctx);
	ggml_backend_free(be);
	return rc;
}

static int parley_has_cpu(void) { return ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) != NULL; }

// parley_cpu_features is the CPU backend's list of features (name, value pairs, ending with a NULL name).
static struct ggml_backend_feature *parley_cpu_features(void) {
	ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
	if (dev == NULL) return NULL;
	ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(dev);
	ggml_backend_get_features_t get = (ggml_backend_get_features_t)ggml_backend_reg_get_proc_address(reg, "ggml_backend_get_features");
	return get == NULL ? NULL : get(reg);
}
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/parley-cc/parley"
)

var once sync.Once

// Load registers ggml's CPU backend, once per process; without one (its libraries not where libggml
// is) it returns a named error.
func Load() error {
	once.Do(func() {
		C.parley_load_backends()
		// The GELU of float32 rows with SIMD instead of ggml's float16 table read one value at a time
		// (scripts/whisper-patches/ggml-cpu-vector-gelu.patch).
		setSwitch("ggml_backend_cpu_set_gelu_simd", true)
		// Flash attention packs a head's keys and values once for all of its queries instead of once
		// per tile of 64 (ggml-cpu-whole-head-flash-attn.patch; whisper's encoder).
		setSwitch(packedAttention, true)
	})
	if C.parley_has_cpu() == 0 {
		return parley.Errorf(parley.CodeModelMissing, "ggml has no CPU backend: its libraries (libggml-cpu-*.so) are not beside libggml (scripts/whisper.sh libdir)")
	}
	return nil
}

// packedAttention is the CPU backend's switch for packing a head's keys and values once in flash
// attention (scripts/whisper-patches/ggml-cpu-whole-head-flash-attn.patch).
const packedAttention = "ggml_backend_cpu_set_flash_attn_packed"

// setSwitch sets one of the CPU backend's switches added by scripts/whisper-patches, for the whole
// process; false when the backend has none of that name.
func setSwitch(name string, on bool) bool {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return C.parley_switch(cs, C.bool(on)) != 0
}

// Chosen tells whether the CPU backend was chosen for this CPU at run time (a build with one per
// instruction set) rather than built in.
func Chosen() bool {
	return Load() == nil && C.parley_was_chosen() != 0
}

// Features lists what the CPU backend in use was built for and this CPU has, as ggml names them
// ("AVX2", "AVX512", "FMA", …; a feature whose value is not "1" is written NAME=VALUE); nil without
// a backend. It loads the backend first.
func Features() []string {
	if Load() != nil {
		return nil
	}
	f := C.parley_cpu_features()
	if f == nil {
		return nil
	}
	var out []string
	for _, x := range unsafe.Slice(f, 256) {
		if x.name == nil {
			break
		}
		name, value := C.GoString(x.name), C.GoString(x.value)
		if value != "1" {
			name += "=" + value
		}
		out = append(out, name)
	}
	return out
}

// GELU is ggml's GELU of x as the CPU backend computes it for whisper and the sentence encoder (Load
// sets it up first).
func GELU(x []float32) ([]float32, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	y := make([]float32, len(x))
	if len(x) == 0 {
		return y, nil
	}
	if C.parley_gelu((*C.float)(unsafe.Pointer(&x[0])), (*C.float)(unsafe.Pointer(&y[0])), C.int(len(x))) != 0 {
		return nil, fmt.Errorf("ggml: GELU on the CPU backend failed")
	}
	return y, nil
}

// attention is ggml's flash attention on the CPU backend as whisper's encoder runs it (no mask, scale
// 1/sqrt(d)): heads heads of nq queries over nkv keys and values of d values each, q, k and v in
// [head][row][d] order, k and v stored as float16 when f16; the result in [row][head][d] order.
func attention(q, k, v []float32, heads, nq, nkv, d int, f16 bool, threads int) ([]float32, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	if len(q) != heads*nq*d || len(k) != heads*nkv*d || len(v) != heads*nkv*d || d <= 0 {
		return nil, fmt.Errorf("ggml: attention: shapes do not match")
	}
	out := make([]float32, heads*nq*d)
	c16 := C.int(0)
	if f16 {
		c16 = 1
	}
	if C.parley_attention((*C.float)(unsafe.Pointer(&q[0])), (*C.float)(unsafe.Pointer(&k[0])), (*C.float)(unsafe.Pointer(&v[0])),
		(*C.float)(unsafe.Pointer(&out[0])), C.int(heads), C.int(nq), C.int(nkv), C.int(d), c16, C.int(threads)) != 0 {
		return nil, fmt.Errorf("ggml: attention on the CPU backend failed")
	}
	return out, nil
}
