// Package parley holds the domain types of the parley call-analytics pipeline and the interfaces between
// its stages. Subpackages implement them: transcribe (audio decode and speech recognition), models (whisper
// model files), report (output formats). Configuration lives only in cmd/parley.
package parley

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SchemaVersion is the version of the per-call JSON document (package calldoc). It changes
// whenever a field is renamed or removed; added fields keep the version.
const SchemaVersion = 1

// Role is who speaks on a channel.
type Role string

const (
	RoleAgent    Role = "agent"
	RoleCustomer Role = "customer"
	RoleUnknown  Role = "unknown"
)

// ParseRole turns a configured role name into a Role.
func ParseRole(s string) (Role, error) {
	switch Role(s) {
	case RoleAgent, RoleCustomer, RoleUnknown:
		return Role(s), nil
	}
	return "", Errorf(CodeConfig, "unknown role %q (want agent, customer or unknown)", s)
}

// Channel describes one audio channel of a call and the speaker recorded on it.
type Channel struct {
	Index int  `json:"index"`
	Role  Role `json:"speaker"`
}

// Segment is a stretch of recognised speech on one channel. Start and End are offsets from the start of
// the call. Confidence is the mean probability of the segment's text tokens, in [0, 1].
type Segment struct {
	Channel    int           `json:"channel"`
	Speaker    Role          `json:"speaker"`
	Start      time.Duration `json:"-"`
	End        time.Duration `json:"-"`
	Text       string        `json:"text"`
	Confidence float64       `json:"confidence"`
	LoudnessDB float64       `json:"-"` // RMS level of the segment's audio, dBFS; 0 when unknown
	Tokens     []Token       `json:"-"` // the recogniser's text tokens with their times, when it gives them
	// Voice numbers the speakers told apart on a channel by diarization (1, 2, …, in the order they
	// are first heard); 0 when the channel is one speaker's.
	Voice int `json:"voice,omitempty"`
}

// Token is one recognised text token with its time, as offsets like the segment's.
type Token struct {
	Start, End time.Duration
	Text       string
	P          float64 // probability
}

// Turn is one or more consecutive segments of one speaker. Overlap is set when another speaker talks
// during the turn (an interruption or cross-talk).
type Turn struct {
	Speaker Role          `json:"speaker"`
	Channel int           `json:"channel"`
	Start   time.Duration `json:"-"`
	End     time.Duration `json:"-"`
	Text    string        `json:"text"`
	Overlap bool          `json:"overlap"`
	Voice   int           `json:"voice,omitempty"` // see Segment.Voice
}

// Transcript is the recognised speech of a whole call.
type Transcript struct {
	Language string    `json:"language"`
	Segments []Segment `json:"segments"`
	Turns    []Turn    `json:"turns"`
	// Sound holds stretches where the agent channel carries sound but no speech was recognised: hold
	// music or recorded messages. Empty when the transcript came without audio.
	Sound []Span `json:"sound_without_speech"`
	// Warnings say what the recognition did differently from what was asked (a prompt dropped for a
	// window because it made the recogniser skip speech).
	Warnings []string `json:"warnings,omitempty"`
	// Diarization describes each channel whose speakers were told apart by their voices (mono
	// recordings, by default); empty when every channel is one speaker's.
	Diarization []Diarization `json:"diarization,omitempty"`
	// Languages is each speaker's detected language when the recogniser detected it (a multilingual
	// model with language auto); Language is then the language of most of the speech.
	Languages []TrackLanguage `json:"languages,omitempty"`
	// Translation is the English translation of the speakers who spoke another language, as the
	// recogniser translated it (when asked: translate), in segments of its own beside the original.
	Translation []Segment `json:"translation,omitempty"`
	// Again is the agent's speech recognised a second time by another recogniser (second_hearing),
	// kept beside the first reading; nil when it was not asked for. Scoring counts a required phrase
	// the agent said in either reading.
	Again *Hearing `json:"heard_again,omitempty"`
}

// Hearing is a second reading of the agent's speech: its segments and turns, as another recogniser
// (Model) heard them, or the same one decoding otherwise (BeamSize: the beam search's width; 0, 1: greedy).
type Hearing struct {
	Model    string    `json:"model"`
	BeamSize int       `json:"beam_size,omitempty"`
	Segments []Segment `json:"segments"`
	Turns    []Turn    `json:"turns"`
}

// By names the recogniser and decoding that heard it, for reasons and evidence: "whisper-base-q8_0.bin",
// "whisper-tiny.en-f16.bin (beam 5)".
func (h *Hearing) By() string {
	if h.BeamSize > 1 {
		return fmt.Sprintf("%s (beam %d)", h.Model, h.BeamSize)
	}
	return h.Model
}

// Transcript is the call as heard the second time: the agent's segments and turns from this hearing,
// everyone else's from the first reading, in call order. The first reading is not changed.
func (h *Hearing) Transcript(first *Transcript) *Transcript {
	out := *first
	out.Again, out.Segments, out.Turns = nil, nil, nil
	for _, s := range first.Segments {
		if s.Speaker != RoleAgent {
			out.Segments = append(out.Segments, s)
		}
	}
	for _, t := range first.Turns {
		if t.Speaker != RoleAgent {
			out.Turns = append(out.Turns, t)
		}
	}
	out.Segments = append(out.Segments, h.Segments...)
	out.Turns = append(out.Turns, h.Turns...)
	slices.SortStableFunc(out.Segments, func(a, b Segment) int { return cmp.Compare(a.Start, b.Start) })
	slices.SortStableFunc(out.Turns, func(a, b Turn) int { return cmp.Compare(a.Start, b.Start) })
	return &out
}

// Diarization is how the speakers of one channel were told apart, and which of them is the agent.
type Diarization struct {
	Channel int `json:"channel"`
	// Voices is the number of voices found (1 when the channel sounded like one speaker).
	Voices int `json:"voices"`
	// Separation, Purity and Gain say how clearly the voices stood apart (see transcribe.Diarization).
	Separation float64 `json:"separation"`
	Purity     float64 `json:"purity"`
	Gain       float64 `json:"gain"`
	// Roles gives each voice's role, by voice number (Roles[0] is voice 1's).
	Roles []Role `json:"roles"`
	// RolesBy says how the agent was found: "words" (what each voice says), "metadata" (the call's
	// agent_voice), or "none" (one voice: its role is unknown).
	RolesBy string `json:"roles_by"`
	// RoleConfidence is the probability that the agent is the right voice, from the words (1 when
	// metadata said; 0 with one voice).
	RoleConfidence float64 `json:"role_confidence"`
	// RoleScores say how much each voice's words sound like an agent's (agent moves minus customer
	// moves, per square root of the sentences), by voice number, when the words decided.
	RoleScores []float64 `json:"role_scores,omitempty"`
}

// Call is one recording and what is known about its audio.
type Call struct {
	ID         string        // name of the recording without its extension
	Source     string        // path or storage key it was read from
	Recorded   time.Time     // when the recording was stored (its file's or object's modification time); zero when unknown
	Duration   time.Duration // length of the audio
	SampleRate int           // sample rate of the recording as stored
	Encoding   string        // e.g. "pcm_s16le", "mulaw", "alaw", "float32"
	Channels   []Channel
}

// Result is what the pipeline produced for one call: a transcript, or the error that stopped it.
type Result struct {
	Call       Call
	Transcript *Transcript
	Analysis   *Analysis // nil when NLP did not run
	Score      *Score    // nil when no scorecard ran
	Metadata   *Metadata // from the sidecar file or the file name; nil when there is none
	Warnings   []string  // named problems that did not stop the call (bad metadata fields…)
	Err        error
	Elapsed    time.Duration // wall time spent on the call
}

// Recognition is the output of a Transcriber for one channel of audio.
type Recognition struct {
	Language     string
	LanguageProb float64   // the language's probability when it was detected for this speaker (else 0)
	Segments     []Segment // Channel and Speaker are left for the caller to fill
	Translation  []Segment // the English translation, when asked for (see Transcript.Translation)
}

// Transcriber turns 16 kHz mono float32 samples into timed text. Implementations decide how many calls
// may run at once; callers may call Transcribe from several goroutines.
type Transcriber interface {
	Transcribe(ctx context.Context, samples []float32) (Recognition, error)
}

type promptKey struct{}

// WithPrompt returns a context that asks the Transcriber to read the audio as following prompt: words
// the speakers are likely to use (company, product and agent names), which whisper then spells that way.
func WithPrompt(ctx context.Context, prompt string) context.Context {
	return context.WithValue(ctx, promptKey{}, prompt)
}

// PromptFrom is the prompt of WithPrompt, or "".
func PromptFrom(ctx context.Context) string {
	p, _ := ctx.Value(promptKey{}).(string)
	return p
}

type beamKey struct{}

// WithBeamSize returns a context that asks the Transcriber to decode with beam search of that width
// (greedy at 1) instead of its own setting: a second hearing by the same model decodes otherwise.
func WithBeamSize(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, beamKey{}, n)
}

// BeamSizeFrom is the width of WithBeamSize, or 0 when none was asked for.
func BeamSizeFrom(ctx context.Context) int {
	n, _ := ctx.Value(beamKey{}).(int)
	return n
}

type translateKey struct{}

// WithTranslate returns a context that asks the Transcriber for an English translation of the speech
// instead of its words (whisper's translate task; multilingual models only).
func WithTranslate(ctx context.Context) context.Context {
	return context.WithValue(ctx, translateKey{}, true)
}

// TranslateFrom tells whether WithTranslate asked for a translation.
func TranslateFrom(ctx context.Context) bool {
	b, _ := ctx.Value(translateKey{}).(bool)
	return b
}

type languageKey struct{}

// WithLanguage returns a context that tells the Transcriber the language spoken, when the caller knows
// it (the language detected on a call's first window holds for the rest of the call).
func WithLanguage(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, languageKey{}, lang)
}

// LanguageFrom is the language of WithLanguage, or "".
func LanguageFrom(ctx context.Context) string {
	l, _ := ctx.Value(languageKey{}).(string)
	return l
}

// LanguageDetector is a Transcriber that detects the language itself on every recognition unless told
// (WithLanguage): callers recognising many pieces of one call detect it once per speaker instead, with
// DetectLanguage (the most probable of allowed — any when empty — and its probability among them).
type LanguageDetector interface {
	DetectsLanguage() bool
	DetectLanguage(ctx context.Context, samples []float32, allowed []string) (lang string, prob float64, err error)
}

// DetectingTranscriber is a LanguageDetector that can tell the language of some speech and recognise
// it in that language at once, for less than DetectLanguage and Transcribe one after the other (whisper:
// one encoder pass instead of two): a caller recognising a speaker's first speech uses it to learn
// their language too.
type DetectingTranscriber interface {
	DetectAndTranscribe(ctx context.Context, samples []float32, allowed []string) (lang string, prob float64, rec Recognition, err error)
}

// LanguageChecker is an English-only Transcriber that can still tell the language spoken (with a
// multilingual model beside it), so that a speaker in another language is flagged and not recognised
// as English nonsense.
type LanguageChecker interface {
	ChecksLanguage() bool
	DetectLanguage(ctx context.Context, samples []float32, allowed []string) (lang string, prob float64, err error)
}

// Week names the ISO week of t as weekly trends key it: "2026-W48".
func Week(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// IsEnglish tells English (or an unknown language, "") from the others: what the English-only parts
// (the NLP stage, English phrases, an English-only model) may read.
func IsEnglish(lang string) bool {
	l := strings.ToLower(lang)
	return l == "" || l == "en" || strings.HasPrefix(l, "en-")
}

// SentenceClosers close a quotation or an aside: right after a sentence's end (., ? or !) they are part
// of the sentence they close.
const SentenceClosers = "\"')]”’»"

// EndsSentence reports whether text (a token, a segment, a cue) ends with a full stop, question or
// exclamation mark, before any closing quotes or brackets.
func EndsSentence(text string) bool {
	t := strings.TrimRight(strings.TrimSpace(text), SentenceClosers)
	return strings.HasSuffix(t, ".") || strings.HasSuffix(t, "?") || strings.HasSuffix(t, "!")
}

// TrackLanguage is the language one speaker of a call spoke (a channel, or a voice of a diarized one),
// as detected on their first speech, with its probability.
type TrackLanguage struct {
	Channel     int     `json:"channel"`
	Voice       int     `json:"voice,omitempty"`
	Speaker     Role    `json:"speaker"`
	Language    string  `json:"language"`
	Probability float64 `json:"probability"`
}

// TranscriberFunc adapts a function to the Transcriber interface.
type TranscriberFunc func(ctx context.Context, samples []float32) (Recognition, error)

// Transcribe calls f.
func (f TranscriberFunc) Transcribe(ctx context.Context, samples []float32) (Recognition, error) {
	return f(ctx, samples)
}

// SampleRate is the rate, in Hz, of the audio a Transcriber takes.
const SampleRate = 16000
