package parley

// Analysis statuses.
const (
	AnalysisOK                  = "ok"
	AnalysisUnsupportedLanguage = "unsupported_language" // transcribed, but NLP only reads English
	AnalysisEmpty               = "empty"                // no speech was recognised
)

// Analysis is what the NLP stage found in a call.
type Analysis struct {
	Status     string          `json:"status"`
	Language   string          `json:"language"`
	Redacted   bool            `json:"redacted"` // PII was replaced by [TYPE] in the transcript and everything derived from it
	Intent     *IntentResult   `json:"intent"`
	Sentiment  *CallSentiment  `json:"sentiment"`
	Threats    []Threat        `json:"threats,omitempty"` // churn and escalation threats the customer made
	KeyPhrases []KeyPhrase     `json:"key_phrases"`
	Entities   []EntityMention `json:"entities"`
	Notes      []string        `json:"notes"`
}

// IntentResult is the call driver with its confidence and the runners-up.
type IntentResult struct {
	Label      string       `json:"label"`
	Confidence float64      `json:"confidence"`
	Top        []LabelScore `json:"top"`
}

// LabelScore is a label with a score.
type LabelScore struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// CallSentiment is sentiment per speaker and per turn. Speakers are absent (null) on mono calls.
type CallSentiment struct {
	Method   string            `json:"method,omitempty"` // "encoder:<model>" (a classifier on sentence embeddings) or "lexicon"
	Customer *SpeakerSentiment `json:"customer"`
	Agent    *SpeakerSentiment `json:"agent"`
	Unknown  *SpeakerSentiment `json:"unknown,omitempty"` // mono calls: everyone together
	Turns    []TurnSentiment   `json:"turns"`
}

// SpeakerSentiment summarises one speaker: the opening and closing of their turns, their lowest turn, the
// word-weighted mean, and End − Start. End is the speaker's state at the end of the call: their last turns
// that carry feeling, not the pleasantries that close most calls.
type SpeakerSentiment struct {
	Start    float64 `json:"start"`
	End      float64 `json:"end"`
	EndLabel string  `json:"end_label,omitempty"` // the most probable class at the end (encoder method)
	Min      float64 `json:"min"`
	Overall  float64 `json:"overall"`
	Change   float64 `json:"change"`
	Label    string  `json:"label"` // of Overall
}

// TurnSentiment is the sentiment of one turn (index into Transcript.Turns).
type TurnSentiment struct {
	Turn    int     `json:"turn"`
	Speaker Role    `json:"speaker"`
	Start   float64 `json:"start"`
	Score   float64 `json:"score"`
	Label   string  `json:"label"`
}

// Threat kinds.
const (
	ThreatChurn      = "churn"      // leaving, cancelling, switching provider
	ThreatEscalation = "escalation" // manager, formal complaint, regulator, lawyer, going public
)

// Threat is a sentence in which the customer threatens to leave or to escalate, with the example it is
// closest to in meaning.
type Threat struct {
	Kind       string  `json:"kind"`
	Turn       int     `json:"turn"`
	Speaker    Role    `json:"speaker"`
	Start      float64 `json:"start"`
	Text       string  `json:"text"`
	Example    string  `json:"example"`
	Similarity float64 `json:"similarity"`
}

// KeyPhrase is a ranked phrase of the call with where it was said.
type KeyPhrase struct {
	Text        string       `json:"text"`
	Score       float64      `json:"score"`
	Count       int          `json:"count"`
	BySpeaker   map[Role]int `json:"by_speaker"`
	Occurrences []Occurrence `json:"occurrences"`
}

// Occurrence is when a phrase or entity was said.
type Occurrence struct {
	Speaker Role    `json:"speaker"`
	Turn    int     `json:"turn"`
	Start   float64 `json:"start"` // seconds, start of the turn
}

// EntityMention is a named thing mentioned in a turn. Under redaction, Text is "[TYPE]".
type EntityMention struct {
	Type    string  `json:"type"`
	Text    string  `json:"text"`
	Speaker Role    `json:"speaker"`
	Turn    int     `json:"turn"`
	Start   float64 `json:"start"`
}
