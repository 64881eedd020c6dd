package nlp

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// trainLinearSVM fits one-vs-rest linear SVMs (L2 regularisation, squared hinge loss, a bias term) by
// dual coordinate descent (Hsieh et al., ICML 2008, the method of LIBLINEAR). It returns one weight
// vector per class and the biases. Classes are trained in parallel on all CPUs.
func trainLinearSVM(xs []sparse, labels []int, nClasses, nFeatures int, c float64, seed uint64) ([][]float32, []float32) {
	w := make([][]float32, nClasses)
	b := make([]float32, nClasses)
	// x·x for every sample, plus 1 for the bias feature.
	qii := make([]float64, len(xs))
	for i, x := range xs {
		for _, v := range x.val {
			qii[i] += float64(v) * float64(v)
		}
		qii[i] += 1
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for k := range work {
				w[k], b[k] = trainBinary(xs, labels, k, nFeatures, c, qii, seed+uint64(k))
			}
		})
	}
	for k := range nClasses {
		work <- k
	}
	close(work)
	wg.Wait()
	return w, b
}

func trainBinary(xs []sparse, labels []int, class, nFeatures int, c float64, qii []float64, seed uint64) ([]float32, float32) {
	const (
		maxEpochs = 300
		eps       = 0.01 // stop when the projected gradients span less than this
	)
	n := len(xs)
	diag := 1 / (2 * c)
	w := make([]float64, nFeatures)
	var bias float64
	alpha := make([]float64, n)
	y := make([]float64, n)
	for i, l := range labels {
		y[i] = -1
		if l == class {
			y[i] = 1
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 77))
	for range maxEpochs {
		rng.Shuffle(n, func(a, b int) { order[a], order[b] = order[b], order[a] })
		maxPG, minPG := math.Inf(-1), math.Inf(1)
		for _, i := range order {
			x := xs[i]
			var wx float64
			for k, j := range x.idx {
				wx += w[j] * float64(x.val[k])
			}
			wx += bias
			g := y[i]*wx - 1 + diag*alpha[i]
			pg := g
			if alpha[i] == 0 && g > 0 {
				pg = 0
			}
			maxPG, minPG = max(maxPG, pg), min(minPG, pg)
			if pg == 0 {
				continue
			}
			old := alpha[i]
			alpha[i] = max(alpha[i]-g/(qii[i]+diag), 0)
			if d := (alpha[i] - old) * y[i]; d != 0 {
				for k, j := range x.idx {
					w[j] += d * float64(x.val[k])
				}
				bias += d
			}
		}
		if maxPG-minPG < eps {
			break
		}
	}
	out := make([]float32, nFeatures)
	for j, v := range w {
		out[j] = float32(v)
	}
	return out, float32(bias)
}
