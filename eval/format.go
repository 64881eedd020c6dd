package eval

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/parley-cc/parley/internal/stats"
)

// pct formats a rate as a percentage, "–" when nothing was measured.
func pct(v float64) string {
	if v < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}

func num(v float64) string {
	if v < 0 {
		return "–"
	}
	return fmt.Sprintf("%.3f", v)
}

func frac(c Count) string {
	if c.Total == 0 {
		return "–"
	}
	return fmt.Sprintf("%s (%d/%d)", pct(c.Rate()), c.Right, c.Total)
}

// within appends a measure's 95 % interval, "" when it has none: as a percentage for a rate, or as a
// number (the word error rate).
func within(s Summary, measure string, percent bool) string {
	iv, ok := s.Intervals[measure]
	if !ok {
		return ""
	}
	if percent {
		return fmt.Sprintf(" [%.1f–%.1f]", 100*iv[0], 100*iv[1])
	}
	return fmt.Sprintf(" [%.3f–%.3f]", iv[0], iv[1])
}

// gapLines describes the held-out calls' gaps to the tuned ones, in Measures' order.
func (r *Report) gapLines() []string {
	var out []string
	for _, m := range Measures {
		g, ok := r.Gaps[m.Name]
		if !ok {
			continue
		}
		if m.Name == "wer" {
			out = append(out, fmt.Sprintf("%s %+.3f [%+.3f, %+.3f]", m.Label, g.Value, g.Interval[0], g.Interval[1]))
			continue
		}
		out = append(out, fmt.Sprintf("%s %+.1f points [%+.1f, %+.1f]", m.Label, 100*g.Value, 100*g.Interval[0], 100*g.Interval[1]))
	}
	return out
}

// Splits lists the report's splits in display order.
func (r *Report) Splits() []string {
	var out []string
	for _, s := range []string{"all", SplitTune, SplitHeldout} {
		if _, ok := r.Summary[s]; ok {
			out = append(out, s)
		}
	}
	return out
}

// itemSplits lists the splits (tune, held out) whose agreement the item table shows beside all calls'
// figures: an item far below in the held-out calls is one the tuning fitted to the tuned ones. When the
// calls were scored from their reference transcripts too, the last column is the agreement there.
func (r *Report) itemSplits() (splits, heads []string) {
	for _, s := range r.Splits() {
		if s != "all" {
			splits, heads = append(splits, s), append(heads, "agreement, "+strings.ReplaceAll(s, "heldout", "held out"))
		}
	}
	if r.referenced() {
		heads = append(heads, "agreement, reference transcript")
	}
	return splits, heads
}

// itemAgreement is the item's agreement in each of splits ("–" where no call of the split judged it),
// and from the reference transcripts when the calls were scored so too.
func (r *Report) itemAgreement(id string, splits []string) []string {
	out := make([]string, len(splits))
	for i, sp := range splits {
		out[i] = "–"
		if st, ok := r.Summary[sp].Items[id]; ok && st.Agree.Total > 0 {
			out[i] = frac(st.Agree)
		}
	}
	if r.referenced() {
		out = append(out, frac(r.Summary["all"].Items[id].RefAgree))
	}
	return out
}

// ItemIDs lists the scorecard items judged in the set, sorted.
func (r *Report) ItemIDs() []string {
	var ids []string
	for id := range r.Summary["all"].Items {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// row is one line of the summary table: a measure and its value per split.
type row struct {
	Name   string
	Values []string
}

func (r *Report) rows() []row {
	splits := r.Splits()
	mk := func(name string, f func(s Summary) string) row {
		rw := row{Name: name}
		for _, sp := range splits {
			rw.Values = append(rw.Values, f(r.Summary[sp]))
		}
		return rw
	}
	rows := []row{
		mk("calls", func(s Summary) string { return fmt.Sprintf("%d (%d not measured)", s.Calls, s.Errors) }),
		mk("WER all", func(s Summary) string { return num(s.WER["all"].WER()) + within(s, "wer", false) }),
		mk("WER agent", func(s Summary) string { return num(s.WER["agent"].WER()) }),
		mk("WER customer", func(s Summary) string { return num(s.WER["customer"].WER()) }),
		mk("words on the wrong side", func(s Summary) string { return pct(s.Misplaced.WER()) }),
		// Whether the words the call page underlines are the ones to distrust.
		mk("words heard unsurely: wrong", func(s Summary) string {
			if s.UnsureWords.Words+s.SureWords.Words == 0 {
				return "–"
			}
			return fmt.Sprintf("%s of %d (the others %s of %d)", pct(s.UnsureWords.WER()), s.UnsureWords.Words, pct(s.SureWords.WER()), s.SureWords.Words)
		}),
		mk("intent", func(s Summary) string { return frac(s.Intent) + within(s, "intent", true) }),
		mk("intent unclear / wrong", func(s Summary) string {
			return fmt.Sprintf("%d / %d", s.IntentUnclear, s.Intent.Total-s.Intent.Right-s.IntentUnclear)
		}),
		mk("threats", func(s Summary) string { return frac(s.Threats) + within(s, "threats", true) }),
	}
	for _, k := range []string{"customer_start", "customer_end", "agent_start", "agent_end"} {
		rows = append(rows, mk("sentiment "+strings.ReplaceAll(k, "_", " "), func(s Summary) string {
			return frac(s.Sentiment[k]) + within(s, k, true)
		}))
	}
	rows = append(rows,
		mk("scorecard item agreement", itemsAgreed),
		mk("items for review / wrong", itemsReviewWrong),
		// What a QA team can act on without listening: the results parley decided, and how many are right.
		mk("items decided: right", func(s Summary) string {
			return frac(Count{Right: s.ItemAgreement.Right, Total: s.ItemAgreement.Total - s.ItemReview})
		}),
		// Whether the passes are for what the reviewer heard: the evidence covers the labelled moment.
		mk("item passes on the labelled moment", func(s Summary) string { return frac(s.ItemOnMoment) }),
		mk("holds found", func(s Summary) string {
			return fmt.Sprintf("%d/%d, %d extra", s.Holds.Found, s.Holds.Labelled, s.Holds.Extra)
		}),
		mk("interruptions counted right", func(s Summary) string { return frac(s.Interruptions) }),
		mk("PII found", func(s Summary) string { return frac(s.PII) + within(s, "pii", true) }),
		mk("summary quotes the recap", func(s Summary) string { return frac(s.SummaryRecap) }))
	// Where the item results not agreed were lost — in the hearing (the reference transcript gets them
	// right) or in the judgement (wrong there too) —, when the calls were scored from their reference
	// transcripts as well.
	if r.referenced() {
		rows = append(rows,
			mk("intent, reference transcript", func(s Summary) string { return frac(s.RefChecks["intent"]) }),
			mk("sentiment customer end, reference transcript", func(s Summary) string { return frac(s.RefChecks["customer_end"]) }),
			mk("scorecard item agreement, reference transcript", func(s Summary) string { return frac(s.RefItems) }),
			mk("items not agreed: lost in hearing / judgement", missedIn))
	}
	// What the second hearing of the agent (second_hearing) changed: the item passes it gave, and how
	// many are right; only when some call was heard twice.
	if r.Summary["all"].ItemHeardAgain.Total > 0 {
		rows = append(rows, mk("items passed on the second hearing: right", func(s Summary) string { return frac(s.ItemHeardAgain) }))
	}
	return rows
}

// itemsAgreed is a summary's item agreement with its interval.
func itemsAgreed(s Summary) string {
	return frac(s.ItemAgreement) + within(s, "item_agreement", true)
}

// itemsReviewWrong is how many item results parley left for a reviewer, and how many it decided wrong.
func itemsReviewWrong(s Summary) string {
	return fmt.Sprintf("%d / %d", s.ItemReview, s.ItemAgreement.Total-s.ItemAgreement.Right-s.ItemReview)
}

// groupHead is the header of a grouping's table; with the calls scored from their reference
// transcripts too, a last column says where each group's items not agreed were lost — an agent whose
// misses are in the hearing is one the recogniser hears worse, not one who said less.
func (r *Report) groupHead() []string {
	head := []string{"calls (tune / held out)", "WER agent", "WER all", "items", "items for review / wrong", "customer's closing sentiment"}
	if r.referenced() {
		head = append(head, "not agreed: lost in hearing / judgement")
	}
	return head
}

// referenced reports whether the calls were scored from their reference transcripts too.
func (r *Report) referenced() bool { return r.Summary["all"].RefItems.Total > 0 }

// groupRows are a grouping's table rows, one per group: its value first, then groupHead's columns.
func (r *Report) groupRows(g Grouping) [][]string {
	var out [][]string
	for _, gr := range g.Groups {
		s := gr.Summary
		row := []string{gr.Value,
			fmt.Sprintf("%d (%d / %d)", s.Calls, gr.Tune, gr.Heldout),
			num(s.WER["agent"].WER()), num(s.WER["all"].WER()),
			itemsAgreed(s), itemsReviewWrong(s),
			frac(s.Sentiment["customer_end"])}
		if r.referenced() {
			row = append(row, missedIn(s))
		}
		out = append(out, row)
	}
	return out
}

// missedIn is where a summary's item results not agreed were lost: in the hearing / in the judgement.
func missedIn(s Summary) string { return fmt.Sprintf("%d / %d", s.MissHeard, s.MissJudged) }

// withinLine describes a grouping's held-out gap within its groups ("" when it has none or one group).
func withinLine(g Grouping) string {
	if g.WithinGap == nil || len(g.Groups) < 2 { // one group: the splits' own gap, printed above
		return ""
	}
	w := g.WithinGap
	return fmt.Sprintf("held out − tune within each %s: items %+.1f points [%+.1f, %+.1f] (%d of %d groups have calls of both splits)",
		g.By, 100*w.Value, 100*w.Interval[0], 100*w.Interval[1], g.Both, len(g.Groups))
}

// WriteText prints the summary per split, each scorecard item, and the worst calls.
func (r *Report) WriteText(w io.Writer, worst int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "measure\t%s\n", strings.Join(r.Splits(), "\t"))
	for _, rw := range r.rows() {
		fmt.Fprintf(tw, "%s\t%s\n", rw.Name, strings.Join(rw.Values, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "[a–b]: 95 %% interval, the calls drawn again %d times: a gap inside it may be chance\n", stats.Resamples)
	if lines := r.gapLines(); len(lines) > 0 {
		fmt.Fprintf(w, "held out − tune: %s\n", strings.Join(lines, "; "))
	}
	fmt.Fprintln(w)
	splits, heads := r.itemSplits()
	fmt.Fprintln(tw, strings.Join(append([]string{"item (all calls)\tagreement\tpass precision\tpass recall\tfail precision\tfail recall\tfor review\tpasses on the moment"}, heads...), "\t"))
	for _, id := range r.ItemIDs() {
		s := r.Summary["all"].Items[id]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s", id, frac(s.Agree), pct(s.PassPrecision()), pct(s.PassRecall()), pct(s.FailPrecision()), pct(s.FailRecall()), s.Review, frac(s.OnMoment))
		for _, a := range r.itemAgreement(id, splits) {
			fmt.Fprintf(tw, "\t%s", a)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, g := range r.Groupings {
		fmt.Fprintln(w)
		fmt.Fprintln(tw, strings.Join(append([]string{"by " + g.By}, r.groupHead()...), "\t"))
		for _, rw := range r.groupRows(g) {
			fmt.Fprintln(tw, strings.Join(rw, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if l := withinLine(g); l != "" {
			fmt.Fprintln(w, l)
		}
	}
	if r.HeldoutHidden {
		fmt.Fprintln(w, "\nheld-out calls: counted above, their misses not shown")
	}
	if worst > 0 {
		fmt.Fprintln(w, "\nworst calls:")
		for _, c := range r.Worst(worst) {
			if c.Error == "" && c.Wrong == 0 {
				break
			}
			fmt.Fprintf(w, "  %s (WER %s): %s\n", c.ID, num(c.WER["all"].WER()), strings.Join(c.Problems(), "; "))
		}
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped: %s\n", s)
	}
	for _, s := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", s)
	}
	return nil
}

var htmlPage = template.Must(template.New("eval").Funcs(template.FuncMap{"pct": pct, "num": num, "frac": frac}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>parley eval</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}th{background:#f3f3f3}.bad{color:#b00020}</style></head>
<body><h1>parley measured against reviewer labels</h1>
<table><tr><th>measure</th>{{range .Splits}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td>{{.Name}}</td>{{range .Values}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
<p>[a–b]: 95 % interval, the calls drawn again {{.Resamples}} times: a gap inside it may be chance.</p>
{{with .Gaps}}<p>held out − tune: {{range $i, $g := .}}{{if $i}}; {{end}}{{$g}}{{end}}</p>{{end}}
<h2>Scorecard items (all calls)</h2>
<table><tr><th>item</th><th>agreement</th><th>pass precision</th><th>pass recall</th><th>fail precision</th><th>fail recall</th><th>for review</th><th>passes on the moment</th>{{range .ItemHeads}}<th>{{.}}</th>{{end}}</tr>
{{range .Items}}<tr><td>{{.ID}}</td><td>{{frac .S.Agree}}</td><td>{{pct .S.PassPrecision}}</td><td>{{pct .S.PassRecall}}</td><td>{{pct .S.FailPrecision}}</td><td>{{pct .S.FailRecall}}</td><td>{{.S.Review}}</td><td>{{frac .S.OnMoment}}</td>{{range .Splits}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
{{range .Groupings}}<h2>By {{.By}}</h2>
<table><tr><th>{{.By}}</th>{{range $.GroupHead}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
{{with .Within}}<p>{{.}}</p>{{end}}{{end}}
<h2>Calls, worst first</h2>
{{if .Hidden}}<p>held-out calls: counted above, their misses not shown</p>{{end}}
<table><tr><th>call</th><th>split</th><th>mix</th><th>WER</th><th>wrong</th><th>what parley got wrong</th></tr>
{{range .Calls}}<tr><td>{{.C.ID}}</td><td>{{.C.Split}}</td><td>{{.C.Mix}}</td><td>{{num (index .C.WER "all").WER}}</td><td>{{.C.Wrong}}</td><td class="bad">{{range .Problems}}{{.}}<br>{{end}}</td></tr>{{end}}</table>
{{range .Skipped}}<p class="bad">skipped: {{.}}</p>{{end}}
{{range .Notes}}<p>note: {{.}}</p>{{end}}
</body></html>
`))

// WriteHTML writes the report as one self-contained HTML page.
func (r *Report) WriteHTML(w io.Writer) error {
	type item struct {
		ID     string
		S      ItemStats
		Splits []string // agreement in the tune and held-out calls
	}
	type call struct {
		C        CallResult
		Problems []string
	}
	type grouping struct {
		By     string
		Rows   [][]string
		Within string
	}
	data := struct {
		Resamples int
		Hidden    bool
		Gaps      []string
		Splits    []string
		Rows      []row
		Items     []item
		ItemHeads []string
		Calls     []call
		GroupHead []string
		Groupings []grouping
		Skipped   []string
		Notes     []string
	}{Resamples: stats.Resamples, Hidden: r.HeldoutHidden, Gaps: r.gapLines(), Splits: r.Splits(), Rows: r.rows(), GroupHead: r.groupHead(), Skipped: r.Skipped, Notes: r.Notes}
	for _, g := range r.Groupings {
		data.Groupings = append(data.Groupings, grouping{g.By, r.groupRows(g), withinLine(g)})
	}
	splits, heads := r.itemSplits()
	data.ItemHeads = heads
	for _, id := range r.ItemIDs() {
		data.Items = append(data.Items, item{id, r.Summary["all"].Items[id], r.itemAgreement(id, splits)})
	}
	for _, c := range r.Worst(len(r.Calls)) {
		data.Calls = append(data.Calls, call{c, c.Problems()})
	}
	return htmlPage.Execute(w, data)
}
