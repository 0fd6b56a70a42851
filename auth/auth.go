package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
)

// Identity is a person as a chat platform knows them: verified by the
// platform, or by this package for the "web" platform.
type Identity struct {
	Platform string `json:"platform"`
	UserID   string `json:"user_id"`
	Name     string `json:"name"`
}

// Session is a signed-in browser. ID is the stored key (the hash of the
// cookie's value); CSRF must accompany every state-changing request.
type Session struct {
	ID       string
	Identity Identity
	CSRF     string
	Expires  time.Time
}

// Store keeps sign-in links and sessions.
type Store interface {
	// PutLink records a sign-in link by the hash of its token.
	PutLink(ctx context.Context, tokenHash string, id Identity, expires time.Time) error
	// TakeLink deletes the link and returns its identity, atomically, so a
	// link works once. It returns a errs.ENOTFOUND error when the link is
	// unknown, already used or expired at now.
	TakeLink(ctx context.Context, tokenHash string, now time.Time) (Identity, error)
	// PutSession records a session (replacing one with the same ID).
	PutSession(ctx context.Context, s Session) error
	// GetSession returns the session, or a errs.ENOTFOUND error when it
	// is unknown or expired at now.
	GetSession(ctx context.Context, id string, now time.Time) (Session, error)
	// DeleteSession removes a session; removing an unknown one is no error.
	DeleteSession(ctx context.Context, id string) error
}

// Options configure a Manager. Store is required.
type Options struct {
	Store Store
	// Now is the clock (default time.Now).
	Now func() time.Time
	// BaseURL is the public address of the web server, e.g.
	// "https://help.example.com"; links are absolute under it.
	BaseURL string
	// LinkTTL is how long a sign-in link works (default 15 minutes).
	LinkTTL time.Duration
	// SessionTTL is how long a session lasts (default 12 hours).
	SessionTTL time.Duration
	Logger     *slog.Logger
	// Demo, when it returns true, makes the "please sign in" page point to
	// /auth/demo.
	Demo func() bool
}

// Defaults for Options.
const (
	DefaultLinkTTL    = 15 * time.Minute
	DefaultSessionTTL = 12 * time.Hour
)

// CookieName is the session cookie.
const CookieName = "helpdesk_session"

// CSRFHeader is the header that carries the CSRF token on API requests;
// HTML forms send the field CSRFField instead.
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// Manager issues links, runs the sign-in routes and checks sessions.
type Manager struct {
	store      Store
	now        func() time.Time
	baseURL    string
	linkTTL    time.Duration
	sessionTTL time.Duration
	log        *slog.Logger
	demo       func() bool
}

// New returns a Manager. It fails only if o.Store is nil.
func New(o Options) (*Manager, error) {
	if o.Store == nil {
		return nil, errors.New("auth: a Manager needs a Store")
	}
	m := &Manager{
		store:      o.Store,
		now:        o.Now,
		baseURL:    strings.TrimRight(o.BaseURL, "/"),
		linkTTL:    o.LinkTTL,
		sessionTTL: o.SessionTTL,
		log:        o.Logger,
		demo:       o.Demo,
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.linkTTL <= 0 {
		m.linkTTL = DefaultLinkTTL
	}
	if m.sessionTTL <= 0 {
		m.sessionTTL = DefaultSessionTTL
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.demo == nil {
		m.demo = func() bool { return false }
	}
	return m, nil
}

// BaseURL returns the public address links are built on (no trailing slash).
func (m *Manager) BaseURL() string { return m.baseURL }

// newToken returns 32 random bytes, base64url encoded.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hash is the stored form of a token.
func hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Link records a one-time sign-in link for id and returns its absolute URL
// (relative when no BaseURL is set). After sign-in the browser goes to next
// when it is a local path, else to "/".
func (m *Manager) Link(ctx context.Context, id Identity, next string) (string, error) {
	if id.Platform == "" || id.UserID == "" {
		return "", errs.Errorf(errs.EINVALID, "A sign-in link needs a platform and a user id.")
	}
	token, err := newToken()
	if err != nil {
		return "", err
	}
	if err := m.store.PutLink(ctx, hash(token), id, m.now().Add(m.linkTTL)); err != nil {
		return "", fmt.Errorf("sign-in link for %s:%s: %w", id.Platform, id.UserID, err)
	}
	q := url.Values{"token": {token}}
	if next = safeNext(next); next != "/" {
		q.Set("next", next)
	}
	return m.baseURL + "/auth/signin?" + q.Encode(), nil
}

// safeNext keeps only local paths, so a link cannot send anyone elsewhere.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// Routes registers GET and POST /auth/signin, POST /auth/signout and GET
// /auth/please.
func (m *Manager) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/signin", m.handleSignInPage)
	mux.HandleFunc("POST /auth/signin", m.handleSignIn)
	mux.Handle("POST /auth/signout", m.Require(http.HandlerFunc(m.handleSignOut)))
	mux.HandleFunc("GET /auth/please", m.handlePlease)
}

// confirmCookie holds the random value the sign-in page's form must carry
// back (a double-submit token): a page on another site can neither read
// it nor, the cookie being SameSite=Strict, make the browser send it.
const confirmCookie = "helpdesk_signin"

// validToken reports whether s looks like a token newToken made.
func validToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// handleSignInPage answers a sign-in link. Opening the link signs nobody
// in and uses nothing up (link previews and checkers open links too): it
// shows a page whose button posts the token back (handleSignIn). So a link
// someone else sends cannot replace the session of a browser that opens
// it without its user pressing the button, told whose session it replaces.
func (m *Manager) handleSignInPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" || !validToken(token) {
		m.page(w, http.StatusBadRequest, "Sign-in link incomplete", "This sign-in link is incomplete or damaged. Ask the bot for a new one: send <code>/helpdesk web</code> or <code>web</code> in your chat with the help desk.")
		return
	}
	confirm := ""
	if c, err := r.Cookie(confirmCookie); err == nil && validToken(c.Value) {
		confirm = c.Value // another tab's page stays valid
	} else {
		var err error
		if confirm, err = newToken(); err != nil {
			m.log.Error("sign-in page", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: confirmCookie, Value: confirm, Path: "/auth/signin",
		MaxAge: int(m.linkTTL / time.Second), HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: m.secure(r)})
	body := "You opened a sign-in link from the help desk bot. Press the button to sign in."
	if s, ok := m.Session(r); ok {
		body = "This browser is signed in as <strong>" + html.EscapeString(s.Identity.Name) + "</strong> (" +
			html.EscapeString(s.Identity.Platform) + "). Signing in with this link ends that session. Continue only if you asked the help desk bot for this link yourself."
	}
	form := `</p><form method="post" action="/auth/signin">` +
		`<input type="hidden" name="token" value="` + html.EscapeString(token) + `">` +
		`<input type="hidden" name="next" value="` + html.EscapeString(safeNext(r.URL.Query().Get("next"))) + `">` +
		`<input type="hidden" name="` + confirmCookie + `" value="` + confirm + `">` +
		`<button type="submit">Sign in</button></form><p>`
	m.page(w, http.StatusOK, "Sign in to the help desk", body+form)
}

// sameOrigin refuses a form post another site makes the browser send
// (Fetch Metadata: Sec-Fetch-Site; else the Origin header, RFC 6454).
func sameOrigin(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if o == "null" || err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

// handleSignIn completes a sign-in from the page of handleSignInPage: the
// post must come from this site and carry the page's confirm value; then
// the link is used up and the session starts.
func (m *Manager) handleSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	token := r.PostFormValue("token")
	c, err := r.Cookie(confirmCookie)
	if !sameOrigin(r) || err != nil || !validToken(c.Value) ||
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(confirmCookie))) != 1 {
		m.log.Info("sign-in refused", "reason", "not confirmed from the sign-in page")
		m.page(w, http.StatusForbidden, "Sign-in not confirmed", "A sign-in must be confirmed on the page its link opens. Open the link from the help desk bot again and press <strong>Sign in</strong>.")
		return
	}
	if !validToken(token) {
		m.page(w, http.StatusBadRequest, "Sign-in link incomplete", "This sign-in link is incomplete or damaged. Ask the bot for a new one: send <code>/helpdesk web</code> or <code>web</code> in your chat with the help desk.")
		return
	}
	id, err := m.store.TakeLink(r.Context(), hash(token), m.now())
	if err != nil {
		if errs.Code(err) == errs.ENOTFOUND {
			m.log.Info("sign-in refused", "reason", "unknown, used or expired link")
			m.page(w, http.StatusForbidden, "Sign-in link not valid", "This sign-in link is unknown, was already used, or has expired. Ask the bot for a new one: send <code>/helpdesk web</code> or <code>web</code> in your chat with the help desk.")
			return
		}
		m.log.Error("sign-in", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := m.SignIn(w, r, id); err != nil {
		m.log.Error("sign-in", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: confirmCookie, Value: "", Path: "/auth/signin", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: m.secure(r)})
	m.log.Info("signed in", "platform", id.Platform, "user", id.UserID)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (m *Manager) handleSignOut(w http.ResponseWriter, r *http.Request) {
	s, _ := FromContext(r.Context())
	if err := m.store.DeleteSession(r.Context(), s.ID); err != nil {
		m.log.Error("sign-out", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: m.secure(r)})
	if wantsJSON(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, "/auth/please?out=1", http.StatusSeeOther)
}

func (m *Manager) handlePlease(w http.ResponseWriter, r *http.Request) {
	title, body := "Please sign in", "The help desk signs you in through your chat: send <code>/helpdesk web</code> (or <code>web</code>) to the help desk bot and open the link it sends you. Links work once and for a short time."
	if r.URL.Query().Get("out") != "" {
		title = "Signed out"
	}
	if m.demo() {
		body += ` <p>This is a demo: <a href="/auth/demo">pick a demo person to sign in as</a>.</p>`
	}
	m.page(w, http.StatusOK, title, body)
}

// page writes a small self-contained HTML page. body is trusted HTML.
func (m *Manager) page(w http.ResponseWriter, status int, title, body string) {
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, pageHTML, title, pageStyle, title, body)
}

// pageHeaders are the security headers of the sign-in pages: nothing but
// their own inline style (by its hash, CSP Level 3 hash-source), forms
// posting only here, no framing at all (frame-ancestors 'none' and
// X-Frame-Options DENY, RFC 7034), no sniffing, and no Referer to other
// sites (the address of a sign-in page holds a token). Not "no-referrer":
// under that policy browsers send "Origin: null" with the page's own form
// post (Fetch, "serializing a request origin"), which sameOrigin refuses.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src '"+pageStyleHash+"'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

const pageStyle = `body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1f2328;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002;padding:2rem;max-width:32rem;margin:1rem}
h1{font-size:1.4rem;margin-top:0}code{background:#eef;padding:0 .3em;border-radius:4px}a{color:#0b5cad}
button{font:inherit;background:#0b5cad;color:#fff;border:0;border-radius:8px;padding:.6rem 1.4rem;cursor:pointer}`

// pageStyleHash is the CSP hash-source of pageStyle.
var pageStyleHash = func() string {
	sum := sha256.Sum256([]byte(pageStyle))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}()

const pageHTML = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>%s · Help desk</title>
<style>%s</style>
</head><body><main><h1>%s</h1><p>%s</p></main></body></html>`

// SignIn starts a session for id and sets its cookie on w. Callers must
// have verified id themselves (a sign-in link, or a demo/visitor page).
func (m *Manager) SignIn(w http.ResponseWriter, r *http.Request, id Identity) error {
	_, err := m.StartSession(w, r, id)
	return err
}

// StartSession is SignIn that also returns the new session (for pages that
// render at once and need its CSRF token).
func (m *Manager) StartSession(w http.ResponseWriter, r *http.Request, id Identity) (Session, error) {
	raw, err := newToken()
	if err != nil {
		return Session{}, err
	}
	csrf, err := newToken()
	if err != nil {
		return Session{}, err
	}
	s := Session{ID: hash(raw), Identity: id, CSRF: csrf, Expires: m.now().Add(m.sessionTTL)}
	if err := m.store.PutSession(r.Context(), s); err != nil {
		return Session{}, fmt.Errorf("start session for %s:%s: %w", id.Platform, id.UserID, err)
	}
	// Replace the session this browser had, if any.
	if old, ok := m.Session(r); ok {
		if err := m.store.DeleteSession(r.Context(), old.ID); err != nil {
			m.log.Warn("delete replaced session", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: raw, Path: "/",
		Expires: s.Expires, MaxAge: int(m.sessionTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: m.secure(r),
	})
	return s, nil
}

// secure reports whether the cookie must be Secure: the request came over
// TLS, or through a proxy that says so for an https BaseURL.
func (m *Manager) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") && strings.HasPrefix(m.baseURL, "https://")
}

// Session returns the request's live session.
func (m *Manager) Session(r *http.Request) (Session, bool) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return Session{}, false
	}
	s, err := m.store.GetSession(r.Context(), hash(c.Value), m.now())
	if err != nil {
		if errs.Code(err) != errs.ENOTFOUND {
			m.log.Error("read session", "err", err)
		}
		return Session{}, false
	}
	return s, true
}

type ctxKey struct{}

// WithSession returns ctx carrying s (what Require does; for tests and
// handlers that check sessions themselves).
func WithSession(ctx context.Context, s Session) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// FromContext returns the session that Require put in the context.
func FromContext(ctx context.Context) (Session, bool) {
	s, ok := ctx.Value(ctxKey{}).(Session)
	return s, ok
}

// ErrCSRF is what CheckCSRF returns for a missing or wrong token.
var ErrCSRF = errors.New("missing or wrong CSRF token")

// CheckCSRF checks the CSRF token of a state-changing request against s:
// the X-CSRF-Token header or the csrf_token form field. GET, HEAD and
// OPTIONS pass.
func CheckCSRF(r *http.Request, s Session) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		ct := r.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data") {
			got = r.PostFormValue(CSRFField)
		}
	}
	if got == "" || s.CSRF == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) != 1 {
		return ErrCSRF
	}
	return nil
}

// Require lets through only requests with a live session, which it puts in
// the context (FromContext). Without one: 401 for API/JSON requests, a
// redirect to the "please sign in" page for pages. A state-changing request
// without the session's CSRF token gets 403.
func (m *Manager) Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := m.Session(r)
		if !ok {
			if wantsJSON(r) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
				writeJSONError(w, http.StatusUnauthorized, "sign in first: ask the help desk bot for a link (/helpdesk web)")
				return
			}
			http.Redirect(w, r, "/auth/please?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if err := CheckCSRF(r, s); err != nil {
			m.log.Info("request refused", "reason", "csrf", "path", r.URL.Path, "platform", s.Identity.Platform, "user", s.Identity.UserID)
			writeJSONError(w, http.StatusForbidden, err.Error())
			return
		}
		next.ServeHTTP(w, r.WithContext(WithSession(r.Context(), s)))
	})
}

// wantsJSON reports whether the request is an API call rather than a page.
func wantsJSON(r *http.Request) bool {
	if strings.Contains(r.URL.Path, "/api/") {
		return true
	}
	acc := r.Header.Get("Accept")
	return strings.Contains(acc, "application/json") || strings.Contains(acc, "text/event-stream") ||
		r.Header.Get("X-Requested-With") != ""
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// msg is our own text; quote it as a JSON string.
	fmt.Fprintf(w, "{\"error\":%q}\n", msg)
}

// SignInLink makes a sign-in link for a platform user; its signature fits
// bot.Options.SignInLink.
func (m *Manager) SignInLink(ctx context.Context, platform, user, name string) (string, error) {
	return m.Link(ctx, Identity{Platform: platform, UserID: user, Name: name}, "/")
}
