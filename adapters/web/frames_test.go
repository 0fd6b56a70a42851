package web_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/web/webtest"
)

// framingConfig writes the test config with platforms.web set to web
// (e.g. "{enabled: true, frame_ancestors: [...]}").
func framingConfig(t *testing.T, web string) string {
	t.Helper()
	path := demoConfig(t, false)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "web: {enabled: true}", "web: "+web, 1))
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "helpdesk.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// framing returns a page's frame-ancestors sources and its X-Frame-Options.
func framing(t *testing.T, c *client, path string) (string, string, *http.Response) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.srv.URL+path, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(csp, "default-src '") {
		t.Errorf("%s: CSP %q, X-Content-Type-Options %q", path, csp, resp.Header.Get("X-Content-Type-Options"))
	}
	i := strings.Index(csp, "frame-ancestors ")
	if i < 0 {
		t.Fatalf("%s: CSP %q has no frame-ancestors", path, csp)
	}
	fa := csp[i+len("frame-ancestors "):]
	if j := strings.IndexByte(fa, ';'); j >= 0 {
		fa = fa[:j]
	}
	return fa, resp.Header.Get("X-Frame-Options"), resp
}

// TestOnlyTheEmbedViewMayBeFramedAndOnlyByConfiguredOrigins: the widget's
// panel (/?embed=1) may be framed by the origins of
// platforms.web.frame_ancestors; every other page, a signed-in agent's
// chat and the demo page among them, refuses every frame. Without
// frame_ancestors nothing may be framed.
func TestOnlyTheEmbedViewMayBeFramedAndOnlyByConfiguredOrigins(t *testing.T) {
	origins := "https://intranet.example.com https://*.example.org:8443"
	srv := webtest.Start(t, webtest.Options{Config: framingConfig(t, `{enabled: true, demo: true, frame_ancestors: [https://intranet.example.com, "https://*.example.org:8443"]}`)})
	anon := newClient(t, srv)
	ada := signIn(t, srv, "ada", "Ada")
	visitor := newClient(t, srv)
	postForm(t, visitor, "/chat/visitor", url.Values{"name": {"Vic"}, "desk": {"it"}, "embed": {"1"}}, srv.URL)
	tests := []struct {
		name   string
		c      *client
		path   string
		framed bool
	}{
		{"the embed view for a visitor", anon, "/?embed=1&desk=it", true},
		{"the embed view, signed in as a visitor", visitor, "/?embed=1&desk=it", true},
		{"the embed view, signed in as an agent", ada, "/?embed=1", true},
		{"the chat page of an agent", ada, "/", false},
		{"the chat page of a visitor", visitor, "/?desk=it", false},
		{"the demo page", anon, "/auth/demo", false},
		{"the sign-in page", anon, "/auth/please", false},
	}
	for _, tc := range tests {
		fa, xfo, _ := framing(t, tc.c, tc.path)
		switch {
		case tc.framed && (fa != origins || xfo != ""):
			t.Errorf("%s: frame-ancestors %q, X-Frame-Options %q; want %q and none", tc.name, fa, xfo, origins)
		case !tc.framed && (fa != "'none'" || xfo != "DENY"):
			t.Errorf("%s: frame-ancestors %q, X-Frame-Options %q; want 'none' and DENY", tc.name, fa, xfo)
		}
	}

	plain := webtest.Start(t, webtest.Options{Config: demoConfig(t, false)})
	for _, path := range []string{"/?embed=1&desk=it", "/"} {
		if fa, xfo, _ := framing(t, newClient(t, plain), path); fa != "'none'" || xfo != "DENY" {
			t.Errorf("without frame_ancestors %s: frame-ancestors %q, X-Frame-Options %q; want 'none' and DENY", path, fa, xfo)
		}
	}
}
