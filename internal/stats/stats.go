// Package stats puts an interval around a measure taken on a small labelled set: a percentile bootstrap
// with a fixed seed, so that the same set measured twice prints the same interval.
package stats

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Resamples is how many times Interval draws the set again.
const Resamples = 1000

// Interval is the 95 % percentile-bootstrap interval of a measure over n units (calls, rows): the set is
// drawn again Resamples times, n units with replacement, and measure is taken on each draw (it gets the
// units' indices, a unit drawn twice appearing twice). Draws on which the measure is undefined (NaN) are
// left out. Both ends are NaN when n is 0 or no draw is defined. Draw units that belong together (the
// items of one call) as one unit: an interval over items that share calls would be too narrow.
func Interval(n int, measure func(idx []int) float64) (lo, hi float64) {
	iv := Intervals(n, 1, func(idx []int, out []float64) { out[0] = measure(idx) })
	return iv[0][0], iv[0][1]
}

// Intervals is Interval for k measures taken together on each draw (one pass over the draw fills out).
func Intervals(n, k int, measure func(idx []int, out []float64)) [][2]float64 {
	res := make([][2]float64, k)
	vals := make([][]float64, k)
	if n > 0 {
		r := rand.New(rand.NewPCG(1, uint64(n)))
		idx, out := make([]int, n), make([]float64, k)
		for range Resamples {
			for i := range idx {
				idx[i] = r.IntN(n)
			}
			measure(idx, out)
			for j, v := range out {
				if !math.IsNaN(v) {
					vals[j] = append(vals[j], v)
				}
			}
		}
	}
	for j, v := range vals {
		if len(v) == 0 {
			res[j] = [2]float64{math.NaN(), math.NaN()}
			continue
		}
		slices.Sort(v)
		res[j] = [2]float64{quantile(v, 0.025), quantile(v, 0.975)}
	}
	return res
}

// quantile of sorted values, interpolating between neighbours.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}

// All is the indices 0…n-1: the set as measured.
func All(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
