//go:build mattermost

// The real-server suite: it runs the adapter and the real engine against a
// Mattermost server (start one with .ci/mattermost/start.sh). Run it with
//
//	go test -tags mattermost ./adapters/mattermost/
//
// HELPDESK_MATTERMOST_URL names the server (default http://127.0.0.1:8065).

package mattermost_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/platformtest"
	"github.com/helpdesk-chat/helpdesk/internal/redact"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/helpdesk-chat/helpdesk/adapters/mattermost"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

const (
	teamName      = "support" // a prefix; "helpdesk" is reserved by Mattermost
	adminUser     = "hdadmin"
	adminPassword = "Admin-Passw0rd!2026"
	userPassword  = "User-Passw0rd!2026"
	waitFor       = 20 * time.Second
)

func serverURL() string {
	if u := os.Getenv("HELPDESK_MATTERMOST_URL"); u != "" {
		return strings.TrimRight(u, "/")
	}
	return "http://127.0.0.1:8065"
}

// person is a Mattermost user with a client and a WebSocket that records
// what the server pushes to them (posts, ephemeral posts, dialogs).
type person struct {
	t      *testing.T
	name   string
	id     string
	client *model.Client4
	mu     sync.Mutex
	posts  []*model.Post // posted and ephemeral, in order
	edits  map[string]*model.Post
	dialog []model.OpenDialogRequest
	// hello is closed when the server's hello event arrived: the
	// WebSocket is authenticated and receives the person's events.
	hello     chan struct{}
	helloOnce sync.Once
}

func (p *person) listen(ctx context.Context, url string) {
	p.t.Helper()
	ws, err := model.NewWebSocketClient4(strings.Replace(url, "http", "ws", 1), p.client.AuthToken)
	if err != nil {
		p.t.Fatalf("%s: websocket: %v", p.name, err)
	}
	ws.Listen()
	p.t.Cleanup(ws.Close)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-ws.ResponseChannel:
			case ev, ok := <-ws.EventChannel:
				if !ok {
					return
				}
				p.record(ev)
			}
		}
	}()
}

func (p *person) record(ev *model.WebSocketEvent) {
	data := ev.GetData()
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.EventType() {
	case model.WebsocketEventHello:
		p.helloOnce.Do(func() { close(p.hello) })
	case model.WebsocketEventPosted, model.WebsocketEventEphemeralMessage:
		var post model.Post
		if json.Unmarshal([]byte(fmt.Sprint(data["post"])), &post) == nil {
			p.posts = append(p.posts, &post)
		}
	case model.WebsocketEventPostEdited:
		var post model.Post
		if json.Unmarshal([]byte(fmt.Sprint(data["post"])), &post) == nil {
			p.edits[post.Id] = &post
		}
	case model.WebsocketEventOpenDialog:
		var d model.OpenDialogRequest
		if json.Unmarshal([]byte(fmt.Sprint(data["dialog"])), &d) == nil {
			p.dialog = append(p.dialog, d)
		}
	}
}

// render is what a reader of a post sees: its text, attachment titles,
// texts, fields and [buttons].
func render(p *model.Post) string {
	var b strings.Builder
	b.WriteString(p.Message)
	for _, a := range p.Attachments() {
		fmt.Fprintf(&b, "\n# %s\n%s", a.Title, a.Text)
		for _, f := range a.Fields {
			fmt.Fprintf(&b, "\n%s: %v", f.Title, f.Value)
		}
		for _, act := range a.Actions {
			fmt.Fprintf(&b, " [%s]", act.Name)
		}
	}
	return b.String()
}

// waitPost waits for a post by the bot in channel whose rendering contains want.
func (p *person) waitPost(channel, from, want string) *model.Post {
	p.t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		for i := len(p.posts) - 1; i >= 0; i-- {
			post := p.posts[i]
			if e, ok := p.edits[post.Id]; ok {
				post = e
			}
			if post.ChannelId == channel && (from == "" || post.UserId == from) && strings.Contains(render(post), want) {
				p.mu.Unlock()
				return post
			}
		}
		p.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	p.mu.Lock()
	var seen []string
	for _, post := range p.posts {
		if post.ChannelId == channel {
			seen = append(seen, render(post))
		}
	}
	p.mu.Unlock()
	p.t.Fatalf("%s never saw %q in %s; saw:\n%s", p.name, want, channel, strings.Join(seen, "\n---\n"))
	return nil
}

// waitDialog waits for the n-th dialog opened for the person.
func (p *person) waitDialog(n int) model.OpenDialogRequest {
	p.t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		if len(p.dialog) >= n {
			d := p.dialog[n-1]
			p.mu.Unlock()
			return d
		}
		p.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("%s: no dialog %d opened", p.name, n)
	return model.OpenDialogRequest{}
}

// press clicks the button (or chooses the option of the select) named label
// on a post, as the person, through the server.
func (p *person) press(post *model.Post, label string) {
	p.t.Helper()
	for _, a := range post.Attachments() {
		for _, act := range a.Actions {
			if act.Type == model.PostActionTypeButton && strings.Contains(act.Name, label) {
				if _, err := p.client.DoPostAction(context.Background(), post.Id, act.Id); err != nil {
					p.t.Fatalf("%s presses %q: %v", p.name, label, err)
				}
				return
			}
			for _, o := range act.Options {
				if strings.Contains(o.Text, label) {
					if _, err := p.client.DoPostActionWithCookie(context.Background(), post.Id, act.Id, o.Value, ""); err != nil {
						p.t.Fatalf("%s chooses %q: %v", p.name, label, err)
					}
					return
				}
			}
		}
	}
	p.t.Fatalf("%s: no control %q on post %s", p.name, label, render(post))
}

func (p *person) say(channel, text string) *model.Post {
	p.t.Helper()
	post, _, err := p.client.CreatePost(context.Background(), &model.Post{ChannelId: channel, Message: text})
	if err != nil {
		p.t.Fatalf("%s says %q: %v", p.name, text, err)
	}
	return post
}

func (p *person) submit(d model.OpenDialogRequest, channel, team string, values map[string]any) {
	p.t.Helper()
	_, _, err := p.client.SubmitInteractiveDialog(context.Background(), model.SubmitDialogRequest{
		URL: d.URL, CallbackId: d.Dialog.CallbackId, State: d.Dialog.State, UserId: p.id,
		ChannelId: channel, TeamId: team, Submission: values,
	})
	if err != nil {
		p.t.Fatalf("%s submits %s: %v", p.name, d.Dialog.CallbackId, err)
	}
}

// proxy forwards TCP to the server and can cut every connection, to
// simulate a network gap between the bot and Mattermost.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut(true) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.down {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns[c] = true
			p.mu.Unlock()
			go p.serve(c)
		}
	}()
	return p
}

func (p *proxy) serve(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[up] = true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(up, c); up.Close() }()
	_, _ = io.Copy(c, up)
	c.Close()
}

// cut closes every connection; while down, new ones are refused.
func (p *proxy) cut(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			c.Close()
		}
		p.conns = map[net.Conn]bool{}
	}
}

// world is one bootstrapped team on the real server with the adapter and
// the real engine running.
type world struct {
	t               *testing.T
	url             string
	team            *model.Team
	admin           *model.Client4
	carl, ada, bob  *person
	botID, botToken string
	agents          string // agent channel id
	adapter         *mattermost.Adapter
	engine          *bot.Engine
	store           tickets.Store
	callback        string
	proxy           *proxy
	logs            *platformtest.Logs
	secret          string
	cfg             *config.Config
	faq             *faq.Set
	routes          atomic.Pointer[http.ServeMux] // the running bot's routes
	lastAction      atomic.Pointer[[]byte]        // the body of the last action request the server posted
	stopBot         func()
}

func suffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func must[T any](t *testing.T, what string) func(T, *model.Response, error) T {
	return func(v T, _ *model.Response, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// adminClient signs in as the system admin, creating it (the first user
// of a fresh server becomes system admin) if needed.
func adminClient(t *testing.T, ctx context.Context, url string) *model.Client4 {
	c := model.NewAPIv4Client(url)
	if _, _, err := c.GetPing(ctx); err != nil {
		t.Fatalf("no Mattermost server at %s (start one with .ci/mattermost/start.sh): %v", url, err)
	}
	if _, _, err := c.Login(ctx, adminUser, adminPassword); err != nil {
		if _, _, cerr := c.CreateUser(ctx, &model.User{Username: adminUser, Email: adminUser + "@example.com", Password: adminPassword}); cerr != nil {
			t.Fatalf("create the admin: %v (login: %v)", cerr, err)
		}
		must[*model.User](t, "admin login")(c.Login(ctx, adminUser, adminPassword))
	}
	return c
}

func newWorld(t *testing.T) *world {
	ctx := context.Background()
	url := serverURL()
	w := &world{t: t, url: url, admin: adminClient(t, ctx, url), logs: &platformtest.Logs{}, secret: "test-action-secret-" + suffix()}
	// A team per test: each bot registers its own /helpdesk there.
	sfx := suffix()
	team := must[*model.Team](t, "create team")(w.admin.CreateTeam(ctx, &model.Team{Name: teamName + "-" + sfx, DisplayName: "Support " + sfx, Type: model.TeamOpen}))
	w.team = team
	mk := func(name, first string) *person {
		u := must[*model.User](t, "create "+name)(w.admin.CreateUser(ctx, &model.User{
			Username: name + "-" + sfx, Email: name + "-" + sfx + "@example.com", Password: userPassword, FirstName: first, Locale: "en",
		}))
		must[*model.TeamMember](t, "team member "+name)(w.admin.AddTeamMember(ctx, team.Id, u.Id))
		c := model.NewAPIv4Client(url)
		must[*model.User](t, "login "+name)(c.Login(ctx, u.Username, userPassword))
		return &person{t: t, name: first, id: u.Id, client: c, edits: map[string]*model.Post{}, hello: make(chan struct{})}
	}
	w.carl, w.ada, w.bob = mk("carl", "Carl"), mk("ada", "Ada"), mk("bob", "Bob")

	b := must[*model.Bot](t, "create bot")(w.admin.CreateBot(ctx, &model.Bot{Username: "helpdesk-" + sfx, DisplayName: "Help desk"}))
	w.botID = b.UserId
	must[*model.TeamMember](t, "bot joins team")(w.admin.AddTeamMember(ctx, team.Id, b.UserId))
	// Team admin: the bot registers its /helpdesk command itself.
	if _, err := w.admin.UpdateTeamMemberRoles(ctx, team.Id, b.UserId, "team_user team_admin"); err != nil {
		t.Fatalf("bot team admin: %v", err)
	}
	tok := must[*model.UserAccessToken](t, "bot token")(w.admin.CreateUserAccessToken(ctx, b.UserId, "helpdesk tests"))
	w.botToken = tok.Token

	ch := must[*model.Channel](t, "agent channel")(w.admin.CreateChannel(ctx, &model.Channel{TeamId: team.Id, Name: "agents-" + sfx, DisplayName: "IT agents " + sfx, Type: model.ChannelTypeOpen}))
	w.agents = ch.Id
	for _, id := range []string{b.UserId, w.ada.id, w.bob.id} {
		must[*model.ChannelMember](t, "agent channel member")(w.admin.AddChannelMember(ctx, ch.Id, id))
	}

	// The adapter talks to Mattermost through a proxy the test can cut.
	w.proxy = newProxy(t, strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://"))
	cfgPath := w.writeConfig("http://" + w.proxy.ln.Addr().String())
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w.store = st

	// The bot's HTTP endpoint, on port 0: Mattermost posts actions to it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.callback = "http://" + ln.Addr().String()
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if mux := w.routes.Load(); mux != nil {
			if r.URL.Path == mattermost.PathAction {
				body, _ := io.ReadAll(r.Body)
				w.lastAction.Store(&body)
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			mux.ServeHTTP(rw, r)
			return
		}
		http.Error(rw, "the bot is down", http.StatusServiceUnavailable)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	w.cfg = cfg
	w.faq, err = faq.BuildSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if logs := w.logs.String(); strings.Contains(logs, w.botToken) || strings.Contains(logs, w.secret) {
			t.Errorf("a secret reached the log:\n%s", logs)
		}
		if t.Failed() {
			t.Logf("adapter log:\n%s", w.logs.String())
		}
	})
	w.startBot()

	peopleCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	for _, p := range []*person{w.carl, w.ada, w.bob} {
		p.listen(peopleCtx, url)
	}
	for _, p := range []*person{w.carl, w.ada, w.bob} {
		select { // the server's hello: the WebSocket is authenticated
		case <-p.hello:
		case <-time.After(waitFor):
			t.Fatalf("%s: no hello on the WebSocket", p.name)
		}
	}
	return w
}

// startBot starts the bot, as one process would: an adapter and an engine
// on the world's store. w.stopBot stops it (waiting for Run to return).
func (w *world) startBot() {
	t := w.t
	ctx := context.Background()
	secrets := redact.New() // the adapter adds its tokens, as under cmd/helpdesk
	logger := slog.New(redact.NewHandler(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}), secrets))
	opts := mattermost.OptionsFrom(w.cfg.Platforms.Mattermost, w.callback)
	opts.Logger, opts.Secrets = logger, secrets
	opts.GroupChats, opts.Cursor = w.store, w.store
	opts.AgentChannels = func() []string { return []string{w.agents} }
	opts.MinBackoff, opts.MaxBackoff = 100*time.Millisecond, 500*time.Millisecond
	ad, err := mattermost.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	w.adapter = ad
	eng, err := bot.New(bot.Options{Store: w.store, Runtime: &bot.Runtime{Config: w.cfg, FAQ: w.faq}, Platforms: []bot.Platform{ad}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	w.engine = eng
	mux := http.NewServeMux()
	ad.Routes(mux)
	w.routes.Store(mux)

	runCtx, cancel := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- ad.Run(runCtx, eng.Handle) }()
	var once sync.Once
	w.stopBot = func() {
		once.Do(func() {
			w.routes.Store(nil)
			cancel()
			if err := <-runErr; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(w.stopBot)
	select {
	case <-ad.Ready():
	case err := <-runErr:
		t.Fatalf("Run: %v", err)
	case <-time.After(waitFor):
		t.Fatal("adapter not ready")
	}
}

func (w *world) writeConfig(mmURL string) string {
	w.t.Helper()
	tmpl, err := os.ReadFile("testdata/helpdesk.yaml.tmpl")
	if err != nil {
		w.t.Fatal(err)
	}
	faqPath, err := filepath.Abs("testdata/faq/it.yaml")
	if err != nil {
		w.t.Fatal(err)
	}
	r := strings.NewReplacer("{{URL}}", mmURL, "{{TOKEN}}", w.botToken, "{{TEAM}}", w.team.Name, "{{SECRET}}", w.secret,
		"{{FAQ}}", faqPath, "{{ADA}}", w.ada.id, "{{AGENTS}}", w.agents)
	path := filepath.Join(w.t.TempDir(), "helpdesk.yaml")
	if err := os.WriteFile(path, []byte(r.Replace(string(tmpl))), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return path
}

func (w *world) dm(p *person) string {
	w.t.Helper()
	c := must[*model.Channel](w.t, "DM")(p.client.CreateDirectChannel(context.Background(), p.id, w.botID))
	return c.Id
}

func (w *world) ticket(key string) *tickets.Ticket {
	w.t.Helper()
	tk, err := w.store.GetByKey(context.Background(), key)
	if err != nil {
		w.t.Fatalf("ticket %s: %v", key, err)
	}
	return tk
}

// eventually retries cond until it holds or the wait is over.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("never: %s", what)
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Fatalf("%s lacks %q:\n%s", what, want, got)
		}
	}
}

// TestJourneyOnRealServer: DM question → answer → escalate through the
// dialog → a non-agent's Start Chat refused, a forged action refused →
// Start Chat → both chat in the private channel → End Service →
// evaluation with a comment dialog.
func TestJourneyOnRealServer(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	carlDM, adaDM := w.dm(w.carl), w.dm(w.ada)

	w.carl.say(carlDM, "VPN does not connect")
	answer := w.carl.waitPost(carlDM, w.botID, "GlobalProtect")
	mustContain(t, "the answer", render(answer), "Did this help?", "[Yes]", "[No]")

	w.carl.press(answer, "No")
	offer := w.carl.waitPost(carlDM, w.botID, "[Talk to an agent]")
	w.carl.press(offer, "Talk to an agent")

	// The pre-inquiry form opens as an interactive dialog.
	d := w.carl.waitDialog(1)
	if d.Dialog.CallbackId != "ticket" || len(d.Dialog.Elements) != 3 {
		t.Fatalf("dialog: %+v", d.Dialog)
	}
	if e := d.Dialog.Elements[0]; e.Type != "select" || e.Optional || len(e.Options) != 3 {
		t.Fatalf("system should be a required select: %+v", e)
	}
	if e := d.Dialog.Elements[1]; e.Type != "textarea" || e.Optional {
		t.Fatalf("details should be a required textarea: %+v", e)
	}
	w.carl.submit(d, carlDM, w.team.Id, map[string]any{"system": "VPN", "details": "It drops every hour @channel"})
	w.carl.waitPost(carlDM, w.botID, "I've opened ticket **IT-1**")
	tk := w.ticket("IT-1")
	if tk.Status != tickets.StatusAssigned || tk.Assignee != "Ada" || tk.Requester.ID != w.carl.id || tk.Requester.Name != "Carl" {
		t.Fatalf("ticket: %+v", tk)
	}
	card := w.ada.waitPost(adaDM, w.botID, "[Start Chat]")
	mustContain(t, "Ada's card", render(card), "IT-1", "VPN")
	if strings.Contains(render(card), "@channel") {
		t.Fatalf("user text must not broadcast: %s", render(card))
	}
	chanCard := w.bob.waitPost(w.agents, w.botID, "[Start Chat]")

	// Ada's reply in the card's thread in the agent channel is an internal note.
	if _, _, err := w.ada.client.CreatePost(ctx, &model.Post{ChannelId: w.agents, RootId: chanCard.Id, Message: "Known issue with the Berlin gateway"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the card thread reply is an internal note", func() bool {
		msgs, err := w.store.Messages(ctx, tk.ID)
		if err != nil {
			return false
		}
		for _, m := range msgs {
			if m.Kind == tickets.KindNote && m.Author.Name == "Ada" && m.Text == "Known issue with the Berlin gateway" {
				return true
			}
		}
		return false
	})

	// Bob is not an agent: his click is refused, privately, and changes nothing.
	w.bob.press(chanCard, "Start Chat")
	refusal := w.bob.waitPost(w.agents, "", "Only the assigned agent")
	if refusal.Type != model.PostTypeEphemeral {
		t.Fatalf("the refusal should be ephemeral: %+v", refusal)
	}
	w.ada.mu.Lock()
	for _, p := range w.ada.posts {
		if strings.Contains(p.Message, "Only the assigned agent") {
			t.Error("Ada saw Bob's refusal")
		}
	}
	w.ada.mu.Unlock()
	if got := w.ticket("IT-1"); got.Status != tickets.StatusAssigned || got.GroupChat != "" {
		t.Fatalf("a refused Start Chat changed the ticket: %+v", got)
	}
	list := must[*model.PostList](t, "agent channel posts")(w.admin.GetPostsForChannel(ctx, w.agents, 0, 50, "", false, false))
	for _, p := range list.Posts {
		if strings.Contains(p.Message, "Only the assigned agent") {
			t.Fatal("the refusal must not be visible to the channel")
		}
	}

	// Bob's click, captured as the server posted it and replayed "as" Ada
	// (her user id, the same valid context): the trigger_id was signed for
	// Bob, so it is refused with 403 and the ticket stays as it was.
	var captured model.PostActionIntegrationRequest
	if err := json.Unmarshal(*w.lastAction.Load(), &captured); err != nil || captured.UserId != w.bob.id {
		t.Fatalf("captured action: %v %+v", err, captured)
	}
	captured.UserId = w.ada.id
	replay, _ := json.Marshal(captured)
	resp, err := http.Post(w.callback+mattermost.PathAction, "application/json", bytes.NewReader(replay))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("Bob's click replayed as Ada: status %d, want 403", resp.StatusCode)
	}
	if got := w.ticket("IT-1"); got.Status != tickets.StatusAssigned || got.GroupChat != "" {
		t.Fatalf("a replayed action changed the ticket: %+v", got)
	}

	// A forged action (its HMAC does not verify) is refused with 403.
	forged := model.PostActionIntegrationRequest{UserId: w.ada.id, ChannelId: adaDM, PostId: card.Id, TriggerId: "forged",
		Context: map[string]any{"hd_a": "start", "hd_v": fmt.Sprint(tk.ID), "hd_c": adaDM, "hd_p": card.Id, "hd_n": "x", "hd_s": strings.Repeat("ab", 32)}}
	body, _ := json.Marshal(forged)
	resp, err = http.Post(w.callback+mattermost.PathAction, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged action: status %d, want 403", resp.StatusCode)
	}
	// The 403 comes before anything is dispatched: the ticket is checked at once.
	if got := w.ticket("IT-1"); got.Status != tickets.StatusAssigned || got.GroupChat != "" {
		t.Fatalf("a forged action changed the ticket: %+v", got)
	}

	// Ada starts the chat: a private channel with Carl and Ada, the summary
	// with End Service, her card updated in place.
	w.ada.press(card, "Start Chat")
	eventually(t, "the ticket is in service", func() bool { return w.ticket("IT-1").Status == tickets.StatusInService })
	gc := w.ticket("IT-1").GroupChat
	ch := must[*model.Channel](t, "group chat")(w.admin.GetChannel(ctx, gc))
	if ch.Type != model.ChannelTypePrivate || ch.TeamId != w.team.Id || !strings.HasPrefix(ch.Name, "it-1-") {
		t.Fatalf("group chat channel: %+v", ch)
	}
	members := must[model.ChannelMembers](t, "members")(w.admin.GetChannelMembers(ctx, gc, 0, 50, ""))
	in := map[string]bool{}
	for _, m := range members {
		in[m.UserId] = true
	}
	if !in[w.carl.id] || !in[w.ada.id] || !in[w.botID] || in[w.bob.id] {
		t.Fatalf("group chat members: %v", in)
	}
	summary := w.carl.waitPost(gc, w.botID, "[End Service]")
	w.ada.waitPost(adaDM, w.botID, "In service with Ada")

	// Both chat; every message goes to the transcript.
	w.carl.say(gc, "Hi Ada, it just dropped again")
	w.ada.say(gc, "Please update GlobalProtect to 6.2")
	eventually(t, "the transcript holds both messages", func() bool {
		msgs, err := w.store.Messages(ctx, tk.ID)
		if err != nil {
			return false
		}
		var lines []string
		for _, m := range msgs {
			if m.Kind != tickets.KindNote {
				lines = append(lines, m.Author.Name+": "+m.Text)
			}
		}
		return strings.Join(lines, "\n") == "Carl: Hi Ada, it just dropped again\nAda: Please update GlobalProtect to 6.2"
	})

	// End Service: closing note, channel archived, evaluation in Carl's DM.
	w.ada.press(summary, "End Service")
	w.carl.waitPost(gc, w.botID, "This chat is now closed")
	eventually(t, "the channel is archived", func() bool {
		c, _, err := w.admin.GetChannel(ctx, gc)
		return err == nil && c.DeleteAt > 0
	})
	rate := w.carl.waitPost(carlDM, w.botID, "How would you rate")
	w.carl.press(rate, "★★★★☆")
	comment := w.carl.waitPost(carlDM, w.botID, "[Add a comment]")
	w.carl.press(comment, "Add a comment")
	cd := w.carl.waitDialog(2)
	if !strings.HasPrefix(cd.Dialog.CallbackId, "comment:") {
		t.Fatalf("the comment should open as a dialog: %+v", cd.Dialog)
	}
	w.carl.submit(cd, carlDM, w.team.Id, map[string]any{"comment": "Quick and friendly"})
	w.carl.waitPost(carlDM, w.botID, "Thanks for your feedback!")
	eventually(t, "the evaluation is recorded", func() bool {
		tk := w.ticket("IT-1")
		return tk.Evaluation != nil && tk.Evaluation.Rating == 4 && tk.Evaluation.Comment == "Quick and friendly"
	})
}

// TestWebSocketDropOnRealServer: the connection to Mattermost is cut; a
// question asked during the gap is still answered after the reconnection.
func TestWebSocketDropOnRealServer(t *testing.T) {
	w := newWorld(t)
	carlDM := w.dm(w.carl)
	w.carl.say(carlDM, "How do I reset my password?")
	w.carl.waitPost(carlDM, w.botID, "id.example.com/reset")

	w.proxy.cut(true)
	eventually(t, "the adapter notices the gap", func() bool { return strings.Contains(w.logs.String(), "WebSocket lost") })
	q := w.carl.say(carlDM, "What is the guest wifi password?")
	time.Sleep(500 * time.Millisecond) // a few failed reconnections
	w.proxy.cut(false)

	w.carl.waitPost(carlDM, w.botID, "printed at the reception")
	eventually(t, "the catch-up is logged", func() bool { return strings.Contains(w.logs.String(), "caught up after a gap") })
	// The question is answered once, even though the catch-up overlaps.
	time.Sleep(500 * time.Millisecond)
	w.carl.mu.Lock()
	n := 0
	for _, p := range w.carl.posts {
		if p.UserId == w.botID && strings.Contains(render(p), "printed at the reception") {
			n++
		}
	}
	w.carl.mu.Unlock()
	if n != 1 {
		t.Fatalf("the missed question %s was answered %d times", q.Id, n)
	}
}

// TestRestartOnRealServer: the bot is stopped; a question asked while it
// is down is answered, once, by the next bot started on the same store.
func TestRestartOnRealServer(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	carlDM := w.dm(w.carl)
	w.carl.say(carlDM, "How do I reset my password?")
	w.carl.waitPost(carlDM, w.botID, "id.example.com/reset")
	eventually(t, "the catch-up cursor is saved", func() bool {
		_, _, err := w.store.GetCheckpoint(ctx, mattermost.CursorKey)
		return err == nil
	})
	w.stopBot()

	q := w.carl.say(carlDM, "What is the guest wifi password?")
	time.Sleep(300 * time.Millisecond)
	w.startBot()

	w.carl.waitPost(carlDM, w.botID, "printed at the reception")
	eventually(t, "the catch-up is logged", func() bool { return strings.Contains(w.logs.String(), "caught up after a restart") })
	time.Sleep(500 * time.Millisecond)
	count := func(want string) int {
		w.carl.mu.Lock()
		defer w.carl.mu.Unlock()
		n := 0
		for _, p := range w.carl.posts {
			if p.UserId == w.botID && strings.Contains(render(p), want) {
				n++
			}
		}
		return n
	}
	if n := count("printed at the reception"); n != 1 {
		t.Fatalf("the question %s asked while the bot was down was answered %d times", q.Id, n)
	}
	// The question before the stop falls in the catch-up's overlap: it is
	// not answered a second time.
	if n := count("id.example.com/reset"); n != 1 {
		t.Fatalf("the question before the stop was answered %d times", n)
	}
}

// TestSlashCommandOnRealServer: /helpdesk reaches the bot through the
// command it registered, token-checked.
func TestSlashCommandOnRealServer(t *testing.T) {
	w := newWorld(t)
	carlDM := w.dm(w.carl)
	if _, _, err := w.carl.client.ExecuteCommandWithTeam(context.Background(), carlDM, w.team.Id, "/helpdesk How do I reset my password?"); err != nil {
		t.Fatalf("/helpdesk: %v", err)
	}
	w.carl.waitPost(carlDM, w.botID, "id.example.com/reset")

	// A request without the command's token is refused.
	resp, err := http.Post(w.callback+mattermost.PathCommand, "application/x-www-form-urlencoded",
		strings.NewReader("token=wrong&user_id="+w.carl.id+"&channel_id="+carlDM+"&text=menu"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("command with a wrong token: %d", resp.StatusCode)
	}
}

// TestLongAnswerOnRealServer: a 20,000-character FAQ answer is more than a
// post holds (model.PostMessageMaxRunesV2, 16,383 runes; the server refuses
// a longer message). The real server takes every part the bot posts, and
// Carl reads the whole answer: each of its 325 steps once, in order, with
// "Did this help?" and its buttons on the last post only.
func TestLongAnswerOnRealServer(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	carlDM := w.dm(w.carl)
	w.carl.say(carlDM, "What does the travel expense handbook say?")
	last := w.carl.waitPost(carlDM, w.botID, "Did this help?")
	list := must[*model.PostList](t, "Carl's DM")(w.admin.GetPostsForChannel(ctx, carlDM, 0, 50, "", false, false))
	var parts []*model.Post
	for i := len(list.Order) - 1; i >= 0; i-- { // oldest first
		p := list.Posts[list.Order[i]]
		if p.UserId == w.botID && strings.Contains(p.Message, "Step ") {
			parts = append(parts, p)
		}
	}
	if len(parts) < 2 {
		t.Fatalf("the answer came in %d posts, want it split", len(parts))
	}
	var all strings.Builder
	for i, p := range parts {
		if n := utf8.RuneCountInString(p.Message); n > model.PostMessageMaxRunesV2 {
			t.Errorf("post %d has %d runes, over the server's limit", i+1, n)
		}
		if hasButtons := len(p.Attachments()) > 0 && len(p.Attachments()[0].Actions) > 0; hasButtons != (i == len(parts)-1) {
			t.Errorf("post %d of %d: buttons %v, want them on the last post only", i+1, len(parts), hasButtons)
		}
		all.WriteString(render(p))
		all.WriteString("\n")
	}
	if parts[len(parts)-1].Id != last.Id {
		t.Errorf("\"Did this help?\" is not on the last part")
	}
	text := all.String()
	prev := -1
	for major := 1; major <= 65; major++ {
		for minor := 1; minor <= 5; minor++ {
			step := fmt.Sprintf("Step %d.%d:", major, minor)
			if n := strings.Count(text, step); n != 1 {
				t.Fatalf("%q is posted %d times, want once", step, n)
			}
			i := strings.Index(text, step)
			if i < prev {
				t.Fatalf("%q comes before the step it follows", step)
			}
			prev = i
		}
	}
}
