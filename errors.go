package parley

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
)

// Error codes name every way a recording or a setting can be refused. They appear as `error_code` in
// summary.json so that operators can count and filter failures.
const (
	CodeEmptyFile           = "empty_file"           // zero bytes
	CodeNotWAV              = "not_wav"              // no RIFF/WAVE signature
	CodeTruncatedHeader     = "truncated_header"     // the file ends inside the WAV header
	CodeTruncatedData       = "truncated_data"       // the file ends before the data its header announces
	CodeBadChunkSize        = "bad_chunk_size"       // a chunk claims more bytes than the RIFF container holds
	CodeBadHeader           = "bad_header"           // the fmt chunk contradicts itself
	CodeUnsupportedFormat   = "unsupported_format"   // an encoding parley does not decode (ADPCM, MP3 in WAV…)
	CodeUnsupportedChannels = "unsupported_channels" // more channels than max_channels (default: mono or stereo)
	CodeBadSampleRate       = "bad_sample_rate"      // zero or outside what a recorder produces
	CodeTooLong             = "too_long"             // longer than the configured maximum
	CodeTooLarge            = "too_large"            // a file over the configured maximum size
	CodeBadKey              = "bad_key"              // a storage key or file name parley will not use (.., control characters…)
	CodeModelMissing        = "model_missing"        // no model file where one was expected
	CodeModelCorrupt        = "model_corrupt"        // wrong magic, size or checksum
	CodeTranscribe          = "transcribe_failed"    // the recogniser failed
	CodeConfig              = "bad_config"           // an invalid setting
	CodeIO                  = "io_error"             // reading or writing a file failed
	CodeBadLabel            = "bad_label"            // a reviewer's label file that is malformed or does not match its recording
	CodeBadDocument         = "bad_document"         // a file that is not a parley call document, or one of another schema version
	CodeBadMetadata         = "bad_metadata"         // a call's metadata that contradicts its recording
	CodeInternal            = "internal"             // anything else
)

// Error is an error with a stable code. Permanent errors (bad input) must not be retried.
type Error struct {
	Code string
	Msg  string
	Err  error // optional cause
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Msg + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Panicked is the error for a panic recovered where one call's work runs (r, what recover returned):
// a defect that call ran into, which becomes that call's error (internal) so that the rest of a batch
// goes on. It is logged with the stack, which the error does not carry.
func Panicked(r any, what string, attrs ...any) error {
	slog.Error(what+" panicked", append(attrs, "panic", r, "stack", string(debug.Stack()))...)
	return Errorf(CodeInternal, "%s failed: %v", what, r)
}

// WrapError returns an *Error with the given code that wraps err.
func WrapError(code string, err error, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, or CodeInternal.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
