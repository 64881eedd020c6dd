package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/transcribe"
)

//go:embed templates/call.html
var templates embed.FS

var callTemplate = template.Must(template.New("call.html").Funcs(template.FuncMap{
	"clock": calldoc.Clock,
	"text":  transcribe.TrimLeadingPunctuation,
	"duration": func(s float64) string {
		t := int(s + 0.5)
		return fmt.Sprintf("%d min %02d s", t/60, t%60)
	},
	"pct": func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) },
	"pct0": func(v float64) string {
		if v < 0 {
			return "–"
		}
		return fmt.Sprintf("%.0f%%", v*100)
	},
	"timeline": Timeline,
	"label":    func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"first": func(o []parley.Occurrence) float64 {
		if len(o) == 0 {
			return 0
		}
		return o[0].Start
	},
	"speaker": func(name string, s *parley.SpeakerSentiment) map[string]any {
		return map[string]any{"Name": name, "S": s}
	},
	"turnSentiment": func(d calldoc.CallDoc, i int) *parley.TurnSentiment {
		if d.Analysis == nil || d.Analysis.Sentiment == nil {
			return nil
		}
		for k := range d.Analysis.Sentiment.Turns {
			if d.Analysis.Sentiment.Turns[k].Turn == i {
				return &d.Analysis.Sentiment.Turns[k]
			}
		}
		return nil
	},
}).ParseFS(templates, "templates/call.html"))

// Timeline draws the call as an SVG: one row per speaker with their speech, holds and dead air below.
func Timeline(d calldoc.CallDoc) template.HTML {
	dur := d.DurationS
	for _, s := range d.Segments {
		dur = math.Max(dur, s.End)
	}
	if dur <= 0 {
		return ""
	}
	x := func(t float64) float64 { return 1000 * t / dur }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="timeline" viewBox="0 0 1000 70" preserveAspectRatio="none" role="img" aria-label="talk timeline">`)
	rows := map[parley.Role]float64{parley.RoleAgent: 8, parley.RoleCustomer: 28, parley.RoleUnknown: 18}
	colors := map[parley.Role]string{parley.RoleAgent: "#1f5fa8", parley.RoleCustomer: "#8a3b12", parley.RoleUnknown: "#555"}
	for _, s := range d.Segments {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.0f" width="%.1f" height="14" fill="%s"><title>%s %s–%s</title></rect>`,
			x(s.Start), rows[s.Speaker], math.Max(1, x(s.End)-x(s.Start)), colors[s.Speaker], s.Speaker, calldoc.Clock(s.Start), calldoc.Clock(s.End))
	}
	if d.Score != nil {
		for _, h := range d.Score.Metrics.Holds {
			fmt.Fprintf(&b, `<rect x="%.1f" y="50" width="%.1f" height="10" fill="#d9a400"><title>hold %s–%s</title></rect>`, x(h.Start), math.Max(1, x(h.End)-x(h.Start)), calldoc.Clock(h.Start), calldoc.Clock(h.End))
		}
		for _, h := range d.Score.Metrics.DeadAir {
			fmt.Fprintf(&b, `<rect x="%.1f" y="50" width="%.1f" height="10" fill="#b3261e"><title>dead air %s–%s</title></rect>`, x(h.Start), math.Max(1, x(h.End)-x(h.Start)), calldoc.Clock(h.Start), calldoc.Clock(h.End))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // numbers and fixed strings only
}

// WriteHTML writes the call report for QA reviewers: call facts, driver, sentiment, key phrases,
// entities and the transcript by turn. Everything from the call is escaped.
func WriteHTML(w io.Writer, doc calldoc.CallDoc) error {
	return callTemplate.Execute(w, doc)
}
