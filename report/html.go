package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/parley-cc/parley"
)

//go:embed templates/call.html
var templates embed.FS

var callTemplate = template.Must(template.New("call.html").Funcs(template.FuncMap{
	"clock": func(s float64) string {
		t := int(s)
		return fmt.Sprintf("%d:%02d", t/60, t%60)
	},
	"duration": func(s float64) string {
		t := int(s + 0.5)
		return fmt.Sprintf("%d min %02d s", t/60, t%60)
	},
	"pct":   func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) },
	"label": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"first": func(o []parley.Occurrence) float64 {
		if len(o) == 0 {
			return 0
		}
		return o[0].Start
	},
	"speaker": func(name string, s *parley.SpeakerSentiment) map[string]any {
		return map[string]any{"Name": name, "S": s}
	},
	"turnSentiment": func(d CallDoc, i int) *parley.TurnSentiment {
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

// WriteHTML writes the call report for QA reviewers: call facts, driver, sentiment, key phrases,
// entities and the transcript by turn. Everything from the call is escaped.
func WriteHTML(w io.Writer, doc CallDoc) error {
	return callTemplate.Execute(w, doc)
}
