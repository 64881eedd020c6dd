package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/parley-cc/parley/forecast"
)

// staffing is the next week's forecast: calls and agents per hour of the week, and how the forecast
// did on the last weeks of history against the naive one.
type staffing struct {
	Target, AnswerS, HandleS, WrapS float64
	Weeks, Holdout                  int
	From, Next                      time.Time // history from; the forecast week's Monday
	Calls                           int       // calls in the history
	Seasonal, Naive                 float64   // mean absolute error per hour on the held-out weeks
	Backtested                      bool
	Days                            [7]staffDay
	Problem                         string
}

type staffDay struct {
	Name  string
	Hours [24]staffHour
}

type staffHour struct {
	Calls   float64
	Agents  int
	Service float64
}

var weekdays = [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// staffingFrom reads the form (service level target %, answer time, weeks of history, held-out weeks,
// wrap-up seconds added to the measured handle time) and forecasts from the index.
func (s *Server) staffingFrom(r *http.Request) (staffing, error) {
	q := r.URL.Query()
	num := func(key string, def, lo, hi float64) float64 {
		v, err := strconv.ParseFloat(q.Get(key), 64)
		if err != nil || v < lo || v > hi {
			return def
		}
		return v
	}
	st := staffing{Target: num("target", 80, 1, 99.9) / 100, AnswerS: num("answer", 20, 1, 3600), WrapS: num("wrap", 0, 0, 3600),
		Weeks: int(num("weeks", 12, forecast.MinWeeks, 104)), Holdout: int(num("holdout", 4, 0, 52))}
	now := time.Now().UTC()
	this := forecast.WeekStart(now) // the week under way is not history yet: the forecast is for the next
	st.Next = this.AddDate(0, 0, 7)
	st.From = this.AddDate(0, 0, -7*st.Weeks)
	times, meanS, err := s.Index.CallTimes(r.Context(), st.From, this)
	if err != nil {
		return st, err
	}
	w := forecast.Count(times, st.From, st.Weeks)
	st.Calls, st.HandleS = len(times), meanS+st.WrapS
	next, err := forecast.Ahead(w.Counts, 2) // past the week under way
	if errors.Is(err, forecast.ErrTooLittle) || st.Calls == 0 {
		st.Problem = fmt.Sprintf("Not enough history: %d dated calls in the %d weeks before %s.", st.Calls, st.Weeks, this.Format("2006-01-02"))
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if st.Holdout > 0 {
		if st.Seasonal, st.Naive, err = forecast.Backtest(w, st.Holdout); err == nil {
			st.Backtested = true
		}
	}
	for d := range st.Days {
		st.Days[d].Name = weekdays[d]
		for h := range 24 {
			c := next[d*24+h]
			n, sl := forecast.Agents(c, st.HandleS, st.AnswerS, st.Target)
			st.Days[d].Hours[h] = staffHour{Calls: c, Agents: n, Service: sl}
		}
	}
	return st, nil
}

func (s *Server) staffingPage(w http.ResponseWriter, r *http.Request, u *User) {
	st, err := s.staffingFrom(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, u, "staffing.html", map[string]any{"Title": "Staffing", "S": st, "CSV": "/ops/staffing.csv?" + r.URL.Query().Encode(),
		"Q": r.URL.Query(), "Hours": hoursOfDay})
}

var hoursOfDay = func() (h [24]int) {
	for i := range h {
		h[i] = i
	}
	return h
}()

func (s *Server) staffingCSV(w http.ResponseWriter, r *http.Request, u *User) {
	st, err := s.staffingFrom(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if st.Problem != "" {
		http.Error(w, st.Problem, http.StatusConflict)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="staffing.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"hour_start_utc", "weekday", "forecast_calls", "agents", "service_level", "target", "answer_s", "handle_s"})
	for d, day := range st.Days {
		for h, x := range day.Hours {
			at := st.Next.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour)
			cw.Write([]string{at.Format(time.RFC3339), day.Name, strconv.FormatFloat(x.Calls, 'f', 2, 64), strconv.Itoa(x.Agents),
				strconv.FormatFloat(x.Service, 'f', 3, 64), strconv.FormatFloat(st.Target, 'f', 3, 64), strconv.FormatFloat(st.AnswerS, 'f', 0, 64),
				strconv.FormatFloat(st.HandleS, 'f', 1, 64)})
		}
	}
	cw.Flush()
}
