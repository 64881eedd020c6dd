package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/internal/resident"
	"github.com/parley-cc/parley/metadata"
	"github.com/parley-cc/parley/models"
	"github.com/parley-cc/parley/nlp"
	"github.com/parley-cc/parley/nlp/encoder"
	"github.com/parley-cc/parley/process"
	"github.com/parley-cc/parley/scoring"
	"github.com/parley-cc/parley/transcribe"
	"github.com/parley-cc/parley/transcribe/whisper"
)

// Config is every setting of parley. Defaults come from DefaultConfig, then a YAML file (--config or
// PARLEY_CONFIG), then PARLEY_* environment variables, then command-line flags. What each field means,
// its variable and its flag are in the settings table (settings.go).
type Config struct {
	Model              string              `yaml:"model"`
	ModelDir           string              `yaml:"model_dir"`
	ModelBaseURL       string              `yaml:"model_base_url"`
	Threads            int                 `yaml:"threads"`
	States             int                 `yaml:"whisper_states"`
	BeamSize           int                 `yaml:"beam_size"`
	Fallback           bool                `yaml:"temperature_fallback"`
	Language           string              `yaml:"language"`
	Languages          []string            `yaml:"languages"`
	LanguagesByPrefix  map[string][]string `yaml:"languages_by_prefix"`
	LanguageModel      string              `yaml:"language_model"`
	SecondHearing      string              `yaml:"second_hearing"`
	SecondHearingBeam  int                 `yaml:"second_hearing_beam"`
	Translate          bool                `yaml:"translate"`
	Channels           []string            `yaml:"channels"`
	MaxChannels        int                 `yaml:"max_channels"`
	MaxDuration        Duration            `yaml:"max_duration"`
	MaxFileSize        int64               `yaml:"max_file_size"`
	TurnGap            Duration            `yaml:"turn_gap"`
	SilenceDBFS        float64             `yaml:"silence_dbfs"`
	VAD                string              `yaml:"vad"`
	VADPack            string              `yaml:"vad_pack"`
	Diarize            string              `yaml:"diarize"`
	Speakers           int                 `yaml:"speakers"`
	MaxSpeakers        int                 `yaml:"max_speakers"`
	Vocabulary         []string            `yaml:"vocabulary"`
	VocabularyByPrefix map[string][]string `yaml:"vocabulary_by_prefix"`
	VocabularyPrompt   bool                `yaml:"vocabulary_prompt"`

	NLP             bool     `yaml:"nlp"`
	Encoder         string   `yaml:"encoder"`
	SentimentModel  string   `yaml:"sentiment_model"`
	RedactPII       bool     `yaml:"redact_pii"`
	Taxonomy        string   `yaml:"taxonomy"`
	IntentModel     string   `yaml:"intent_model"`
	UnclearBelow    float64  `yaml:"intent_unclear_below"`
	Products        []string `yaml:"products"`
	KeyPhrases      int      `yaml:"key_phrases"`
	KeyPhraseMethod string   `yaml:"key_phrase_method"`

	Transcripts     string   `yaml:"transcripts"`
	FilenamePattern string   `yaml:"filename_pattern"`
	CallerIDSalt    string   `yaml:"caller_id_salt"`
	WebhookHosts    []string `yaml:"webhook_hosts"`

	RedisURL          string `yaml:"redis_url"`
	S3Endpoint        string `yaml:"s3_endpoint"`
	S3AccessKey       string `yaml:"s3_access_key"`
	S3SecretKey       string `yaml:"s3_secret_key"`
	S3Secure          bool   `yaml:"s3_secure"`
	S3Region          string `yaml:"s3_region"`
	ResultsPrefix     string `yaml:"results_prefix"`
	IndexPath         string `yaml:"index_path"`
	WorkerConcurrency int    `yaml:"worker_concurrency"`
	MetricsListen     string `yaml:"metrics_listen"`

	Scoring   bool   `yaml:"scoring"`
	Scorecard string `yaml:"scorecard"`

	Listen      string `yaml:"listen"`
	TLSCert     string `yaml:"tls_cert"`
	TLSKey      string `yaml:"tls_key"`
	BehindHTTPS bool   `yaml:"behind_https_proxy"`

	// besideRecognition is set by the commands that recognise speech while the NLP stage runs (run,
	// eval, worker) before the stage loads: the sentence encoder then takes the CPUs recognition leaves.
	besideRecognition bool
}

// DefaultConfig is what parley does with no settings.
func DefaultConfig() Config {
	return Config{
		Model:        "base.en",
		ModelDir:     models.DefaultDir(),
		ModelBaseURL: models.DefaultBaseURL,
		// One thread per recognition and one recognition per core: with real weights the decoder,
		// token by token, dominates, and two single-threaded decoders do more than one on two threads
		// (issue 16: 1.45× with tiny.en, 1.22× with base on 2 cores, same WER).
		Threads:     1,
		Language:    "auto",
		Channels:    []string{"agent", "customer"},
		MaxChannels: 2,
		MaxDuration: Duration(4 * time.Hour),
		MaxFileSize: 2 << 30,
		TurnGap:     Duration(time.Second),
		SilenceDBFS: -50,
		Fallback:    true,
		// A second reading is there to find what the first missed: searching wider finds more (issue
		// 14: tiny.en heard again by itself at beam 5, items 91.7 → 93.3 %; base 93.9 → 94.4 %).
		SecondHearingBeam: 5,
		VAD:               "energy",
		VADPack:           "channel",
		Diarize:           "mono",
		MaxSpeakers:       2,
		NLP:               true,
		KeyPhrases:        10,
		KeyPhraseMethod:   "textrank",
		UnclearBelow:      nlp.UnclearBelow,
		Scoring:           true,
		Transcripts:       "prefer",
		RedisURL:          "redis://127.0.0.1:6379/0",
		S3Secure:          true,
		ResultsPrefix:     "results/",
		IndexPath:         "parley-results.db",
		// One recognition runs at a time per loaded model; a second slot downloads, analyses and
		// writes results meanwhile.
		WorkerConcurrency: 2,
		Listen:            "127.0.0.1:8080",
	}
}

// Duration is a time.Duration written as "90s", "2h" in YAML.
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 90s or 2h", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }
func (d Duration) String() string            { return time.Duration(d).String() }
func (d *Duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// LoadFile merges a YAML file into c. Unknown keys are errors: a misspelt setting must not be ignored.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return parley.WrapError(parley.CodeConfig, err, "read config")
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return parley.WrapError(parley.CodeConfig, err, "config %s", path)
	}
	return nil
}

// envKeys maps PARLEY_* variables to setters, from the settings table.
func (c *Config) envKeys() map[string]func(string) error {
	keys := map[string]func(string) error{"PARLEY_CONFIG": func(string) error { return nil }} // read before the file is loaded
	for _, s := range settings {
		if s.env != "" {
			keys[s.env] = value{s.field(c)}.Set
		}
	}
	return keys
}

// LoadEnv merges PARLEY_* variables from environ ("KEY=value" strings). Unknown PARLEY_ names are errors.
func (c *Config) LoadEnv(environ []string) error {
	keys := c.envKeys()
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "PARLEY_") {
			continue
		}
		set, ok := keys[k]
		if !ok {
			continue // other tools' and tests' PARLEY_ variables (PARLEY_CACHE for the build script…)
		}
		if err := set(v); err != nil {
			return parley.Errorf(parley.CodeConfig, "%s=%q: %v", k, v, err)
		}
	}
	return nil
}

// RegisterFlags adds the settings table's flags: every command's, and those of the command fs is for.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	for _, s := range settings {
		if s.flag != "" && (s.only == "" || s.only == fs.Name()) {
			fs.Var(value{s.field(c)}, s.flag, s.usage())
		}
	}
}

// MetadataReader reads sidecar files and file-name metadata.
func (c *Config) MetadataReader() *metadata.Reader {
	re, _ := metadata.CompilePattern(c.FilenamePattern) // checked by Validate
	return &metadata.Reader{FilePattern: re, CallerIDSalt: c.CallerIDSalt}
}

// stages builds what runs after transcription: the NLP analyzer and the scorecard (each nil when off).
func (c *Config) stages() (*nlp.Analyzer, *scoring.Scorecard, error) {
	analyzer, err := c.Analyzer()
	if err != nil {
		return nil, nil, err
	}
	scorecard, err := c.LoadScorecard()
	return analyzer, scorecard, err
}

// LoadScorecard returns the configured scorecard, or nil when scoring is off. A bad scorecard is an
// error before any call is processed.
func (c *Config) LoadScorecard() (*scoring.Scorecard, error) {
	if !c.Scoring {
		return nil, nil
	}
	sc := scoring.Default()
	if c.Scorecard != "" {
		b, err := os.ReadFile(c.Scorecard)
		if err != nil {
			return nil, parley.WrapError(parley.CodeConfig, err, "scorecard")
		}
		if sc, err = scoring.Parse(b, c.Scorecard); err != nil {
			return nil, err
		}
	}
	enc, err := c.LoadEncoder()
	if err != nil {
		return nil, err
	}
	if enc == nil {
		c.warnNoEncoder()
		return sc, nil
	}
	if err := sc.UseEncoder(enc); err != nil {
		return nil, err
	}
	return sc, nil
}

// noEncoderWarned holds the encoder directories found missing and said so (under encoderMu).
var noEncoderWarned = map[string]bool{}

// warnNoEncoder says once per process and directory, loudly, what runs without the sentence encoder.
func (c *Config) warnNoEncoder() {
	dir, _, _ := c.EncoderDir()
	encoderMu.Lock()
	said := noEncoderWarned[dir]
	noEncoderWarned[dir] = true
	encoderMu.Unlock()
	if !said {
		slog.Warn("NO SENTENCE ENCODER: sentiment comes from the word lexicon, no churn or escalation threats, intent from words alone, "+
			"and scorecard items with examples are left for a reviewer when their phrases are not said", "install", models.EncoderHelp(dir))
	}
}

// Validate checks every setting.
func (c *Config) Validate() error {
	if c.Threads < 1 || c.Threads > 256 {
		return parley.Errorf(parley.CodeConfig, "threads = %d (want 1–256)", c.Threads)
	}
	if _, err := c.Roles(); err != nil {
		return err
	}
	if c.States < 0 || c.States > 64 {
		return parley.Errorf(parley.CodeConfig, "whisper_states = %d (want 0–64)", c.States)
	}
	if c.BeamSize < 0 || c.BeamSize > 16 {
		return parley.Errorf(parley.CodeConfig, "beam_size = %d (want 0–16)", c.BeamSize)
	}
	if c.SecondHearingBeam < 0 || c.SecondHearingBeam > 16 {
		return parley.Errorf(parley.CodeConfig, "second_hearing_beam = %d (want 0–16)", c.SecondHearingBeam)
	}
	if c.MaxChannels < 1 || c.MaxChannels > transcribe.MaxChannelsLimit {
		return parley.Errorf(parley.CodeConfig, "max_channels = %d (want 1–%d)", c.MaxChannels, transcribe.MaxChannelsLimit)
	}
	if c.MaxFileSize < 0 {
		return parley.Errorf(parley.CodeConfig, "max_file_size = %d (want bytes ≥ 0; 0: no limit)", c.MaxFileSize)
	}
	if c.MaxDuration < 0 || c.TurnGap < 0 {
		return parley.Errorf(parley.CodeConfig, "max_duration and turn_gap must not be negative")
	}
	if c.SilenceDBFS > 0 {
		return parley.Errorf(parley.CodeConfig, "silence_dbfs = %g (want a level below 0 dBFS, or 0 to disable)", c.SilenceDBFS)
	}
	if c.UnclearBelow <= 0 || c.UnclearBelow >= 1 {
		return parley.Errorf(parley.CodeConfig, "intent_unclear_below = %g (want above 0 and below 1)", c.UnclearBelow)
	}
	if c.KeyPhrases < 0 || c.KeyPhrases > 100 {
		return parley.Errorf(parley.CodeConfig, "key_phrases = %d (want 0–100)", c.KeyPhrases)
	}
	if c.KeyPhraseMethod != "textrank" && c.KeyPhraseMethod != "rake" {
		return parley.Errorf(parley.CodeConfig, "key_phrase_method = %q (want textrank or rake)", c.KeyPhraseMethod)
	}
	if c.WorkerConcurrency < 1 || c.WorkerConcurrency > 64 {
		return parley.Errorf(parley.CodeConfig, "worker_concurrency = %d (want 1–64)", c.WorkerConcurrency)
	}
	if !strings.HasSuffix(c.ResultsPrefix, "/") {
		return parley.Errorf(parley.CodeConfig, "results_prefix %q must end with /", c.ResultsPrefix)
	}
	if c.VAD != "energy" && c.VAD != "off" {
		return parley.Errorf(parley.CodeConfig, "vad = %q (want energy or off)", c.VAD)
	}
	if c.VADPack != "call" && c.VADPack != "channel" {
		return parley.Errorf(parley.CodeConfig, "vad_pack = %q (want call or channel)", c.VADPack)
	}
	if _, err := transcribe.ParseDiarizeMode(c.Diarize); err != nil {
		return err
	}
	if c.MaxSpeakers < 1 || c.MaxSpeakers > 8 || c.Speakers < 0 || c.Speakers > 8 {
		return parley.Errorf(parley.CodeConfig, "speakers = %d, max_speakers = %d (want 0–8 and 1–8; speakers 0: estimated up to max_speakers)", c.Speakers, c.MaxSpeakers)
	}
	if c.Transcripts != "prefer" && c.Transcripts != "ignore" {
		return parley.Errorf(parley.CodeConfig, "transcripts = %q (want prefer or ignore)", c.Transcripts)
	}
	if _, err := metadata.CompilePattern(c.FilenamePattern); err != nil {
		return err
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return parley.Errorf(parley.CodeConfig, "tls_cert and tls_key go together")
	}
	if c.Language == "" {
		return parley.Errorf(parley.CodeConfig, "language is empty (use auto or a code like en)")
	}
	if err := knownLanguages("languages", c.Languages); err != nil {
		return err
	}
	for prefix, ls := range c.LanguagesByPrefix {
		if len(ls) == 0 {
			return parley.Errorf(parley.CodeConfig, "languages_by_prefix %q: no language (leave the prefix out to allow any)", prefix)
		}
		if err := knownLanguages(fmt.Sprintf("languages_by_prefix %q", prefix), ls); err != nil {
			return err
		}
	}
	return nil
}

// knownLanguages checks that whisper knows every language of a setting.
func knownLanguages(setting string, ls []string) error {
	for _, l := range ls {
		if !whisper.KnownLanguage(l) {
			return parley.Errorf(parley.CodeConfig, "%s: %q is not a language whisper knows", setting, l)
		}
	}
	return nil
}

// modelCache is where model names resolve to files, downloaded from model_base_url when missing.
func (c *Config) modelCache() *models.Cache {
	return &models.Cache{Dir: c.ModelDir, BaseURL: c.ModelBaseURL}
}

// WhisperStates is how many recognitions run at once: whisper_states, or the CPUs divided by threads.
func (c *Config) WhisperStates() int {
	if c.States > 0 {
		return c.States
	}
	return min(maxStates, max(1, runtime.NumCPU()/c.Threads))
}

// maxStates caps the default number of recognitions at once: each holds its own buffers (about 30 MB
// with tiny.en, 60 MB with base), and past 8 a machine is better used by more worker processes.
const maxStates = 8

// Pipeline builds the transcription pipeline around a recogniser.
func (c *Config) Pipeline(tr parley.Transcriber) *transcribe.Pipeline {
	roles, _ := c.Roles() // checked by Validate
	p := &transcribe.Pipeline{Transcriber: tr, Roles: roles, MaxDuration: time.Duration(c.MaxDuration), MaxChannels: c.MaxChannels, MaxFileSize: c.MaxFileSize,
		TurnGap: time.Duration(c.TurnGap), SilenceDBFS: c.SilenceDBFS}
	if c.VAD == "energy" {
		p.VAD = &transcribe.VAD{}
		p.PackPerChannel = c.VADPack == "channel"
	}
	p.Languages, p.LanguagesByPrefix, p.Translate = c.Languages, c.LanguagesByPrefix, c.Translate
	p.Diarize, _ = transcribe.ParseDiarizeMode(c.Diarize) // checked by Validate
	p.Diarizer = transcribe.Diarizer{Speakers: c.Speakers, MaxSpeakers: c.MaxSpeakers}
	w, _ := tr.(*whisper.Transcriber)
	p.Vocabulary = c.vocabulary(w)
	return p
}

// Processor is the path every call takes (process.Processor) with these settings, parley run's and the
// worker's alike. tr nil: transcripts only; model is the recognition model's file.
func (c *Config) Processor(tr parley.Transcriber, model string, analyzer *nlp.Analyzer, scorecard *scoring.Scorecard) *process.Processor {
	if model != "" {
		model = filepath.Base(model)
	}
	p := c.Pipeline(tr)
	return &process.Processor{Pipeline: p, Stages: process.Stages{Analyzer: analyzer, Scorecard: scorecard, Vocabulary: p.Vocabulary},
		Metadata: c.MetadataReader(), Transcripts: c.Transcripts, Model: model, MaxFileSize: c.MaxFileSize}
}

// maxVocabulary caps each vocabulary list: a prompt is at most 223 whisper tokens anyway, and a long
// list of names crowds out the ones that matter.
const maxVocabulary = 100

// vocabulary checks the vocabulary lists for the model: empty terms are dropped, a list over
// maxVocabulary terms is cut, terms in a script an English-only model cannot write are left out, and a
// list whose prompt is longer than whisper reads is cut from the end — each with a warning.
func (c *Config) vocabulary(tr *whisper.Transcriber) *transcribe.Vocabulary {
	clean := func(where string, terms []string) []string {
		var out []string
		for _, t := range terms {
			t = strings.TrimSpace(t)
			switch {
			case t == "":
			case tr != nil && !tr.Multilingual() && !nlp.LatinScript(t):
				slog.Warn("vocabulary term left out: an English-only model cannot write its script", "term", t, "list", where)
			default:
				out = append(out, t)
			}
		}
		if len(out) > maxVocabulary {
			slog.Warn("vocabulary list cut", "list", where, "terms", len(out), "kept", maxVocabulary)
			out = out[:maxVocabulary]
		}
		if tr != nil {
			n := len(out)
			for len(out) > 0 && tr.Tokens(transcribe.PromptText(out)) > tr.MaxPromptTokens() {
				out = out[:len(out)-1]
			}
			if len(out) < n {
				slog.Warn("vocabulary prompt longer than whisper reads: terms cut from the end", "list", where, "terms", n, "kept", len(out), "max_tokens", tr.MaxPromptTokens())
			}
		}
		return out
	}
	v := &transcribe.Vocabulary{Terms: clean("vocabulary", c.Vocabulary), Prompt: c.VocabularyPrompt}
	for prefix, terms := range c.VocabularyByPrefix {
		if v.ByPrefix == nil {
			v.ByPrefix = map[string][]string{}
		}
		v.ByPrefix[prefix] = clean("vocabulary_by_prefix "+prefix, terms)
	}
	if len(v.Terms) == 0 && len(v.ByPrefix) == 0 {
		return nil
	}
	return v
}

// Roles returns the channel→speaker map.
func (c *Config) Roles() ([]parley.Role, error) {
	roles := make([]parley.Role, len(c.Channels))
	for i, s := range c.Channels {
		r, err := parley.ParseRole(s)
		if err != nil {
			return nil, err
		}
		roles[i] = r
	}
	return roles, transcribe.ValidateRoles(roles)
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

var (
	encoderMu     sync.Mutex
	encoderLoaded = map[string]*encoder.Encoder{}
)

// EncoderDir is the sentence encoder's directory: the encoder setting, else all-MiniLM-L6-v2 in the model
// cache. found is false when the default directory does not exist (a set directory must exist).
func (c *Config) EncoderDir() (dir string, found bool, err error) {
	if c.Encoder != "" {
		if _, err := os.Stat(c.Encoder); err != nil {
			return c.Encoder, false, parley.WrapError(parley.CodeModelMissing, err, "sentence encoder (encoder = %s)", c.Encoder)
		}
		return c.Encoder, true, nil
	}
	dir = c.modelCache().EncoderDir()
	_, err = os.Stat(dir)
	return dir, err == nil, nil
}

// LoadEncoder loads the sentence encoder once per process and directory; nil (and no error) when none
// is installed and none was asked for.
func (c *Config) LoadEncoder() (*encoder.Encoder, error) { return c.loadEncoder(false) }

// LoadSentimentEncoder is the encoder with the built-in sentiment layers over its top layers; the rest
// of the model is the plain encoder's, shared.
func (c *Config) LoadSentimentEncoder() (*encoder.Encoder, error) { return c.loadEncoder(true) }

func (c *Config) loadEncoder(sentiment bool) (*encoder.Encoder, error) {
	var base *encoder.Encoder
	if sentiment {
		var err error
		if base, err = c.loadEncoder(false); err != nil || base == nil {
			return nil, err
		}
	}
	dir, found, err := c.EncoderDir()
	if err != nil || !found {
		return nil, err
	}
	key := fmt.Sprintf("%s\x00%v", dir, sentiment)
	encoderMu.Lock()
	defer encoderMu.Unlock()
	if e := encoderLoaded[key]; e != nil {
		return e, nil
	}
	opts := encoder.Options{Threads: c.encoderThreads()}
	if sentiment {
		opts.Overlay, opts.OverlayName, opts.Share = nlp.SentimentLayers(), "sentiment", base
	}
	e, err := encoder.Load(dir, opts)
	if err != nil {
		return nil, err
	}
	resident.Drop(opts.Overlay) // the sentiment layers are in ggml's buffers now
	if !sentiment && builtinEmbeddings != nil {
		// The built-in examples need not run through the model at every start (about 550 texts, 2 s of CPU).
		if b, err := builtinEmbeddings(); err == nil && b.Fingerprint == e.Fingerprint() {
			if err := e.Remember(b.Texts, b.Vecs); err != nil {
				return nil, err
			}
		}
	}
	encoderLoaded[key] = e
	return e, nil
}

// encoderThreads is how many threads the sentence encoder computes on: a few alone, and beside
// recognition the CPUs its states leave free, at least one. ggml's threads meet at a spinning barrier
// after every operation of a pass; with each CPU running a recognition, one of the encoder's two threads
// is often not scheduled, and the other spins at the barrier for the rest of its time slice, taking that
// time from whisper (on 2 CPUs, the four testdata calls took 4.4–7.6 s with two threads, 4.6–5.3 s
// with one).
func (c *Config) encoderThreads() int {
	n := min(4, runtime.NumCPU())
	if c.besideRecognition {
		n = min(n, runtime.NumCPU()-c.WhisperStates()*c.Threads)
	}
	return max(1, n)
}

// builtinEmbeddings are the embeddings a loaded plain encoder remembers when its fingerprint is theirs
// (nlp.BuiltinEmbeddings); nil only while they are written again, the file just written while it is
// checked.
var builtinEmbeddings = nlp.BuiltinEmbeddings

// SentimentStage returns the sentiment model (sentiment_model or the built-in one) and the encoder whose
// embeddings it reads: the one with the built-in sentiment layers, or the plain encoder for a model
// trained on it (parley sentiment train --base-encoder). nil, nil when no encoder is installed.
func (c *Config) SentimentStage() (*nlp.SentimentModel, *encoder.Encoder, error) {
	base, err := c.LoadEncoder()
	if err != nil || base == nil {
		return nil, nil, err
	}
	m, err := c.LoadSentimentModel()
	if err != nil {
		return nil, nil, err
	}
	if m.Fingerprint == base.Fingerprint() {
		return m, base, nil
	}
	layered, err := c.LoadSentimentEncoder()
	if err != nil {
		return nil, nil, err
	}
	return m, layered, m.CheckEncoder(layered)
}

// Threats is the built-in churn and escalation classifier on the base encoder (nil without the encoder).
func (c *Config) Threats() (*nlp.Threats, error) {
	base, err := c.LoadEncoder()
	if err != nil || base == nil {
		return nil, err
	}
	return nlp.NewThreats(base)
}

// LoadSentimentModel reads sentiment_model, or returns the built-in model.
func (c *Config) LoadSentimentModel() (*nlp.SentimentModel, error) {
	if c.SentimentModel == "" {
		return nlp.DefaultSentimentModel()
	}
	return nlp.LoadSentimentModel(c.SentimentModel)
}

// Analyzer builds the NLP stage from the configuration, or returns nil when NLP is off.
func (c *Config) Analyzer() (*nlp.Analyzer, error) {
	if !c.NLP {
		return nil, nil
	}
	opts := nlp.Options{Redact: c.RedactPII, Products: c.Products, KeyPhrases: c.KeyPhrases, Method: c.KeyPhraseMethod, UnclearBelow: c.UnclearBelow}
	enc, err := c.LoadEncoder()
	if err != nil {
		return nil, err
	}
	if enc != nil {
		opts.Encoder = enc
		if opts.Sentiment, opts.SentimentEncoder, err = c.SentimentStage(); err != nil {
			return nil, err
		}
	} else if c.SentimentModel != "" {
		dir, _, _ := c.EncoderDir()
		return nil, parley.Errorf(parley.CodeModelMissing, "sentiment_model %s needs the sentence encoder: %s", c.SentimentModel, models.EncoderHelp(dir))
	} else {
		c.warnNoEncoder()
	}
	switch {
	case c.IntentModel != "":
		m, err := nlp.LoadIntentModel(c.IntentModel)
		if err != nil {
			return nil, err
		}
		opts.Intent = m
	case c.Taxonomy != "":
		b, err := os.ReadFile(c.Taxonomy)
		if err != nil {
			return nil, parley.WrapError(parley.CodeConfig, err, "taxonomy")
		}
		t, err := nlp.ParseTaxonomy(b, c.Taxonomy)
		if err != nil {
			return nil, err
		}
		if opts.Intent, err = nlp.TrainIntentWith(t.Examples(), nil, opts.Encoder, nlp.DefaultC); err != nil {
			return nil, err
		}
	}
	a, err := nlp.NewAnalyzer(opts)
	// Loading leaves tens of MB of garbage (decoded model files, the intent model's training): give it
	// back to the system now, before recognition and the analyses reach the process's peak.
	debug.FreeOSMemory()
	return a, err
}

// loadConfig builds the configuration for a subcommand: defaults, file, environment, then flags —
// every command the same way, from the settings table.
func loadConfig(fs *flag.FlagSet, args []string, environ []string) (*Config, error) {
	c := DefaultConfig()
	path := ""
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "PARLEY_CONFIG="); ok {
			path = v
		}
	}
	for i, a := range args { // the file comes before the flags that override it
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(strings.TrimLeft(a, "-"), "config="); ok && strings.HasPrefix(a, "-") {
			path = v
		} else if (a == "-config" || a == "--config") && i+1 < len(args) {
			path = args[i+1]
		}
	}
	if path != "" {
		if err := c.LoadFile(path); err != nil {
			return nil, err
		}
	}
	if err := c.LoadEnv(environ); err != nil {
		return nil, err
	}
	c.RegisterFlags(fs)
	fs.String("config", path, "YAML config `file` (also PARLEY_CONFIG)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}
