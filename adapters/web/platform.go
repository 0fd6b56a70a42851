package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/webchat"
)

// Name is the platform name in config and events.
const Name = "web"

// Store is what the web chat persists (implemented by tickets/sqlite and
// tickets/postgres).
type Store = webchat.Store

// Options configure the web chat. Store, Auth and Config are required;
// Handle may be set later with SetHandler (the engine needs the platform,
// the platform needs the engine).
type Options struct {
	Store  Store
	Auth   *auth.Manager
	Handle func(ctx context.Context, ev bot.Event) error
	// Config returns the live configuration (who is an agent, which desks exist).
	Config func() *config.Config
	Now    func() time.Time
	Logger *slog.Logger
	// PollInterval is how often the change feed (one reader per process,
	// while event streams are open) looks in the store for changes made by
	// other replicas (default 2s); changes made by this process arrive at
	// once. While Run hears the store announce changes (webchat.Notifier),
	// the feed polls only every NotifiedPollInterval or PollInterval,
	// whichever is longer, as a fallback for a missed notification.
	PollInterval time.Duration
	// CenterURL, when set, is linked from the chat page (the Ticket Center).
	CenterURL string
	// Files, when set, returns the keeper of attachments (the engine's, with
	// the live limits): files can be sent in ticket chats.
	Files func() *tickets.Attachments
}

// Platform is the web chat.
type Platform struct {
	store     Store
	auth      *auth.Manager
	config    func() *config.Config
	now       func() time.Time
	log       *slog.Logger
	poll      time.Duration
	centerURL string
	filesFn   func() *tickets.Attachments
	hub       hub
	feed      feed
	visitors  *rateLimiter
	// notified is true while Run receives the store's change announcements.
	notified atomic.Bool

	mu     sync.RWMutex
	handle func(ctx context.Context, ev bot.Event) error
}

var _ bot.Platform = (*Platform)(nil)

// New returns the web chat.
func New(o Options) (*Platform, error) {
	if o.Store == nil || o.Auth == nil || o.Config == nil {
		return nil, errors.New("web: Options.Store, Auth and Config are required")
	}
	p := &Platform{store: o.Store, auth: o.Auth, config: o.Config, now: o.Now, log: o.Logger,
		poll: o.PollInterval, centerURL: o.CenterURL, handle: o.Handle, filesFn: o.Files}
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.log = p.log.With("platform", Name) // like the chat adapters: the caller does not add it
	if p.poll <= 0 {
		p.poll = 2 * time.Second
	}
	p.visitors = newRateLimiter(p.now, visitorBurst, visitorWindow)
	p.hub.init()
	p.feed.init(p)
	return p, nil
}

// NotifiedPollInterval is how often the change feed still polls the store
// while its change announcements arrive: a safety net, not the way changes
// travel.
const NotifiedPollInterval = 10 * time.Second

// Run passes the store's change announcements to the change feed, so
// a change made through another replica reaches browsers at once, until ctx
// ends. With a store that cannot announce changes (it is not a
// webchat.Notifier, e.g. SQLite, which one process owns) it just waits for
// ctx. If listening fails, streams keep polling every PollInterval and Run
// tries again with growing pauses. Events go to handle (nil: the handler of
// Options or SetHandler), as with every adapter's Run.
func (p *Platform) Run(ctx context.Context, handle func(ctx context.Context, ev bot.Event) error) error {
	if handle != nil {
		p.SetHandler(handle)
	}
	n, ok := p.store.(webchat.Notifier)
	if !ok {
		<-ctx.Done()
		return nil
	}
	pause := time.Second
	for ctx.Err() == nil {
		changes, err := n.WatchChanges(ctx)
		if err != nil {
			p.log.Warn("web chat: cannot listen for other replicas' changes; polling", "err", err, "retry_in", pause)
			select {
			case <-ctx.Done():
			case <-time.After(pause):
			}
			pause = min(2*pause, time.Minute)
			continue
		}
		pause = time.Second
		p.notified.Store(true)
		// Changes made before the listener started are picked up too.
		p.hub.notify()
		for range changes {
			p.hub.notify()
		}
		p.notified.Store(false)
	}
	return nil
}

// pollInterval is how long the change feed waits for a wake-up before it
// looks in the store anyway.
func (p *Platform) pollInterval() time.Duration {
	if p.notified.Load() {
		return max(p.poll, NotifiedPollInterval)
	}
	return p.poll
}

// SetHandler sets where events go (usually bot.Engine.Handle).
func (p *Platform) SetHandler(h func(ctx context.Context, ev bot.Event) error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.handle = h
}

func (p *Platform) handler() func(ctx context.Context, ev bot.Event) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.handle
}

// Name implements bot.Platform.
func (p *Platform) Name() string { return Name }

// Author is who wrote a message.
type Author struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	Bot  bool   `json:"bot,omitempty"`
}

// Body is a stored message: a bot.Message in a stable JSON shape, plus who
// wrote it and the state of a form or of pressed buttons.
type Body struct {
	From    Author   `json:"from"`
	Title   string   `json:"title,omitempty"`
	Text    string   `json:"text,omitempty"`
	Fields  []Field  `json:"fields,omitempty"`
	Buttons []Button `json:"buttons,omitempty"`
	Select  *Select  `json:"select,omitempty"`
	Form    *Form    `json:"form,omitempty"`
	// FormState is "open", "sent" or "closed" (replaced by a newer copy).
	FormState string            `json:"form_state,omitempty"`
	Values    map[string]string `json:"values,omitempty"`
	// Pressed is the control last used on a message in a DM, so the page
	// shows the choice made (in every tab, after a reload).
	Pressed *Pressed `json:"pressed,omitempty"`
	// Stale: the message's buttons have had their moment (the form they
	// reopen was sent, the ticket they rate was reopened); the page shows
	// them disabled.
	Stale bool `json:"stale,omitempty"`
	// Files were sent with the message (kept with the ticket).
	Files []FileRef `json:"files,omitempty"`
}

type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

type Button struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Value string `json:"value,omitempty"`
	Style string `json:"style,omitempty"`
	URL   string `json:"url,omitempty"`
}

type Option struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

type Select struct {
	ID          string   `json:"id"`
	Placeholder string   `json:"placeholder,omitempty"`
	Options     []Option `json:"options"`
}

type Form struct {
	ID     string      `json:"id"`
	Title  string      `json:"title"`
	Submit string      `json:"submit,omitempty"`
	Fields []FormField `json:"fields"`
}

type FormField struct {
	ID       string   `json:"id"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Options  []string `json:"options,omitempty"`
	Required bool     `json:"required,omitempty"`
	MaxLen   int      `json:"max_length,omitempty"`
}

type Pressed struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

var botAuthor = Author{Name: "Help desk", Bot: true}

func bodyOf(from Author, m bot.Message) Body {
	b := Body{From: from, Title: m.Title, Text: m.Text}
	for _, f := range m.Fields {
		b.Fields = append(b.Fields, Field{Label: f.Label, Value: f.Value})
	}
	for _, bt := range m.Buttons {
		b.Buttons = append(b.Buttons, Button{ID: bt.ID, Label: bt.Label, Value: bt.Value, Style: string(bt.Style), URL: bt.URL})
	}
	if m.Select != nil {
		s := &Select{ID: m.Select.ID, Placeholder: m.Select.Placeholder}
		for _, o := range m.Select.Options {
			s.Options = append(s.Options, Option{Label: o.Label, Value: o.Value})
		}
		b.Select = s
	}
	for _, f := range m.Files {
		b.Files = append(b.Files, FileRef{ID: f.ID, Name: f.Name, Size: f.Size, Type: f.ContentType})
	}
	return b
}

func formOf(f bot.Form) *Form {
	out := &Form{ID: f.ID, Title: f.Title, Submit: f.Submit}
	for _, fl := range f.Fields {
		t := string(fl.Type)
		if t == "" {
			t = string(bot.FieldText)
		}
		out.Fields = append(out.Fields, FormField{ID: fl.ID, Label: fl.Label, Type: t, Options: fl.Options, Required: fl.Required, MaxLen: fl.MaxLen})
	}
	return out
}

func decodeBody(m webchat.Message) (Body, error) {
	var b Body
	if err := json.Unmarshal(m.Body, &b); err != nil {
		return Body{}, fmt.Errorf("message %d: %w", m.ID, err)
	}
	return b, nil
}

// post stores a message and wakes the event streams.
func (p *Platform) post(ctx context.Context, chat, viewer string, b Body) (webchat.Message, error) {
	data, err := json.Marshal(b)
	if err != nil {
		return webchat.Message{}, err
	}
	m, err := p.store.AddMessage(ctx, chat, viewer, data, p.now())
	if err != nil {
		return webchat.Message{}, err
	}
	p.hub.notify()
	return m, nil
}

func (p *Platform) rewrite(ctx context.Context, chat string, id int64, b Body) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	if _, err := p.store.UpdateMessage(ctx, chat, id, data, p.now()); err != nil {
		return err
	}
	p.hub.notify()
	return nil
}

// checkPostable refuses sends to archived group chats and to chats that do
// not exist on the web platform.
func (p *Platform) checkPostable(ctx context.Context, chat string) error {
	switch chatKind(p.config(), chat) {
	case bot.ChatDirect, bot.ChatChannel:
		return nil
	}
	c, err := p.store.Chat(ctx, chat)
	if err != nil {
		return err
	}
	if c.Archived {
		return errs.Errorf(errs.ECONFLICT, "Chat %s is closed.", c.Title)
	}
	return nil
}

// Send implements bot.Platform.
func (p *Platform) Send(ctx context.Context, chat string, msg bot.Message) (bot.MessageRef, error) {
	if err := p.checkPostable(ctx, chat); err != nil {
		return bot.MessageRef{}, fmt.Errorf("web send to %s: %w", chat, err)
	}
	m, err := p.post(ctx, chat, "", bodyOf(botAuthor, msg))
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("web send to %s: %w", chat, err)
	}
	return bot.MessageRef{Chat: chat, ID: strconv.FormatInt(m.ID, 10)}, nil
}

// Update implements bot.Platform.
func (p *Platform) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	id, err := strconv.ParseInt(ref.ID, 10, 64)
	if err != nil {
		return fmt.Errorf("web update: bad message id %q", ref.ID)
	}
	old, err := p.store.Message(ctx, ref.Chat, id)
	if err != nil {
		return fmt.Errorf("web update %s/%s: %w", ref.Chat, ref.ID, err)
	}
	prev, err := decodeBody(old)
	if err != nil {
		return fmt.Errorf("web update: %w", err)
	}
	if err := p.rewrite(ctx, ref.Chat, id, bodyOf(prev.From, msg)); err != nil {
		return fmt.Errorf("web update %s/%s: %w", ref.Chat, ref.ID, err)
	}
	return nil
}

// SendPrivate implements bot.Platform.
func (p *Platform) SendPrivate(ctx context.Context, chat, user string, msg bot.Message) error {
	if _, err := p.post(ctx, chat, user, bodyOf(botAuthor, msg)); err != nil {
		return fmt.Errorf("web private message in %s: %w", chat, err)
	}
	return nil
}

// DMPrefix starts the id of every DM chat: "dm:<web user id>".
const DMPrefix = "dm:"

// DirectChat implements bot.Platform.
func (p *Platform) DirectChat(ctx context.Context, user string) (string, error) {
	if user == "" {
		return "", errors.New("web direct chat: empty user id")
	}
	return DMPrefix + user, nil
}

// trigger is what the web puts in bot.Event.Trigger: the chat and the
// signed-in user the form is for.
func trigger(chat, user string) string { return chat + "\n" + user }

func parseTrigger(t string) (chat, user string, ok bool) {
	chat, user, ok = strings.Cut(t, "\n")
	return chat, user, ok && chat != "" && user != ""
}

// OpenForm implements bot.Platform: the form becomes a private message in
// the chat of the event, which the page renders as an HTML form. An older
// open copy of the same form is closed.
func (p *Platform) OpenForm(ctx context.Context, trig string, form bot.Form) error {
	chat, user, ok := parseTrigger(trig)
	if !ok {
		return bot.ErrFormsUnsupported
	}
	recent, err := p.store.History(ctx, chat, user, 0, 50)
	if err != nil {
		return fmt.Errorf("web open form: %w", err)
	}
	for _, m := range recent {
		if m.Viewer != user {
			continue
		}
		b, err := decodeBody(m)
		if err != nil || b.Form == nil || b.Form.ID != form.ID || b.FormState != formOpen {
			continue
		}
		b.FormState = formClosed
		if err := p.rewrite(ctx, chat, m.ID, b); err != nil {
			return fmt.Errorf("web open form: %w", err)
		}
	}
	if _, err := p.post(ctx, chat, user, Body{From: botAuthor, Form: formOf(form), FormState: formOpen}); err != nil {
		return fmt.Errorf("web open form: %w", err)
	}
	return nil
}

const (
	formOpen   = "open"
	formSent   = "sent"
	formClosed = "closed"
)

// CreateGroupChat implements bot.Platform.
func (p *Platform) CreateGroupChat(ctx context.Context, gc bot.GroupChat) (string, error) {
	base := "group:" + gc.Name
	for try := 0; try < 5; try++ {
		id := base
		if try > 0 {
			id = base + "-" + randomHex(3)
		}
		_, err := p.store.CreateChat(ctx, webchat.Chat{ID: id, Name: gc.Name, Title: gc.Title, Topic: gc.Topic,
			Members: gc.Members, Created: p.now()})
		if errs.Code(err) == errs.ECONFLICT {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("web create chat %s: %w", gc.Name, err)
		}
		p.hub.notify()
		return id, nil
	}
	return "", fmt.Errorf("web create chat %s: no free id", gc.Name)
}

// InviteToGroupChat implements bot.Platform.
func (p *Platform) InviteToGroupChat(ctx context.Context, chat, user string) error {
	if err := p.store.AddMember(ctx, chat, user); err != nil {
		return fmt.Errorf("web invite to %s: %w", chat, err)
	}
	p.hub.notify()
	return nil
}

// RemoveFromGroupChat implements bot.MemberRemover: the member no longer
// has the chat (a guest or a side conversation member removed).
func (p *Platform) RemoveFromGroupChat(ctx context.Context, chat, user string) error {
	if err := p.store.RemoveMember(ctx, chat, user); err != nil {
		return fmt.Errorf("web remove from %s: %w", chat, err)
	}
	p.hub.notify()
	return nil
}

var _ bot.MemberRemover = (*Platform)(nil)

// ArchiveGroupChat implements bot.Platform.
func (p *Platform) ArchiveGroupChat(ctx context.Context, chat string) error {
	if err := p.store.ArchiveChat(ctx, chat); err != nil {
		return fmt.Errorf("web archive %s: %w", chat, err)
	}
	p.hub.notify()
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// hub wakes the change feed's reader when something changed.
type hub struct {
	mu sync.Mutex
	ch chan struct{}
}

func (h *hub) init() { h.ch = make(chan struct{}) }

// wait returns a channel closed at the next change.
func (h *hub) wait() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ch
}

func (h *hub) notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	close(h.ch)
	h.ch = make(chan struct{})
}

// The engine's action ids whose buttons go stale: the form prompt's (once
// its form is sent) and an evaluation's (once its ticket is reopened).
var (
	formPromptActions = []string{"form.open", "form.cancel"}
	evaluationActions = []string{rateAction, "reason", "comment", "comment.skip", "reopen"}
)

// markStale marks the recent bot messages in a user's DM that pick chooses
// as stale, so their buttons show disabled. A failure is returned; the
// engine refuses a stale press anyway.
func (p *Platform) markStale(ctx context.Context, chat, user string, pick func(id int64, b Body) bool) error {
	ms, err := p.store.History(ctx, chat, user, 0, historySize)
	if err != nil {
		return err
	}
	for _, m := range ms {
		b, err := decodeBody(m)
		if err != nil || !b.From.Bot || b.Stale || len(b.Buttons) == 0 || !pick(m.ID, b) {
			continue
		}
		b.Stale = true
		if err := p.rewrite(ctx, chat, m.ID, b); err != nil {
			return err
		}
	}
	return nil
}

var _ bot.ButtonRetirer = (*Platform)(nil)

// RetireButtons implements bot.ButtonRetirer: the stored message is marked
// stale, so every tab shows its buttons disabled (and a press on it is
// refused); its content stays as it is, which is what was shown.
func (p *Platform) RetireButtons(ctx context.Context, ref bot.MessageRef, shown *bot.Message, note string) error {
	id, err := strconv.ParseInt(ref.ID, 10, 64)
	if err != nil {
		return fmt.Errorf("web retire: bad message id %q", ref.ID)
	}
	m, err := p.store.Message(ctx, ref.Chat, id)
	if err != nil {
		return fmt.Errorf("web retire %s/%s: %w", ref.Chat, ref.ID, err)
	}
	b, err := decodeBody(m)
	if err != nil {
		return fmt.Errorf("web retire: %w", err)
	}
	if b.Stale {
		return nil
	}
	b.Stale = true
	if err := p.rewrite(ctx, ref.Chat, id, b); err != nil {
		return fmt.Errorf("web retire %s/%s: %w", ref.Chat, ref.ID, err)
	}
	return nil
}

// hasButton reports whether b has a button with one of ids whose value
// is value or starts with value + ":" (empty value: any).
func hasButton(b Body, ids []string, value string) bool {
	return slices.ContainsFunc(b.Buttons, func(bt Button) bool {
		return slices.Contains(ids, bt.ID) && (value == "" || bt.Value == value || strings.HasPrefix(bt.Value, value+":"))
	})
}

// files returns the keeper of attachments, nil if files are not kept.
func (p *Platform) files() *tickets.Attachments {
	if p.filesFn == nil {
		return nil
	}
	return p.filesFn()
}
