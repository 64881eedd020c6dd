package storage

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-cc/parley"
)

// ValidKey refuses keys that would name something other than what they say once used as a path or in
// a results key: empty or over 1,024 bytes, not UTF-8, an absolute path, a "." or ".." segment, an
// empty segment, control or bidirectional-override characters (which make one name look like another).
// Other Unicode (accents, scripts, spaces) is fine.
func ValidKey(key string) error {
	switch {
	case key == "" || len(key) > 1024:
		return parley.Errorf(parley.CodeBadKey, "key of %d bytes (want 1–1024)", len(key))
	case !utf8.ValidString(key):
		return parley.Errorf(parley.CodeBadKey, "key %q is not UTF-8", key)
	case strings.HasPrefix(key, "/"):
		return parley.Errorf(parley.CodeBadKey, "key %q is an absolute path", key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return parley.Errorf(parley.CodeBadKey, "key %q has a %q segment", key, seg)
		}
	}
	for _, r := range key {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\\' {
			return parley.Errorf(parley.CodeBadKey, "key %q has the character %U", key, r)
		}
	}
	return nil
}
