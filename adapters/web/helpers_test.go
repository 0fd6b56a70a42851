package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/web"
	"github.com/helpdesk-chat/helpdesk/adapters/web/webtest"
	"github.com/helpdesk-chat/helpdesk/auth"
)

func start(t testing.TB) *webtest.Server {
	t.Helper()
	return webtest.Start(t, webtest.Options{Config: "testdata/helpdesk.yaml"})
}

// client is one browser: a cookie jar and the session's CSRF token.
type client struct {
	t    testing.TB
	srv  *webtest.Server
	http *http.Client
	user string
	csrf string
}

func newClient(t testing.TB, srv *webtest.Server) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, srv: srv, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// signIn opens a fresh one-time link as the user, like clicking it in a DM.
func signIn(t testing.TB, srv *webtest.Server, user, name string) *client {
	t.Helper()
	c := newClient(t, srv)
	resp := c.followLink(srv.Link(t, user, name))
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
		t.Fatalf("sign-in as %s ended at %s with %d", user, resp.Request.URL, resp.StatusCode)
	}
	c.user = user
	me := c.me()
	c.csrf = me.CSRF
	return c
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// followLink opens a sign-in link as a person does: the link's page, then
// its Sign in button. It returns the response the browser ends at.
func (c *client) followLink(link string) *http.Response {
	c.t.Helper()
	resp, err := c.http.Get(link)
	if err != nil {
		c.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("token") == "" {
		c.t.Fatalf("the sign-in link's page (%d) has no form:\n%s", resp.StatusCode, page)
	}
	resp, err = c.http.PostForm(c.srv.URL+"/auth/signin", form)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

type me struct {
	User  auth.Identity `json:"user"`
	CSRF  string        `json:"csrf"`
	Agent bool          `json:"agent"`
	Seq   int64         `json:"seq"`
	Chats []struct {
		ID, Title, Kind string
		Archived        bool
	} `json:"chats"`
}

func (c *client) me() me {
	c.t.Helper()
	var m me
	if code := c.get("/chat/api/me", &m); code != 200 {
		c.t.Fatalf("me: %d", code)
	}
	return m
}

func (c *client) get(path string, out any) int {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.srv.URL+path, nil)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			c.t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

// post sends JSON with the session's CSRF token (unless csrf is false) and
// returns the status and the decoded answer.
func (c *client) postOpt(path string, body any, csrf bool) (int, map[string]any) {
	c.t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", c.srv.URL+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if csrf {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func (c *client) post(path string, body any) (int, map[string]any) {
	c.t.Helper()
	return c.postOpt(path, body, true)
}

func (c *client) dm() string { return web.DMPrefix + c.user }

// say sends a message and fails on refusal.
func (c *client) say(chat, text string) {
	c.t.Helper()
	if code, out := c.post("/chat/api/send", map[string]string{"chat": chat, "text": text}); code != 200 {
		c.t.Fatalf("%s says %q in %s: %d %v", c.user, text, chat, code, out)
	}
}

func (c *client) history(chat string) []web.View {
	c.t.Helper()
	var h struct{ Messages []web.View }
	if code := c.get("/chat/api/history?chat="+chat, &h); code != 200 {
		c.t.Fatalf("history of %s for %s: %d", chat, c.user, code)
	}
	return h.Messages
}

// last returns the newest message in chat whose text or title contains s.
func (c *client) last(chat, s string) web.View {
	c.t.Helper()
	h := c.history(chat)
	for i := len(h) - 1; i >= 0; i-- {
		if strings.Contains(h[i].HTML, s) || strings.Contains(h[i].Title, s) {
			return h[i]
		}
	}
	c.t.Fatalf("%s sees no message with %q in %s; history:\n%s", c.user, s, chat, dump(h))
	return web.View{}
}

// lastForm returns the newest form in chat.
func (c *client) lastForm(chat string) web.View {
	c.t.Helper()
	h := c.history(chat)
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Form != nil {
			return h[i]
		}
	}
	c.t.Fatalf("%s sees no form in %s; history:\n%s", c.user, chat, dump(h))
	return web.View{}
}

func dump(h []web.View) string {
	var b strings.Builder
	for _, v := range h {
		b.WriteString(v.From.Name + ": " + v.Title + " " + v.HTML)
		for _, bt := range v.Buttons {
			b.WriteString(" [" + bt.Label + "]")
		}
		if v.Form != nil {
			b.WriteString(" <form " + v.Form.Title + " " + v.FormState + ">")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// press presses the button with the label on message v.
func (c *client) press(v web.View, label string) {
	c.t.Helper()
	for _, b := range v.Buttons {
		if b.Label == label {
			if code, out := c.post("/chat/api/action", map[string]any{"chat": v.Chat, "message": v.ID, "id": b.ID, "value": b.Value}); code != 200 {
				c.t.Fatalf("%s presses %q: %d %v", c.user, label, code, out)
			}
			return
		}
	}
	c.t.Fatalf("no button %q on message %d (%s)", label, v.ID, v.HTML)
}

// sse reads a user's event stream.
type sse struct {
	events chan sseEvent
	cancel context.CancelFunc
}

type sseEvent struct {
	Kind string
	Data string
}

func (c *client) stream(after int64) *sse {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", c.srv.URL+"/chat/api/events?after="+itoa(after), nil)
	req.Header.Set("Accept", "text/event-stream")
	hc := &http.Client{Jar: c.http.Jar}
	resp, err := hc.Do(req)
	if err != nil {
		cancel()
		c.t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		cancel()
		c.t.Fatalf("event stream: %d", resp.StatusCode)
	}
	s := &sse{events: make(chan sseEvent, 100), cancel: cancel}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.Kind = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.Data = strings.TrimPrefix(line, "data: ")
			case line == "" && ev.Kind != "":
				s.events <- ev
				ev = sseEvent{}
			}
		}
		close(s.events)
	}()
	c.t.Cleanup(cancel)
	return s
}

// next waits for the next event whose data contains s.
func (s *sse) next(t testing.TB, s2 string) sseEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("stream closed before an event with %q", s2)
			}
			if strings.Contains(ev.Data, s2) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no event with %q within 10s", s2)
		}
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// choose picks the option labelled label of a message's select, as the page does.
func (c *client) choose(v web.View, label string) {
	c.t.Helper()
	if v.Select != nil {
		for _, o := range v.Select.Options {
			if o.Label == label {
				if code, out := c.post("/chat/api/action", map[string]any{"chat": v.Chat, "message": v.ID, "id": v.Select.ID, "value": o.Value}); code != 200 {
					c.t.Fatalf("%s chooses %q: %d %v", c.user, label, code, out)
				}
				return
			}
		}
	}
	c.t.Fatalf("no option %q on message %d (%s)", label, v.ID, v.HTML)
}
