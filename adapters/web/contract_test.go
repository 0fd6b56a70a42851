package web_test

import (
	"context"
	"html"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/platformtest"
	"github.com/helpdesk-chat/helpdesk/adapters/web"
	"github.com/helpdesk-chat/helpdesk/adapters/web/webtest"
	"github.com/helpdesk-chat/helpdesk/bot"
)

// TestContract runs the platform contract suite on the web chat, through its
// HTTP API as the page uses it.
func TestContract(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, webDriver{})
}

type webDriver struct{}

// webSession: the web chat hands each request's event to the engine before
// answering, so a change is signalled when the engine returns. A duplicate
// delivery is the same event handed to the engine again (as a retried
// request that reached a second replica would be).
type webSession struct {
	srv     *webtest.Server
	clients map[string]*client
	changed platformtest.Signal

	mu   sync.Mutex
	last bot.Event
}

var _ platformtest.Session = (*webSession)(nil)

func (webDriver) Start(t *testing.T) platformtest.Session {
	s := &webSession{srv: start(t)}
	s.srv.Web.SetHandler(func(ctx context.Context, ev bot.Event) error {
		s.mu.Lock()
		s.last = ev
		s.mu.Unlock()
		defer s.changed.Notify()
		return s.srv.Engine.Handle(ctx, ev)
	})
	s.clients = map[string]*client{"sam": signIn(t, s.srv, "sam", "Sam"), "ada": signIn(t, s.srv, "ada", "Ada")}
	return s
}

func (s *webSession) Requester() string                         { return "sam" }
func (s *webSession) Agent() string                             { return "ada" }
func (s *webSession) DM(t *testing.T, user string) string       { return web.DMPrefix + user }
func (s *webSession) AgentChannel() string                      { return "it-agents" }
func (s *webSession) GroupChat(t *testing.T, ref string) string { return ref }
func (s *webSession) Changed() <-chan struct{}                  { return s.changed.C() }
func (s *webSession) Tickets() platformtest.Tickets             { return s.srv.Store }

func (s *webSession) Say(t *testing.T, user, chat, text string) platformtest.Delivery {
	t.Helper()
	s.clients[user].say(chat, text)
	s.mu.Lock()
	defer s.mu.Unlock()
	return platformtest.Delivery{Chat: chat, Event: s.last}
}

func (s *webSession) Redeliver(t *testing.T, d platformtest.Delivery) {
	t.Helper()
	if err := s.srv.Engine.Handle(t.Context(), d.Event.(bot.Event)); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	s.changed.Notify()
}

func (s *webSession) Press(t *testing.T, user string, m platformtest.Message, label string) {
	t.Helper()
	s.clients[user].press(m.Raw.(web.View), label)
}

func (s *webSession) Messages(t *testing.T, user, chat string) []platformtest.Message {
	t.Helper()
	var out []platformtest.Message
	for _, v := range s.clients[user].history(chat) {
		if v.From.ID != "" {
			continue // a person's message, not the bot's
		}
		m := platformtest.Message{Chat: chat, ID: strconv.FormatInt(v.ID, 10), Text: v.Title + " " + v.HTML + " " + dumpFields(v), Raw: v}
		for _, b := range v.Buttons {
			m.Buttons = append(m.Buttons, b.Label)
			m.Text += " [" + b.Label + "]"
		}
		out = append(out, m)
	}
	return out
}

func (s *webSession) Archived(t *testing.T, chat string) bool {
	t.Helper()
	for _, c := range s.clients["sam"].me().Chats {
		if c.ID == chat {
			return c.Archived
		}
	}
	t.Fatalf("sam is not in chat %s", chat)
	return false
}

var _ platformtest.Markup = (*webSession)(nil)

var reAnchor = regexp.MustCompile(`<a href="([^"]*)"[^>]*>(.*?)</a>`)

// htmlLinks are the anchors of the HTML the page inserts, with their
// targets as the browser reads them.
func htmlLinks(h string) []platformtest.Link {
	var out []platformtest.Link
	for _, m := range reAnchor.FindAllStringSubmatch(h, -1) {
		out = append(out, platformtest.Link{Text: html.UnescapeString(reTags.ReplaceAllString(m[2], "")), Target: html.UnescapeString(m[1])})
	}
	return out
}

var reTags = regexp.MustCompile(`<[^>]+>`)

func viewLinks(v web.View) []platformtest.Link {
	out := htmlLinks(v.HTML)
	for _, f := range v.Fields {
		out = append(out, htmlLinks(f.HTML)...)
	}
	return out
}

func (s *webSession) Links(t *testing.T, m platformtest.Message) []platformtest.Link {
	return viewLinks(m.Raw.(web.View))
}

// Notified: the web chat has no mentions; titles and labels are set as
// text by the page (app.js uses textContent).
func (s *webSession) Notified(t *testing.T, m platformtest.Message) []string { return nil }

// TestTypedLinksStayVisible: what a person types in the web chat is shown
// as text; a typed [x](/\evil.example) (which a browser would resolve to
// http://evil.example) or [click here](https://evil…) is no link with a
// hidden target, for the writer or anyone else in the chat.
func TestTypedLinksStayVisible(t *testing.T) {
	t.Parallel()
	srv := start(t)
	sam := signIn(t, srv, "sam", "Sam")
	sam.say(web.DMPrefix+"sam", platformtest.Payload)
	mine := 0
	for _, v := range sam.history(web.DMPrefix + "sam") {
		if v.From.ID == "" {
			continue
		}
		mine++
		if !strings.Contains(html.UnescapeString(v.HTML), "[click here](") {
			t.Errorf("the typed text is not shown as typed: %s", v.HTML)
		}
		for _, l := range viewLinks(v) {
			if l.Hidden() {
				t.Errorf("typed text became a link %q → %q: %s", l.Text, l.Target, v.HTML)
			}
		}
	}
	if mine != 1 {
		t.Fatalf("%d messages of sam's own in the DM, want 1", mine)
	}
}

var _ platformtest.Chooser = (*webSession)(nil)

// Options lists the options of the message's select.
func (s *webSession) Options(t *testing.T, m platformtest.Message) []string {
	var out []string
	if sel := m.Raw.(web.View).Select; sel != nil {
		for _, o := range sel.Options {
			out = append(out, o.Label)
		}
	}
	return out
}

// Choose sends the choice as the page does.
func (s *webSession) Choose(t *testing.T, user string, m platformtest.Message, option string) {
	t.Helper()
	s.clients[user].choose(m.Raw.(web.View), option)
}

var _ platformtest.FormFiller = (*webSession)(nil)

// FillForm sends the newest form in chat as the page does, fields by label.
func (s *webSession) FillForm(t *testing.T, user, chat string, answers map[string]string) {
	t.Helper()
	var form web.View
	platformtest.WaitFor(t, s, "the form in "+chat, func() bool {
		for _, v := range s.clients[user].history(chat) {
			if v.Form != nil {
				form = v
			}
		}
		return form.Form != nil
	})
	values := map[string]string{}
	for _, fl := range form.Form.Fields {
		if a, ok := answers[fl.Label]; ok {
			values[fl.ID] = a
		}
	}
	if code, out := s.clients[user].post("/chat/api/form", map[string]any{"chat": form.Chat, "message": form.ID, "values": values}); code != 200 {
		t.Fatalf("%s sends the form: %d %v", user, code, out)
	}
}
