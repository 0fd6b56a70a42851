package web

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
)

//go:embed static templates
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{"initial": initial}).ParseFS(assets, "templates/*.html"))

// initial is the first letter of a name, for an avatar.
func initial(name string) string {
	for _, r := range name {
		return string(unicode.ToUpper(r))
	}
	return "?"
}

// securityHeaders are set on every page. Framing is refused
// (frame-ancestors 'none', X-Frame-Options DENY) except for the embed view
// (the widget's panel, /?embed=1), which the origins listed in
// platforms.web.frame_ancestors may frame, and no other site.
// (CSP Level 3 frame-ancestors: https://www.w3.org/TR/CSP3/#directive-frame-ancestors;
// X-Frame-Options: RFC 7034. Browsers that know frame-ancestors ignore
// X-Frame-Options, so it is sent only where framing is refused to all.)
func securityHeaders(w http.ResponseWriter, ancestors []string) {
	fa := frameAncestors(ancestors)
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors "+fa)
	if fa == "'none'" {
		h.Set("X-Frame-Options", "DENY")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}

// frameAncestors is the frame-ancestors source list for the origins, the
// ones `helpdesk check` accepts only; 'none' when that leaves none.
func frameAncestors(origins []string) string {
	var ok []string
	for _, o := range origins {
		if config.ValidFrameAncestor(o) {
			ok = append(ok, o)
		}
	}
	if len(ok) == 0 {
		return "'none'"
	}
	return strings.Join(ok, " ")
}

// framers returns the origins that may frame a page with data: the
// configured ones for the embed view, none for every other page.
func (p *Platform) framers(data any) []string {
	embed := false
	switch d := data.(type) {
	case indexData:
		embed = d.Embed
	case visitorData:
		embed = d.Embed
	case noticeData:
		embed = d.Embed
	}
	if w := p.config().Platforms.Web; embed && w != nil {
		return w.FrameAncestors
	}
	return nil
}

func (p *Platform) render(w http.ResponseWriter, status int, name string, data any) {
	securityHeaders(w, p.framers(data))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		p.log.Error("render page", "page", name, "err", err)
	}
}

type indexData struct {
	Embed bool
	Desk  string
	// Lang and L: the chat's own labels in the visitor's language
	// (bot.Labels, from the browser's Accept-Language).
	Lang string
	L    map[string]string
}

type visitorData struct {
	Embed bool
	Desk  string
	Desks []*config.Desk
	Demo  bool
	Error string
}

type noticeData struct {
	Title, Text, Link, LinkText string
	// Embed: shown in the widget's panel (a visitor sign-in from it).
	Embed bool
}

func (p *Platform) handleIndex(w http.ResponseWriter, r *http.Request) {
	cfg := p.config()
	q := r.URL.Query()
	embed := q.Get("embed") == "1"
	desk := q.Get("desk")
	if cfg.Desk(desk) == nil {
		desk = ""
	}
	s, ok := p.auth.Session(r)
	if !ok {
		if len(visitorDesks(cfg)) > 0 && (embed || !demoOn(cfg)) {
			p.render(w, http.StatusOK, "visitor.html", visitorData{Embed: embed, Desk: desk, Desks: visitorDesks(cfg), Demo: demoOn(cfg)})
			return
		}
		if demoOn(cfg) {
			http.Redirect(w, r, "/auth/demo", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/auth/please?next=/", http.StatusSeeOther)
		return
	}
	if s.Identity.Platform != Name {
		n := noticeData{Title: "Chat on " + s.Identity.Platform, Embed: embed,
			Text: "You signed in through " + s.Identity.Platform + ". Talk to the help desk bot there; the web chat is for people without a chat account."}
		if p.centerURL != "" {
			n.Link, n.LinkText = p.centerURL, "Open the Ticket Center"
		}
		p.render(w, http.StatusOK, "notice.html", n)
		return
	}
	lang, labels := bot.Labels(locale(r))
	p.render(w, http.StatusOK, "index.html", indexData{Embed: embed, Desk: desk, Lang: lang, L: labels})
}

func (p *Platform) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.PathValue("file"))
	data, err := fs.ReadFile(assets, "static/"+name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(data)
}

// handleWidget serves the embeddable widget script. It is loaded by other
// sites, so it may be fetched from anywhere.
func (p *Platform) handleWidget(w http.ResponseWriter, r *http.Request) {
	data, err := fs.ReadFile(assets, "static/widget.js")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(data)
}

// sameOrigin refuses cross-site form posts on the sign-in pages (which have
// no session, hence no CSRF token, yet).
func sameOrigin(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

// cleanName keeps a typed display name short and printable.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '<' || r == '>' || r == '@' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	s = strings.Join(strings.Fields(s), " ")
	if rs := []rune(s); len(rs) > 60 {
		s = string(rs[:60])
	}
	return s
}

func (p *Platform) handleVisitor(w http.ResponseWriter, r *http.Request) {
	cfg := p.config()
	desks := visitorDesks(cfg)
	if !sameOrigin(r) {
		http.Error(w, "cross-site request refused", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	desk := r.PostFormValue("desk")
	embed := r.PostFormValue("embed") == "1"
	if len(desks) == 0 || (desk != "" && !containsDesk(desks, desk)) {
		p.render(w, http.StatusForbidden, "notice.html", noticeData{Title: "Not open to visitors",
			Text: "This help desk is for signed-in people only.", Embed: embed})
		return
	}
	if !p.visitors.allow(clientAddr(r)) {
		p.log.Warn("visitor sign-ins rate limited", "addr", clientAddr(r))
		w.Header().Set("Retry-After", "60")
		p.render(w, http.StatusTooManyRequests, "notice.html", noticeData{Title: "Too many sign-ins",
			Text: "Too many visitors started a chat from your network just now. Please try again in a minute.", Embed: embed})
		return
	}
	name := cleanName(r.PostFormValue("name"))
	if name == "" {
		name = "Visitor"
	}
	id := auth.Identity{Platform: Name, UserID: "visitor-" + randomHex(8), Name: name}
	if err := p.auth.SignIn(w, r, id); err != nil {
		p.log.Error("visitor sign-in", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p.log.Info("visitor signed in", "user", id.UserID)
	q := url.Values{}
	if desk != "" {
		q.Set("desk", desk)
	}
	if embed {
		q.Set("embed", "1")
	}
	next := "/"
	if len(q) > 0 {
		next += "?" + q.Encode()
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func containsDesk(ds []*config.Desk, id string) bool {
	for _, d := range ds {
		if d.ID == id {
			return true
		}
	}
	return false
}

type demoData struct {
	People   []Person
	Visitors bool
}

func (p *Platform) handleDemoPage(w http.ResponseWriter, r *http.Request) {
	cfg := p.config()
	if !demoOn(cfg) {
		http.NotFound(w, r)
		return
	}
	p.render(w, http.StatusOK, "demo.html", demoData{People: People(cfg), Visitors: len(visitorDesks(cfg)) > 0})
}

// handleDemoSignIn signs in as a demo person: only with platforms.web.demo,
// only as someone the config names, or as a new employee.
func (p *Platform) handleDemoSignIn(w http.ResponseWriter, r *http.Request) {
	cfg := p.config()
	if !demoOn(cfg) {
		http.NotFound(w, r)
		return
	}
	if !sameOrigin(r) {
		http.Error(w, "cross-site request refused", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	var id auth.Identity
	if who := r.PostFormValue("who"); who != "" {
		pe, ok := person(cfg, who)
		if !ok {
			p.render(w, http.StatusForbidden, "notice.html", noticeData{Title: "Unknown demo person",
				Text: "That person is not in the configuration.", Link: "/auth/demo", LinkText: "Back to the demo people"})
			return
		}
		id = auth.Identity{Platform: Name, UserID: pe.ID, Name: pe.Name}
	} else {
		name := cleanName(r.PostFormValue("name"))
		if name == "" {
			name = "Sam"
		}
		slug := strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return unicode.ToLower(r)
			}
			if r == ' ' || r == '-' || r == '.' {
				return '.'
			}
			return -1
		}, name)
		if slug == "" {
			slug = "employee"
		}
		id = auth.Identity{Platform: Name, UserID: slug + "@demo", Name: name}
		if _, taken := person(cfg, id.UserID); taken {
			id.UserID = slug + "-" + randomHex(2) + "@demo"
		}
	}
	if err := p.auth.SignIn(w, r, id); err != nil {
		p.log.Error("demo sign-in", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p.log.Info("demo sign-in", "user", id.UserID)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// DemoLink returns a one-time sign-in link for the first admin the config
// names on the web, for `helpdesk run` to print on a demo config; "" when
// the config is not a demo (platforms.web.demo) or names no web admin.
func (p *Platform) DemoLink(ctx context.Context) (string, error) {
	cfg := p.config()
	if !demoOn(cfg) {
		return "", nil
	}
	for _, pe := range People(cfg) {
		if pe.Role == "admin" {
			return p.auth.Link(ctx, auth.Identity{Platform: Name, UserID: pe.ID, Name: pe.Name}, "/")
		}
	}
	return "", nil
}

// LinkFor returns a one-time sign-in link for a web person the config names
// (an agent, an admin, or a user a desk is available to). Anyone else gets a
// errs.ENOTFOUND error.
func (p *Platform) LinkFor(ctx context.Context, webID, next string) (string, error) {
	pe, ok := person(p.config(), webID)
	if !ok {
		return "", errs.Errorf(errs.ENOTFOUND, "%s is not a web user in the configuration.", webID)
	}
	return p.auth.Link(ctx, auth.Identity{Platform: Name, UserID: pe.ID, Name: pe.Name}, next)
}
