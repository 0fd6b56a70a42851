package kit

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot"
)

// Handler receives the events an adapter turns neutral (bot.Engine.Handle).
type Handler = func(context.Context, bot.Event) error

// Sleep waits d or until ctx ends, whichever comes first; it returns ctx's
// error if ctx ended.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ChatRef is where a message goes: a channel, and a thread in it or "".
// Its String form ("C123/1712345.000100", or "C123" for the channel itself)
// is the chat id the engine keeps.
type ChatRef struct {
	Chat   string
	Thread string
}

// ParseChat decodes a chat id made by ChatRef.String.
func ParseChat(id string) ChatRef {
	chat, thread, _ := strings.Cut(id, "/")
	return ChatRef{Chat: chat, Thread: thread}
}

// String encodes the reference as a chat id.
func (c ChatRef) String() string {
	if c.Thread == "" {
		return c.Chat
	}
	return c.Chat + "/" + c.Thread
}

// Seen remembers delivery ids for TTL, so a delivery the platform repeats is
// handled once. The engine also de-duplicates by event id in the store.
type Seen struct {
	TTL time.Duration
	Max int              // entries kept before expired ones are dropped (default 10000)
	Now func() time.Time // default time.Now

	mu  sync.Mutex
	ids map[string]time.Time
}

// First reports whether id has not been seen within TTL, and marks it seen.
// The empty id is always new.
func (s *Seen) First(id string) bool {
	if id == "" {
		return true
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if at, ok := s.ids[id]; ok && now.Sub(at) < s.TTL {
		return false
	}
	if s.ids == nil {
		s.ids = map[string]time.Time{}
	}
	s.ids[id] = now
	limit := s.Max
	if limit <= 0 {
		limit = 10000
	}
	if len(s.ids) > limit {
		for k, at := range s.ids {
			if now.Sub(at) >= s.TTL {
				delete(s.ids, k)
			}
		}
	}
	return true
}

// Users caches user look-ups for TTL. A failed look-up is logged and answers
// the last known user, else the bare id.
type Users struct {
	TTL    time.Duration
	Now    func() time.Time // default time.Now
	Log    *slog.Logger     // default: discard
	Lookup func(ctx context.Context, id string) (bot.User, error)

	mu    sync.Mutex
	users map[string]cachedUser
}

type cachedUser struct {
	user bot.User
	at   time.Time
}

// Get returns the user id, from the cache while it is fresh. A user without
// a name is named by its id.
func (u *Users) Get(ctx context.Context, id string) bot.User {
	now := time.Now()
	if u.Now != nil {
		now = u.Now()
	}
	u.mu.Lock()
	cu, ok := u.users[id]
	u.mu.Unlock()
	if ok && now.Sub(cu.at) < u.TTL {
		return cu.user
	}
	bu, err := u.Lookup(ctx, id)
	if err != nil {
		if u.Log != nil {
			u.Log.Warn("look up user", "user", id, "err", err)
		}
		if ok {
			return cu.user
		}
		return bot.User{ID: id, Name: id}
	}
	bu.ID = id
	if bu.Name == "" {
		bu.Name = id
	}
	u.mu.Lock()
	if u.users == nil {
		u.users = map[string]cachedUser{}
	}
	u.users[id] = cachedUser{user: bu, at: now}
	u.mu.Unlock()
	return bu
}

// Dispatcher holds the handler while Run runs and hands events to it in
// order per key, logging what the handler refuses.
type Dispatcher struct {
	Log *slog.Logger // default: discard
	// Redact cleans an error's text before it is logged (nil: as is).
	Redact func(string) string

	mu     sync.RWMutex
	handle Handler
	ctx    context.Context // Run's context: events outlive the request that carried them
	work   Runner
}

// Bind makes handle receive events under ctx until the returned stop is
// called; stop cancels ctx's child and waits for the queued events to end.
// Run calls it once it is connected.
func (d *Dispatcher) Bind(ctx context.Context, handle Handler) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	d.mu.Lock()
	d.handle, d.ctx = handle, ctx
	d.mu.Unlock()
	return ctx, func() {
		cancel()
		d.work.Wait()
	}
}

// Running reports whether a handler is bound.
func (d *Dispatcher) Running() bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.handle != nil
}

// Do queues fn behind the work already queued for key; fn gets Run's context
// and the handler. Without a handler it logs the drop and returns false.
func (d *Dispatcher) Do(key string, fn func(ctx context.Context, handle Handler)) bool {
	d.mu.RLock()
	handle, ctx := d.handle, d.ctx
	d.mu.RUnlock()
	if handle == nil {
		d.log().Warn("event dropped: the adapter is not running")
		return false
	}
	d.work.Do(key, func() { fn(ctx, handle) })
	return true
}

// Handle passes ev to handle and logs its error; it reports success.
func (d *Dispatcher) Handle(ctx context.Context, handle Handler, ev bot.Event) bool {
	err := handle(ctx, ev)
	if err == nil {
		return true
	}
	msg := err.Error()
	if d.Redact != nil {
		msg = d.Redact(msg)
	}
	d.log().Error("handle event", "kind", ev.Kind, "chat", ev.Chat.ID, "user", ev.User.ID, "err", msg)
	return false
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}
