package team

import (
	"math"
	"sort"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
)

// Embedder embeds sentences (the sentence encoder; nlp.Embedder satisfies it).
type Embedder interface {
	Embed(texts []string) ([][]float32, error)
}

// Candidate is a group of calls whose intent could not be told (unclear, or a taxonomy's other) that
// say the same thing: offered as a new entry for the taxonomy, with its calls' sentences as examples.
type Candidate struct {
	Calls    int       `json:"calls"`
	Examples []Example `json:"examples"` // the sentences closest to the group's centre first
	Phrase   string    `json:"common_phrase,omitempty"`
}

// Example is a call and the sentence it said why it called with.
type Example struct {
	CallID string `json:"call_id"`
	Text   string `json:"text"`
}

// Unassigned are the intents whose calls clusters read.
var Unassigned = []string{parley.IntentUnclear, "other"}

// ClusterSimilarity is how close in meaning (cosine) a call's sentence must be to a group's centre to
// join it; MinCluster the calls a group needs to be offered.
const (
	ClusterSimilarity = 0.6
	MinCluster        = 3
)

// Clusters groups the unassigned calls by the meaning of the sentence their summary gives as the reason
// they called: each joins the closest group whose centre is at least ClusterSimilarity away, or starts
// one; then every call is placed again by the groups' centres. Groups of MinCluster calls or more are
// returned, largest first.
func Clusters(docs []calldoc.CallDoc, enc Embedder) ([]Candidate, error) {
	var ex []Example
	phrases := [][]string{}
	for _, d := range docs {
		a := d.Analysis
		if a == nil || a.Intent == nil || !contains(Unassigned, a.Intent.Label) {
			continue
		}
		for _, l := range a.Summary {
			if l.Kind == parley.SummaryReason && l.Text != "" {
				ex = append(ex, Example{CallID: d.CallID, Text: l.Text})
				var ps []string
				for _, p := range a.KeyPhrases {
					ps = append(ps, p.Text)
				}
				phrases = append(phrases, ps)
				break
			}
		}
	}
	if len(ex) < MinCluster || enc == nil {
		return []Candidate{}, nil
	}
	texts := make([]string, len(ex))
	for i, e := range ex {
		texts[i] = e.Text
	}
	embs, err := enc.Embed(texts)
	if err != nil {
		return nil, err
	}
	// A centre is the sum of its calls' embeddings (cosine does not mind the scale), kept as they join.
	var centres [][]float64
	closest := func(e []float32) int {
		best, sim := -1, ClusterSimilarity
		for c, ctr := range centres {
			if s := cosine(e, ctr); s >= sim {
				best, sim = c, s
			}
		}
		return best
	}
	assign := make([]int, len(embs))
	for i, e := range embs {
		c := closest(e)
		if c < 0 {
			centres, c = append(centres, make([]float64, len(e))), len(centres)
		}
		for j, v := range e {
			centres[c][j] += float64(v)
		}
		assign[i] = c
	}
	for i, e := range embs { // a second pass by the final centres
		assign[i] = closest(e)
	}
	members := map[int][]int{}
	for i, c := range assign {
		if c >= 0 {
			members[c] = append(members[c], i)
		}
	}
	var out []Candidate
	for c, idx := range members {
		if len(idx) < MinCluster {
			continue
		}
		sort.Slice(idx, func(a, b int) bool { return cosine(embs[idx[a]], centres[c]) > cosine(embs[idx[b]], centres[c]) })
		cand := Candidate{Calls: len(idx)}
		count := map[string]int{}
		for k, i := range idx {
			if k < 5 {
				cand.Examples = append(cand.Examples, ex[i])
			}
			for _, p := range phrases[i] {
				count[p]++
			}
		}
		for p, n := range count {
			if n*2 > len(idx) && (cand.Phrase == "" || n > count[cand.Phrase] || n == count[cand.Phrase] && p < cand.Phrase) {
				cand.Phrase = p // a key phrase in more than half of the group
			}
		}
		out = append(out, cand)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Calls != out[j].Calls {
			return out[i].Calls > out[j].Calls
		}
		return out[i].Examples[0].CallID < out[j].Examples[0].CallID
	})
	if out == nil {
		out = []Candidate{}
	}
	return out, nil
}

func cosine(a []float32, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * b[i]
		aa += float64(a[i]) * float64(a[i])
		bb += b[i] * b[i]
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
