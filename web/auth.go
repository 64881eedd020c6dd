package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/parley-cc/parley/index"
)

// User is the signed-in user of a request.
type User struct {
	Name, Role, Agent string
	CSRF              string // the session's form token; "" for API tokens
}

// HashPassword hashes a password with bcrypt. Passwords are 10–72 bytes (bcrypt reads no further).
func HashPassword(pw string) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// CheckPassword says what is wrong with a new password.
func CheckPassword(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < 10:
		return errors.New("a password needs at least 10 characters")
	case len(pw) > 72:
		return errors.New("a password may have at most 72 bytes")
	}
	return nil
}

// NewSecret returns a random token for a cookie or an API token: 32 bytes, base64url.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is what the index stores of a token: its SHA-256 (the token itself is never stored).
func HashSecret(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// APITokenPrefix starts every API token, so that a leaked one is recognisable.
const APITokenPrefix = "parley_"

func (s *Server) cookieName() string {
	if s.SecureCookies {
		return "__Host-parley_session" // the prefix makes browsers insist on Secure, Path=/ and no Domain
	}
	return "parley_session"
}

// authenticate finds the user of a request: a bearer API token, else the session cookie. viaCookie
// says that the browser sent the credential by itself (so forms must prove where they came from).
func (s *Server) authenticate(r *http.Request) (u *User, viaCookie bool, err error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(tok, APITokenPrefix) {
			return nil, false, nil
		}
		name, ok, err := s.Index.TokenUser(ctx, HashSecret(tok))
		if err != nil || !ok {
			return nil, false, err
		}
		u, err := s.user(r, name, "")
		return u, false, err
	}
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" {
		return nil, false, nil
	}
	sess, ok, err := s.Index.Session(ctx, HashSecret(c.Value))
	if err != nil || !ok {
		return nil, false, err
	}
	u, err = s.user(r, sess.Name, sess.CSRF)
	return u, true, err
}

func (s *Server) user(r *http.Request, name, csrf string) (*User, error) {
	iu, ok, err := s.Index.User(r.Context(), name)
	if err != nil || !ok || iu.Disabled {
		return nil, err
	}
	return &User{Name: iu.Name, Role: iu.Role, Agent: iu.Agent, CSRF: csrf}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func validCSRF(u *User, got string) bool {
	return u.CSRF != "" && hmac.Equal([]byte(u.CSRF), []byte(got))
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, nil, "login.html", map[string]any{"Title": "Sign in", "Next": safeNext(r.URL.Query().Get("next"))})
}

// dummyHash is compared against when the user does not exist, so that a wrong name costs as long as a
// wrong password and names cannot be told apart by timing. Made at the first sign-in, not at every
// start of the binary (a bcrypt hash is about 50 ms of CPU that every other command paid).
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("parley-no-such-user"), bcrypt.DefaultCost)
	return h
})

// throttle counts failed sign-ins per user name and per client address over a window; past the limit
// further attempts are refused without checking the password, until the oldest failure ages out.
type throttle struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

const (
	throttleWindow  = 15 * time.Minute
	throttlePerName = 5  // failed sign-ins for one name
	throttlePerAddr = 20 // failed sign-ins from one address (many names)
)

// wait returns how long key must wait, given its limit; 0 when it may try.
func (t *throttle) wait(key string, limit int, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failures == nil {
		t.failures = map[string][]time.Time{}
	}
	recent := t.failures[key][:0]
	for _, at := range t.failures[key] {
		if now.Sub(at) < throttleWindow {
			recent = append(recent, at)
		}
	}
	t.failures[key] = recent
	if len(recent) < limit {
		return 0
	}
	return throttleWindow - now.Sub(recent[len(recent)-limit])
}

func (t *throttle) fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failures == nil {
		t.failures = map[string][]time.Time{}
	}
	for _, k := range keys {
		t.failures[k] = append(t.failures[k], now)
	}
}

func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}

// clientAddr is the request's remote host (without the port).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	name, pw := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	now := time.Now()
	nameKey, addrKey := "name:"+strings.ToLower(name), "addr:"+clientAddr(r)
	if d := max(s.signIns.wait(nameKey, throttlePerName, now), s.signIns.wait(addrKey, throttlePerAddr, now)); d > 0 {
		s.Index.Audit(r.Context(), truncate(name, 100), "login_throttled", "", r.RemoteAddr)
		w.Header().Set("Retry-After", fmt.Sprint(int(d.Seconds())+1))
		w.WriteHeader(http.StatusTooManyRequests)
		s.render(w, r, nil, "login.html", map[string]any{"Title": "Sign in", "Next": next, "Name": name,
			"Error": fmt.Sprintf("Too many failed sign-ins: try again in %d minutes.", int(d.Minutes())+1)})
		return
	}
	iu, ok, err := s.Index.User(r.Context(), name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hash := dummyHash()
	if ok {
		hash = []byte(iu.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(pw)) != nil || !ok || iu.Disabled {
		s.signIns.fail(now, nameKey, addrKey)
		s.Index.Audit(r.Context(), truncate(name, 100), "login_failed", "", r.RemoteAddr)
		w.WriteHeader(http.StatusUnauthorized)
		s.render(w, r, nil, "login.html", map[string]any{"Title": "Sign in", "Next": next, "Error": "Wrong name or password.", "Name": name})
		return
	}
	s.signIns.reset(nameKey)
	tok := NewSecret()
	exp := time.Now().Add(s.SessionTTL)
	if err := s.Index.AddSession(r.Context(), index.Session{TokenHash: HashSecret(tok), Name: iu.Name, CSRF: NewSecret(), Expires: exp}); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: tok, Path: "/", Expires: exp, HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
	s.Index.Audit(r.Context(), iu.Name, "login", "", r.RemoteAddr)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, u *User) {
	if c, err := r.Cookie(s.cookieName()); err == nil {
		s.Index.DeleteSession(r.Context(), HashSecret(c.Value))
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this site: a path, never //host or a scheme.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// NewAPIToken creates an API token for a user and returns it (shown once; only its hash is kept).
func NewAPIToken(ctx context.Context, x *index.Index, name, label string) (string, error) {
	tok := APITokenPrefix + NewSecret()
	if _, err := x.AddToken(ctx, HashSecret(tok), name, label); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return tok, nil
}
