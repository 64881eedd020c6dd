package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/index"
)

//go:embed templates
var templateFS embed.FS

var funcs = template.FuncMap{
	"clock":   calldoc.Clock,
	"label":   func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"pct":     func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) },
	"score":   func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"signed":  func(v float64) string { return fmt.Sprintf("%+.2f", v) },
	"secs":    func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"snippet": Snippet,
	"day": func(t *time.Time) string {
		if t == nil {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04")
	},
	"when":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
	"join":  strings.Join,
	"split": strings.Fields,
	"has":   contains,
	"add":   func(a, b int) int { return a + b },
	"sub":   func(a, b int) int { return a - b },
	"ratio": func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	},
	"fmtMin": func(v float64) string { return fmt.Sprintf("%d:%02d", int(v)/60, int(v)%60) },
	"perMin": func(v float64) string {
		if v < 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f", v)
	},
	"sortMark": func(col, cur string, desc bool) string { // the sorted column's direction
		switch {
		case col != cur:
			return ""
		case desc:
			return " ▼"
		}
		return " ▲"
	},
	"alertWhy": alertWhy,
	"mul":      func(a, b float64) float64 { return a * b },
	"band":     scoreBand,
	"sortLink": func(q map[string][]string, col, cur string, desc bool) string {
		dir := "desc"
		if col == cur && desc {
			dir = "asc"
		}
		v := url.Values{}
		for k, x := range q {
			if k != "page" && len(x) > 0 && x[0] != "" {
				v[k] = x
			}
		}
		v.Set("sort", col)
		v.Set("dir", dir)
		return "?" + v.Encode()
	},
	"override": func(m map[string]index.Override, item string) *index.Override {
		if o, ok := m[item]; ok {
			return &o
		}
		return nil
	},
}

var pages = map[string]*template.Template{}

func init() {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := n[len("templates/"):]
		if base == "layout.html" {
			continue
		}
		pages[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
}

func mustSub(f embed.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// render writes a page into a buffer first, so that a template error never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, u *User, name string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["User"] = u
	data["Path"] = r.URL.Path
	if u != nil {
		data["CSRF"] = u.CSRF
		data["Library"] = contains(library, u.Role)
		data["Reviewer"] = contains(reviewer, u.Role)
		data["OpsRole"] = contains(opsRoles, u.Role)
		data["IsAdmin"] = u.Role == RoleAdmin
	}
	var buf bytes.Buffer
	if err := pages[name].Execute(&buf, data); err != nil {
		s.fail(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// sentimentChart draws each speaker's turn sentiment over the call as an SVG; every point is a link
// that seeks the player to its turn. Only numbers go into the markup.
func sentimentChart(d calldoc.CallDoc) template.HTML {
	if d.Analysis == nil || d.Analysis.Sentiment == nil || len(d.Analysis.Sentiment.Turns) == 0 {
		return ""
	}
	dur := d.DurationS
	for _, t := range d.Turns {
		dur = math.Max(dur, t.End)
	}
	if dur <= 0 {
		return ""
	}
	// Drawn to scale (round dots, upright text): the score from -1 to +1 up the left, the call's time
	// along the bottom.
	const w, h, left, bottom, top = 1000.0, 230.0, 150.0, 30.0, 20.0
	x := func(t float64) float64 { return left + (w-left-10)*t/dur }
	y := func(v float64) float64 { return top + (h-top-bottom)*(1-v)/2 }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="sentiment" viewBox="0 0 %.0f %.0f" role="img" aria-label="sentiment of each turn over the call, from -1 (negative) to +1 (positive); click a point to play from it">`, w, h)
	for _, tick := range []struct {
		v    float64
		name string
	}{{1, "+1 positive"}, {0, "0 neutral"}, {-1, "−1 negative"}} {
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" class="axis"/><text x="%.0f" y="%.1f" class="tick" text-anchor="end">%s</text>`,
			left, y(tick.v), w-10, y(tick.v), left-6, y(tick.v)+5, tick.name)
	}
	for _, f := range []struct {
		at     float64
		anchor string
	}{{0, "start"}, {0.5, "middle"}, {1, "end"}} {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" class="tick" text-anchor="%s">%s</text>`, x(f.at*dur), h-6, f.anchor, calldoc.Clock(f.at*dur))
	}
	for _, who := range []string{"agent", "customer", "unknown"} {
		var pts []string
		for _, t := range d.Analysis.Sentiment.Turns {
			if string(t.Speaker) == who {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(t.Start), y(t.Score)))
			}
		}
		if len(pts) > 1 {
			fmt.Fprintf(&b, `<polyline class="line %s" points="%s"/>`, who, strings.Join(pts, " "))
		}
	}
	speakers := map[string]bool{}
	for _, t := range d.Analysis.Sentiment.Turns {
		speakers[string(t.Speaker)] = true
		fmt.Fprintf(&b, `<circle class="pt %s" cx="%.1f" cy="%.1f" r="6" data-seek="%.3f"><title>%s %s %+.2f</title></circle>`,
			template.HTMLEscapeString(string(t.Speaker)), x(t.Start), y(t.Score), t.Start, template.HTMLEscapeString(string(t.Speaker)), calldoc.Clock(t.Start), t.Score)
	}
	b.WriteString(`</svg><div class="legend">`)
	for _, who := range []string{"agent", "customer", "unknown"} {
		if speakers[who] {
			fmt.Fprintf(&b, `<span><i class="lg-%s"></i>%s</span>`, who, who)
		}
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String())
}

// trendChart draws weekly average scores as an SVG line with the weeks labelled.
func trendChart(weeks []index.WeekScore) template.HTML {
	if len(weeks) == 0 {
		return ""
	}
	const w, h, pad = 800.0, 160.0, 24.0
	step := 0.0
	if len(weeks) > 1 {
		step = (w - 2*pad) / float64(len(weeks)-1)
	}
	y := func(v float64) float64 { return h - pad - v/100*(h-2*pad) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="trend" viewBox="0 0 %.0f %.0f" role="img" aria-label="weekly average score">`, w, h)
	for _, g := range []float64{0, 50, 100} {
		fmt.Fprintf(&b, `<line class="grid" x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f"/><text class="tick" x="2" y="%.1f">%.0f</text>`, pad, w-pad, y(g), y(g), y(g)+4, g)
	}
	var pts []string
	for i, wk := range weeks {
		px := pad + float64(i)*step
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", px, y(wk.Score)))
		fmt.Fprintf(&b, `<circle class="pt" cx="%.1f" cy="%.1f" r="4"><title>%s: %.1f over %d calls</title></circle>`, px, y(wk.Score), template.HTMLEscapeString(wk.Week), wk.Score, wk.Calls)
		fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%.0f" text-anchor="middle">%s</text>`, px, h-4, template.HTMLEscapeString(wk.Week))
	}
	if len(pts) > 1 {
		fmt.Fprintf(&b, `<polyline class="line" points="%s"/>`, strings.Join(pts, " "))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// alertWhy says what fired a call's alert, for the chip's tooltip.
func alertWhy(rule string, c index.Call) string {
	switch rule {
	case "auto_fail":
		return "an auto-fail item of the scorecard failed"
	case "intent":
		return "the call's intent, " + strings.ReplaceAll(c.Intent, "_", " ") + ", is one that alerts"
	case "negative_end":
		return fmt.Sprintf("the customer ended strongly negative (%+.2f)", c.Sentiment)
	case "churn_threat":
		return "the customer said they would leave"
	case "escalation_threat":
		return "the customer threatened to escalate (a manager, the ombudsman, a lawyer, social media)"
	}
	return strings.ReplaceAll(rule, "_", " ")
}

// scoreBand names a score's band for its colour: under 60 low, under 80 middling, else high.
func scoreBand(v float64) string {
	switch {
	case v < 60:
		return "band-low"
	case v < 80:
		return "band-mid"
	}
	return "band-high"
}
