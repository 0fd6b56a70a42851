//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-chat/helpdesk/adapters/web/webtest"
)

// TestWidget pastes the widget snippet into a company page served from
// another origin, opens the chat from its button, and chats as a visitor in
// the embedded page.
func TestWidget(t *testing.T) {
	// The intranet page names the help desk's address when it is served,
	// so it can start first: the help desk lets (only) it frame the panel.
	var helpdesk atomic.Pointer[webtest.Server]
	intranet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv := helpdesk.Load()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>Intranet</title></head>
<body style="font-family:sans-serif;background:#fafafa;margin:2rem"><h1>Example Corp intranet</h1><p>News, links and the canteen menu.</p>
<script src="%s/chat/widget.js" data-desk="it" data-label="IT help" async></script></body></html>`, srv.URL)
	}))
	t.Cleanup(intranet.Close)
	srv := StartServerFramed(t, nil, intranet.URL)
	helpdesk.Store(srv)

	b := NewBrowser(t)
	tab := b.Person(t)
	Step(t, tab, "open the chat from the widget button",
		chromedp.Navigate(intranet.URL),
		chromedp.Click(chromedp.Search(`//button[normalize-space()='IT help']`)),
		chromedp.WaitVisible(chromedp.CSS(`.hdw-panel.open iframe`)),
	)
	src, err := chromedp.Run(tab, chromedp.AttributeValue(chromedp.CSS(`.hdw-panel iframe`), "src"))
	if err != nil || src.Value != srv.URL+"/?embed=1&desk=it" {
		t.Fatalf("widget iframe src = %+v, %v", src, err)
	}
	// The embedded page, as the iframe shows it: a visitor starts a chat
	// with the IT desk without an account.
	visitor := b.Person(t)
	Step(t, visitor, "visitor starts chatting in the embedded page",
		chromedp.EmulateViewport(380, 560),
		chromedp.Navigate(src.Value),
		chromedp.SendKeys(chromedp.ID("name"), "Vic"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()='Start chatting']`)),
		WaitLive(),
		Say("How do I reset my password?"),
		chromedp.WaitVisible(InLog("Did this help?")),
	)
	Screenshot(t, visitor, "widget-visitor")
	Step(t, tab, "the widget panel shows the chat",
		chromedp.Reload(),
		chromedp.Click(chromedp.Search(`//button[normalize-space()='IT help']`)),
		chromedp.WaitVisible(chromedp.CSS(`.hdw-panel.open iframe`)),
	)
	Screenshot(t, tab, "widget")
}
