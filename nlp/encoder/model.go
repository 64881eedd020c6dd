package encoder

import (
	"encoding/json"
	"fmt"
)

// Config is the shape of a BERT encoder, from its config.json.
type Config struct {
	Hidden       int     `json:"hidden_size"`
	Layers       int     `json:"num_hidden_layers"`
	Heads        int     `json:"num_attention_heads"`
	Intermediate int     `json:"intermediate_size"`
	MaxPositions int     `json:"max_position_embeddings"`
	TypeVocab    int     `json:"type_vocab_size"`
	Vocab        int     `json:"vocab_size"`
	Eps          float64 `json:"layer_norm_eps"`
	Activation   string  `json:"hidden_act"`
}

func parseConfig(b []byte) (Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return c, err
	}
	if c.Eps == 0 {
		c.Eps = 1e-12
	}
	if c.TypeVocab == 0 {
		c.TypeVocab = 2
	}
	switch {
	case c.Hidden <= 0 || c.Heads <= 0 || c.Hidden%c.Heads != 0:
		return c, fmt.Errorf("hidden_size %d is not a multiple of num_attention_heads %d", c.Hidden, c.Heads)
	case c.Layers <= 0 || c.Layers > 64 || c.Intermediate <= 0 || c.MaxPositions < 3 || c.Vocab <= 0:
		return c, fmt.Errorf("layers %d, intermediate %d, positions %d, vocabulary %d", c.Layers, c.Intermediate, c.MaxPositions, c.Vocab)
	case c.Activation != "" && c.Activation != "gelu":
		return c, fmt.Errorf("hidden_act %q (only gelu)", c.Activation)
	}
	return c, nil
}

// layer holds one transformer layer's weights. Linear weights are [out][in] row-major, as in PyTorch.
type layer struct {
	q, k, v, o, qb, kb, vb, ob tensor
	ln1g, ln1b                 tensor
	up, upb, down, downb       tensor
	ln2g, ln2b                 tensor
}

// weights are all the encoder's parameters.
type weights struct {
	word, pos, typ tensor
	lng, lnb       tensor
	layers         []layer
}

// bindWeights takes the tensors of a BERT checkpoint (Hugging Face BertModel names, with or without a
// "bert." prefix) and checks every shape against the configuration.
func bindWeights(ts map[string]tensor, c Config) (*weights, error) {
	var err error
	get := func(name string, shape ...int) tensor {
		if err != nil {
			return tensor{}
		}
		t, ok := ts[name]
		if !ok {
			t, ok = ts["bert."+name]
		}
		if !ok {
			err = fmt.Errorf("tensor %s is missing", name)
			return tensor{}
		}
		if fmt.Sprint(t.shape) != fmt.Sprint(shape) {
			err = fmt.Errorf("tensor %s has shape %v, the configuration wants %v", name, t.shape, shape)
			return tensor{}
		}
		return t
	}
	h, in := c.Hidden, c.Intermediate
	w := &weights{
		word: get("embeddings.word_embeddings.weight", c.Vocab, h),
		pos:  get("embeddings.position_embeddings.weight", c.MaxPositions, h),
		typ:  get("embeddings.token_type_embeddings.weight", c.TypeVocab, h),
		lng:  get("embeddings.LayerNorm.weight", h),
		lnb:  get("embeddings.LayerNorm.bias", h),
	}
	for i := range c.Layers {
		p := fmt.Sprintf("encoder.layer.%d.", i)
		w.layers = append(w.layers, layer{
			q: get(p+"attention.self.query.weight", h, h), qb: get(p+"attention.self.query.bias", h),
			k: get(p+"attention.self.key.weight", h, h), kb: get(p+"attention.self.key.bias", h),
			v: get(p+"attention.self.value.weight", h, h), vb: get(p+"attention.self.value.bias", h),
			o: get(p+"attention.output.dense.weight", h, h), ob: get(p+"attention.output.dense.bias", h),
			ln1g: get(p+"attention.output.LayerNorm.weight", h), ln1b: get(p+"attention.output.LayerNorm.bias", h),
			up: get(p+"intermediate.dense.weight", in, h), upb: get(p+"intermediate.dense.bias", in),
			down: get(p+"output.dense.weight", h, in), downb: get(p+"output.dense.bias", h),
			ln2g: get(p+"output.LayerNorm.weight", h), ln2b: get(p+"output.LayerNorm.bias", h),
		})
	}
	if err != nil {
		return nil, err
	}
	return w, nil
}
