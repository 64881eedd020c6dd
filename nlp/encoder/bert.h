// A BERT encoder on ggml's CPU backend: the weights live in one backend buffer; each call builds the
// graph for a batch of sentences padded to one length (a mask keeps attention off the padding), computes
// it and copies out the last layer's token vectors.
#include <stdint.h>

typedef struct parley_bert parley_bert;

// Tensor slots, in the order parley_bert_set takes them: five embedding tensors, then per layer
// PARLEY_BERT_PER_LAYER tensors in the order of the enum below.
enum {
	PB_WORD, PB_POS, PB_TYPE, PB_LNG, PB_LNB, PB_EMB_COUNT
};
enum {
	PB_Q, PB_QB, PB_K, PB_KB, PB_V, PB_VB, PB_O, PB_OB, PB_LN1G, PB_LN1B,
	PB_UP, PB_UPB, PB_DOWN, PB_DOWNB, PB_LN2G, PB_LN2B, PARLEY_BERT_PER_LAYER
};

parley_bert *parley_bert_new(int hidden, int layers, int heads, int inter, int vocab, int max_pos, int type_vocab, float eps);
// parley_bert_new_over makes a model whose tensors are base's but for the groups marked in own (own[0]:
// the embeddings, own[1 + l]: layer l, for 1 + layers groups), which get their own memory to be set with
// parley_bert_set: fine-tuned top layers over a base model, without a second copy of the rest. base must
// outlive it. NULL when no group is its own.
parley_bert *parley_bert_new_over(parley_bert *base, const int *own);
// Copies n floats into slot (stored as f16 for matrices, f32 for vectors). Returns 0 on success.
int parley_bert_set(parley_bert *m, int slot, const float *data, int64_t n);
// parley_bert_set_f16 is parley_bert_set for float16 values (copied as they are into float16 slots).
int parley_bert_set_f16(parley_bert *m, int slot, const uint16_t *data, int64_t n);
// Runs batch sequences of len tokens each (ids and positions, sequence after sequence) with mask
// [batch][len][len] (0, or -INFINITY for a padding key) on threads; out receives batch × len × hidden
// floats. Returns 0 on success.
int parley_bert_encode(parley_bert *m, const int32_t *ids, const int32_t *pos, const float *mask, int len, int batch, int threads, float *out);
void parley_bert_free(parley_bert *m);
