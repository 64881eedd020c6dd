package encoder

import "math"

// goForward is a plain Go forward pass of one sentence, the reference the ggml graph is checked against:
// embeddings, LayerNorm, then per layer self-attention and the GELU feed-forward, each followed by a
// residual LayerNorm. It returns the last layer's token vectors, [tokens][hidden].
func goForward(w *weights, c Config, ids []int32) [][]float32 {
	h, nh := c.Hidden, c.Heads
	hd := h / nh
	n := len(ids)
	x := make([][]float32, n)
	word, pos, typ := w.word.floats(), w.pos.floats(), w.typ.floats()
	for i, id := range ids {
		x[i] = make([]float32, h)
		for j := range h {
			x[i][j] = word[int(id)*h+j] + pos[i*h+j] + typ[j]
		}
		layerNorm(x[i], w.lng.floats(), w.lnb.floats(), c.Eps)
	}
	linear := func(in [][]float32, wtt, bt tensor, out int) [][]float32 {
		wt, b := wtt.floats(), bt.floats()
		res := make([][]float32, len(in))
		for i, v := range in {
			res[i] = make([]float32, out)
			for o := range out {
				s := float64(b[o])
				row := wt[o*len(v) : (o+1)*len(v)]
				for k, a := range v {
					s += float64(a) * float64(row[k])
				}
				res[i][o] = float32(s)
			}
		}
		return res
	}
	for _, l := range w.layers {
		q, k, v := linear(x, l.q, l.qb, h), linear(x, l.k, l.kb, h), linear(x, l.v, l.vb, h)
		ctx := make([][]float32, n)
		for i := range ctx {
			ctx[i] = make([]float32, h)
		}
		scale := 1 / math.Sqrt(float64(hd))
		for head := range nh {
			off := head * hd
			for i := range n {
				sc := make([]float64, n)
				mx := math.Inf(-1)
				for j := range n {
					var s float64
					for d := range hd {
						s += float64(q[i][off+d]) * float64(k[j][off+d])
					}
					sc[j] = s * scale
					mx = max(mx, sc[j])
				}
				var sum float64
				for j := range sc {
					sc[j] = math.Exp(sc[j] - mx)
					sum += sc[j]
				}
				for j := range n {
					p := sc[j] / sum
					for d := range hd {
						ctx[i][off+d] += float32(p * float64(v[j][off+d]))
					}
				}
			}
		}
		att := linear(ctx, l.o, l.ob, h)
		for i := range x {
			for j := range h {
				att[i][j] += x[i][j]
			}
			layerNorm(att[i], l.ln1g.floats(), l.ln1b.floats(), c.Eps)
		}
		up := linear(att, l.up, l.upb, c.Intermediate)
		for _, r := range up {
			for j, a := range r {
				r[j] = float32(0.5 * float64(a) * (1 + math.Erf(float64(a)/math.Sqrt2)))
			}
		}
		down := linear(up, l.down, l.downb, h)
		for i := range down {
			for j := range h {
				down[i][j] += att[i][j]
			}
			layerNorm(down[i], l.ln2g.floats(), l.ln2b.floats(), c.Eps)
		}
		x = down
	}
	return x
}

func layerNorm(v, g, b []float32, eps float64) {
	var mean, vr float64
	for _, a := range v {
		mean += float64(a)
	}
	mean /= float64(len(v))
	for _, a := range v {
		vr += (float64(a) - mean) * (float64(a) - mean)
	}
	inv := 1 / math.Sqrt(vr/float64(len(v))+eps)
	for i, a := range v {
		v[i] = float32((float64(a)-mean)*inv)*g[i] + b[i]
	}
}
