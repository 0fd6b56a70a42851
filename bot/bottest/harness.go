package bottest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/internal/clocktest"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// Harness runs the real engine on a SQLite store in a temp dir with an
// in-memory platform, and plays people on it.
type Harness struct {
	T        testing.TB
	Engine   *bot.Engine
	Store    tickets.Store
	Platform *Platform
	Clock    *clocktest.Clock
	Config   *config.Config
	// Wrap, when set, wraps the store the next time the engine starts (to
	// inject failures such as a crash in the middle of a step).
	Wrap func(tickets.Store) tickets.Store
	// WrapPlatform, when set, wraps the platform the next time the engine
	// starts (to make its sends fail as in a crash).
	WrapPlatform func(bot.Platform) bot.Platform
	// SkipRecover, when set, makes the next start skip Engine.Recover (as
	// when a user's event reaches a new process before its recovery ran).
	SkipRecover bool
	// Tune, when set, changes the engine's options at every start.
	Tune   func(*bot.Options)
	dbPath string
	pgDSN  string
	mu     sync.Mutex
	seq    int
}

// Option changes how a Harness is built.
type Option func(*harnessOpts)

type harnessOpts struct {
	forms    bool
	platform string
	start    time.Time
	limit    int
	pgDSN    string
}

// WithSelectLimit makes the platform's selects show at most n options (as
// Discord's 25), so the engine pages longer lists.
func WithSelectLimit(n int) Option { return func(o *harnessOpts) { o.limit = n } }

// WithPostgres runs the engine on the PostgreSQL store at dsn (a test
// schema of its own, see tickets/postgres/pgtest) instead of SQLite.
func WithPostgres(dsn string) Option { return func(o *harnessOpts) { o.pgDSN = dsn } }

// WithForms makes the platform open forms as dialogs.
func WithForms() Option { return func(o *harnessOpts) { o.forms = true } }

// WithPlatform names the platform (default "web").
func WithPlatform(name string) Option { return func(o *harnessOpts) { o.platform = name } }

// WithStart sets the clock's start (default Wednesday 2026-11-18 10:00 UTC).
func WithStart(t time.Time) Option { return func(o *harnessOpts) { o.start = t } }

// New loads the config at path and starts an engine on a fresh store.
func New(tb testing.TB, configPath string, opts ...Option) *Harness {
	tb.Helper()
	o := harnessOpts{platform: "web", start: time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)}
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := config.Load(configPath)
	if err != nil {
		tb.Fatalf("load config: %v", err)
	}
	h := &Harness{
		T:        tb,
		Platform: NewPlatform(o.platform, o.forms),
		Clock:    clocktest.New(o.start),
		Config:   cfg,
		dbPath:   filepath.Join(tb.TempDir(), "helpdesk.db"),
		pgDSN:    o.pgDSN,
	}
	h.Platform.SelectLimit = o.limit
	h.start()
	tb.Cleanup(func() {
		h.Store.Close()
	})
	return h
}

func (h *Harness) start() {
	h.T.Helper()
	ctx := context.Background()
	var st tickets.Store
	var err error
	if h.pgDSN != "" {
		st, err = postgres.Open(ctx, h.pgDSN)
	} else {
		st, err = sqlite.Open(ctx, h.dbPath)
	}
	if err != nil {
		h.T.Fatalf("open store: %v", err)
	}
	set, err := faq.BuildSet(h.Config)
	if err != nil {
		h.T.Fatalf("build FAQ: %v", err)
	}
	var store tickets.Store = st
	if h.Wrap != nil {
		store = h.Wrap(st)
	}
	var platform bot.Platform = h.Platform
	if h.WrapPlatform != nil {
		platform = h.WrapPlatform(platform)
	}
	opts := bot.Options{
		Store:     store,
		Runtime:   &bot.Runtime{Config: h.Config, FAQ: set},
		Platforms: []bot.Platform{platform},
		Now:       h.Clock.Now,
		Logger:    testLogger(h.T),
	}
	if h.Tune != nil {
		h.Tune(&opts)
	}
	e, err := bot.New(opts)
	if err != nil {
		h.T.Fatalf("new engine: %v", err)
	}
	if !h.SkipRecover {
		if err := e.Recover(ctx); err != nil {
			h.T.Fatalf("recover: %v", err)
		}
	}
	h.Store, h.Engine = store, e
}

// Restart stops the engine and its store and starts new ones on the same
// database, as a process restart would. The platform keeps what it showed.
func (h *Harness) Restart() {
	h.T.Helper()
	if err := h.Store.Close(); err != nil {
		h.T.Fatalf("close store: %v", err)
	}
	h.start()
}

// Reload swaps in the config at path, as the watcher does.
func (h *Harness) Reload(path string) {
	h.T.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		h.T.Fatalf("reload config: %v", err)
	}
	set, err := faq.BuildSet(cfg)
	if err != nil {
		h.T.Fatalf("reload FAQ: %v", err)
	}
	h.Config = cfg
	h.Engine.Reload(&bot.Runtime{Config: cfg, FAQ: set})
}

// Tick advances the clock and fires due timers.
func (h *Harness) Tick(d time.Duration) {
	h.T.Helper()
	h.Clock.Advance(d)
	if err := h.Engine.Tick(context.Background()); err != nil {
		h.T.Fatalf("tick: %v", err)
	}
}

func (h *Harness) nextID() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	return fmt.Sprintf("ev%d", h.seq)
}

// Deliver hands an event to the engine and fails the test on error.
func (h *Harness) Deliver(ev bot.Event) {
	h.T.Helper()
	if ev.Platform == "" {
		ev.Platform = h.Platform.Name()
	}
	if err := h.Engine.Handle(context.Background(), ev); err != nil {
		h.T.Fatalf("handle %s event from %s: %v", ev.Kind, ev.User.ID, err)
	}
}

// Ticket returns a ticket by key.
func (h *Harness) Ticket(key string) *tickets.Ticket {
	h.T.Helper()
	t, err := h.Store.GetByKey(context.Background(), key)
	if err != nil {
		h.T.Fatalf("ticket %s: %v", key, err)
	}
	return t
}

// Tickets returns every ticket, oldest first.
func (h *Harness) Tickets() []*tickets.Ticket {
	h.T.Helper()
	ts, err := h.Store.List(context.Background(), tickets.Filter{})
	if err != nil {
		h.T.Fatalf("list tickets: %v", err)
	}
	return ts
}

// Person is a user or agent typing and pressing buttons.
type Person struct {
	h      *Harness
	ID     string
	Name   string
	Locale string
	cursor int
}

// Person returns someone with a platform user id and display name.
func (h *Harness) Person(id, name string) *Person {
	return &Person{h: h, ID: id, Name: name}
}

func (p *Person) user() bot.User { return bot.User{ID: p.ID, Name: p.Name, Locale: p.Locale} }

// DM is the person's DM chat with the bot.
func (p *Person) DM() string { return DMChat(p.ID) }

// Say types a message in the DM with the bot.
func (p *Person) Say(text string) {
	p.h.T.Helper()
	p.h.Deliver(bot.Event{ID: p.h.nextID(), Kind: bot.EventMessage, User: p.user(),
		Chat: bot.Chat{ID: p.DM(), Kind: bot.ChatDirect}, Text: text})
}

// SayIn types a message in a group chat.
func (p *Person) SayIn(chat, text string) {
	p.h.T.Helper()
	p.h.Deliver(bot.Event{ID: p.h.nextID(), Kind: bot.EventMessage, User: p.user(),
		Chat: bot.Chat{ID: chat, Kind: bot.ChatGroup}, Text: text})
}

// Command runs /helpdesk <args> in the DM.
func (p *Person) Command(args string) {
	p.h.T.Helper()
	p.CommandIn(p.DM(), bot.ChatDirect, args)
}

// CommandIn runs /helpdesk <args> in a chat.
func (p *Person) CommandIn(chat string, kind bot.ChatKind, args string) {
	p.h.T.Helper()
	p.h.Deliver(bot.Event{ID: p.h.nextID(), Kind: bot.EventCommand, User: p.user(),
		Chat: bot.Chat{ID: chat, Kind: kind}, Text: args, Trigger: p.h.nextID()})
}

// findButton finds the newest message in chat visible to p with a button labelled label.
func (p *Person) findButton(chat, label string) (Sent, bot.Button, bool) {
	var found bot.Button
	s, ok := p.h.Platform.newest(chat, p.ID, func(s *Sent) bool {
		for _, b := range s.Msg.Buttons {
			if b.Label == label {
				found = b
				return true
			}
		}
		return false
	})
	return s, found, ok
}

// Press presses the newest button with that label in the DM.
func (p *Person) Press(label string) {
	p.h.T.Helper()
	p.PressIn(p.DM(), label)
}

// PressIn presses the newest button with that label in a chat.
func (p *Person) PressIn(chat, label string) {
	p.h.T.Helper()
	s, b, ok := p.findButton(chat, label)
	if !ok {
		p.h.T.Fatalf("%s sees no button %q in %s; they see:\n%s", p.Name, label, chat, p.h.Transcript(chat, p.ID))
	}
	p.press(chat, s, b.ID, b.Value)
}

// PressValue presses a button by action id and value, as a forged or stale click would.
func (p *Person) PressValue(chat, id, value string) {
	p.h.T.Helper()
	p.press(chat, Sent{Ref: bot.MessageRef{Chat: chat}}, id, value)
}

// PressOn presses a control on a message as a client still showing it
// would (a late press on a message whose controls were taken off).
func (p *Person) PressOn(s Sent, id, value string) {
	p.h.T.Helper()
	p.press(s.Ref.Chat, s, id, value)
}

func (p *Person) press(chat string, s Sent, id, value string) {
	p.h.T.Helper()
	kind := bot.ChatDirect
	if strings.HasPrefix(chat, "group:") {
		kind = bot.ChatGroup
	} else if !strings.HasPrefix(chat, "dm:") {
		kind = bot.ChatChannel
	}
	p.h.Deliver(bot.Event{ID: p.h.nextID(), Kind: bot.EventAction, User: p.user(),
		Chat:    bot.Chat{ID: chat, Kind: kind},
		Action:  bot.Action{ID: id, Value: value, Message: s.Ref},
		Trigger: p.h.nextID()})
}

// Choose picks an option, by label, from the newest select menu in the DM.
func (p *Person) Choose(label string) {
	p.h.T.Helper()
	msgs := p.h.Platform.Messages(p.DM(), p.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if sel := msgs[i].Msg.Select; sel != nil {
			for _, o := range sel.Options {
				if o.Label == label {
					p.press(p.DM(), msgs[i], sel.ID, o.Value)
					return
				}
			}
		}
	}
	p.h.T.Fatalf("%s sees no menu option %q; they see:\n%s", p.Name, label, p.h.Transcript(p.DM(), p.ID))
}

// Submit submits the newest opened form with the values.
func (p *Person) Submit(values map[string]string) {
	p.h.T.Helper()
	forms := p.h.Platform.OpenedForms()
	if len(forms) == 0 {
		p.h.T.Fatalf("no form is open")
	}
	f := forms[len(forms)-1]
	p.h.Deliver(bot.Event{ID: p.h.nextID(), Kind: bot.EventForm, User: p.user(),
		Chat: bot.Chat{ID: p.DM(), Kind: bot.ChatDirect}, FormID: f.Form.ID, Values: values})
}

// Last returns the newest message the person sees in their DM.
func (p *Person) Last() bot.Message {
	p.h.T.Helper()
	msgs := p.h.Platform.Messages(p.DM(), p.ID)
	if len(msgs) == 0 {
		p.h.T.Fatalf("%s has no messages", p.Name)
	}
	return msgs[len(msgs)-1].Msg
}

// New returns the texts the person saw in their DM since the last call.
func (p *Person) New() string {
	msgs := p.h.Platform.Messages(p.DM(), p.ID)
	var b strings.Builder
	for _, m := range msgs[min(p.cursor, len(msgs)):] {
		b.WriteString(Render(m.Msg))
		b.WriteString("\n")
	}
	p.cursor = len(msgs)
	return b.String()
}

// Sees reports whether the person saw text (in any message of their DM, as rendered).
func (p *Person) Sees(text string) bool {
	return strings.Contains(p.h.Transcript(p.DM(), p.ID), text)
}

// Group returns the newest group chat the person is in.
func (p *Person) Group() GroupChat {
	p.h.T.Helper()
	gs := p.h.Platform.Groups(p.ID)
	if len(gs) == 0 {
		p.h.T.Fatalf("%s is in no group chat", p.Name)
	}
	return gs[len(gs)-1]
}

// Transcript renders what viewer sees in chat, one message per block.
func (h *Harness) Transcript(chat, viewer string) string {
	var b strings.Builder
	for _, s := range h.Platform.Messages(chat, viewer) {
		b.WriteString(Render(s.Msg))
		b.WriteString("\n")
	}
	return b.String()
}

// Render turns a message into plain text: title, text, fields, [buttons], {options}.
func Render(m bot.Message) string {
	var parts []string
	if m.Title != "" {
		parts = append(parts, "# "+m.Title)
	}
	if m.Text != "" {
		parts = append(parts, m.Text)
	}
	for _, f := range m.Fields {
		parts = append(parts, f.Label+": "+f.Value)
	}
	if len(m.Buttons) > 0 {
		var bs []string
		for _, b := range m.Buttons {
			bs = append(bs, "["+b.Label+"]")
		}
		parts = append(parts, strings.Join(bs, " "))
	}
	if m.Select != nil {
		var os []string
		for _, o := range m.Select.Options {
			os = append(os, "{"+o.Label+"}")
		}
		parts = append(parts, strings.Join(os, " "))
	}
	return strings.Join(parts, "\n")
}

// testLogger sends the engine's log to the test log (benchmarks: nowhere).
func testLogger(tb testing.TB) *slog.Logger {
	if _, ok := tb.(*testing.B); ok {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(tbWriter{tb}, nil))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
