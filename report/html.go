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
	"words":     func(d calldoc.CallDoc, i int) []calldoc.WordDoc { _, w := ShownTurn(d, i); return w },
	"anyUnsure": func(d calldoc.CallDoc) bool { share, _ := d.HeardUnsurely(); return share > 0 },
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

// Timeline draws the call as an SVG: one row per speaker with their speech (overlapping speech marked
// under it), holds and dead air below, and marks for the customer's negative turns and the scorecard's
// evidence; every mark carries its moment (data-seek) so the review app plays from it, and a legend
// names what the call shows. What comes from the document is escaped.
func Timeline(d calldoc.CallDoc) template.HTML {
	dur := d.DurationS
	for _, s := range d.Segments {
		dur = math.Max(dur, s.End)
	}
	if dur <= 0 {
		return ""
	}
	x := func(t float64) float64 { return 1000 * t / dur }
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="timeline" viewBox="0 0 1000 84" preserveAspectRatio="none" role="img" aria-label="talk timeline: speech by speaker, holds, dead air, negative customer turns and scorecard evidence; click to play from there">`)
	rows := map[parley.Role]float64{parley.RoleAgent: 8, parley.RoleCustomer: 28, parley.RoleUnknown: 18}
	colors := map[parley.Role]string{parley.RoleAgent: "#1f5fa8", parley.RoleCustomer: "#8a3b12", parley.RoleUnknown: "#555"}
	shown := map[string]bool{}
	for _, s := range d.Segments {
		color, ok := colors[s.Speaker]
		if !ok {
			color = colors[parley.RoleUnknown]
		}
		shown[string(s.Speaker)] = true
		fmt.Fprintf(&b, `<rect class="mark" data-seek="%.2f" x="%.1f" y="%.0f" width="%.1f" height="14" fill="%s"><title>%s %s–%s</title></rect>`,
			s.Start, x(s.Start), rows[s.Speaker], math.Max(1, x(s.End)-x(s.Start)), color, esc(string(s.Speaker)), calldoc.Clock(s.Start), calldoc.Clock(s.End))
	}
	for _, t := range d.Turns {
		if t.Overlap {
			shown["overtalk"] = true
			fmt.Fprintf(&b, `<rect class="mark" data-seek="%.2f" x="%.1f" y="44" width="%.1f" height="4" fill="#7b3fa0"><title>overlapping speech %s</title></rect>`,
				t.Start, x(t.Start), math.Max(1, x(t.End)-x(t.Start)), calldoc.Clock(t.Start))
		}
	}
	if d.Score != nil {
		for _, h := range d.Score.Metrics.Holds {
			shown["hold"] = true
			fmt.Fprintf(&b, `<rect class="mark" data-seek="%.2f" x="%.1f" y="50" width="%.1f" height="10" fill="#d9a400"><title>hold %s–%s</title></rect>`, h.Start, x(h.Start), math.Max(1, x(h.End)-x(h.Start)), calldoc.Clock(h.Start), calldoc.Clock(h.End))
		}
		for _, h := range d.Score.Metrics.DeadAir {
			shown["dead air"] = true
			fmt.Fprintf(&b, `<rect class="mark" data-seek="%.2f" x="%.1f" y="50" width="%.1f" height="10" fill="#b3261e"><title>dead air %s–%s</title></rect>`, h.Start, x(h.Start), math.Max(1, x(h.End)-x(h.Start)), calldoc.Clock(h.Start), calldoc.Clock(h.End))
		}
		for _, it := range d.Score.Items {
			color := "#1b7a3a"
			if it.Status == parley.ItemFail {
				color = "#b3261e"
			}
			for _, ev := range it.Evidence {
				shown["evidence "+it.Status] = true
				fmt.Fprintf(&b, `<path class="mark" data-seek="%.2f" d="M%.1f 64 l5 8 l-10 0 z" fill="%s"><title>%s (%s) %s</title></path>`,
					ev.Start, x(ev.Start), color, esc(it.Label), esc(it.Status), calldoc.Clock(ev.Start))
			}
		}
	}
	if a := d.Analysis; a != nil && a.Sentiment != nil {
		for _, t := range a.Sentiment.Turns {
			if t.Speaker == parley.RoleCustomer && t.Label == "negative" {
				shown["negative"] = true
				fmt.Fprintf(&b, `<circle class="mark" data-seek="%.2f" cx="%.1f" cy="79" r="4" fill="#b3261e"><title>customer negative (%+.2f) %s</title></circle>`,
					t.Start, x(t.Start), t.Score, calldoc.Clock(t.Start))
			}
		}
	}
	b.WriteString(`</svg><div class="legend">`)
	// The swatches' colours are in the stylesheets (lg-*): the review app allows no inline style.
	for _, l := range []struct{ key, class, name string }{
		{"agent", "agent", "agent"}, {"customer", "customer", "customer"}, {"unknown", "unknown", "speaker unknown"},
		{"overtalk", "overtalk", "overlapping speech"}, {"hold", "hold", "hold"}, {"dead air", "deadair", "dead air"},
		{"evidence pass", "pass", "▲ item evidence"}, {"evidence fail", "fail", "▲ failed item evidence"}, {"negative", "negative", "● customer negative"},
	} {
		if shown[l.key] {
			fmt.Fprintf(&b, `<span><i class="lg-%s"></i>%s</span>`, l.class, l.name)
		}
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String()) // numbers, fixed strings, and the document's text escaped
}

// WriteHTML writes the call report for QA reviewers: call facts, driver, sentiment, key phrases,
// entities and the transcript by turn. Everything from the call is escaped.
func WriteHTML(w io.Writer, doc calldoc.CallDoc) error {
	return callTemplate.Execute(w, doc)
}

// ShownTurn is turn i of d as a page shows it: its text without the leading punctuation a recogniser
// leaves, and its words (calldoc.TurnWords, the same punctuation gone) to mark those heard unsurely, or
// nil when they are not known.
func ShownTurn(d calldoc.CallDoc, i int) (string, []calldoc.WordDoc) {
	words := d.TurnWords(i)
	if len(words) > 0 {
		words[0].Text = transcribe.TrimLeadingPunctuation(words[0].Text)
		if words[0].Text == "" {
			words = words[1:]
		}
	}
	return transcribe.TrimLeadingPunctuation(d.Turns[i].Text), words
}
