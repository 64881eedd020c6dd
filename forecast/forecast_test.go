package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// Erlang C against the published table for 10 erlangs (100 calls a half hour of 180 s): the chance of
// waiting with 11 to 14 agents, and 14 agents as the fewest for 80 % answered in 20 s (13 reach 79.6 %).
func TestErlangCTable(t *testing.T) {
	for _, c := range []struct {
		agents int
		pw, sl float64
	}{{11, 0.6821, 0.3897}, {12, 0.4494, 0.6401}, {13, 0.2853, 0.7956}, {14, 0.1741, 0.8884}} {
		pw := ErlangC(c.agents, 10)
		sl := ServiceLevel(c.agents, 200, 180, 20)
		if math.Abs(pw-c.pw) > 0.0001 || math.Abs(sl-c.sl) > 0.0001 {
			t.Errorf("%d agents: P(wait) %.4f, want %.4f; 20 s service level %.4f, want %.4f", c.agents, pw, c.pw, sl, c.sl)
		}
	}
	if n, sl := Agents(200, 180, 20, 0.8); n != 14 || math.Abs(sl-0.8884) > 0.0001 {
		t.Errorf("agents for 80/20: %d (%.4f)", n, sl)
	}
	if n, _ := Agents(0, 180, 20, 0.8); n != 0 {
		t.Errorf("no calls, %d agents", n)
	}
	if ErlangC(5, 5) != 1 || ServiceLevel(5, 100, 180, 20) != 0 { // 5 erlangs on 5 agents never catch up
		t.Error("agents at the traffic must not answer")
	}
	if n, _ := Agents(3000, 240, 20, 0.9); n < 200 || n > 230 { // 200 erlangs: the recursion stays finite
		t.Errorf("200 erlangs: %d agents", n)
	}
}

// history plants twelve weeks of calls: a known hour-of-week pattern (office hours, a Monday-morning
// peak, a quiet weekend), volume rising 3 % a week, Poisson arrivals.
func history(weeks int, seed uint64) ([]time.Time, [HoursPerWeek]float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	var rate [HoursPerWeek]float64
	for h := range rate {
		day, hour := h/24, h%24
		switch {
		case day >= 5 && hour >= 10 && hour < 16:
			rate[h] = 4
		case day < 5 && hour >= 8 && hour < 18:
			rate[h] = 20
			if day == 0 && hour < 12 {
				rate[h] = 45
			}
		}
	}
	start := time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC) // a Monday
	var starts []time.Time
	for w := range weeks {
		growth := math.Pow(1.03, float64(w))
		for h, lam := range rate {
			for range poisson(r, lam*growth) {
				off := time.Duration(w)*7*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(r.IntN(3600))*time.Second
				starts = append(starts, start.Add(off))
			}
		}
	}
	var next [HoursPerWeek]float64
	for h, lam := range rate {
		next[h] = lam * math.Pow(1.03, float64(weeks))
	}
	return starts, next
}

func sumWeek(w [HoursPerWeek]float64) float64 { return sum([][HoursPerWeek]float64{w}) }

func sum(weeks [][HoursPerWeek]float64) (n float64) {
	for _, wk := range weeks {
		for _, c := range wk {
			n += c
		}
	}
	return n
}

func poisson(r *rand.Rand, lam float64) int {
	if lam == 0 {
		return 0
	}
	l, k, p := math.Exp(-lam), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// On planted history the seasonal forecast beats the naive same-hour-last-week forecast on the four
// held-out weeks, and the next week's forecast lands near the planted rates.
func TestForecastBeatsNaive(t *testing.T) {
	for seed := range uint64(3) {
		starts, truth := history(12, seed)
		w := Count(append(starts, starts[0].AddDate(0, 0, -1), starts[0].AddDate(0, 0, 7*12)), starts[0], 12) // and two calls outside
		if len(w.Counts) != 12 || Slot(w.Start) != 0 || int(sum(w.Counts)) != len(starts) {
			t.Fatalf("%d weeks from %v", len(w.Counts), w.Start)
		}
		seasonal, naive, err := Backtest(w, 4)
		if err != nil {
			t.Fatal(err)
		}
		if seasonal >= 0.8*naive {
			t.Errorf("seed %d: seasonal MAE %.2f, naive %.2f: want at least 20 %% better", seed, seasonal, naive)
		}
		f, _ := Next(w.Counts)
		var got, want float64
		for h := range f {
			got, want = got+f[h], want+truth[h]
		}
		if math.Abs(got-want)/want > 0.05 || math.Abs(f[9]-truth[9]) > 0.15*truth[9] {
			t.Errorf("seed %d: next week %.0f calls (planted %.0f), Monday 09:00 %.1f (planted %.1f)", seed, got, want, f[9], truth[9])
		}
		if f2, _ := Ahead(w.Counts[:11], 2); math.Abs(sumWeek(f2)-want)/want > 0.06 {
			t.Errorf("seed %d: two weeks ahead %.0f calls (planted %.0f)", seed, sumWeek(f2), want)
		}
		t.Logf("seed %d: MAE per hour seasonal %.2f, naive %.2f; next week %.0f calls (planted %.0f)", seed, seasonal, naive, got, want)
	}
	if _, err := Next(make([][HoursPerWeek]float64, 5)); err != ErrTooLittle {
		t.Errorf("five weeks without a call: %v", err)
	}
	// Weeks before the first call do not pull the trend down: the same forecast with and without them.
	starts, _ := history(6, 7)
	short, long := Count(starts, starts[0], 6), Count(starts, starts[0].AddDate(0, 0, -28), 10)
	a, _ := Next(short.Counts)
	if b, _ := Next(long.Counts); sumWeek(a) != sumWeek(b) {
		t.Errorf("leading empty weeks moved the forecast: %.1f against %.1f", sumWeek(b), sumWeek(a))
	}
	if _, _, err := Backtest(Weeks{Counts: make([][HoursPerWeek]float64, 3)}, 2); err != ErrTooLittle {
		t.Errorf("backtest without enough history: %v", err)
	}
}
