package parley

import "math"

// Item result statuses.
const (
	ItemPass = "pass"
	ItemFail = "fail"
	ItemNA   = "na"
	// ItemReview is an item parley leaves for a reviewer: it found no sign of it, but the nearest thing
	// to one was recognised too unsurely to call that a fail (scoring's review settings). It counts in
	// the score as an item that does not apply until a reviewer decides it.
	ItemReview = "review"
)

// Score is a call graded against a scorecard.
type Score struct {
	Scorecard  string  `json:"scorecard"`
	Version    int     `json:"version"`
	Score      float64 `json:"score"`  // 0–100 over the items that apply; 0 when auto-failed
	Scored     bool    `json:"scored"` // false when no item applied (no speech): Score means nothing
	Note       string  `json:"note,omitempty"`
	AutoFailed bool    `json:"auto_failed"`
	// Review is how many items are left for a reviewer (status review).
	Review  int          `json:"review,omitempty"`
	Items   []ItemResult `json:"items"`
	Metrics TalkMetrics  `json:"metrics"`
}

// ItemResult is one scorecard item on one call, with the evidence a reviewer checks it by.
type ItemResult struct {
	ID        string  `json:"id"`
	Section   string  `json:"section"`
	Label     string  `json:"label"`
	Kind      string  `json:"kind"`
	Status    string  `json:"status"` // pass, fail, na or review
	Points    float64 `json:"points"`
	MaxPoints float64 `json:"max_points"`
	// Weight is the item's points in the scorecard, whether or not it applied (MaxPoints is 0 for an
	// item that does not apply): what a reviewer's pass is worth.
	Weight float64 `json:"weight,omitempty"`
	// AutoStatus is the automatic result where a reviewer's result (Status) replaced it, and Reviewer
	// who decided; both empty for automatic results.
	AutoStatus string `json:"auto_status,omitempty"`
	Reviewer   string `json:"reviewer,omitempty"`
	AutoFail   bool   `json:"auto_fail"`
	Reason     string `json:"reason"` // in plain words: what was found, or what was not and where
	// Detail is what the scorecard looked for when it was not found: its phrases and patterns, for the
	// scorecard's author.
	Detail   string     `json:"detail,omitempty"`
	Evidence []Evidence `json:"evidence"`
}

// Evidence points at the part of the call that decided an item.
type Evidence struct {
	Turn    int     `json:"turn"` // index into turns; -1 for a stretch between turns
	Speaker Role    `json:"speaker"`
	Start   float64 `json:"start"`
	End     float64 `json:"end"`
	Quote   string  `json:"quote"`
	// For a match by meaning: the scorecard example the quoted sentence was closest to, and how close
	// (cosine similarity of their sentence embeddings).
	Example    string  `json:"example,omitempty"`
	Similarity float64 `json:"similarity,omitempty"`
	// For an item with a classifier: the act it read the quoted sentence as (the item's label) and its
	// confidence in it.
	Classified           string  `json:"classified,omitempty"`
	ClassifierConfidence float64 `json:"classifier_confidence,omitempty"`
	// Heard names the recogniser of the second hearing (Transcript.Again) when the quote is its
	// reading of the agent's speech rather than the call's transcript; Turn is then the transcript's
	// turn at that time (-1 when it has none there).
	Heard string `json:"heard,omitempty"`
}

// Span is a stretch of the call, in seconds.
type Span struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// TalkMetrics describe who talked how much, from the segment timestamps.
type TalkMetrics struct {
	DurationS        float64          `json:"duration_s"`
	TalkS            map[Role]float64 `json:"talk_s"`
	AgentTalkShare   float64          `json:"agent_talk_share"` // agent talk / (agent + customer talk); -1 when unknown
	NonTalkS         float64          `json:"non_talk_s"`
	DeadAir          []Span           `json:"dead_air"`
	Holds            []Span           `json:"holds"`
	HoldS            float64          `json:"hold_s"`
	Interruptions    map[Role]int     `json:"interruptions"` // times the speaker started while the other was talking
	OvertalkS        float64          `json:"overtalk_s"`
	WordsPerMinute   map[Role]float64 `json:"words_per_minute"`
	LongestMonologue map[Role]float64 `json:"longest_monologue_s"`
	RaisedVoice      map[Role]int     `json:"raised_voice"` // segments 6 dB or more above the speaker's median level
}

// NotScoredNote explains a score no item applied to.
const NotScoredNote = "not scored: no item applies to this call (was any speech recognised?)"

// Total adds the items' points up into the call's score: the share of the points of the items that
// apply (0–100, to a tenth), 0 when an auto-fail item failed, not scored when no item applies.
func (s *Score) Total() {
	var got, possible float64
	s.AutoFailed, s.Score, s.Note, s.Review = false, 0, "", 0
	for i := range s.Items {
		r := &s.Items[i]
		w := r.Weight
		if w == 0 { // documents written before items kept their weight: what applied has it as MaxPoints
			w = r.MaxPoints
		}
		r.Points, r.MaxPoints = 0, 0
		switch r.Status {
		case ItemPass:
			r.Points, r.MaxPoints = w, w
			got += w
			possible += w
		case ItemFail:
			r.MaxPoints = w
			possible += w
			s.AutoFailed = s.AutoFailed || r.AutoFail
		case ItemReview:
			s.Review++
		}
	}
	s.Scored = possible > 0
	switch {
	case !s.Scored:
		s.Note = NotScoredNote
	case !s.AutoFailed:
		s.Score = math.Round(got/possible*1000) / 10
	}
}

// ReviewedStatus is a reviewer's result for one item.
type ReviewedStatus struct{ Status, Reviewer string }

// Reviewed is the score with reviewers' results in place of the automatic ones (by item id), each
// replaced item keeping its automatic result in AutoStatus, and the total made again; s itself is not
// changed. Items the score does not have are left out; nil stays nil.
func (s *Score) Reviewed(by map[string]ReviewedStatus) *Score {
	if s == nil {
		return nil
	}
	out := *s
	out.Items = make([]ItemResult, len(s.Items))
	copy(out.Items, s.Items)
	changed := false
	for i := range out.Items {
		r := &out.Items[i]
		rv, ok := by[r.ID]
		if !ok || rv.Status == "" {
			continue
		}
		if r.AutoStatus == "" {
			r.AutoStatus = r.Status
		}
		r.Status, r.Reviewer, changed = rv.Status, rv.Reviewer, true
	}
	if changed {
		out.Total()
	}
	return &out
}
