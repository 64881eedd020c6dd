package parley

import (
	"fmt"
	"strings"
)

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
	Summary    []SummaryLine   `json:"summary,omitempty"` // the call in three to five lines, each at its turn
	KeyPhrases []KeyPhrase     `json:"key_phrases"`
	Entities   []EntityMention `json:"entities"`
	Notes      []string        `json:"notes"`
}

// IntentUnclear is the label of a call whose intent cannot be told (the runners-up stay in Top).
const IntentUnclear = "unclear"

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

// Sentiment labels.
const (
	SentimentNegative = "negative"
	SentimentNeutral  = "neutral"
	SentimentPositive = "positive"
)

// SentimentLabel names a score (-1 … 1) as every part of parley labels it: positive from 0.05,
// negative from -0.05, neutral between.
func SentimentLabel(score float64) string {
	switch {
	case score >= 0.05:
		return SentimentPositive
	case score <= -0.05:
		return SentimentNegative
	}
	return SentimentNeutral
}

// EndState is the speaker's state at the end of the call: the classifier's most probable class there
// (EndLabel), or, from an analysis that has none (the word lexicon's), the label of End. Reports, the
// review app, the summary, evaluation and the scorecard all read the end this way.
func (s *SpeakerSentiment) EndState() string {
	if s.EndLabel != "" {
		return s.EndLabel
	}
	return SentimentLabel(s.End)
}

// TurnSentiment is the sentiment of one turn (index into Transcript.Turns).
type TurnSentiment struct {
	Turn    int     `json:"turn"`
	Speaker Role    `json:"speaker"`
	Start   float64 `json:"start"`
	Score   float64 `json:"score"`
	Label   string  `json:"label"`
}

// Summary line kinds, in the order a summary gives them.
const (
	SummaryReason   = "reason"    // why the customer called: the intent and the sentence that says it most
	SummaryThreat   = "threat"    // the customer threatened to leave or to escalate
	SummaryAction   = "action"    // what the agent did
	SummaryNextStep = "next_step" // what happens next: a promised callback, a refund's timing, a visit, a reference
	SummaryMood     = "mood"      // how the customer ended
)

// SummaryLine is one line of a call's summary. Its words are the call's own: a sentence said in the
// call (Text, as transcribed — redacted when the call is — at its turn), framed by its kind and label;
// the mood line quotes nothing and points at the customer's last turn.
type SummaryLine struct {
	Kind    string  `json:"kind"`
	Label   string  `json:"label,omitempty"` // reason: the intent; threat: churn or escalation; mood: positive, neutral or negative
	Text    string  `json:"text,omitempty"`
	Turn    int     `json:"turn"`
	Speaker Role    `json:"speaker"`
	Start   float64 `json:"start"`
	// Score is the mood's closing sentiment, or how close an action or next step is in meaning to the
	// closest example of its kind.
	Score float64 `json:"score,omitempty"`
}

// String is the line as the pages and the CSV show it.
func (l SummaryLine) String() string {
	q := "\u201c" + l.Text + "\u201d"
	switch l.Kind {
	case SummaryReason:
		if l.Label == "" || l.Label == IntentUnclear {
			return "Customer: " + q
		}
		return "Called about " + strings.ReplaceAll(l.Label, "_", " ") + ": " + q
	case SummaryThreat:
		if l.Label == ThreatEscalation {
			return "Customer threatened to escalate: " + q
		}
		return "Customer threatened to leave: " + q
	case SummaryAction:
		return "Agent: " + q
	case SummaryNextStep:
		return "Next: " + q
	case SummaryMood:
		return fmt.Sprintf("Customer ended %s (%+.2f)", l.Label, l.Score)
	}
	return q
}

// Threat kinds.
const (
	ThreatChurn      = "churn"      // leaving, cancelling, switching provider
	ThreatEscalation = "escalation" // manager, formal complaint, regulator, lawyer, going public
)

// Threat is a sentence in which the customer threatens to leave or to escalate (by the threat classifier),
// with the built-in example of its kind closest to it in meaning.
type Threat struct {
	Kind       string  `json:"kind"`
	Turn       int     `json:"turn"`
	Speaker    Role    `json:"speaker"`
	Start      float64 `json:"start"`
	Text       string  `json:"text"`
	Confidence float64 `json:"confidence"` // the classifier's, 0…1
	Example    string  `json:"example"`    // the built-in example of its kind nearest in meaning
	Similarity float64 `json:"similarity"` // to that example
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
