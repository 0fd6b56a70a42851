package email

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Name is the platform name in config, events and tickets.
const Name = "email"

// Engine is what the channel needs of the bot engine. *bot.Engine has it.
type Engine interface {
	Runtime() *bot.Runtime
	Tickets() *tickets.Service
	Reopen(ctx context.Context, id int64, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	Dispatch(ctx context.Context, desk string)
	// FromOtherChannel shows a mail added to a ticket of another channel
	// where that ticket is worked on (its group chat).
	FromOtherChannel(ctx context.Context, id int64, via, name, text string) error
}

// Options configure an Adapter. Store, Engine, SMTP and LinkSecret are required.
type Options struct {
	Store  Store
	Engine func() Engine // the engine is built after the platforms
	// Desks maps a desk id to its addresses (the first is its From).
	Desks    map[string][]string
	FromName string // "" = the desk's name
	IMAP     *config.EmailIMAP
	Receiver *config.EmailIn
	SMTP     config.EmailSMTP
	// LinkSecret signs the links that stand for buttons in mail.
	LinkSecret string
	// BaseURL is the address people reach helpdesk on (the links).
	BaseURL       func() string
	PerSenderHour int           // default config.DefaultEmailPerSenderHour
	MaxBytes      int64         // default config.DefaultEmailMaxBytes
	Poll          time.Duration // outbox retries, IMAP without IDLE, the longest IDLE; default 1m
	Logger        *slog.Logger
	Now           func() time.Time
	// Handled, when set, is called after each incoming mail is handled
	// (its Message-ID), Sent after each mail the SMTP server accepted, and
	// ReceiverAddr with the receiver's address once it listens (tests).
	Handled      func(messageID string)
	Sent         func(messageID string)
	ReceiverAddr func(addr string)
}

// OptionsFrom maps the config onto Options.
func OptionsFrom(c *config.Email) Options {
	o := Options{Desks: c.Desks, FromName: c.FromName, IMAP: c.IMAP, Receiver: c.Receiver, LinkSecret: c.LinkSecret,
		PerSenderHour: c.PerSenderHour, MaxBytes: c.MaxBytes}
	if c.SMTP != nil {
		o.SMTP = *c.SMTP
	}
	if c.IMAP != nil && c.IMAP.Poll > 0 {
		o.Poll = c.IMAP.Poll.D()
	}
	return o
}

// Adapter is the email channel: a bot.Platform whose chats are mail threads.
type Adapter struct {
	opts  Options
	log   *slog.Logger
	owner string
	kick  chan struct{}
	limit *limiter
	ready chan struct{}
	once  sync.Once

	mu     sync.Mutex
	handle kit.Handler
	hctx   context.Context
}

var _ bot.Platform = (*Adapter)(nil)

// New checks the options; it connects nothing (Run does).
func New(o Options) (*Adapter, error) {
	if o.Store == nil || o.Engine == nil {
		return nil, errors.New("email: Options.Store and Options.Engine are required")
	}
	if len(o.Desks) == 0 {
		return nil, errors.New("email: no desk has an address")
	}
	if o.SMTP.Addr == "" {
		return nil, errors.New("email: smtp addr is required: replies go out through it")
	}
	if len(o.LinkSecret) < 16 {
		return nil, errors.New("email: link_secret of at least 16 characters is required")
	}
	if o.BaseURL == nil {
		o.BaseURL = func() string { return "http://localhost:8080" }
	}
	o.PerSenderHour = cmp.Or(o.PerSenderHour, config.DefaultEmailPerSenderHour)
	o.MaxBytes = cmp.Or(o.MaxBytes, config.DefaultEmailMaxBytes)
	o.Poll = cmp.Or(o.Poll, time.Minute)
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	a := &Adapter{opts: o, log: log.With("platform", Name), owner: "email-" + hex.EncodeToString(b),
		kick: make(chan struct{}, 1), ready: make(chan struct{})}
	a.limit = &limiter{per: o.PerSenderHour, window: time.Hour, now: a.now}
	return a, nil
}

func (a *Adapter) now() time.Time { return a.opts.Now().UTC() }

// Name is "email".
func (a *Adapter) Name() string { return Name }

// Ready is closed once Run has started its parts.
func (a *Adapter) Ready() <-chan struct{} { return a.ready }

// Run reads mail (IMAP, the SMTP receiver) and sends the outbox until ctx
// ends or a part fails (the caller starts it again).
func (a *Adapter) Run(ctx context.Context, handle func(context.Context, bot.Event) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.mu.Lock()
	a.handle, a.hctx = handle, ctx
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.handle = nil
		a.mu.Unlock()
	}()
	errc := make(chan error, 3)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.sendLoop(ctx)
	}()
	if a.opts.Receiver != nil {
		srv, err := a.listen()
		if err != nil {
			cancel()
			wg.Wait()
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- srv.serve(ctx)
		}()
	}
	if a.opts.IMAP != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- a.imapLoop(ctx)
		}()
	}
	a.once.Do(func() { close(a.ready) })
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	cancel()
	wg.Wait()
	if ctx.Err() != nil && err == nil {
		return nil
	}
	return err
}

// deskOf returns the desk an address belongs to.
func (a *Adapter) deskOf(addr string) string {
	addr = bareAddress(addr)
	for id, as := range a.opts.Desks {
		for _, x := range as {
			if strings.EqualFold(x, addr) {
				return id
			}
		}
	}
	return ""
}

// from is the desk's sender: its first address with the desk's name.
func (a *Adapter) from(desk string) *mail.Address {
	if desk == "" {
		ids := make([]string, 0, len(a.opts.Desks))
		for id := range a.opts.Desks {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		desk = ids[0]
	}
	as := a.opts.Desks[desk]
	name := a.opts.FromName
	if name == "" {
		if d := a.opts.Engine().Runtime().Config.Desk(desk); d != nil {
			name = d.Name
		}
	}
	addr := ""
	if len(as) > 0 {
		addr = as[0]
	}
	return &mail.Address{Name: name, Address: addr}
}

func (a *Adapter) newMessageID(desk string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	_, domain, _ := strings.Cut(a.from(desk).Address, "@")
	return hex.EncodeToString(b) + "@" + cmp.Or(domain, "helpdesk.invalid")
}

// Send mails msg to the chat's address, in its ticket's thread if it has
// one. It is written by the bot: Auto-Submitted, and nothing goes to a
// sender that must get no automatic answers.
func (a *Adapter) Send(ctx context.Context, chat string, msg bot.Message) (bot.MessageRef, error) {
	return a.send(ctx, chat, msg, true)
}

// SendAs mails what a person (an agent in the Ticket Center) wrote: no
// Auto-Submitted, and it goes out even to senders that get no automatic
// answers.
func (a *Adapter) SendAs(ctx context.Context, chat, author string, msg bot.Message) (bot.MessageRef, error) {
	if author != "" {
		msg.Text = author + ":\n\n" + msg.Text
	}
	return a.send(ctx, chat, msg, false)
}

var _ bot.FileSender = (*Adapter)(nil)

// SendsFiles implements bot.FileSender: a reply's files go as attachments
// of its mail (base64 parts, multipart/mixed).
func (a *Adapter) SendsFiles() bool { return true }

func (a *Adapter) send(ctx context.Context, chat string, msg bot.Message, auto bool) (bot.MessageRef, error) {
	ref := kit.ParseChat(chat)
	to := bareAddress(ref.Chat)
	if _, err := mail.ParseAddress(to); err != nil {
		return bot.MessageRef{}, fmt.Errorf("email: chat %q is not an address", chat)
	}
	om := outMail{To: to, Auto: auto, Subject: cmp.Or(msg.Title, "Your help desk request")}
	var th *thread
	desk := ""
	if ref.Thread != "" {
		t, err := a.loadThread(ctx, ref.Thread)
		if err != nil {
			return bot.MessageRef{}, err
		}
		th = t
		desk = th.Desk
		if auto && th.NoAuto != "" {
			a.log.Info("no automatic mail to this sender", "to", to, "why", th.NoAuto, "ticket", th.Key)
			return bot.MessageRef{Chat: chat}, nil
		}
		key := th.Key
		if key == "" {
			key = a.keyOf(ctx, th)
		}
		om.Subject = "Re: [" + key + "] " + th.Subject
		if key == "" {
			om.Subject = "Re: " + th.Subject
		}
		if n := len(th.Refs); n > 0 {
			om.InReplyTo = th.Refs[n-1]
			om.References = th.Refs[max(0, n-20):]
			if n > 20 {
				om.References = append([]string{th.Root}, om.References[1:]...)
			}
		}
	}
	om.From = a.from(desk)
	om.ID = a.newMessageID(desk)
	om.Text = a.plainText(to, chat, msg)
	om.HTML = a.htmlText(to, chat, msg)
	om.Files = msg.Files
	if err := a.queueMail(ctx, om); err != nil {
		return bot.MessageRef{}, err
	}
	if th != nil {
		if err := a.addToThread(ctx, th.Token, om.ID); err != nil {
			return bot.MessageRef{}, err
		}
	}
	return bot.MessageRef{Chat: chat, ID: om.ID}, nil
}

func (a *Adapter) queueMail(ctx context.Context, om outMail) error {
	raw, err := build(om, a.now())
	if err != nil {
		return fmt.Errorf("email: build mail: %w", err)
	}
	return a.enqueue(ctx, queued{ID: om.ID, From: om.From.Address, To: om.To, Raw: raw})
}

// Update does nothing: a sent mail cannot change, and a new mail for every
// card update would flood the inbox.
func (a *Adapter) Update(context.Context, bot.MessageRef, bot.Message) error { return nil }

// SendPrivate mails the user (a mail is private anyway).
func (a *Adapter) SendPrivate(ctx context.Context, chat, user string, msg bot.Message) error {
	if bareAddress(kit.ParseChat(chat).Chat) != bareAddress(user) {
		chat = bareAddress(user)
	}
	_, err := a.Send(ctx, chat, msg)
	return err
}

// DirectChat is the user's address.
func (a *Adapter) DirectChat(_ context.Context, user string) (string, error) {
	addr := bareAddress(user)
	if _, err := mail.ParseAddress(addr); err != nil {
		return "", fmt.Errorf("email: %q is not an address", user)
	}
	return addr, nil
}

// OpenForm: mail has no dialogs.
func (a *Adapter) OpenForm(context.Context, string, bot.Form) error { return bot.ErrFormsUnsupported }

// CreateGroupChat: the "chat" of an email ticket is its thread with the
// requester, which exists already; Start Chat continues there.
func (a *Adapter) CreateGroupChat(ctx context.Context, gc bot.GroupChat) (string, error) {
	key, _, _ := strings.Cut(gc.Title, " · ")
	t, err := a.opts.Store.GetByKey(ctx, key)
	if err != nil {
		return "", fmt.Errorf("email: the thread of %s: %w", key, err)
	}
	return t.RequesterChat, nil
}

// InviteToGroupChat does nothing: agents answer from the Ticket Center.
func (a *Adapter) InviteToGroupChat(context.Context, string, string) error { return nil }

// ArchiveGroupChat does nothing: a thread cannot be closed; the closing
// notice says the ticket is resolved.
func (a *Adapter) ArchiveGroupChat(context.Context, string) error { return nil }

// limiter counts mails per sender in a sliding window.
type limiter struct {
	per    int
	window time.Duration
	now    func() time.Time
	mu     sync.Mutex
	seen   map[string][]time.Time
}

// allow reports whether sender may send one more now, and counts it if so.
func (l *limiter) allow(sender string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.seen == nil {
		l.seen = map[string][]time.Time{}
	}
	ts := l.seen[sender]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) >= l.per {
		l.seen[sender] = ts
		return false
	}
	l.seen[sender] = append(ts, now)
	return true
}
