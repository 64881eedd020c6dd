package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/parley-cc/parley/index"
)

func (s *Server) libraryPage(w http.ResponseWriter, r *http.Request, u *User) {
	q := r.URL.Query()
	f, problems := filterFrom(q, u)
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		page = n
	}
	data := map[string]any{"Title": "Library", "Q": q, "Problems": problems, "Page": page}
	if text := strings.TrimSpace(q.Get("q")); text != "" {
		hits, more, err := s.Index.Search(r.Context(), index.Query{Text: text, Speaker: q.Get("speaker"), Filter: f}, (page-1)*20, 20)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Hits"], data["More"], data["Searched"] = hits, more, true
		data["Next"], data["Prev"] = withQuery(q, "page", strconv.Itoa(page+1)), withQuery(q, "page", strconv.Itoa(page-1))
	}
	if item := q.Get("item"); item != "" {
		best, worst, err := s.Index.ItemExamples(r.Context(), item, f, 5)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Best"], data["Worst"], data["Item"] = best, worst, item
	}
	facets, err := s.facetsFor(r, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Facets"] = facets
	s.render(w, r, u, "library.html", data)
}

// Snippet turns a search snippet into HTML: the text escaped, the matches marked.
func Snippet(s string) template.HTML {
	esc := template.HTMLEscapeString(s)
	esc = strings.ReplaceAll(esc, index.MarkStart, "<mark>")
	esc = strings.ReplaceAll(esc, index.MarkEnd, "</mark>")
	return template.HTML(esc)
}

func (s *Server) collectionsPage(w http.ResponseWriter, r *http.Request, u *User) {
	cols, err := s.Index.Collections(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, u, "collections.html", map[string]any{"Title": "Collections", "Collections": cols})
}

func (s *Server) createCollection(w http.ResponseWriter, r *http.Request, u *User) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 200 {
		http.Error(w, "a collection needs a name (at most 200 characters)", http.StatusBadRequest)
		return
	}
	id, err := s.Index.CreateCollection(r.Context(), name, u.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/collections/"+id, http.StatusSeeOther)
}

func (s *Server) collectionPage(w http.ResponseWriter, r *http.Request, u *User) {
	c, ok, err := s.Index.Collection(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		s.errorPage(w, r, u, http.StatusNotFound, "Not found", "No such collection.")
		return
	}
	s.render(w, r, u, "collection.html", map[string]any{"Title": c.Name, "C": c, "Link": "/collections/" + c.ID})
}

func (s *Server) addClip(w http.ResponseWriter, r *http.Request, u *User) {
	col := r.PathValue("id")
	if _, ok, err := s.Index.Collection(r.Context(), col); err != nil || !ok {
		http.Error(w, "no such collection", http.StatusNotFound)
		return
	}
	call, ok, err := s.Index.Call(r.Context(), r.PostFormValue("call"))
	if err != nil || !ok {
		http.Error(w, "no such call", http.StatusBadRequest)
		return
	}
	start, err1 := strconv.ParseFloat(r.PostFormValue("start"), 64)
	end, err2 := strconv.ParseFloat(r.PostFormValue("end"), 64)
	if err1 != nil || err2 != nil || start < 0 || end <= start || end > call.DurationS+1 {
		http.Error(w, fmt.Sprintf("a clip runs from a start to a later end within the call (0–%.1f s)", call.DurationS), http.StatusBadRequest)
		return
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if len(note) > 2000 {
		http.Error(w, "a note has at most 2,000 characters", http.StatusBadRequest)
		return
	}
	if err := s.Index.AddClip(r.Context(), index.Clip{Collection: col, Call: call.ID, Start: start, End: end, Note: note, AddedBy: u.Name}); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/collections/"+col, http.StatusSeeOther)
}
