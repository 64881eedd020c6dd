package index

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// User is a person who signs in to the review app. PasswordHash is a bcrypt hash; Agent links an agent
// user to the calls filed under that agent id.
type User struct {
	Name, PasswordHash, Role, Agent string
	CreatedAt                       time.Time
	Disabled                        bool
}

// ErrExists is returned when a user of that name exists already.
var ErrExists = errors.New("exists already")

// AddUser creates a user.
func (x *Index) AddUser(ctx context.Context, u User) error {
	_, err := x.db.ExecContext(ctx, x.bind(`INSERT INTO users (name, password_hash, role, agent, created_at) VALUES (?, ?, ?, ?, ?)`),
		u.Name, u.PasswordHash, u.Role, u.Agent, fmtTime(time.Now()))
	if err != nil && (strings.Contains(err.Error(), "UNIQUE") || strings.Contains(err.Error(), "duplicate key")) {
		return fmt.Errorf("user %q: %w", u.Name, ErrExists)
	}
	return err
}

// SetPassword replaces a user's password hash and ends their sessions.
func (x *Index) SetPassword(ctx context.Context, name, hash string) error {
	res, err := x.db.ExecContext(ctx, x.bind(`UPDATE users SET password_hash = ? WHERE name = ?`), hash, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %q: %w", name, sql.ErrNoRows)
	}
	_, err = x.db.ExecContext(ctx, x.bind(`DELETE FROM sessions WHERE name = ?`), name)
	return err
}

// User returns a user by name.
func (x *Index) User(ctx context.Context, name string) (User, bool, error) {
	var u User
	var at string
	var dis int
	err := x.db.QueryRowContext(ctx, x.bind(`SELECT name, password_hash, role, agent, created_at, disabled FROM users WHERE name = ?`), name).
		Scan(&u.Name, &u.PasswordHash, &u.Role, &u.Agent, &at, &dis)
	if err == sql.ErrNoRows {
		return u, false, nil
	}
	u.CreatedAt, u.Disabled = parseTime(at), dis == 1
	return u, err == nil, err
}

// Users lists every user by name.
func (x *Index) Users(ctx context.Context) ([]User, error) {
	return collect(ctx, x.db, `SELECT name, role, agent, created_at, disabled FROM users ORDER BY name`, nil,
		func(rows *sql.Rows) (u User, err error) {
			var at string
			var dis int
			err = rows.Scan(&u.Name, &u.Role, &u.Agent, &at, &dis)
			u.CreatedAt, u.Disabled = parseTime(at), dis == 1
			return u, err
		})
}

// Session is a signed-in browser: the hash of its cookie's token, and the token its forms carry
// against cross-site request forgery.
type Session struct {
	TokenHash, Name, CSRF string
	Expires               time.Time
}

// AddSession stores a session.
func (x *Index) AddSession(ctx context.Context, s Session) error {
	_, err := x.db.ExecContext(ctx, x.bind(`INSERT INTO sessions (token_hash, name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
		s.TokenHash, s.Name, s.CSRF, fmtTime(time.Now()), fmtTime(s.Expires))
	return err
}

// Session returns an unexpired session by its token hash.
func (x *Index) Session(ctx context.Context, tokenHash string) (Session, bool, error) {
	s := Session{TokenHash: tokenHash}
	var exp string
	err := x.db.QueryRowContext(ctx, x.bind(`SELECT name, csrf, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?`), tokenHash, fmtTime(time.Now())).
		Scan(&s.Name, &s.CSRF, &exp)
	if err == sql.ErrNoRows {
		return s, false, nil
	}
	s.Expires = parseTime(exp)
	return s, err == nil, err
}

// DeleteSession signs a session out; it also clears expired sessions.
func (x *Index) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := x.db.ExecContext(ctx, x.bind(`DELETE FROM sessions WHERE token_hash = ? OR expires_at <= ?`), tokenHash, fmtTime(time.Now()))
	return err
}

// Token is an API token for scripts; only its hash is stored.
type Token struct {
	ID, Name, Label     string
	CreatedAt, LastUsed time.Time
}

// AddToken stores an API token's hash for a user and returns the token's id.
func (x *Index) AddToken(ctx context.Context, tokenHash, name, label string) (string, error) {
	id := NewID()[:12]
	_, err := x.db.ExecContext(ctx, x.bind(`INSERT INTO api_tokens (token_hash, id, name, label, created_at) VALUES (?, ?, ?, ?, ?)`),
		tokenHash, id, name, label, fmtTime(time.Now()))
	return id, err
}

// TokenUser returns the user an API token belongs to, and marks the token used.
func (x *Index) TokenUser(ctx context.Context, tokenHash string) (string, bool, error) {
	var name string
	err := x.db.QueryRowContext(ctx, x.bind(`SELECT name FROM api_tokens WHERE token_hash = ?`), tokenHash).Scan(&name)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	_, err = x.db.ExecContext(ctx, x.bind(`UPDATE api_tokens SET last_used = ? WHERE token_hash = ?`), fmtTime(time.Now()), tokenHash)
	return name, true, err
}

// Tokens lists a user's API tokens.
func (x *Index) Tokens(ctx context.Context, name string) ([]Token, error) {
	return collect(ctx, x.db, x.bind(`SELECT id, name, label, created_at, last_used FROM api_tokens WHERE name = ? ORDER BY created_at`), []any{name},
		func(rows *sql.Rows) (t Token, err error) {
			var created, used string
			err = rows.Scan(&t.ID, &t.Name, &t.Label, &created, &used)
			t.CreatedAt, t.LastUsed = parseTime(created), parseTime(used)
			return t, err
		})
}

// DeleteToken revokes one of a user's tokens.
func (x *Index) DeleteToken(ctx context.Context, name, id string) error {
	_, err := x.db.ExecContext(ctx, x.bind(`DELETE FROM api_tokens WHERE name = ? AND id = ?`), name, id)
	return err
}

// AuditEntry is one recorded action: overrides, admin actions, sign-ins.
type AuditEntry struct {
	At                            time.Time
	Actor, Action, Target, Detail string
}

// Audit records an action.
func (x *Index) Audit(ctx context.Context, actor, action, target, detail string) error {
	_, err := x.db.ExecContext(ctx, x.bind(`INSERT INTO audit (id, at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)`),
		NewID(), stamp(time.Now()), actor, action, target, detail)
	return err
}

// AuditLog returns the latest entries, newest first.
func (x *Index) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	return collect(ctx, x.db, fmt.Sprintf(`SELECT at, actor, action, target, detail FROM audit ORDER BY at DESC LIMIT %d`, limit), nil,
		func(rows *sql.Rows) (e AuditEntry, err error) {
			var at string
			err = rows.Scan(&at, &e.Actor, &e.Action, &e.Target, &e.Detail)
			e.At, _ = time.Parse(stampFormat, at)
			return e, err
		})
}
