package eval

import (
	"cmp"
	"maps"
	"math"
	"slices"

	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/internal/stats"
)

// Untagged is the group of the calls that have no value for a grouping's tag.
const Untagged = "(not tagged)"

// callTags is what a call is, by name: the label's tags, then what the call document's metadata says
// where the label is silent (agent, as parley.Metadata.Agent names them; team; queue), and the mix.
func callTags(l *Label, d *calldoc.CallDoc) map[string]string {
	tags := maps.Clone(l.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	set := func(k, v string) {
		if _, ok := tags[k]; !ok && v != "" {
			tags[k] = v
		}
	}
	if d != nil && d.Metadata != nil {
		m := d.Metadata
		set("agent", m.Agent())
		set("team", m.Team)
		set("queue", m.Queue)
	}
	set("mix", l.Mix)
	return tags
}

// groupOf is the value of the tag by that puts the call in its group (Untagged when it has none).
func groupOf(c *CallResult, by string) string { return cmp.Or(c.Tags[by], Untagged) }

// Group is the calls that share one value of a tag, measured together.
type Group struct {
	Value   string  `json:"value"`
	Tune    int     `json:"tune"`    // calls of the tune split
	Heldout int     `json:"heldout"` // calls of the heldout split
	Summary Summary `json:"summary"`
}

// Grouping is a labelled set measured group by group, by one tag (parley eval --by): how parley does
// for each agent, team, accent or kind of line. An agent whose calls parley scores worse than the rest
// is an agent its scores are less fair to.
type Grouping struct {
	By     string  `json:"by"`
	Groups []Group `json:"groups"` // worst item agreement first
	// WithinGap is the held-out calls' item agreement less the tuned calls', compared within each group
	// that has calls of both splits and weighed by its held-out items, with its 95 % interval from
	// drawing the calls again: the part of the held-out gap (Report.Gaps) that the groups' mix in the two
	// splits does not explain. Nil when no group has calls of both splits.
	WithinGap *Gap `json:"heldout_gap_within,omitempty"`
	// Both is how many groups have calls of both splits.
	Both int `json:"both_splits"`
}

// GroupBy measures the report's calls group by group, once for each tag, and keeps the groupings in the
// report.
func (r *Report) GroupBy(tags []string) {
	for _, by := range tags {
		byValue := map[string][]CallResult{}
		for _, c := range r.Calls {
			v := groupOf(&c, by)
			byValue[v] = append(byValue[v], c)
		}
		g := Grouping{By: by}
		for v, calls := range byValue {
			gr := Group{Value: v, Summary: summarise(calls)}
			gr.Summary.Intervals = intervals(calls)
			for _, c := range calls {
				switch c.Split {
				case SplitTune:
					gr.Tune++
				case SplitHeldout:
					gr.Heldout++
				}
			}
			if gr.Tune > 0 && gr.Heldout > 0 {
				g.Both++
			}
			g.Groups = append(g.Groups, gr)
		}
		slices.SortFunc(g.Groups, func(a, b Group) int {
			return cmp.Or(cmp.Compare(a.Summary.ItemAgreement.Rate(), b.Summary.ItemAgreement.Rate()), cmp.Compare(a.Value, b.Value))
		})
		g.WithinGap = withinGap(r.Calls, by)
		r.Groupings = append(r.Groupings, g)
	}
}

// withinGap is Grouping.WithinGap of the calls grouped by the tag by.
func withinGap(calls []CallResult, by string) *Gap {
	gap := func(idx []int) float64 {
		type split struct{ tune, held Count }
		groups := map[string]*split{}
		for _, i := range idx {
			c := &calls[i]
			v := groupOf(c, by)
			if groups[v] == nil {
				groups[v] = &split{}
			}
			n := &groups[v].tune
			switch c.Split {
			case SplitHeldout:
				n = &groups[v].held
			case SplitTune:
			default:
				continue
			}
			for _, ch := range c.Items {
				n.add(ch.Agree())
			}
		}
		var sum, weight float64
		for _, s := range groups {
			if s.tune.Total == 0 || s.held.Total == 0 {
				continue
			}
			w := float64(s.held.Total)
			sum += w * (s.held.Rate() - s.tune.Rate())
			weight += w
		}
		if weight == 0 {
			return math.NaN()
		}
		return sum / weight
	}
	value := gap(stats.All(len(calls)))
	if math.IsNaN(value) {
		return nil
	}
	iv := stats.Intervals(len(calls), 1, func(idx []int, out []float64) { out[0] = gap(idx) })
	if math.IsNaN(iv[0][0]) {
		return nil
	}
	return &Gap{Value: value, Interval: iv[0]}
}
