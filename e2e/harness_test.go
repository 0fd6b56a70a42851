//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/helpdesk-chat/helpdesk/adapters/web/webtest"
	"github.com/helpdesk-chat/helpdesk/center"
	"github.com/helpdesk-chat/helpdesk/examples"
)

// ChromiumPath is the browser the tests drive (Debian's chromium package).
const ChromiumPath = "/usr/bin/chromium"

// StepTimeout bounds each step: long enough for a slow CI machine, short
// enough that a hung page fails the test quickly.
const StepTimeout = 30 * time.Second

// StartServer runs the web chat on the demo configuration (examples/), with
// a fresh store, on 127.0.0.1 and port 0. routes, when set, adds handlers
// (the Ticket Center) before the server starts.
func StartServer(t *testing.T, routes func(mux *http.ServeMux, s *webtest.Server)) *webtest.Server {
	t.Helper()
	return StartServerFramed(t, routes)
}

// StartServerFramed is StartServer with platforms.web.frame_ancestors set
// to origins (the sites that may show the widget's panel).
func StartServerFramed(t *testing.T, routes func(mux *http.ServeMux, s *webtest.Server), origins ...string) *webtest.Server {
	t.Helper()
	if len(origins) == 0 {
		return StartServerEdited(t, routes)
	}
	return StartServerEdited(t, routes, Edit{"    demo: true", "    demo: true\n    frame_ancestors: [" + strings.Join(origins, ", ") + "]"})
}

// Edit replaces the first Old of the demo configuration with New.
type Edit struct{ Old, New string }

// StartServerEdited is StartServer on the demo configuration with edits
// applied; an edit whose Old is not in the file fails the test.
func StartServerEdited(t *testing.T, routes func(mux *http.ServeMux, s *webtest.Server), edits ...Edit) *webtest.Server {
	t.Helper()
	dir := t.TempDir()
	cfg, err := examples.WriteTo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) > 0 {
		data, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for _, e := range edits {
			if !strings.Contains(text, e.Old) {
				t.Fatalf("the demo config has no %q to edit", e.Old)
			}
			text = strings.Replace(text, e.Old, e.New, 1)
		}
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return webtest.Start(t, webtest.Options{Config: cfg, Routes: routes, CenterURL: os.Getenv("E2E_CENTER_URL")})
}

// WithCenter adds the Ticket Center (live updates every 200 ms) to a server.
func WithCenter(t *testing.T) func(mux *http.ServeMux, s *webtest.Server) {
	return func(mux *http.ServeMux, s *webtest.Server) {
		c, err := center.New(center.Options{Store: s.Store, Service: s.Engine.Tickets(), Engine: s.Engine,
			Config: s.Config, Auth: s.Auth, LiveEvery: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		c.Routes(mux)
	}
}

// Timezone makes the tab's clock read in the zone (an IANA name).
func Timezone(zone string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
		return chromedp.Void{}, err
	}
}

// Language makes the tab's browser speak lang: the Accept-Language header
// and navigator.language.
func Language(lang string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		ua, err := chromedp.Run(ctx, chromedp.Evaluate[string]("navigator.userAgent"))
		if err != nil {
			return chromedp.Void{}, err
		}
		_, err = cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: lang})
		return chromedp.Void{}, err
	}
}

// Browser is one headless Chromium with a fresh profile.
type Browser struct {
	root context.Context
}

// NewBrowser starts Chromium for the test; it stops when the test ends.
func NewBrowser(t *testing.T) *Browser {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		t.Skipf("no browser at %s (run .ci/install-chromium.sh): %v", ChromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1280, 800),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	// The first run starts the browser; its context must not have a timeout.
	if err := chromedp.Do(root); err != nil {
		cancelRoot()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancelRoot()
		cancelAlloc()
	})
	return &Browser{root: root}
}

// Person opens a tab in its own browser context: its own cookies, as a
// second person on another computer.
func (b *Browser) Person(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		cancel()
		t.Fatalf("open a browser context: %v", err)
	}
	t.Cleanup(cancel)
	return ctx
}

// Step runs actions in the tab with StepTimeout. On failure it saves a
// screenshot and the page text, and fails the test.
func Step(t *testing.T, tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		name := "failure-" + strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, strings.ToLower(what))
		Screenshot(t, tab, name)
		text, _ := chromedp.Run(tab, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		t.Fatalf("%s: %v\npage text:\n%s", what, err, text)
	}
}

// Screenshot saves the tab's viewport as e2e/screenshots/<name>.png.
func Screenshot(t *testing.T, tab context.Context, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, StepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join("screenshots", name+".png")
	if err := os.MkdirAll("screenshots", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: e2e/%s", path)
	return path
}

// SignIn opens a one-time sign-in link for the web user in the tab,
// presses Sign in on the page the link opens and waits for the chat to be
// live.
func SignIn(t *testing.T, srv *webtest.Server, tab context.Context, user, name string) {
	t.Helper()
	Step(t, tab, "sign in as "+name,
		FollowLink(srv.Link(t, user, name)),
		WaitLive(),
	)
}

// FollowLink opens a sign-in link and confirms it with the page's Sign in
// button (opening the link alone signs nobody in).
func FollowLink(link string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(link),
		chromedp.Click(chromedp.Search(`//button[normalize-space()='Sign in']`)),
	)
}

// WaitLive waits until the chat page has loaded its chats and its event
// stream is open.
func WaitLive() chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(`body[data-live="1"] #text`))
}

// XPath literal quoting for texts with quotes.
func xq(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return fmt.Sprintf("concat('%s')", strings.ReplaceAll(s, "'", `', "'", '`))
}

// InLog matches the newest message in the open conversation containing text.
func InLog(text string) chromedp.Search {
	return chromedp.Search(fmt.Sprintf(`(//ol[@id='log']/li[contains(., %s)])[last()]`, xq(text)))
}

// Button matches the newest button with this label in the open conversation.
func Button(label string) chromedp.Search {
	return chromedp.Search(fmt.Sprintf(`(//ol[@id='log']//button[normalize-space()=%s])[last()]`, xq(label)))
}

// Say types a message in the open conversation, sends it and waits until it
// is shown (bold markers are rendered, so they are not waited for).
func Say(text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitEnabled(chromedp.ID("send")),
		chromedp.SendKeys(chromedp.ID("text"), text),
		chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(InLog(strings.ReplaceAll(text, "**", ""))),
	)
}

// Until waits until the script is true in the page.
func Until(js string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](js)
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, tg)
		return chromedp.Void{}, err
	}
}
