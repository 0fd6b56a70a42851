package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Runtime is one consistent snapshot of the configuration and its FAQ
// indexes. A reload swaps the whole snapshot at once; an event keeps the
// snapshot it started with.
type Runtime struct {
	Config *config.Config
	FAQ    *faq.Set
}

// Options configure an Engine.
type Options struct {
	Store tickets.Store
	// States keeps the conversations' states (default: Store).
	States    StateStore
	Runtime   *Runtime
	Platforms []Platform
	Now       func() time.Time // default time.Now
	Logger    *slog.Logger     // default slog.Default()
	// SignInLink makes a one-time web sign-in link for a verified platform
	// user (the Ticket Center); nil when the web is not served.
	SignInLink func(ctx context.Context, platform, user, name string) (string, error)
	// Observe, when set, is called after every handled event with its kind
	// ("message", "command", "action", "form"), how long it took and its
	// error (metrics).
	Observe func(kind string, d time.Duration, err error)
	// ReplicaID names this engine as the owner of the events it claims; it
	// must differ between replicas (and engines) on one store. Default: random.
	ReplicaID string
	// EventLease is how long a claim of an event keeps other replicas
	// away before they take the event over (default 30 s). While handling,
	// the engine renews it every third of the lease.
	EventLease time.Duration
	// Sleep waits d on the engine's clock while another replica handles an
	// event this engine received too; it returns ctx's error if ctx ends
	// first. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// DeliveryExpiry is how long a reply the platform did not take is
	// retried before it is dropped (default: the config's
	// outbox.expire_after, 24 h when not set).
	DeliveryExpiry time.Duration
	// ObserveDelivery, when set, is called for each undelivered reply when
	// it is queued, delivered later, expires or is refused ("queued",
	// "delivered", "expired", "failed"), with its platform (metrics).
	ObserveDelivery func(platform, result string)
}

// DefaultEventLease is how long a replica may handle an event before
// others take it over (Options.EventLease).
const DefaultEventLease = 30 * time.Second

// Engine turns platform events into replies and ticket transitions.
type Engine struct {
	store      tickets.Store
	states     StateStore
	svc        *tickets.Service
	platforms  map[string]Platform
	rt         atomic.Pointer[Runtime]
	nowFn      func() time.Time
	log        *slog.Logger
	locks      keyedMutex
	dispatchMu sync.Mutex
	signIn     func(ctx context.Context, platform, user, name string) (string, error)
	observe    func(kind string, d time.Duration, err error)
	owner      string
	lease      time.Duration
	sleep      func(ctx context.Context, d time.Duration) error
	flightMu   sync.Mutex
	inFlight   map[string]chan struct{} // events this engine is handling
	prunedAt   atomic.Int64             // unix nanos of the last PruneEvents
	knowledge  knowledgeCache           // full-text FAQ indexes for agents
	linked     sync.Map                 // platform\x00user -> the address last linked (identity.go)
	// undelivered replies (undelivered.go)
	deliveryExpiry    time.Duration
	observeDelivery   func(platform, result string)
	deliveriesWaiting atomic.Int64 // deliveries queued as last seen; 0: send without asking the store
}

// New returns an engine. It does no I/O; call Recover once after start.
func New(opts Options) (*Engine, error) {
	if opts.Store == nil {
		return nil, errors.New("bot: Options.Store is required")
	}
	if opts.Runtime == nil || opts.Runtime.Config == nil || opts.Runtime.FAQ == nil {
		return nil, errors.New("bot: Options.Runtime with Config and FAQ is required")
	}
	e := &Engine{
		store:     opts.Store,
		states:    opts.States,
		platforms: map[string]Platform{},
		nowFn:     opts.Now,
		log:       opts.Logger,
		signIn:    opts.SignInLink,
		observe:   opts.Observe,
		owner:     opts.ReplicaID,
		lease:     opts.EventLease,
		sleep:     opts.Sleep,
		inFlight:  map[string]chan struct{}{},

		deliveryExpiry:  opts.DeliveryExpiry,
		observeDelivery: opts.ObserveDelivery,
	}

	if e.owner == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b) // never fails (crypto/rand)
		e.owner = hex.EncodeToString(b)
	}
	if e.states == nil {
		e.states = opts.Store
	}
	if e.lease <= 0 {
		e.lease = DefaultEventLease
	}
	if e.sleep == nil {
		e.sleep = sleepTimer
	}
	if e.nowFn == nil {
		e.nowFn = time.Now
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	for _, p := range opts.Platforms {
		e.platforms[p.Name()] = p
	}
	e.svc = &tickets.Service{Store: opts.Store, Now: e.now, Files: &tickets.Attachments{Store: opts.Store, Now: e.now}}
	if opts.Runtime != nil && opts.Runtime.Config != nil && opts.Runtime.Config.Attachments != nil {
		e.svc.Files.Dir = opts.Runtime.Config.Attachments.Dir
	}
	e.rt.Store(opts.Runtime)
	return e, nil
}

func (e *Engine) now() time.Time { return e.nowFn().UTC() }

// Runtime returns the live configuration snapshot.
func (e *Engine) Runtime() *Runtime { return e.rt.Load() }

// Reload swaps in a new configuration. Conversations in flight keep working:
// their state refers to desks, forms and items by id.
func (e *Engine) Reload(rt *Runtime) { e.rt.Store(rt) }

// Tickets gives access to the transition functions (for the Ticket Center).
func (e *Engine) Tickets() *tickets.Service { return e.svc }

func (e *Engine) platform(name string) (Platform, error) {
	e.dispatchMu.Lock()
	p, ok := e.platforms[name]
	e.dispatchMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("platform %q is not connected", name)
	}
	return p, nil
}

// Handle processes one event. An event with a platform event id is handled
// once across redeliveries and replicas: the engine claims it with a lease
// (tickets.Store.ClaimEvent), handles it and marks it done. A copy that
// arrives while another replica (or goroutine) handles it waits until that
// one is done (and then has no effect) or its lease runs out (a replica that
// died mid-event: then this engine takes it over). If handling fails, the
// claim is released so a redelivery may try again at once.
func (e *Engine) Handle(ctx context.Context, ev Event) (err error) {
	if e.observe != nil {
		start := time.Now() // wall time: latency is real even under a test clock
		defer func() { e.observe(string(ev.Kind), time.Since(start), err) }()
	}
	if ev.Platform == "" || ev.User.ID == "" {
		return errors.New("bot: event without platform or user")
	}
	if ev.ID == "" {
		return e.handle(ctx, ev)
	}
	key := ev.Platform + ":" + ev.ID
	leave, err := e.enterFlight(ctx, key)
	if err != nil {
		return err
	}
	defer leave()
	mine, err := e.claimEvent(ctx, key)
	if err != nil {
		return err
	}
	if !mine {
		e.log.Debug("duplicate event ignored", "platform", ev.Platform, "event", ev.ID)
		return nil
	}
	stop := e.keepClaim(ctx, key)
	defer stop() // a panic stops renewing; the claim runs out for another replica
	err = e.handle(ctx, ev)
	stop()
	// The outcome is recorded even if ctx ended meanwhile (shutdown).
	bg := context.WithoutCancel(ctx)
	if err != nil {
		if rerr := e.store.ReleaseEvent(bg, key, e.owner); rerr != nil {
			e.log.Warn("release failed event", "event", key, "err", rerr)
		}
		return err
	}
	if err := e.store.FinishEvent(bg, key, e.owner, e.now()); err != nil {
		return fmt.Errorf("finish event %s (another replica may have handled it too): %w", key, err)
	}
	return nil
}

// handle processes one event this engine owns.
func (e *Engine) handle(ctx context.Context, ev Event) error {
	ev.Text = strings.TrimSpace(ev.Text)
	rt := e.rt.Load()
	e.learnIdentity(ctx, ev)

	// A reply in a ticket card's thread is an internal note on that ticket,
	// in the agent channel and on the card in the agent's own DM alike.
	if ev.Kind == EventMessage && ev.Chat.Thread != "" {
		t, err := e.store.FindByCard(ctx, ev.Platform, ev.Chat.ID, ev.Chat.Thread)
		if err == nil {
			return e.cardThreadNote(ctx, rt, t, ev)
		}
		if errs.Code(err) != errs.ENOTFOUND {
			return err
		}
		if ev.Chat.Kind == ChatDirect {
			ev.Chat.Thread = "" // any other thread in a DM is the conversation
		}
	}
	// Events in a ticket's group chat belong to that ticket, not to a conversation.
	if ev.Chat.Kind == ChatGroup || (ev.Chat.Kind != ChatDirect && ev.Kind == EventMessage) {
		t, err := e.store.FindByGroupChat(ctx, ev.Platform, ev.Chat.ID)
		if err == nil {
			return e.groupChatEvent(ctx, rt, t, ev)
		}
		if errs.Code(err) != errs.ENOTFOUND {
			return err
		}
		if t, ok, err := e.sideChatTicket(ctx, ev.Platform, ev.Chat.ID); ok || err != nil {
			if err != nil {
				return err
			}
			return e.sideChatEvent(ctx, rt, t, ev)
		}
	}
	if len(ev.Files) > 0 && ev.Chat.Kind == ChatDirect {
		if err := e.filesOutsideTicket(ctx, ev); err != nil || ev.Text == "" {
			return err
		}
	}
	switch ev.Kind {
	case EventAction:
		if handled, err := e.ticketAction(ctx, rt, ev); handled || err != nil {
			return err
		}
	case EventForm:
		if strings.HasPrefix(ev.FormID, formComment) {
			return e.commentForm(ctx, rt, ev)
		}
	case EventCommand:
		if handled, err := e.command(ctx, rt, ev); handled || err != nil {
			return err
		}
	}
	if ev.Kind == EventMessage || ev.Kind == EventCommand {
		if handled, err := e.typedCommand(ctx, rt, ev); handled || err != nil {
			return err
		}
	}
	return e.conversation(ctx, rt, ev)
}

// private shows a message only to the user of the event.
func (e *Engine) private(ctx context.Context, ev Event, text string) error {
	p, err := e.platform(ev.Platform)
	if err != nil {
		return err
	}
	if err := p.SendPrivate(ctx, ev.Chat.ID, ev.User.ID, Message{Text: text}); err != nil {
		return fmt.Errorf("private reply on %s: %w", ev.Platform, err)
	}
	return nil
}

// refuse answers a refused action privately; the refusal itself is not an error.
func (e *Engine) refuse(ctx context.Context, ev Event, err error) error {
	if refusal(err) {
		return e.private(ctx, ev, errs.Message(err))
	}
	return err
}

// refusal reports whether err refuses what a person asked for (rather than
// failing): they are told, and nothing changed.
func refusal(err error) bool {
	switch errs.Code(err) {
	case errs.EFORBIDDEN, errs.ECONFLICT, errs.EINVALID, errs.ENOTFOUND:
		return true
	}
	return false
}

// sendDM posts to a user's DM on a platform.
func (e *Engine) sendDM(ctx context.Context, platform, user string, msg Message) (MessageRef, error) {
	p, err := e.platform(platform)
	if err != nil {
		return MessageRef{}, err
	}
	chat, err := p.DirectChat(ctx, user)
	if err != nil {
		return MessageRef{}, fmt.Errorf("open DM with %s on %s: %w", user, platform, err)
	}
	return p.Send(ctx, chat, msg)
}

// sendTo posts to a chat on a platform.
func (e *Engine) sendTo(ctx context.Context, platform, chat string, msg Message) (MessageRef, error) {
	p, err := e.platform(platform)
	if err != nil {
		return MessageRef{}, err
	}
	return p.Send(ctx, chat, msg)
}

// actor resolves who the event's user is for a desk, from the verified user id
// and the config only.
func actorFor(rt *Runtime, desk *config.Desk, platform string, u User) tickets.Actor {
	a := tickets.Actor{Role: tickets.RoleUser, Platform: platform, ID: u.ID, Name: u.Name}
	if desk == nil {
		if rt.Config.Admins.Has(platform, u.ID) {
			a.Role = tickets.RoleAdmin
		}
		return a
	}
	if ag := desk.Agent(platform, u.ID); ag != nil {
		a.Name = ag.Name
		a.Role = tickets.RoleAgent
		if ag.Admin {
			a.Role = tickets.RoleAdmin
		}
	}
	if desk.IsAdmin(platform, u.ID, rt.Config.Admins) {
		a.Role = tickets.RoleAdmin
		if a.Name == "" {
			a.Name = u.Name
		}
	}
	return a
}

// keyedMutex serialises work per key (a conversation, a ticket) in this process.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int
}

func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedEntry{}
	}
	en := k.locks[key]
	if en == nil {
		en = &keyedEntry{}
		k.locks[key] = en
	}
	en.refs++
	k.mu.Unlock()
	en.mu.Lock()
	return func() {
		en.mu.Unlock()
		k.mu.Lock()
		en.refs--
		if en.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
