package center_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/center"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/internal/clocktest"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

var ctx = context.Background()

const testConfig = `store: sqlite:helpdesk.db
base_url: https://help.example.com
platforms:
  web: {enabled: true}
  discord: {token: x, guild: "111", support_channel: "222"}
admins: {web: [root@example.com]}
api:
  - {name: crm, token: crm-token-0123456789, desks: [it]}
  - {name: payroll, token: payroll-token-0123456789, desks: [hr]}
desks:
  - id: it
    name: IT Help Desk
    faq: faq.yaml
    agents:
      - {name: Ada, web: ada@example.com, discord: "900"}
      - {name: Linus, web: linus@example.com}
  - id: hr
    name: HR Desk
    agents:
      - {name: Bob, web: bob@example.com}
    admins: {web: [boss@example.com]}
`

const testFAQ = `menu:
  - id: network
    title: Network & VPN
    items:
      - {id: vpn, question: "How do I connect to the VPN?", answer: Open GlobalProtect.}
`

// engine stands in for the bot engine: it makes each change through the
// service, as the bot does, and records the changes it carried out
// ("IT-1 transfer") and the notifications it sent.
type engine struct {
	svc      *tickets.Service
	cfg      *config.Config
	mu       sync.Mutex
	changes  []string // "IT-1 transfer"
	notified []string // "web:ada@example.com: text"
	// undeliverable: files the channel refuses (name -> why), for ReplyWithFiles
	undeliverable map[string]string
}

var _ center.Engine = (*engine)(nil)

// did records a change the service made.
func (e *engine) did(t *tickets.Ticket, kind string, err error) (*tickets.Ticket, error) {
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.changes = append(e.changes, t.Key+" "+kind)
	return t, nil
}

func (e *engine) Open(ctx context.Context, t *tickets.Ticket, prefix string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, bool, error) {
	saved, created, err := e.svc.Open(ctx, t, prefix, actor, src)
	if err == nil && created {
		e.did(saved, "open", nil)
	}
	return saved, created, err
}

func (e *engine) Assign(ctx context.Context, id int64, agent, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Assign(ctx, id, agent, reason, actor, src)
	return e.did(t, "assign", err)
}

func (e *engine) Transfer(ctx context.Context, id int64, to, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Transfer(ctx, id, to, reason, actor, src)
	return e.did(t, "transfer", err)
}

func (e *engine) Snooze(ctx context.Context, id int64, until time.Time, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Snooze(ctx, id, until, actor, src)
	return e.did(t, "snooze", err)
}

func (e *engine) Wake(ctx context.Context, id int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Wake(ctx, id, actor, src)
	return e.did(t, "wake", err)
}

func (e *engine) EndService(ctx context.Context, id int64, note string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.End(ctx, id, note, actor, src)
	return e.did(t, "end", err)
}

func (e *engine) EndServiceWithReason(ctx context.Context, id int64, note, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err = e.svc.EndWithReason(ctx, id, note, reason, e.desk(t.Desk), actor, src)
	return e.did(t, "end", err)
}

func (e *engine) Reopen(ctx context.Context, id int64, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Reopen(ctx, id, reason, actor, src)
	return e.did(t, "reopen", err)
}

func (e *engine) Merge(ctx context.Context, dupID, intoID int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, *tickets.Ticket, error) {
	dup, into, err := e.svc.Merge(ctx, dupID, intoID, actor, src)
	if err != nil {
		return nil, nil, err
	}
	e.did(dup, "merge", nil)
	e.did(into, "merged", nil)
	return dup, into, nil
}

func (e *engine) AddNote(ctx context.Context, id int64, text, platformID string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.AddNote(ctx, id, text, platformID, actor, src)
	return e.did(t, "note", err)
}

func (e *engine) desk(id string) *config.Desk {
	if e.cfg == nil {
		return nil
	}
	return e.cfg.Desk(id)
}

func (e *engine) Edit(ctx context.Context, id int64, ed tickets.Edit, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err = e.svc.Edit(ctx, id, ed, e.desk(t.Desk), actor, src)
	return e.did(t, "edit", err)
}

func (e *engine) Move(ctx context.Context, id int64, toDesk, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err = e.svc.Move(ctx, id, e.desk(toDesk), t.Priority, reason, actor, src)
	return e.did(t, "move", err)
}

func (e *engine) Delete(ctx context.Context, id int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Delete(ctx, id, actor, src)
	return e.did(t, "delete", err)
}

func (e *engine) SetAgentStatus(ctx context.Context, agent, status string, actor tickets.Actor) error {
	if err := e.svc.SetAgentStatus(ctx, agent, status, actor); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.changes = append(e.changes, agent+" "+status)
	return nil
}

func (e *engine) Split(ctx context.Context, id, messageID int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, *tickets.Ticket, error) {
	from, split, err := e.svc.Split(ctx, id, messageID, "", actor, src)
	if err != nil {
		return nil, nil, err
	}
	e.did(from, "split", nil)
	e.did(split, "split off", nil)
	return from, split, nil
}

func (e *engine) Follow(ctx context.Context, id int64, p tickets.Person, follow bool, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Follow(ctx, id, p, follow, actor, src)
	kind := "follow"
	if !follow {
		kind = "unfollow"
	}
	return e.did(t, kind, err)
}

// Reply records the answer as the bot does after sending it.
func (e *engine) Reply(ctx context.Context, id int64, text string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.RecordMessage(ctx, id, text, "", actor, src)
	return e.did(t, "reply", err)
}

// ReplyChannels offers the ticket's own way and, for a requester with a
// mail address in their id, a mail (as the bot does for a linked account).
func (e *engine) ReplyChannels(_ context.Context, t *tickets.Ticket) ([]tickets.Channel, error) {
	out := []tickets.Channel{{Via: "dm", Label: "A DM to " + t.Requester.Name}}
	if strings.Contains(t.Requester.ID, "@") {
		out = append(out, tickets.Channel{Via: "email", Label: "A mail to " + t.Requester.ID})
	}
	return out, nil
}

// ReplyVia records the answer with the channel it went by.
func (e *engine) ReplyVia(ctx context.Context, id int64, text, via string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.RecordMessage(ctx, id, text, "", actor, src)
	return e.did(t, "reply via "+via, err)
}

func (e *engine) Notify(_ context.Context, platform, user, text string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.notified = append(e.notified, platform+":"+user+": "+text)
	return nil
}

func (e *engine) Notified() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.notified...)
}

func (e *engine) Changes() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.changes...)
}

// memAuth is an in-memory auth.Store.
type memAuth struct {
	mu       sync.Mutex
	links    map[string]auth.Identity
	sessions map[string]auth.Session
}

func (m *memAuth) PutLink(_ context.Context, h string, id auth.Identity, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.links[h] = id
	return nil
}

func (m *memAuth) TakeLink(_ context.Context, h string, _ time.Time) (auth.Identity, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.links[h]
	if !ok {
		return auth.Identity{}, errs.Errorf(errs.ENOTFOUND, "no link")
	}
	delete(m.links, h)
	return id, nil
}

func (m *memAuth) PutSession(_ context.Context, s auth.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.ID] = s
	return nil
}

func (m *memAuth) GetSession(_ context.Context, id string, _ time.Time) (auth.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return auth.Session{}, errs.Errorf(errs.ENOTFOUND, "no session")
	}
	return s, nil
}

func (m *memAuth) DeleteSession(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, id)
	return nil
}

type env struct {
	t      *testing.T
	srv    *httptest.Server
	store  tickets.Store
	svc    *tickets.Service
	cfg    *config.Config
	auth   *auth.Manager
	engine *engine // nil on the real bot engine (live)
	clock  interface {
		Now() time.Time
		Advance(time.Duration)
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, true)
}

// newEnvWith builds the test Center, with the recording engine or (false)
// without one.
func newEnvWith(t *testing.T, withEngine bool) *env {
	t.Helper()
	return newEnvConfig(t, withEngine, testConfig, testFAQ)
}

// newEnvConfig is newEnvWith on another config and FAQ.
func newEnvConfig(t *testing.T, withEngine bool, cfgText, faqText string) *env {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"helpdesk.yaml": cfgText, "faq.yaml": faqText} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "helpdesk.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clocktest.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	e := &env{t: t, store: st, cfg: cfg, clock: clk, svc: &tickets.Service{Store: st, Now: clk.Now, Files: &tickets.Attachments{Store: st, Now: clk.Now}}}
	e.engine = &engine{svc: e.svc, cfg: cfg}
	am, err := auth.New(auth.Options{Store: &memAuth{links: map[string]auth.Identity{}, sessions: map[string]auth.Session{}}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.auth = am
	var eng center.Engine
	if withEngine {
		eng = e.engine
	}
	c, err := center.New(center.Options{Store: st, Service: e.svc, Engine: eng, Config: func() *config.Config { return cfg },
		Auth: e.auth, Metrics: center.NewMetrics(), Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.auth.Routes(mux)
	c.Routes(mux)
	e.srv = httptest.NewServer(mux) // 127.0.0.1, port 0
	t.Cleanup(e.srv.Close)
	return e
}

// open opens a ticket as its requester would through the bot.
func (e *env) open(desk, user, subject string) *tickets.Ticket {
	e.t.Helper()
	p := tickets.Person{Platform: "web", ID: user, Name: strings.Split(user, "@")[0]}
	tk, _, err := e.svc.Open(ctx, &tickets.Ticket{Desk: desk, Platform: "web", Requester: p, Subject: subject},
		strings.ToUpper(desk), tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: user, Name: p.Name}, tickets.SourceForm)
	if err != nil {
		e.t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	return tk
}

func (e *env) get(key string) *tickets.Ticket {
	e.t.Helper()
	tk, err := e.store.GetByKey(ctx, key)
	if err != nil {
		e.t.Fatal(err)
	}
	return tk
}

// browser is one signed-in person.
type browser struct {
	e      *env
	client *http.Client
	csrf   string
}

// signIn signs user in through a one-time link, as the bot would send it.
func (e *env) signIn(user string) *browser {
	e.t.Helper()
	link, err := e.auth.Link(ctx, auth.Identity{Platform: "web", UserID: user, Name: strings.Split(user, "@")[0]}, "/center/")
	if err != nil {
		e.t.Fatal(err)
	}
	u, _ := url.Parse(link)
	jar, _ := cookiejar.New(nil)
	b := &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	// The link's page, then its Sign in button.
	_, landing := b.do("GET", u.RequestURI(), nil)
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`).FindAllStringSubmatch(landing, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if code, _ := b.do("POST", "/auth/signin", form); code != http.StatusSeeOther {
		e.t.Fatalf("sign-in: status %d", code)
	}
	_, body := b.do("GET", "/center/", nil)
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("no CSRF token on the list page:\n%s", body)
	}
	b.csrf = m[1]
	return b
}

func (b *browser) do(method, path string, form url.Values) (int, string) {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.e.srv.URL+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// post submits a form with the session's CSRF token.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.csrf)
	return b.do("POST", path, form)
}

// ReplyWithFiles keeps the files with the ticket as the engine does and
// records what reached it ("IT-1 reply with a.png,b.txt via dm"); a file
// named in undeliverable is kept but named as not delivered.
func (e *engine) ReplyWithFiles(ctx context.Context, id int64, text, via string, files []tickets.Upload, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, []string, error) {
	t, err := e.svc.Store.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var names, notDelivered []string
	for i, f := range files {
		if _, err := e.svc.Files.Keep(ctx, t, actor, "reply:"+strconv.Itoa(i)+":"+f.Name, f.Name, f.Data); err != nil {
			return nil, nil, err
		}
		names = append(names, f.Name)
		if why, ok := e.undeliverable[f.Name]; ok {
			notDelivered = append(notDelivered, f.Name+" was kept with "+t.Key+" but not sent: "+why)
		}
	}
	if text != "" {
		if t, err = e.svc.RecordMessage(ctx, id, text, "", actor, src); err != nil {
			return nil, nil, err
		}
	}
	got, err := e.did(t, "reply with "+strings.Join(names, ",")+" via "+via, nil)
	return got, notDelivered, err
}
