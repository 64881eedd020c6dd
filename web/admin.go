package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/parley-cc/parley/index"
)

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, u *User) {
	users, err := s.Index.Users(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, u, "users.html", map[string]any{"Title": "Users", "Users": users, "Done": r.URL.Query().Get("done"),
		"Roles": []string{RoleAdmin, RoleQA, RoleCoach, RoleOps, RoleAgent}})
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request, u *User) {
	nu := index.User{Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role"), Agent: strings.TrimSpace(r.PostFormValue("agent"))}
	if err := ValidUser(nu); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	hash, err := HashPassword(r.PostFormValue("password"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	nu.PasswordHash = hash
	if err := s.Index.AddUser(r.Context(), nu); err != nil {
		if errors.Is(err, index.ErrExists) {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.audit(r, u, "user_add", nu.Name, "role "+nu.Role)
	http.Redirect(w, r, "/admin/users?done="+url.QueryEscape("added "+nu.Name+" ("+nu.Role+")"), http.StatusSeeOther)
}

// ValidUser checks a new user's name, role and agent link.
func ValidUser(u index.User) error {
	switch {
	case u.Name == "" || len(u.Name) > 64 || strings.ContainsAny(u.Name, " \t\r\n/:"):
		return errors.New("a user name has 1–64 characters and no spaces, slashes or colons")
	case !ValidRole(u.Role):
		return fmt.Errorf("role %q (want admin, qa, coach, ops or agent)", u.Role)
	case u.Role == RoleAgent && u.Agent == "":
		return errors.New("an agent user needs the agent id their calls are filed under")
	}
	return nil
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, u *User) {
	log, err := s.Index.AuditLog(r.Context(), 500)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, u, "audit.html", map[string]any{"Title": "Audit log", "Entries": log})
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, u *User) {
	toks, err := s.Index.Tokens(r.Context(), u.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, u, "account.html", map[string]any{"Title": "Account", "Tokens": toks})
}

func (s *Server) addToken(w http.ResponseWriter, r *http.Request, u *User) {
	label := strings.TrimSpace(r.PostFormValue("label"))
	if len(label) > 100 {
		http.Error(w, "a label has at most 100 characters", http.StatusBadRequest)
		return
	}
	tok, err := NewAPIToken(r.Context(), s.Index, u.Name, label)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, u, "token_add", u.Name, label)
	toks, err := s.Index.Tokens(r.Context(), u.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, u, "account.html", map[string]any{"Title": "Account", "Tokens": toks, "NewToken": tok})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, u *User) {
	if err := s.Index.DeleteToken(r.Context(), u.Name, r.PathValue("tid")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r, u, "token_revoke", u.Name, r.PathValue("tid"))
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// API: JSON for scripts, with the same filters and access rules as the pages.
