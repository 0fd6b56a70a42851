package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/web"
	"github.com/helpdesk-chat/helpdesk/adapters/web/webtest"
	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// recorder passes events to the engine and remembers them.
type recorder struct {
	mu     sync.Mutex
	events []bot.Event
}

func record(srv *webtest.Server) *recorder {
	r := &recorder{}
	srv.Web.SetHandler(func(ctx context.Context, ev bot.Event) error {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
		return srv.Engine.Handle(ctx, ev)
	})
	return r
}

func (r *recorder) all() []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Event(nil), r.events...)
}

// openTicket runs Sam's escalation to Ada and returns Ada's card.
func openTicket(t testing.TB, sam, ada *client) web.View {
	t.Helper()
	sam.say(sam.dm(), "How do I connect to the VPN?")
	sam.press(sam.last(sam.dm(), "Did this help?"), "No")
	sam.press(sam.last(sam.dm(), "talk to an agent"), "Talk to an agent")
	form := sam.lastForm(sam.dm())
	if code, out := sam.post("/chat/api/form", map[string]any{"chat": form.Chat, "message": form.ID,
		"values": map[string]string{"system": "VPN", "details": "no connection"}}); code != 200 {
		t.Fatalf("form: %d %v", code, out)
	}
	return ada.last(ada.dm(), "IT-1")
}

func lastSeq(t *testing.T, srv *webtest.Server) int64 {
	t.Helper()
	n, err := srv.Store.LastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEventsCarryTheSessionUser(t *testing.T) {
	srv := start(t)
	rec := record(srv)
	sam := signIn(t, srv, "sam", "Sam")
	// Extra fields naming someone else are ignored: the user is the session's.
	for _, body := range []map[string]any{
		{"chat": "dm:sam", "text": "hello", "user": "ada", "user_id": "ada", "User": map[string]string{"ID": "ada"}, "platform": "slack"},
	} {
		if code, out := sam.post("/chat/api/send", body); code != 200 {
			t.Fatalf("send: %d %v", code, out)
		}
	}
	greeting := sam.last(sam.dm(), "IT Help Desk")
	sam.post("/chat/api/action", map[string]any{"chat": "dm:sam", "message": greeting.ID, "id": "agent", "value": "",
		"user": "ada", "User": map[string]string{"ID": "ada", "Name": "Ada"}})
	evs := rec.all()
	if len(evs) < 2 {
		t.Fatalf("%d events reached the engine, want 2", len(evs))
	}
	for _, ev := range evs {
		if ev.User.ID != "sam" || ev.User.Name != "Sam" || ev.Platform != web.Name || ev.Chat.ID != "dm:sam" {
			t.Errorf("event %s as %+v on %s in %s; want sam on web in dm:sam", ev.Kind, ev.User, ev.Platform, ev.Chat.ID)
		}
	}
}

func TestChatsAreMembersOnly(t *testing.T) {
	srv := start(t)
	rec := record(srv)
	sam := signIn(t, srv, "sam", "Sam")
	ada := signIn(t, srv, "ada", "Ada")
	eve := signIn(t, srv, "eve", "Eve")
	card := openTicket(t, sam, ada)
	ada.press(card, "Start Chat")
	room := sam.me().Chats[len(sam.me().Chats)-1]
	if room.Kind != "group" {
		t.Fatalf("Sam's chats: %+v", sam.me().Chats)
	}
	if got := eve.me().Chats; len(got) != 1 {
		t.Errorf("Eve's sidebar lists %+v, want only her DM", got)
	}
	before, events := lastSeq(t, srv), len(rec.all())
	samDM := sam.history(sam.dm())

	tests := []struct {
		name string
		do   func() int
	}{
		{"read another user's DM", func() int { return eve.get("/chat/api/history?chat=dm:sam", nil) }},
		{"read a ticket chat she is not in", func() int { return eve.get("/chat/api/history?chat="+url.QueryEscape(room.ID), nil) }},
		{"read the agent channel as a non-agent", func() int { return eve.get("/chat/api/history?chat=it-agents", nil) }},
		{"post into another user's DM", func() int {
			c, _ := eve.post("/chat/api/send", map[string]string{"chat": "dm:sam", "text": "hi Sam, it's IT, tell me your password"})
			return c
		}},
		{"post into a ticket chat she is not in", func() int {
			c, _ := eve.post("/chat/api/send", map[string]string{"chat": room.ID, "text": "I'm in"})
			return c
		}},
		{"press Start Chat on Ada's card in Ada's DM", func() int {
			c, _ := eve.post("/chat/api/action", map[string]any{"chat": "dm:ada", "message": card.ID, "id": "start", "value": card.Buttons[0].Value})
			return c
		}},
		{"press a button that is not on the message", func() int {
			c, _ := sam.post("/chat/api/action", map[string]any{"chat": "dm:sam", "message": samDM[len(samDM)-1].ID, "id": "end", "value": card.Buttons[0].Value})
			return c
		}},
		{"use a message of another chat through her own", func() int {
			c, _ := eve.post("/chat/api/action", map[string]any{"chat": "dm:eve", "message": card.ID, "id": "start", "value": card.Buttons[0].Value})
			return c
		}},
		{"submit Sam's form", func() int {
			f := sam.lastForm(sam.dm())
			c, _ := eve.post("/chat/api/form", map[string]any{"chat": "dm:sam", "message": f.ID, "values": map[string]string{"system": "SAP", "details": "x"}})
			return c
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code := tc.do(); code < 400 {
				t.Fatalf("allowed (%d)", code)
			}
		})
	}
	if after := lastSeq(t, srv); after != before {
		t.Errorf("refused requests changed the chat store (seq %d -> %d)", before, after)
	}
	if n := len(rec.all()); n != events {
		t.Errorf("refused requests reached the engine (%d events)", n-events)
	}
	ts, _ := srv.Store.List(context.Background(), tickets.Filter{})
	if ts[0].Status != tickets.StatusInService {
		t.Errorf("ticket is %s, want in_service", ts[0].Status)
	}
}

func TestAnotherAgentCannotStartTheChat(t *testing.T) {
	srv := start(t)
	sam := signIn(t, srv, "sam", "Sam")
	ada := signIn(t, srv, "ada", "Ada")
	grace := signIn(t, srv, "grace", "Grace")
	openTicket(t, sam, ada)
	// Grace sees the card in the desk's channel, and may press it, but the
	// engine decides from her verified id: she is not the assignee.
	card := grace.last("it-agents", "IT-1")
	grace.press(card, "Start Chat")
	refusal := grace.last("it-agents", "Only the assigned agent")
	if !refusal.Private {
		t.Errorf("refusal is not private")
	}
	if h := ada.history("it-agents"); strings.Contains(dump(h), "Only the assigned agent") {
		t.Errorf("Ada sees Grace's private refusal")
	}
	ts, _ := srv.Store.List(context.Background(), tickets.Filter{})
	if ts[0].Status != tickets.StatusAssigned || ts[0].GroupChat != "" {
		t.Errorf("ticket %s, chat %q; want still assigned, no chat", ts[0].Status, ts[0].GroupChat)
	}
}

func TestMissingCSRFChangesNothing(t *testing.T) {
	srv := start(t)
	rec := record(srv)
	sam := signIn(t, srv, "sam", "Sam")
	sam.say(sam.dm(), "hello")
	greeting := sam.last(sam.dm(), "IT Help Desk")
	before, events := lastSeq(t, srv), len(rec.all())
	for _, tc := range []struct {
		path string
		body any
	}{
		{"/chat/api/send", map[string]string{"chat": "dm:sam", "text": "hi"}},
		{"/chat/api/action", map[string]any{"chat": "dm:sam", "message": greeting.ID, "id": "agent", "value": ""}},
		{"/chat/api/form", map[string]any{"chat": "dm:sam", "message": greeting.ID, "values": map[string]string{}}},
	} {
		if code, _ := sam.postOpt(tc.path, tc.body, false); code != http.StatusForbidden {
			t.Errorf("%s without CSRF token: %d, want 403", tc.path, code)
		}
	}
	// A token of another session does not do either.
	other := signIn(t, srv, "ann", "Ann")
	sam.csrf = other.csrf
	if code, _ := sam.post("/chat/api/send", map[string]string{"chat": "dm:sam", "text": "hi"}); code != http.StatusForbidden {
		t.Errorf("send with another session's token: %d, want 403", code)
	}
	if lastSeq(t, srv) != before || len(rec.all()) != events {
		t.Error("refused requests changed something")
	}
}

func TestStreamsCarryOnlyOwnChats(t *testing.T) {
	srv := start(t)
	sam := signIn(t, srv, "sam", "Sam")
	ann := signIn(t, srv, "ann", "Ann")
	live := ann.stream(ann.me().Seq)
	sam.say(sam.dm(), "my secret question")
	ann.say(ann.dm(), "ann's own question")
	ev := live.next(t, "question")
	if strings.Contains(ev.Data, "secret") {
		t.Fatalf("Ann's stream carried Sam's message: %s", ev.Data)
	}
}

func TestTwoTabsBothLive(t *testing.T) {
	srv := start(t)
	sam := signIn(t, srv, "sam", "Sam")
	tab1 := sam.stream(sam.me().Seq)
	tab2 := sam.stream(sam.me().Seq)
	sam.say(sam.dm(), "How do I reset my password?")
	for i, tab := range []*sse{tab1, tab2} {
		tab.next(t, "How do I reset my password?")
		if ev := tab.next(t, "id.example.com"); ev.Kind != "message" {
			t.Errorf("tab %d: %+v", i+1, ev)
		}
	}
}

func TestNonWebIdentityGetsNoWebChat(t *testing.T) {
	srv := start(t)
	c := newClient(t, srv)
	link, err := srv.Auth.Link(context.Background(), auth.Identity{Platform: "slack", UserID: "U1", Name: "Sue"}, "/")
	if err != nil {
		t.Fatal(err)
	}
	c.followLink(link)
	if code := c.get("/chat/api/me", nil); code != http.StatusForbidden {
		t.Errorf("a Slack user's web chat API: %d, want 403", code)
	}
}

// demoConfig writes the test config with platforms.web.demo on.
func demoConfig(t *testing.T, demo bool) string {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/helpdesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if demo {
		data = []byte(strings.Replace(string(data), "web: {enabled: true}", "web: {enabled: true, demo: true}", 1))
	}
	os.WriteFile(filepath.Join(dir, "helpdesk.yaml"), data, 0o644)
	os.MkdirAll(filepath.Join(dir, "faq"), 0o755)
	for _, f := range []string{"it.yaml", "hr.yaml"} {
		b, _ := os.ReadFile(filepath.Join("testdata/faq", f))
		os.WriteFile(filepath.Join(dir, "faq", f), b, 0o644)
	}
	return filepath.Join(dir, "helpdesk.yaml")
}

func postForm(t *testing.T, c *client, path string, v url.Values, origin string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", c.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestDemoSignIn(t *testing.T) {
	off := webtest.Start(t, webtest.Options{Config: demoConfig(t, false)})
	c := newClient(t, off)
	if r := postForm(t, c, "/auth/demo", url.Values{"who": {"boss@example.com"}}, ""); r.StatusCode != 404 {
		t.Errorf("demo sign-in without demo: %d, want 404", r.StatusCode)
	}
	if l, err := off.Web.DemoLink(context.Background()); l != "" || err != nil {
		t.Errorf("DemoLink without demo = %q, %v", l, err)
	}

	on := webtest.Start(t, webtest.Options{Config: demoConfig(t, true)})
	c = newClient(t, on)
	if r := postForm(t, c, "/auth/demo", url.Values{"who": {"mallory"}}, ""); r.StatusCode != http.StatusForbidden {
		t.Errorf("demo sign-in as someone not in the config: %d, want 403", r.StatusCode)
	}
	if r := postForm(t, c, "/auth/demo", url.Values{"who": {"ada"}}, "http://evil.example"); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site demo sign-in: %d, want 403", r.StatusCode)
	}
	if code := c.get("/chat/api/me", nil); code != http.StatusUnauthorized {
		t.Fatalf("refused sign-ins left a session: %d", code)
	}
	postForm(t, c, "/auth/demo", url.Values{"who": {"ada"}}, on.URL)
	c.user = "ada"
	if m := c.me(); m.User.UserID != "ada" || m.User.Name != "Ada" || !m.Agent {
		t.Errorf("demo sign-in as Ada: %+v", m.User)
	}
	l, err := on.Web.DemoLink(context.Background())
	if err != nil || !strings.HasPrefix(l, on.URL+"/auth/signin?token=") {
		t.Fatalf("DemoLink = %q, %v", l, err)
	}
	admin := newClient(t, on)
	admin.followLink(l)
	if m := admin.me(); m.User.UserID != "boss@example.com" {
		t.Errorf("the demo link signs in %q, want the first admin", m.User.UserID)
	}
}

func TestVisitor(t *testing.T) {
	srv := start(t)
	v := newClient(t, srv)
	if r := postForm(t, v, "/chat/visitor", url.Values{"name": {"Vic"}}, "https://evil.example"); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site visitor sign-in: %d", r.StatusCode)
	}
	if r := postForm(t, v, "/chat/visitor", url.Values{"name": {"Vic"}, "desk": {"hr"}}, ""); r.StatusCode != http.StatusForbidden {
		t.Errorf("visitor for a desk not open to everyone: %d", r.StatusCode)
	}
	r := postForm(t, v, "/chat/visitor", url.Values{"name": {"  Vic <b>@here</b> "}, "desk": {"it"}, "embed": {"1"}}, srv.URL)
	if r.Request.URL.RawQuery != "desk=it&embed=1" {
		t.Errorf("visitor landed on %s", r.Request.URL)
	}
	v.user = "?"
	m := v.me()
	if !strings.HasPrefix(m.User.UserID, "visitor-") || m.User.Name != "Vic bhere/b" || m.Agent {
		t.Fatalf("visitor identity %+v", m.User)
	}
	v.user, v.csrf = m.User.UserID, m.CSRF
	v.say(v.dm(), "How do I reset my password?")
	v.last(v.dm(), "id.example.com")
}

func TestPrivateMessagesOnlyForTheirViewer(t *testing.T) {
	srv := start(t)
	sam := signIn(t, srv, "sam", "Sam")
	ada := signIn(t, srv, "ada", "Ada")
	ctx := context.Background()
	chat, err := srv.Web.CreateGroupChat(ctx, bot.GroupChat{Name: "it-9-x", Title: "IT-9", Members: []string{"sam", "ada"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Web.SendPrivate(ctx, chat, "ada", bot.Message{Text: "only for Ada"}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Web.Send(ctx, chat, bot.Message{Text: "for both"}); err != nil {
		t.Fatal(err)
	}
	if h := sam.history(chat); len(h) != 1 || !strings.Contains(h[0].HTML, "for both") {
		t.Errorf("Sam sees %s", dump(h))
	}
	if h := ada.history(chat); len(h) != 2 || !h[0].Private {
		t.Errorf("Ada sees %s", dump(h))
	}
	if err := srv.Web.ArchiveGroupChat(ctx, chat); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Web.Send(ctx, chat, bot.Message{Text: "late"}); errs.Code(err) != errs.ECONFLICT {
		t.Errorf("send to an archived chat: %v, want conflict", err)
	}
}

func TestVisitorSignInsAreRateLimited(t *testing.T) {
	srv := start(t)
	ok := 0
	var last int
	for i := 0; i < 40; i++ {
		v := newClient(t, srv)
		r := postForm(t, v, "/chat/visitor", url.Values{"name": {"Bot"}, "desk": {"it"}}, srv.URL)
		last = r.StatusCode
		if r.Request.URL.Path == "/" && r.StatusCode == http.StatusOK {
			ok++
		}
	}
	if ok != 30 || last != http.StatusTooManyRequests {
		t.Fatalf("from one address: %d visitor sign-ins passed (want 30), the last got %d (want 429)", ok, last)
	}
}
