// Package forecast predicts calls per hour of the week from history and the agents each hour needs:
// a seasonal profile (each hour's share of its week, averaged over past weeks) scaled by a weekly volume
// with a linear trend, judged against the naive forecast (the same hour last week) on held-out weeks;
// and Erlang C for the agents that answer a share of calls within a target time.
package forecast

import (
	"errors"
	"math"
	"time"
)

// HoursPerWeek is the number of hour-of-week slots: Monday 00:00 UTC is slot 0.
const HoursPerWeek = 7 * 24

// Slot is the hour of the week of t (UTC), Monday 00:00 first.
func Slot(t time.Time) int {
	t = t.UTC()
	return (int(t.Weekday())+6)%7*24 + t.Hour()
}

// WeekStart is the Monday 00:00 UTC that starts t's week.
func WeekStart(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// Weeks are calls counted per hour of the week, one row per week, oldest first, with the Monday that
// starts the first.
type Weeks struct {
	Start  time.Time
	Counts [][HoursPerWeek]float64
}

// Count buckets call start times into weeks whole weeks from the week of from; times outside them are
// left out, and weeks without calls are rows of zeros.
func Count(starts []time.Time, from time.Time, weeks int) Weeks {
	w := Weeks{Start: WeekStart(from), Counts: make([][HoursPerWeek]float64, max(weeks, 0))}
	for _, t := range starts {
		if t.Before(w.Start) {
			continue
		}
		if k := int(WeekStart(t).Sub(w.Start).Hours() / 24 / 7); k < len(w.Counts) {
			w.Counts[k][Slot(t)]++
		}
	}
	return w
}

// ErrTooLittle: a forecast needs at least MinWeeks weeks of history with calls.
var ErrTooLittle = errors.New("too little history to forecast")

// MinWeeks is the history the seasonal forecast needs: weeks with calls, for a profile and a trend.
const MinWeeks = 3

// TrendWeeks is how many recent weekly totals the trend line is fitted through.
const TrendWeeks = 8

// Next forecasts the week after the history, calls per hour of the week: the share of a week's calls
// in each hour (averaged over the weeks with calls) times the week's volume, extrapolated by a
// least-squares line through the last TrendWeeks weekly totals.
func Next(history [][HoursPerWeek]float64) ([HoursPerWeek]float64, error) { return Ahead(history, 1) }

// Ahead forecasts the week weeks after the end of the history (1: the week right after) as Next does.
func Ahead(history [][HoursPerWeek]float64, weeks int) ([HoursPerWeek]float64, error) {
	var out [HoursPerWeek]float64
	for len(history) > 0 && empty(history[0]) { // weeks before the first call are not weeks without calls
		history = history[1:]
	}
	withCalls := 0
	for _, wk := range history {
		if !empty(wk) {
			withCalls++
		}
	}
	if withCalls < MinWeeks {
		return out, ErrTooLittle
	}
	totals := make([]float64, len(history))
	var share [HoursPerWeek]float64
	used := 0
	for i, wk := range history {
		for _, c := range wk {
			totals[i] += c
		}
		if totals[i] == 0 {
			continue
		}
		used++
		for h, c := range wk {
			share[h] += c / totals[i]
		}
	}
	if used == 0 {
		return out, nil
	}
	recent := totals[max(0, len(totals)-TrendWeeks):]
	volume := max(0, extrapolate(recent, max(weeks, 1)))
	for h := range share {
		out[h] = share[h] / float64(used) * volume
	}
	return out, nil
}

func empty(wk [HoursPerWeek]float64) bool {
	for _, c := range wk {
		if c != 0 {
			return false
		}
	}
	return true
}

// extrapolate fits a least-squares line through ys at x = 0, 1, … and returns its value ahead steps
// past the last x.
func extrapolate(ys []float64, ahead int) float64 {
	n := float64(len(ys))
	if len(ys) == 1 {
		return ys[0]
	}
	var sx, sy, sxx, sxy float64
	for i, y := range ys {
		x := float64(i)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	slope := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	return (sy-slope*sx)/n + slope*(n-1+float64(ahead))
}

// Backtest forecasts each of the last holdout weeks from the weeks before it (a rolling origin) and
// returns the mean absolute error per hour of the seasonal forecast and of the naive one (the same hour
// of the week before).
func Backtest(w Weeks, holdout int) (seasonal, naive float64, err error) {
	if holdout < 1 || len(w.Counts)-holdout < 1 {
		return 0, 0, ErrTooLittle
	}
	var n float64
	for k := len(w.Counts) - holdout; k < len(w.Counts); k++ {
		f, err := Next(w.Counts[:k])
		if err != nil {
			return 0, 0, err
		}
		for h, actual := range w.Counts[k] {
			seasonal += math.Abs(f[h] - actual)
			naive += math.Abs(w.Counts[k-1][h] - actual)
			n++
		}
	}
	return seasonal / n, naive / n, nil
}
