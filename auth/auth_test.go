package auth_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/internal/clocktest"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

var ada = auth.Identity{Platform: "web", UserID: "ada@example.com", Name: "Ada"}

type env struct {
	m     *auth.Manager
	store *sqlite.Store
	clock *clocktest.Clock
	mux   *http.ServeMux
	// calls counts requests that reached the protected handler.
	mu    sync.Mutex
	calls []string
}

func newEnv(t *testing.T, baseURL string) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{store: st, clock: clocktest.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), mux: http.NewServeMux()}
	if e.m, err = auth.New(auth.Options{Store: st, Now: e.clock.Now, BaseURL: baseURL}); err != nil {
		t.Fatal(err)
	}
	e.m.Routes(e.mux)
	e.mux.Handle("/app/", e.m.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := auth.FromContext(r.Context())
		if !ok {
			t.Error("Require passed a request without a session in its context")
		}
		e.mu.Lock()
		e.calls = append(e.calls, r.Method+" "+s.Identity.UserID)
		e.mu.Unlock()
		w.Write([]byte("ok " + s.Identity.UserID))
	})))
	return e
}

func (e *env) do(t *testing.T, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return w
}

func (e *env) nCalls() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.calls)
}

// link makes a sign-in link and returns its path and query.
func (e *env) link(t *testing.T, next string) string {
	t.Helper()
	l, err := e.m.Link(context.Background(), ada, next)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(l)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l, "http://help.test/auth/signin?") {
		t.Fatalf("link %q is not absolute under the base URL", l)
	}
	return u.RequestURI()
}

func sessionCookie(w *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == auth.CookieName && c.Value != "" {
			return c
		}
	}
	return nil
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// confirm opens a link as a browser does: the GET shows the sign-in page
// (which must sign nobody in), and pressing its button posts its form
// back. mod, if set, changes both requests (cookies, TLS, headers).
func (e *env) confirm(t *testing.T, path string, mod func(*http.Request)) (page, result *httptest.ResponseRecorder) {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	if mod != nil {
		mod(r)
	}
	page = e.do(t, r)
	if sessionCookie(page) != nil {
		t.Fatalf("opening the link set a session cookie")
	}
	if page.Code != http.StatusOK {
		return page, page
	}
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page.Body.String(), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	r = httptest.NewRequest("POST", "/auth/signin", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// What a browser sends with the page's own form post.
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "http://"+r.Host)
	for _, c := range page.Result().Cookies() {
		r.AddCookie(c)
	}
	if mod != nil {
		mod(r)
	}
	return page, e.do(t, r)
}

// signIn follows a fresh link and returns the session cookie.
func (e *env) signIn(t *testing.T) *http.Cookie {
	t.Helper()
	_, w := e.confirm(t, e.link(t, "/app/x"), nil)
	c := sessionCookie(w)
	if w.Code != http.StatusSeeOther || c == nil {
		t.Fatalf("sign-in: %d, cookie %v", w.Code, c)
	}
	return c
}

func TestLinkSignsInOnceAndSetsCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "http://help.test/")
	path := e.link(t, "/app/tickets?x=1")

	// A link checker's HEAD must not use the link up.
	if w := e.do(t, httptest.NewRequest("HEAD", path, nil)); sessionCookie(w) != nil {
		t.Fatal("HEAD signed in")
	}
	page, w := e.confirm(t, path, nil)
	if !strings.Contains(page.Body.String(), `<button type="submit">Sign in</button>`) {
		t.Fatalf("the link's page has no Sign in button: %s", page.Body.String())
	}
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/app/tickets?x=1" {
		t.Fatalf("sign-in: %d to %q, want 303 to /app/tickets?x=1", w.Code, w.Header().Get("Location"))
	}
	c := sessionCookie(w)
	if c == nil {
		t.Fatal("no session cookie")
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
		t.Errorf("cookie HttpOnly=%v SameSite=%v Secure=%v Path=%q; want HttpOnly, Lax, not Secure over plain HTTP, /",
			c.HttpOnly, c.SameSite, c.Secure, c.Path)
	}
	r := httptest.NewRequest("GET", "/app/x", nil)
	r.AddCookie(c)
	if w := e.do(t, r); w.Code != 200 || w.Body.String() != "ok ada@example.com" {
		t.Fatalf("page with session: %d %q", w.Code, w.Body.String())
	}

	// The same link again: refused, no cookie.
	_, w = e.confirm(t, path, nil)
	if w.Code != http.StatusForbidden || sessionCookie(w) != nil {
		t.Fatalf("reused link: %d, cookie %v; want 403 and none", w.Code, sessionCookie(w))
	}
	if !strings.Contains(w.Body.String(), "already used") {
		t.Errorf("reused link page does not say why: %s", w.Body.String())
	}
}

func TestRefusedLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "http://help.test")
	expired := e.link(t, "/")
	e.clock.Advance(auth.DefaultLinkTTL + time.Second)
	live := e.link(t, "/")
	liveToken, _ := url.ParseQuery(strings.SplitN(live, "?", 2)[1])
	tests := []struct{ name, path string }{
		{"forged", "/auth/signin?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"no token", "/auth/signin"},
		{"expired", expired},
		{"tampered", "/auth/signin?token=" + liveToken.Get("token")[1:] + "x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, w := e.confirm(t, tc.path, nil)
			if w.Code < 400 || sessionCookie(w) != nil {
				t.Fatalf("%s link: %d, cookie %v; want refusal, no cookie", tc.name, w.Code, sessionCookie(w))
			}
		})
	}
	// The refusals did not use up the live link.
	if _, w := e.confirm(t, live, nil); sessionCookie(w) == nil {
		t.Fatalf("live link refused after the others: %d", w.Code)
	}
}

func TestNextStaysLocal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "http://help.test")
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		_, w := e.confirm(t, e.link(t, next), nil)
		if loc := w.Header().Get("Location"); loc != "/" {
			t.Errorf("next %q redirected to %q, want /", next, loc)
		}
	}
}

func TestRequire(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "http://help.test")
	c := e.signIn(t)
	// Read the CSRF token the way a page would: from the session.
	r0 := httptest.NewRequest("GET", "/", nil)
	r0.AddCookie(c)
	s, ok := e.m.Session(r0)
	if !ok || s.CSRF == "" {
		t.Fatal("no session for the cookie")
	}

	form := func(v string) *http.Request {
		r := httptest.NewRequest("POST", "/app/x", strings.NewReader(url.Values{"csrf_token": {v}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	header := func(method, v string) *http.Request {
		r := httptest.NewRequest(method, "/app/x", strings.NewReader("{}"))
		r.Header.Set("Content-Type", "application/json")
		if v != "" {
			r.Header.Set(auth.CSRFHeader, v)
		}
		return r
	}
	tests := []struct {
		name    string
		req     *http.Request
		cookie  bool
		want    int
		reaches bool
	}{
		{"page without session", httptest.NewRequest("GET", "/app/x", nil), false, http.StatusSeeOther, false},
		{"api without session", httptest.NewRequest("GET", "/app/api/x", nil), false, http.StatusUnauthorized, false},
		{"post without session", header("POST", s.CSRF), false, http.StatusUnauthorized, false},
		{"get with session", httptest.NewRequest("GET", "/app/x", nil), true, 200, true},
		{"post without csrf", header("POST", ""), true, http.StatusForbidden, false},
		{"delete without csrf", header("DELETE", ""), true, http.StatusForbidden, false},
		{"post with wrong csrf", header("POST", s.CSRF+"x"), true, http.StatusForbidden, false},
		{"form with wrong csrf", form("nope"), true, http.StatusForbidden, false},
		{"post with csrf header", header("POST", s.CSRF), true, 200, true},
		{"form with csrf field", form(s.CSRF), true, 200, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cookie {
				tc.req.AddCookie(c)
			}
			before := e.nCalls()
			w := e.do(t, tc.req)
			if w.Code != tc.want {
				t.Fatalf("%d, want %d: %s", w.Code, tc.want, w.Body.String())
			}
			if reached := e.nCalls() > before; reached != tc.reaches {
				t.Fatalf("handler reached = %v, want %v", reached, tc.reaches)
			}
		})
	}
	if loc := e.do(t, httptest.NewRequest("GET", "/app/x?a=1", nil)).Header().Get("Location"); !strings.HasPrefix(loc, "/auth/please?next=") {
		t.Errorf("page without session redirected to %q", loc)
	}
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "http://help.test")
	c := e.signIn(t)
	e.clock.Advance(auth.DefaultSessionTTL - time.Minute)
	r := httptest.NewRequest("GET", "/app/api/x", nil)
	r.AddCookie(c)
	if w := e.do(t, r); w.Code != 200 {
		t.Fatalf("before expiry: %d", w.Code)
	}
	e.clock.Advance(2 * time.Minute)
	r = httptest.NewRequest("GET", "/app/api/x", nil)
	r.AddCookie(c)
	if w := e.do(t, r); w.Code != http.StatusUnauthorized {
		t.Fatalf("after expiry: %d, want 401", w.Code)
	}
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "http://help.test")
	c := e.signIn(t)
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c)
	s, _ := e.m.Session(r)

	// Without the CSRF token a page elsewhere cannot sign you out.
	r = httptest.NewRequest("POST", "/auth/signout", nil)
	r.AddCookie(c)
	if w := e.do(t, r); w.Code != http.StatusForbidden {
		t.Fatalf("sign-out without csrf: %d, want 403", w.Code)
	}
	r = httptest.NewRequest("GET", "/app/x", nil)
	r.AddCookie(c)
	if w := e.do(t, r); w.Code != 200 {
		t.Fatalf("session gone after refused sign-out: %d", w.Code)
	}

	r = httptest.NewRequest("POST", "/auth/signout", nil)
	r.Header.Set(auth.CSRFHeader, s.CSRF)
	r.AddCookie(c)
	if w := e.do(t, r); w.Code != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", w.Code)
	}
	r = httptest.NewRequest("GET", "/app/api/x", nil)
	r.AddCookie(c)
	if w := e.do(t, r); w.Code != http.StatusUnauthorized {
		t.Fatalf("after sign-out: %d, want 401", w.Code)
	}
}

func TestSecureCookie(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, base string
		tls        bool
		proto      string
		want       bool
	}{
		{"plain", "http://help.test", false, "", false},
		{"tls", "https://help.test", true, "", true},
		{"proxy https", "https://help.test", false, "https", true},
		{"proxy header but http base", "http://help.test", false, "https", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.base)
			l, err := e.m.Link(context.Background(), ada, "/")
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(l)
			_, w := e.confirm(t, u.RequestURI(), func(r *http.Request) {
				if tc.tls {
					r.TLS = &tls.ConnectionState{}
				}
				if tc.proto != "" {
					r.Header.Set("X-Forwarded-Proto", tc.proto)
				}
			})
			c := sessionCookie(w)
			if c == nil || c.Secure != tc.want {
				t.Fatalf("cookie %v, want Secure=%v", c, tc.want)
			}
		})
	}
}

func TestOnlyHashesStored(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "http://help.test")
	path := e.link(t, "/")
	q, _ := url.ParseQuery(strings.SplitN(path, "?", 2)[1])
	token := q.Get("token")
	// The raw token is not a key of the store.
	if _, err := e.store.TakeLink(context.Background(), token, e.clock.Now()); err == nil {
		t.Fatal("the raw token is stored as the key")
	}
	_, w := e.confirm(t, path, nil)
	c := sessionCookie(w)
	if c == nil {
		t.Fatal("no cookie")
	}
	if _, err := e.store.GetSession(context.Background(), c.Value, e.clock.Now()); err == nil {
		t.Fatal("the raw cookie value is stored as the session id")
	}
}

func TestNewWithoutStoreFails(t *testing.T) {
	t.Parallel()
	if m, err := auth.New(auth.Options{}); err == nil || m != nil {
		t.Fatalf("New without a Store = %v, %v; want an error", m, err)
	}
}

// TestOpeningALinkDoesNotReplaceTheSession: a link someone else sends (for
// their own account) does not sign in the browser that opens it: the page
// says whose session it would end, and only its button does that.
func TestOpeningALinkDoesNotReplaceTheSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "http://help.test")
	mine := e.signIn(t)
	l, err := e.m.Link(context.Background(), auth.Identity{Platform: "web", UserID: "mallory@example.com", Name: "Mallory"}, "/app/x")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(l)
	r := httptest.NewRequest("GET", u.RequestURI(), nil)
	r.AddCookie(mine)
	w := e.do(t, r)
	if w.Code != 200 || sessionCookie(w) != nil {
		t.Fatalf("opening the link: %d, cookie %v; want the page and no new session", w.Code, sessionCookie(w))
	}
	if !strings.Contains(w.Body.String(), "signed in as <strong>Ada</strong>") {
		t.Errorf("the page does not say whose session the link would end: %s", w.Body.String())
	}
	r = httptest.NewRequest("GET", "/app/x", nil)
	r.AddCookie(mine)
	if w := e.do(t, r); w.Body.String() != "ok ada@example.com" {
		t.Fatalf("after opening someone else's link the browser is %q, want still Ada", w.Body.String())
	}
}

// TestSignInPostMustComeFromTheSignInPage: a post to /auth/signin made by
// another site (or without the page's confirm value) signs nobody in and
// leaves the link usable.
func TestSignInPostMustComeFromTheSignInPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "http://help.test")
	path := e.link(t, "/")
	q, _ := url.ParseQuery(strings.SplitN(path, "?", 2)[1])
	page := e.do(t, httptest.NewRequest("GET", path, nil))
	var confirm *http.Cookie
	for _, c := range page.Result().Cookies() {
		if c.Name == "helpdesk_signin" {
			confirm = c
		}
	}
	if confirm == nil || !confirm.HttpOnly || confirm.SameSite != http.SameSiteStrictMode {
		t.Fatalf("confirm cookie %v, want HttpOnly SameSite=Strict", confirm)
	}
	post := func(field string, cookie bool, hdr map[string]string) *httptest.ResponseRecorder {
		form := url.Values{"token": {q.Get("token")}, "helpdesk_signin": {field}}
		r := httptest.NewRequest("POST", "/auth/signin", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie {
			r.AddCookie(confirm)
		}
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		return e.do(t, r)
	}
	tests := []struct {
		name   string
		field  string
		cookie bool
		hdr    map[string]string
	}{
		{"no confirm cookie (a cross-site form)", confirm.Value, false, nil},
		{"wrong confirm value", strings.Repeat("A", 43), true, nil},
		{"no confirm value", "", true, nil},
		{"cross-site fetch", confirm.Value, true, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"other origin", confirm.Value, true, map[string]string{"Origin": "https://evil.example"}},
		{"null origin", confirm.Value, true, map[string]string{"Origin": "null"}},
	}
	for _, tc := range tests {
		if w := post(tc.field, tc.cookie, tc.hdr); w.Code != http.StatusForbidden || sessionCookie(w) != nil {
			t.Errorf("%s: %d, cookie %v; want 403 and no session", tc.name, w.Code, sessionCookie(w))
		}
	}
	if w := post(confirm.Value, true, map[string]string{"Origin": "http://example.com"}); w.Code != http.StatusSeeOther || sessionCookie(w) == nil {
		t.Fatalf("the page's own post after the refusals: %d, cookie %v", w.Code, sessionCookie(w))
	}
}

// TestSignInPagesHaveSecurityHeaders: every page of this package refuses
// framing, sniffing and any script; its inline style is allowed by hash.
func TestSignInPagesHaveSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "http://help.test")
	refused := httptest.NewRequest("POST", "/auth/signin", strings.NewReader("token=x"))
	refused.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for name, r := range map[string]*http.Request{
		"please":            httptest.NewRequest("GET", "/auth/please", nil),
		"signed out":        httptest.NewRequest("GET", "/auth/please?out=1", nil),
		"sign-in page":      httptest.NewRequest("GET", e.link(t, "/"), nil),
		"incomplete link":   httptest.NewRequest("GET", "/auth/signin", nil),
		"refused post":      refused,
		"unknown link post": nil,
	} {
		if r == nil {
			_, w := e.confirm(t, "/auth/signin?token="+strings.Repeat("B", 43), nil)
			checkHeaders(t, name, w)
			continue
		}
		checkHeaders(t, name, e.do(t, r))
	}
}

func checkHeaders(t *testing.T, name string, w *httptest.ResponseRecorder) {
	t.Helper()
	h := w.Header()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %s", name, csp, want)
		}
	}
	if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" {
		t.Errorf("%s: X-Frame-Options %q, X-Content-Type-Options %q, Referrer-Policy %q", name,
			h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
	}
	body := w.Body.String()
	i, j := strings.Index(body, "<style>"), strings.Index(body, "</style>")
	if i < 0 || j < i {
		t.Fatalf("%s: no style in %s", name, body)
	}
	sum := sha256.Sum256([]byte(body[i+len("<style>") : j]))
	if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
		t.Errorf("%s: CSP %q does not allow the page's style (%s)", name, csp, want)
	}
}
