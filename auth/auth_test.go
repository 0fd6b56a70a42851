package auth_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
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

// signIn follows a fresh link and returns the session cookie.
func (e *env) signIn(t *testing.T) *http.Cookie {
	t.Helper()
	w := e.do(t, httptest.NewRequest("GET", e.link(t, "/app/x"), nil))
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
	w := e.do(t, httptest.NewRequest("GET", path, nil))
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
	w = e.do(t, httptest.NewRequest("GET", path, nil))
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
			w := e.do(t, httptest.NewRequest("GET", tc.path, nil))
			if w.Code < 400 || sessionCookie(w) != nil {
				t.Fatalf("%s link: %d, cookie %v; want refusal, no cookie", tc.name, w.Code, sessionCookie(w))
			}
		})
	}
	// The refusals did not use up the live link.
	if w := e.do(t, httptest.NewRequest("GET", live, nil)); sessionCookie(w) == nil {
		t.Fatalf("live link refused after the others: %d", w.Code)
	}
}

func TestNextStaysLocal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "http://help.test")
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		w := e.do(t, httptest.NewRequest("GET", e.link(t, next), nil))
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
			r := httptest.NewRequest("GET", u.RequestURI(), nil)
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tc.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			c := sessionCookie(e.do(t, r))
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
	c := sessionCookie(e.do(t, httptest.NewRequest("GET", path, nil)))
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
