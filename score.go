package parley

// Item result statuses.
const (
	ItemPass = "pass"
	ItemFail = "fail"
	ItemNA   = "na"
)

// Score is a call graded against a scorecard.
type Score struct {
	Scorecard  string       `json:"scorecard"`
	Version    int          `json:"version"`
	Score      float64      `json:"score"`  // 0–100 over the items that apply; 0 when auto-failed
	Scored     bool         `json:"scored"` // false when no item applied (no speech): Score means nothing
	Note       string       `json:"note,omitempty"`
	AutoFailed bool         `json:"auto_failed"`
	Items      []ItemResult `json:"items"`
	Metrics    TalkMetrics  `json:"metrics"`
}

// ItemResult is one scorecard item on one call, with the evidence a reviewer checks it by.
type ItemResult struct {
	ID        string  `json:"id"`
	Section   string  `json:"section"`
	Label     string  `json:"label"`
	Kind      string  `json:"kind"`
	Status    string  `json:"status"` // pass, fail or na
	Points    float64 `json:"points"`
	MaxPoints float64 `json:"max_points"`
	AutoFail  bool    `json:"auto_fail"`
	Reason    string  `json:"reason"` // in plain words: what was found, or what was not and where
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
