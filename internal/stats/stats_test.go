package stats

import (
	"math"
	"testing"
)

// A share of 30 right out of 100 units: the bootstrap interval is close to the normal approximation,
// 0.30 ± 1.96·√(0.3·0.7/100) = [0.210, 0.390], and the same on every run.
func TestIntervalOfAShare(t *testing.T) {
	right := make([]bool, 100)
	for i := range 30 {
		right[i*3] = true
	}
	share := func(idx []int) float64 {
		n := 0
		for _, i := range idx {
			if right[i] {
				n++
			}
		}
		return float64(n) / float64(len(idx))
	}
	lo, hi := Interval(len(right), share)
	if math.Abs(lo-0.210) > 0.02 || math.Abs(hi-0.390) > 0.02 {
		t.Errorf("interval [%.3f, %.3f], want about [0.210, 0.390]", lo, hi)
	}
	if lo2, hi2 := Interval(len(right), share); lo2 != lo || hi2 != hi {
		t.Errorf("second run [%.3f, %.3f], first [%.3f, %.3f]", lo2, hi2, lo, hi)
	}
	if v := share(All(len(right))); v != 0.3 {
		t.Errorf("the set as measured: %v", v)
	}
	// Ten times the units, the same share: about a third as wide (1/√10).
	big := make([]bool, 1000)
	for i := range 300 {
		big[i*3] = true
	}
	blo, bhi := Interval(len(big), func(idx []int) float64 {
		n := 0
		for _, i := range idx {
			if big[i] {
				n++
			}
		}
		return float64(n) / float64(len(idx))
	})
	if r := (bhi - blo) / (hi - lo); r < 0.25 || r > 0.4 {
		t.Errorf("1000 units: width %.3f, %.2f of 100 units' %.3f", bhi-blo, r, hi-lo)
	}
}

func TestIntervalUndefined(t *testing.T) {
	if lo, hi := Interval(0, func([]int) float64 { return 1 }); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("no units: [%v, %v]", lo, hi)
	}
	if lo, hi := Interval(5, func([]int) float64 { return math.NaN() }); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("never defined: [%v, %v]", lo, hi)
	}
	// Draws where the measure is undefined (no unit 0 drawn) are left out, not counted as 0.
	lo, hi := Interval(3, func(idx []int) float64 {
		for _, i := range idx {
			if i == 0 {
				return 1
			}
		}
		return math.NaN()
	})
	if lo != 1 || hi != 1 {
		t.Errorf("defined draws all 1: [%v, %v]", lo, hi)
	}
}
