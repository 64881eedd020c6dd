// Package metadata reads call metadata: a sidecar JSON file next to the recording and fields taken from
// the file name by a configurable pattern. Bad fields are warnings, never errors: the call is processed
// with what could be read.
package metadata

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/storage"
	"github.com/parley-cc/parley/transcribe"
)

// Reader finds and reads the metadata of recordings.
type Reader struct {
	// FilePattern, when set, takes fields from the file name (without extension) by named groups, e.g.
	// `^(?P<agent_id>[^_]+)_(?P<started_at>\d{8}T\d{6})_(?P<direction>in|out)bound$`.
	FilePattern *regexp.Regexp
	// CallerIDSalt is mixed into the caller-id hash, so hashes cannot be reversed by hashing every number.
	CallerIDSalt string
}

// CompilePattern checks a file-name pattern: it must compile and name only known fields.
func CompilePattern(p string) (*regexp.Regexp, error) {
	if p == "" {
		return nil, nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, parley.WrapError(parley.CodeConfig, err, "filename_pattern")
	}
	for _, n := range re.SubexpNames()[1:] {
		if n != "" && !known[n] {
			return nil, parley.Errorf(parley.CodeConfig, "filename_pattern: group %q is not a metadata field (%s)", n, strings.Join(knownList(), ", "))
		}
	}
	return re, nil
}

var known = map[string]bool{"call_id": true, "agent_id": true, "agent_name": true, "team": true, "queue": true, "direction": true,
	"started_at": true, "caller_id": true, "source": true, "campaign": true, "tracking_number": true, "ivr_path": true,
	"disposition": true, "transferred": true, "revenue": true, "cost": true, "agent_voice": true}

func knownList() []string {
	var out []string
	for k := range known {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Sidecar is the metadata file of a recording or transcript: the same path with .json instead of the
// extension (call.wav, call.vtt, call.whisper.json and call.aws.json all have call.json).
func Sidecar(path string) string {
	return transcribe.BaseName(path) + ".json"
}

// maxSidecar bounds the sidecar read: metadata, not a recording.
const maxSidecar = 1 << 20

// Read returns the metadata of a recording file (see ReadFrom).
func (r *Reader) Read(recording string) (*parley.Metadata, []string) {
	return r.ReadFrom(context.Background(), &storage.FS{Root: filepath.Dir(recording)}, filepath.Base(recording))
}

// ReadFrom returns the metadata of a recording or transcript in a store — its sidecar object and its
// name — and the warnings met on the way. A missing sidecar is no warning; an unreadable one, or a field
// of the wrong type, is.
func (r *Reader) ReadFrom(ctx context.Context, store parley.Store, key string) (*parley.Metadata, []string) {
	side := Sidecar(key)
	if side == key { // a .json input is not its own sidecar
		return r.Parse(key, nil)
	}
	rc, _, err := store.Open(ctx, side)
	var b []byte
	if err == nil {
		b, err = io.ReadAll(io.LimitReader(rc, maxSidecar))
		rc.Close()
	}
	switch {
	case errors.Is(err, parley.ErrNotFound):
		return r.Parse(key, nil)
	case err != nil:
		md, w := r.Parse(key, nil)
		return md, append([]string{"metadata_unreadable: " + err.Error()}, w...)
	}
	return r.Parse(key, b)
}

// Parse builds the metadata of a recording (a path or an object key) from the file-name pattern and a
// sidecar's bytes (nil: none).
func (r *Reader) Parse(recording string, sidecar []byte) (*parley.Metadata, []string) {
	fields := map[string]any{}
	var warnings []string
	if r.FilePattern != nil {
		name := strings.TrimSuffix(path.Base(filepath.ToSlash(recording)), path.Ext(recording))
		if m := r.FilePattern.FindStringSubmatch(name); m != nil {
			for i, n := range r.FilePattern.SubexpNames() {
				if n != "" && m[i] != "" {
					fields[n] = m[i]
				}
			}
		} else {
			warnings = append(warnings, fmt.Sprintf("metadata_filename: %q does not match filename_pattern", name))
		}
	}
	if sidecar != nil {
		var side map[string]any
		if err := json.Unmarshal(sidecar, &side); err != nil {
			warnings = append(warnings, fmt.Sprintf("metadata_malformed: %s is not a JSON object: %v", path.Base(filepath.ToSlash(Sidecar(recording))), err))
		}
		for k, v := range side { // the sidecar wins over the file name
			fields[k] = v
		}
	}
	if len(fields) == 0 {
		return nil, warnings
	}
	md, w := r.build(fields)
	return md, append(warnings, w...)
}

func (r *Reader) build(fields map[string]any) (*parley.Metadata, []string) {
	md := &parley.Metadata{}
	var warnings []string
	warn := func(field string, v any, want string) {
		warnings = append(warnings, fmt.Sprintf("metadata_bad_field: %s = %v is not %s; ignored", field, v, want))
	}
	str := func(field string, v any) string {
		switch x := v.(type) {
		case string:
			return strings.TrimSpace(x)
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		warn(field, v, "a string")
		return ""
	}
	num := func(field string, v any) *float64 {
		switch x := v.(type) {
		case float64:
			return &x
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return &f
			}
		}
		warn(field, v, "a number")
		return nil
	}
	strs := map[string]*string{"call_id": &md.CallID, "agent_id": &md.AgentID, "agent_name": &md.AgentName, "team": &md.Team,
		"queue": &md.Queue, "source": &md.Source, "campaign": &md.Campaign, "tracking_number": &md.TrackingNumber,
		"disposition": &md.Disposition, "caller_id_hash": &md.CallerIDHash}
	for k, v := range fields {
		if p, ok := strs[k]; ok {
			*p = str(k, v)
			continue
		}
		switch k {
		case "direction":
			d := strings.ToLower(str(k, v))
			switch d {
			case "in", "inbound":
				md.Direction = "inbound"
			case "out", "outbound":
				md.Direction = "outbound"
			case "":
			default:
				warn(k, v, "inbound or outbound")
			}
		case "started_at":
			if t, ok := parseTime(str(k, v)); ok {
				md.StartedAt = &t
			} else {
				warn(k, v, "a time (RFC 3339, or 20060102T150405)")
			}
		case "caller_id":
			if s := str(k, v); s != "" {
				md.CallerIDHash = r.hashCaller(s)
			}
		case "ivr_path":
			switch x := v.(type) {
			case string:
				md.IVRPath = strings.Split(x, ">")
			case []any:
				for _, e := range x {
					md.IVRPath = append(md.IVRPath, fmt.Sprint(e))
				}
			default:
				warn(k, v, "a list")
			}
		case "transferred":
			switch x := v.(type) {
			case bool:
				md.Transferred = &x
			case string:
				if b, err := strconv.ParseBool(x); err == nil {
					md.Transferred = &b
				} else {
					warn(k, v, "true or false")
				}
			default:
				warn(k, v, "true or false")
			}
		case "agent_voice":
			if n := num(k, v); n != nil && *n >= 1 && *n == math.Trunc(*n) {
				md.AgentVoice = int(*n)
			} else if n != nil {
				warn(k, v, "a voice number: 1 for the voice heard first, 2 for the second")
			}
		case "revenue":
			md.Revenue = num(k, v)
		case "cost":
			md.Cost = num(k, v)
		default:
			if md.Extra == nil {
				md.Extra = map[string]any{}
			}
			md.Extra[k] = v
		}
	}
	sort.Strings(warnings)
	return md, warnings
}

// hashCaller keeps only the digits of a caller id (so "+1 (555) 010-2030" and "15550102030" match) and
// hashes them with the salt.
func (r *Reader) hashCaller(id string) string {
	var digits strings.Builder
	for _, c := range id {
		if c >= '0' && c <= '9' {
			digits.WriteRune(c)
		}
	}
	sum := sha256.Sum256([]byte(r.CallerIDSalt + ":" + digits.String()))
	return "sha256:" + hex.EncodeToString(sum[:12])
}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "20060102T150405", "20060102-150405", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
