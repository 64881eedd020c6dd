#include "bert.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ggml.h>
#include <ggml-alloc.h>
#include <ggml-backend.h>

struct parley_bert {
	int hidden, layers, heads, inter, vocab, max_pos, type_vocab;
	float eps;
	struct ggml_context *wctx;
	ggml_backend_t backend;
	ggml_backend_set_n_threads_t set_threads; // found once in the backend's registry (NULL: none)
	ggml_backend_buffer_t wbuf;
	ggml_gallocr_t alloc;
	struct ggml_tensor **slots; // PB_EMB_COUNT + layers * PARLEY_BERT_PER_LAYER
	int n_slots;
};

#define MAX_NODES 2048
// Matrices stay float16 as the checkpoint stores them: ggml's f16 products ran faster here than f32.
#define WTYPE GGML_TYPE_F16

static parley_bert *bert_alloc(int hidden, int layers, int heads, int inter, int vocab, int max_pos, int type_vocab, float eps) {
	parley_bert *m = calloc(1, sizeof *m);
	if (!m) return NULL;
	m->hidden = hidden; m->layers = layers; m->heads = heads; m->inter = inter;
	m->vocab = vocab; m->max_pos = max_pos; m->type_vocab = type_vocab; m->eps = eps;
	m->n_slots = PB_EMB_COUNT + layers * PARLEY_BERT_PER_LAYER;
	m->slots = calloc(m->n_slots, sizeof *m->slots);
	struct ggml_init_params p = { .mem_size = ggml_tensor_overhead() * (m->n_slots + 1), .mem_buffer = NULL, .no_alloc = true };
	m->wctx = ggml_init(p);
	// The CPU backend through ggml's registry: built in, or the variant for this CPU that the caller
	// loaded (internal/ggml).
	m->backend = ggml_backend_init_by_type(GGML_BACKEND_DEVICE_TYPE_CPU, NULL);
	if (!m->slots || !m->wctx || !m->backend) { parley_bert_free(m); return NULL; }
	ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(ggml_backend_get_device(m->backend));
	m->set_threads = (ggml_backend_set_n_threads_t)ggml_backend_reg_get_proc_address(reg, "ggml_backend_set_n_threads");
	return m;
}

// new_group adds the tensors of group g (0: the embeddings, 1 + l: layer l) to m's weight context.
static void new_group(parley_bert *m, int g) {
	struct ggml_context *c = m->wctx;
	const int hidden = m->hidden, inter = m->inter;
	if (g == 0) {
		m->slots[PB_WORD] = ggml_new_tensor_2d(c, GGML_TYPE_F16, hidden, m->vocab);
		m->slots[PB_POS] = ggml_new_tensor_2d(c, GGML_TYPE_F16, hidden, m->max_pos);
		m->slots[PB_TYPE] = ggml_new_tensor_2d(c, GGML_TYPE_F32, hidden, m->type_vocab);
		m->slots[PB_LNG] = ggml_new_tensor_1d(c, GGML_TYPE_F32, hidden);
		m->slots[PB_LNB] = ggml_new_tensor_1d(c, GGML_TYPE_F32, hidden);
		return;
	}
	struct ggml_tensor **s = m->slots + PB_EMB_COUNT + (g - 1) * PARLEY_BERT_PER_LAYER;
	s[PB_Q] = ggml_new_tensor_2d(c, WTYPE, hidden, hidden);
	s[PB_K] = ggml_new_tensor_2d(c, WTYPE, hidden, hidden);
	s[PB_V] = ggml_new_tensor_2d(c, WTYPE, hidden, hidden);
	s[PB_O] = ggml_new_tensor_2d(c, WTYPE, hidden, hidden);
	s[PB_UP] = ggml_new_tensor_2d(c, WTYPE, hidden, inter);
	s[PB_DOWN] = ggml_new_tensor_2d(c, WTYPE, inter, hidden);
	s[PB_UPB] = ggml_new_tensor_1d(c, GGML_TYPE_F32, inter);
	int vecs[] = {PB_QB, PB_KB, PB_VB, PB_OB, PB_LN1G, PB_LN1B, PB_DOWNB, PB_LN2G, PB_LN2B};
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) s[vecs[i]] = ggml_new_tensor_1d(c, GGML_TYPE_F32, hidden);
}

// bert_ready allocates the weight context's tensors in one backend buffer, and the compute allocator.
static parley_bert *bert_ready(parley_bert *m) {
	m->wbuf = ggml_backend_alloc_ctx_tensors(m->wctx, m->backend);
	m->alloc = ggml_gallocr_new(ggml_backend_get_default_buffer_type(m->backend));
	if (!m->wbuf || !m->alloc) { parley_bert_free(m); return NULL; }
	return m;
}

parley_bert *parley_bert_new(int hidden, int layers, int heads, int inter, int vocab, int max_pos, int type_vocab, float eps) {
	parley_bert *m = bert_alloc(hidden, layers, heads, inter, vocab, max_pos, type_vocab, eps);
	if (!m) return NULL;
	for (int g = 0; g <= layers; g++) new_group(m, g);
	return bert_ready(m);
}

parley_bert *parley_bert_new_over(parley_bert *base, const int *own) {
	parley_bert *m = bert_alloc(base->hidden, base->layers, base->heads, base->inter, base->vocab, base->max_pos, base->type_vocab, base->eps);
	if (!m) return NULL;
	int owned = 0;
	for (int g = 0; g <= m->layers; g++) {
		if (own[g]) {
			new_group(m, g);
			owned++;
			continue;
		}
		int from = g == 0 ? 0 : PB_EMB_COUNT + (g - 1) * PARLEY_BERT_PER_LAYER;
		int n = g == 0 ? PB_EMB_COUNT : PARLEY_BERT_PER_LAYER;
		for (int i = from; i < from + n; i++) m->slots[i] = base->slots[i];
	}
	if (owned == 0) { parley_bert_free(m); return NULL; }
	return bert_ready(m);
}

// slot_for returns the slot's tensor when it holds n values, else NULL with the error code in *rc.
static struct ggml_tensor *slot_for(parley_bert *m, int slot, int64_t n, int *rc) {
	if (slot < 0 || slot >= m->n_slots) { *rc = 1; return NULL; }
	if (ggml_nelements(m->slots[slot]) != n) { *rc = 2; return NULL; }
	if (m->slots[slot]->buffer != m->wbuf) { *rc = 4; return NULL; } // a base model's tensor, shared
	return m->slots[slot];
}

int parley_bert_set(parley_bert *m, int slot, const float *data, int64_t n) {
	int rc = 0;
	struct ggml_tensor *t = slot_for(m, slot, n, &rc);
	if (!t) return rc;
	if (t->type == GGML_TYPE_F32) {
		ggml_backend_tensor_set(t, data, 0, ggml_nbytes(t));
		return 0;
	}
	ggml_fp16_t *h = malloc(n * sizeof *h);
	if (!h) return 3;
	ggml_fp32_to_fp16_row(data, h, n);
	ggml_backend_tensor_set(t, h, 0, ggml_nbytes(t));
	free(h);
	return 0;
}

int parley_bert_set_f16(parley_bert *m, int slot, const uint16_t *data, int64_t n) {
	int rc = 0;
	struct ggml_tensor *t = slot_for(m, slot, n, &rc);
	if (!t) return rc;
	if (t->type == GGML_TYPE_F16) {
		ggml_backend_tensor_set(t, data, 0, ggml_nbytes(t));
		return 0;
	}
	float *f = malloc(n * sizeof *f);
	if (!f) return 3;
	ggml_fp16_to_fp32_row((const ggml_fp16_t *)data, f, n);
	ggml_backend_tensor_set(t, f, 0, ggml_nbytes(t));
	free(f);
	return 0;
}

static struct ggml_tensor *norm(struct ggml_context *c, struct ggml_tensor *x, struct ggml_tensor *g, struct ggml_tensor *b, float eps) {
	return ggml_add(c, ggml_mul(c, ggml_norm(c, x, eps), g), b);
}

static struct ggml_tensor *linear(struct ggml_context *c, struct ggml_tensor *x, struct ggml_tensor *w, struct ggml_tensor *b) {
	return ggml_add(c, ggml_mul_mat(c, w, x), b);
}

int parley_bert_encode(parley_bert *m, const int32_t *ids, const int32_t *pos, const float *mask, int len, int batch, int threads, float *out) {
	const int H = m->hidden, nh = m->heads, hd = H / nh, n = len * batch;
	size_t meta = ggml_tensor_overhead() * MAX_NODES + ggml_graph_overhead_custom(MAX_NODES, false);
	struct ggml_init_params p = { .mem_size = meta, .mem_buffer = NULL, .no_alloc = true };
	struct ggml_context *c = ggml_init(p);
	if (!c) return 1;
	struct ggml_cgraph *gf = ggml_new_graph_custom(c, MAX_NODES, false);

	struct ggml_tensor *t_ids = ggml_new_tensor_1d(c, GGML_TYPE_I32, n);
	struct ggml_tensor *t_pos = ggml_new_tensor_1d(c, GGML_TYPE_I32, n);
	struct ggml_tensor *t_mask = ggml_new_tensor_4d(c, GGML_TYPE_F32, len, len, 1, batch);
	ggml_set_input(t_ids); ggml_set_input(t_pos); ggml_set_input(t_mask);

	struct ggml_tensor **s = m->slots;
	struct ggml_tensor *x = ggml_add(c, ggml_get_rows(c, s[PB_WORD], t_ids), ggml_get_rows(c, s[PB_POS], t_pos));
	x = ggml_add(c, x, ggml_view_1d(c, s[PB_TYPE], H, 0));
	x = norm(c, x, s[PB_LNG], s[PB_LNB], m->eps); // [H, len*batch]
	const float scale = 1.0f / sqrtf((float)hd);
	for (int l = 0; l < m->layers; l++) {
		struct ggml_tensor **w = s + PB_EMB_COUNT + l * PARLEY_BERT_PER_LAYER;
		struct ggml_tensor *q = ggml_permute(c, ggml_reshape_4d(c, linear(c, x, w[PB_Q], w[PB_QB]), hd, nh, len, batch), 0, 2, 1, 3); // [hd, len, nh, batch]
		struct ggml_tensor *k = ggml_permute(c, ggml_reshape_4d(c, linear(c, x, w[PB_K], w[PB_KB]), hd, nh, len, batch), 0, 2, 1, 3);
		struct ggml_tensor *v = ggml_cont(c, ggml_permute(c, ggml_reshape_4d(c, linear(c, x, w[PB_V], w[PB_VB]), hd, nh, len, batch), 1, 2, 0, 3)); // [len, hd, nh, batch]
		struct ggml_tensor *kq = ggml_soft_max_ext(c, ggml_mul_mat(c, k, q), t_mask, scale, 0.0f); // [len_k, len_q, nh, batch]
		struct ggml_tensor *kqv = ggml_mul_mat(c, v, kq); // [hd, len_q, nh, batch]
		struct ggml_tensor *ctx = ggml_cont_2d(c, ggml_permute(c, kqv, 0, 2, 1, 3), H, n);
		x = norm(c, ggml_add(c, linear(c, ctx, w[PB_O], w[PB_OB]), x), w[PB_LN1G], w[PB_LN1B], m->eps);
		// BERT's GELU is the erf form; ggml's erf GELU calls libm's erff per value, which took a fifth of
		// the encoder's time. ggml_gelu is the tanh form read from a float16 table: the reference vectors
		// still match at cosine 0.999999 (0.999997 with erf), 1.4x the sentences a second.
		struct ggml_tensor *up = ggml_gelu(c, linear(c, x, w[PB_UP], w[PB_UPB]));
		x = norm(c, ggml_add(c, linear(c, up, w[PB_DOWN], w[PB_DOWNB]), x), w[PB_LN2G], w[PB_LN2B], m->eps);
	}
	ggml_set_output(x);
	ggml_build_forward_expand(gf, x);
	if (!ggml_gallocr_alloc_graph(m->alloc, gf)) { ggml_free(c); return 2; }
	ggml_backend_tensor_set(t_ids, ids, 0, ggml_nbytes(t_ids));
	ggml_backend_tensor_set(t_pos, pos, 0, ggml_nbytes(t_pos));
	ggml_backend_tensor_set(t_mask, mask, 0, ggml_nbytes(t_mask));
	if (m->set_threads) m->set_threads(m->backend, threads);
	if (ggml_backend_graph_compute(m->backend, gf) != GGML_STATUS_SUCCESS) { ggml_free(c); return 3; }
	ggml_backend_tensor_get(x, out, 0, ggml_nbytes(x));
	ggml_free(c);
	return 0;
}

void parley_bert_free(parley_bert *m) {
	if (!m) return;
	if (m->alloc) ggml_gallocr_free(m->alloc);
	if (m->wbuf) ggml_backend_buffer_free(m->wbuf);
	if (m->backend) ggml_backend_free(m->backend);
	if (m->wctx) ggml_free(m->wctx);
	free(m->slots);
	free(m);
}
