package main

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// setting is one row of the settings table: its YAML key (the Config field's yaml tag), PARLEY_*
// variable, flag, the default as the README shows it, and what it means. The environment, the flags
// and the README's table are all made from this table; a test checks that every yaml tag of Config has
// a row and that the README shows the table as rendered.
type setting struct {
	key, env, flag string
	only           string // the command the flag belongs to ("": every command)
	def, help      string
	field          func(c *Config) any // the Config field (a pointer)
}

var settings = []setting{
	{"model", "PARLEY_MODEL", "model", "", "`base.en`", "catalog name or path to a ggml file", func(c *Config) any { return &c.Model }},
	{"model_dir", "PARLEY_MODEL_DIR", "model-dir", "", "`$XDG_CACHE_HOME/parley/models`", "model cache", func(c *Config) any { return &c.ModelDir }},
	{"model_base_url", "PARLEY_MODEL_BASE_URL", "", "", "official whisper.cpp model host", "mirror for `models pull`", func(c *Config) any { return &c.ModelBaseURL }},
	{"threads", "PARLEY_THREADS", "threads", "", "`1`", "CPU threads per recognition (more: a single call finishes sooner, a batch later)", func(c *Config) any { return &c.Threads }},
	{"whisper_states", "PARLEY_WHISPER_STATES", "states", "", "CPUs ÷ threads, at most 8", "recognitions at once on the one loaded model", func(c *Config) any { return &c.States }},
	{"vad", "PARLEY_VAD", "vad", "", "`energy`", "recognise only speech (`off`: whole channels)", func(c *Config) any { return &c.VAD }},
	{"vad_pack", "PARLEY_VAD_PACK", "vad-pack", "", "`channel`", "one party's speech per whisper window; `call`: both parties' turns share windows (faster on short calls, but words near turn boundaries can land on the wrong side)", func(c *Config) any { return &c.VADPack }},
	{"diarize", "PARLEY_DIARIZE", "diarize", "", "`mono`", "tell apart the voices sharing a channel, and which is the agent's, on mono recordings (`all`: on every channel, for conferences and transfers; `off`: never); needs `vad`", func(c *Config) any { return &c.Diarize }},
	{"speakers", "PARLEY_SPEAKERS", "speakers", "", "`0` (estimated)", "voices on a diarized channel, when known; `0`: estimated from 1 to `max_speakers`", func(c *Config) any { return &c.Speakers }},
	{"max_speakers", "PARLEY_MAX_SPEAKERS", "max-speakers", "", "`2`", "most voices the estimate looks for on a channel (up to 8)", func(c *Config) any { return &c.MaxSpeakers }},
	{"vocabulary", "PARLEY_VOCABULARY", "vocabulary", "", "`[]`", "company, product and agent names (comma-separated in the environment and the flag): near misses in the text are corrected to them (see Accuracy)", func(c *Config) any { return &c.Vocabulary }},
	{"vocabulary_by_prefix", "", "", "", "`{}`", "more terms for the calls whose source starts with a prefix (a queue's folder, a brand's bucket)", func(c *Config) any { return &c.VocabularyByPrefix }},
	{"vocabulary_prompt", "PARLEY_VOCABULARY_PROMPT", "", "", "`false`", "also give the terms to whisper as its prompt for the agent's opening, read again alone (the greeting's names right far more often, one more window per call: see Accuracy)", func(c *Config) any { return &c.VocabularyPrompt }},
	{"beam_size", "PARLEY_BEAM_SIZE", "beam-size", "", "`0` (greedy)", "beam search width", func(c *Config) any { return &c.BeamSize }},
	{"temperature_fallback", "PARLEY_TEMPERATURE_FALLBACK", "temperature-fallback", "", "`true`", "decode again hotter when a decode fails whisper's checks", func(c *Config) any { return &c.Fallback }},
	{"language", "PARLEY_LANGUAGE", "language", "", "`auto`", "language code or `auto` (English-only models: `en`)", func(c *Config) any { return &c.Language }},
	{"translate", "PARLEY_TRANSLATE", "translate", "", "`false`", "also translate the speakers detected in another language into English (a second reading of their speech), kept beside the transcript as `translation`", func(c *Config) any { return &c.Translate }},
	{"language_model", "PARLEY_LANGUAGE_MODEL", "language-model", "", "`\"\"` (none)", "a multilingual model (e.g. `base-q8_0`) that tells each speaker's language when `model` is English-only: a speaker in another language is then not transcribed as English nonsense but flagged (`language_mismatch`)", func(c *Config) any { return &c.LanguageModel }},
	{"second_hearing", "PARLEY_SECOND_HEARING", "second-hearing", "", "`\"\"` (none)", "a second model (e.g. `base-q8_0`, or `model` itself searching wider: `second_hearing_beam`) that reads the agent's speech again: a required scorecard phrase heard in either reading counts, its evidence quoting that reading (`heard_again` in the call document; stereo recordings with an agent channel, with `vad`). More script items right for more time: see Accuracy, second hearing", func(c *Config) any { return &c.SecondHearing }},
	{"second_hearing_beam", "PARLEY_SECOND_HEARING_BEAM", "second-hearing-beam", "", "`5`", "beam search width of the second hearing (`1`: greedy, `0`: as `beam_size`); with it `second_hearing` may name `model` itself, which then reads the agent again searching wider, without a second model in memory", func(c *Config) any { return &c.SecondHearingBeam }},
	{"languages", "PARLEY_LANGUAGES", "languages", "", "`[]` (any)", "with `language: auto` on a multilingual model, the languages a speaker may be detected in (comma-separated in the environment and the flag); each speaker's language is detected once, on their first speech", func(c *Config) any { return &c.Languages }},
	{"languages_by_prefix", "", "", "", "`{}`", "the languages a speaker may be detected in, for the calls whose source starts with a prefix (a queue's folder, a market's bucket; the longest prefix wins over `languages`)", func(c *Config) any { return &c.LanguagesByPrefix }},
	{"channels", "PARLEY_CHANNELS", "channels", "", "`[agent, customer]`", "speaker on the left and right channel (and a third…, with `max_channels`); channels past the list are `unknown`", func(c *Config) any { return &c.Channels }},
	{"max_channels", "PARLEY_MAX_CHANNELS", "max-channels", "", "`2`", "recordings with more channels are refused before decoding (1: mono only; up to 8, one speaker per channel)", func(c *Config) any { return &c.MaxChannels }},
	{"max_duration", "PARLEY_MAX_DURATION", "max-duration", "", "`4h`", "longer recordings are refused before decoding", func(c *Config) any { return &c.MaxDuration }},
	{"max_file_size", "PARLEY_MAX_FILE_SIZE", "", "", "`2147483648`", "larger files are refused before they are read or downloaded (`too_large`)", func(c *Config) any { return &c.MaxFileSize }},
	{"turn_gap", "PARLEY_TURN_GAP", "turn-gap", "", "`1s`", "longest pause inside one speaker turn", func(c *Config) any { return &c.TurnGap }},
	{"silence_dbfs", "PARLEY_SILENCE_DBFS", "", "", "`-50`", "a channel whose peak is below this is not recognised (0: off)", func(c *Config) any { return &c.SilenceDBFS }},
	{"nlp", "PARLEY_NLP", "nlp", "", "`true`", "run the NLP stage", func(c *Config) any { return &c.NLP }},
	{"encoder", "PARLEY_ENCODER", "encoder", "", "`all-MiniLM-L6-v2` in `model_dir`", "sentence encoder directory (sentiment, threats, intent, scorecard examples)", func(c *Config) any { return &c.Encoder }},
	{"sentiment_model", "PARLEY_SENTIMENT_MODEL", "sentiment-model", "", "built in", "a model from `parley sentiment train`", func(c *Config) any { return &c.SentimentModel }},
	{"redact_pii", "PARLEY_REDACT_PII", "redact", "", "`false`", "replace PII by `[TYPE]` before anything is written", func(c *Config) any { return &c.RedactPII }},
	{"taxonomy", "PARLEY_TAXONOMY", "taxonomy", "", "built in", "intent taxonomy YAML, trained at start (≈ 0.1 s)", func(c *Config) any { return &c.Taxonomy }},
	{"intent_model", "PARLEY_INTENT_MODEL", "intent-model", "", "", "model from `parley intent train` (wins over `taxonomy`)", func(c *Config) any { return &c.IntentModel }},
	{"intent_unclear_below", "PARLEY_INTENT_UNCLEAR_BELOW", "intent-unclear-below", "", "`0.29`", "a call whose leading intent has less of the customer's vote is `unclear`, not a guess (calibrated for the built-in taxonomy; for your own, read `intent unclear / wrong` in `parley eval` on your labelled calls: Accuracy)", func(c *Config) any { return &c.UnclearBelow }},
	{"products", "PARLEY_PRODUCTS", "", "", "`[]`", "product names to report as entities", func(c *Config) any { return &c.Products }},
	{"key_phrases", "PARLEY_KEY_PHRASES", "", "", "`10`", "key phrases per call", func(c *Config) any { return &c.KeyPhrases }},
	{"key_phrase_method", "PARLEY_KEY_PHRASE_METHOD", "", "", "`textrank`", "`textrank` or `rake`", func(c *Config) any { return &c.KeyPhraseMethod }},
	{"scoring", "PARLEY_SCORING", "scoring", "", "`true`", "grade every call", func(c *Config) any { return &c.Scoring }},
	{"scorecard", "PARLEY_SCORECARD", "scorecard", "", "built in", "scorecard YAML (`scoring/data/default.yaml` is the documented example)", func(c *Config) any { return &c.Scorecard }},
	{"transcripts", "PARLEY_TRANSCRIPTS", "transcripts", "", "`prefer`", "`prefer`: a transcript beside a recording replaces ASR, in `parley run` and on the queue; `ignore`", func(c *Config) any { return &c.Transcripts }},
	{"filename_pattern", "PARLEY_FILENAME_PATTERN", "", "", "", "regexp with named groups taking metadata from file names", func(c *Config) any { return &c.FilenamePattern }},
	{"caller_id_salt", "PARLEY_CALLER_ID_SALT", "", "", "", "mixed into caller-id hashes", func(c *Config) any { return &c.CallerIDSalt }},
	{"webhook_hosts", "PARLEY_WEBHOOK_HOSTS", "", "", "`[]`", "the only hosts `parley report --webhook` posts to (HTTPS; plain HTTP only to loopback)", func(c *Config) any { return &c.WebhookHosts }},
	{"metrics_listen", "PARLEY_METRICS_LISTEN", "metrics-listen", "worker", "", "`parley worker`: serve `/metrics`, `/healthz`, `/readyz` on this address", func(c *Config) any { return &c.MetricsListen }},
	{"redis_url", "PARLEY_REDIS_URL", "redis", "", "`redis://127.0.0.1:6379/0`", "the queue", func(c *Config) any { return &c.RedisURL }},
	{"s3_endpoint", "PARLEY_S3_ENDPOINT", "s3-endpoint", "", "", "`host:port` of the S3-compatible store", func(c *Config) any { return &c.S3Endpoint }},
	{"s3_access_key", "PARLEY_S3_ACCESS_KEY", "", "", "", "access key", func(c *Config) any { return &c.S3AccessKey }},
	{"s3_secret_key", "PARLEY_S3_SECRET_KEY", "", "", "", "secret key", func(c *Config) any { return &c.S3SecretKey }},
	{"s3_secure", "PARLEY_S3_SECURE", "s3-secure", "", "`true`", "HTTPS (false on loopback)", func(c *Config) any { return &c.S3Secure }},
	{"s3_region", "PARLEY_S3_REGION", "", "", "", "region, where the store needs one", func(c *Config) any { return &c.S3Region }},
	{"results_prefix", "PARLEY_RESULTS_PREFIX", "", "", "`results/`", "where workers write results in the bucket", func(c *Config) any { return &c.ResultsPrefix }},
	{"index_path", "PARLEY_INDEX_PATH", "index", "", "`parley-results.db`", "the results index: an SQLite file, or a `postgres://` URL", func(c *Config) any { return &c.IndexPath }},
	{"worker_concurrency", "PARLEY_WORKER_CONCURRENCY", "concurrency", "worker", "`2`", "tasks a worker runs at once", func(c *Config) any { return &c.WorkerConcurrency }},
	{"listen", "PARLEY_LISTEN", "listen", "serve", "`127.0.0.1:8080`", "`parley serve`: the review app's address", func(c *Config) any { return &c.Listen }},
	{"tls_cert", "PARLEY_TLS_CERT", "tls-cert", "serve", "", "`parley serve`: HTTPS certificate file (with `tls_key`)", func(c *Config) any { return &c.TLSCert }},
	{"tls_key", "PARLEY_TLS_KEY", "tls-key", "serve", "", "`parley serve`: HTTPS key file", func(c *Config) any { return &c.TLSKey }},
	{"behind_https_proxy", "PARLEY_BEHIND_HTTPS_PROXY", "", "", "`false`", "`parley serve`: users reach it over HTTPS through a proxy (secure cookies)", func(c *Config) any { return &c.BehindHTTPS }},
}

// value is a Config field as a flag.Value, parsed the same way for flags and PARLEY_* variables.
type value struct{ p any }

func (v value) String() string {
	switch p := v.p.(type) {
	case nil: // the zero value the flag package makes to test for a default
		return ""
	case *[]string:
		return strings.Join(*p, ",")
	}
	return fmt.Sprint(reflect.ValueOf(v.p).Elem().Interface()) // Duration prints through its String
}

func (v value) Set(s string) (err error) {
	switch p := v.p.(type) {
	case *string:
		*p = s
	case *int:
		*p, err = strconv.Atoi(s)
	case *int64:
		*p, err = strconv.ParseInt(s, 10, 64)
	case *bool:
		*p, err = strconv.ParseBool(s)
	case *float64:
		*p, err = strconv.ParseFloat(s, 64)
	case *[]string:
		*p = splitList(s)
	case *Duration:
		err = p.Set(s)
	default:
		err = fmt.Errorf("cannot be set from text")
	}
	return err
}

// IsBoolFlag lets boolean flags be given without a value (--redact).
func (v value) IsBoolFlag() bool { _, ok := v.p.(*bool); return ok }

// usage is a setting's flag help: its meaning without the README's markup.
func (s setting) usage() string {
	return strings.NewReplacer("`", "").Replace(s.help)
}
