package ggml

/*
#include <stdlib.h>
#include <ggml.h>
#include <ggml-alloc.h>
#include <ggml-backend.h>

// parley_mat is a matrix of n rows of dim values in ggml's 8-bit blocks (Q8_0), on the CPU backend.
typedef struct {
	ggml_backend_t be;
	struct ggml_context *ctx;
	ggml_backend_buffer_t buf;
	struct ggml_tensor *m;
	int n, dim;
} parley_mat;

static void parley_mat_free(parley_mat *p) {
	if (p == NULL) return;
	if (p->buf) ggml_backend_buffer_free(p->buf);
	if (p->ctx) ggml_free(p->ctx);
	if (p->be) ggml_backend_free(p->be);
	free(p);
}

static parley_mat *parley_mat_new(int n, int dim) {
	parley_mat *p = calloc(1, sizeof(parley_mat));
	if (p == NULL) return NULL;
	p->n = n;
	p->dim = dim;
	p->be = ggml_backend_init_by_type(GGML_BACKEND_DEVICE_TYPE_CPU, NULL);
	struct ggml_init_params ip = { ggml_tensor_overhead(), NULL, true };
	p->ctx = ggml_init(ip);
	if (p->be == NULL || p->ctx == NULL) { parley_mat_free(p); return NULL; }
	ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(ggml_backend_get_device(p->be));
	ggml_backend_set_n_threads_t set = (ggml_backend_set_n_threads_t)ggml_backend_reg_get_proc_address(reg, "ggml_backend_set_n_threads");
	if (set) set(p->be, 1); // a product with one vector: not worth a second thread
	p->m = ggml_new_tensor_2d(p->ctx, GGML_TYPE_Q8_0, dim, n);
	p->buf = ggml_backend_alloc_ctx_tensors(p->ctx, p->be);
	if (p->buf == NULL) { parley_mat_free(p); return NULL; }
	return p;
}

// parley_mat_set quantizes count rows into the matrix from row first on.
static int parley_mat_set(parley_mat *p, const float *rows, int first, int count) {
	size_t row = ggml_row_size(GGML_TYPE_Q8_0, p->dim);
	void *q = malloc(row * count);
	if (q == NULL) return 1;
	ggml_quantize_chunk(GGML_TYPE_Q8_0, rows, q, 0, count, p->dim, NULL);
	ggml_backend_tensor_set(p->m, q, row * first, row * count);
	free(q);
	return 0;
}

// parley_mat_mul writes the products of the matrix's rows with the vector x (dim values) to out (n).
static int parley_mat_mul(parley_mat *p, const float *x, float *out) {
	struct ggml_init_params ip = { ggml_tensor_overhead()*2 + ggml_graph_overhead(), NULL, true };
	struct ggml_context *c = ggml_init(ip);
	if (c == NULL) return 1;
	struct ggml_tensor *v = ggml_new_tensor_1d(c, GGML_TYPE_F32, p->dim);
	struct ggml_tensor *r = ggml_mul_mat(c, p->m, v);
	struct ggml_cgraph *gf = ggml_new_graph(c);
	ggml_build_forward_expand(gf, r);
	ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(c, p->be);
	int rc = 2;
	if (buf != NULL) {
		ggml_backend_tensor_set(v, x, 0, ggml_nbytes(v));
		if (ggml_backend_graph_compute(p->be, gf) == GGML_STATUS_SUCCESS) {
			ggml_backend_tensor_get(r, out, 0, ggml_nbytes(r));
			rc = 0;
		}
		ggml_backend_buffer_free(buf);
	}
	ggml_free(c);
	return rc;
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// Matrix is a matrix held by ggml's CPU backend in 8-bit blocks (Q8_0: a scale per 32 values), for
// products with one vector at a time: a quarter of float32's memory, outside the Go heap, and ggml's
// SIMD dot products. Safe for concurrent use (products run one at a time).
type Matrix struct {
	mu      sync.Mutex
	p       *C.parley_mat
	n, cols int
}

// NewMatrix makes a matrix of n rows of cols values (a multiple of 32), all 0 until Set. It loads the
// CPU backend first.
func NewMatrix(n, cols int) (*Matrix, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	if n <= 0 || cols <= 0 || cols%32 != 0 {
		return nil, fmt.Errorf("ggml: a matrix of %d×%d (columns a multiple of 32)", n, cols)
	}
	p := C.parley_mat_new(C.int(n), C.int(cols))
	if p == nil {
		return nil, fmt.Errorf("ggml: could not allocate a %d×%d matrix on the CPU backend", n, cols)
	}
	m := &Matrix{p: p, n: n, cols: cols}
	runtime.SetFinalizer(m, (*Matrix).Close)
	return m, nil
}

// Set writes rows (whole rows of cols values, one after another) from row first on.
func (m *Matrix) Set(first int, rows []float32) error {
	count := len(rows) / m.cols
	if len(rows) == 0 || len(rows)%m.cols != 0 || first < 0 || first+count > m.n {
		return fmt.Errorf("ggml: %d values from row %d of a %d×%d matrix", len(rows), first, m.n, m.cols)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p == nil {
		return fmt.Errorf("ggml: matrix closed")
	}
	if C.parley_mat_set(m.p, (*C.float)(unsafe.Pointer(&rows[0])), C.int(first), C.int(count)) != 0 {
		return fmt.Errorf("ggml: out of memory quantizing %d rows", count)
	}
	return nil
}

// MulVec returns the product of every row with x (cols values).
func (m *Matrix) MulVec(x []float32) ([]float32, error) {
	if len(x) != m.cols {
		return nil, fmt.Errorf("ggml: a vector of %d values for a matrix of %d columns", len(x), m.cols)
	}
	out := make([]float32, m.n)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p == nil {
		return nil, fmt.Errorf("ggml: matrix closed")
	}
	if rc := C.parley_mat_mul(m.p, (*C.float)(unsafe.Pointer(&x[0])), (*C.float)(unsafe.Pointer(&out[0]))); rc != 0 {
		return nil, fmt.Errorf("ggml: matrix product failed (%d)", int(rc))
	}
	return out, nil
}

// Close frees the matrix.
func (m *Matrix) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p != nil {
		C.parley_mat_free(m.p)
		m.p = nil
	}
}
