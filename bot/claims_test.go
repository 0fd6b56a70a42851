package bot_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/internal/clocktest"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// replicas is one SQLite store and one chat platform shared by several
// engines, as replicas of the bot receiving the same events.
type replicas struct {
	t        *testing.T
	store    tickets.Store
	platform *bottest.Platform
	clock    *clocktest.Clock
	cfg      *config.Config
}

func newReplicas(t *testing.T) *replicas {
	t.Helper()
	cfg, err := config.Load(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &replicas{t: t, store: st, platform: bottest.NewPlatform("web", false),
		clock: clocktest.New(time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)), cfg: cfg}
}

// engine starts a replica named id on the shared store (wrapped by wrap, if
// set); sleep is its wait hook.
func (r *replicas) engine(id string, wrap func(tickets.Store) tickets.Store, sleep func(context.Context, time.Duration) error) *bot.Engine {
	r.t.Helper()
	set, err := faq.BuildSet(r.cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	st := r.store
	if wrap != nil {
		st = wrap(st)
	}
	e, err := bot.New(bot.Options{Store: st, Runtime: &bot.Runtime{Config: r.cfg, FAQ: set},
		Platforms: []bot.Platform{r.platform}, Now: r.clock.Now, ReplicaID: id, EventLease: 30 * time.Second,
		Sleep: sleep, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		r.t.Fatal(err)
	}
	return e
}

// advance is a wait hook that lets the time pass on the shared clock at
// once, and adds it up in waited.
func (r *replicas) advance(waited *time.Duration) func(context.Context, time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		r.clock.Advance(d)
		*waited += d
		return ctx.Err()
	}
}

// answers counts the FAQ answers carl got.
func (r *replicas) answers() int {
	n := 0
	for _, m := range r.platform.Messages(bottest.DMChat("carl"), "carl") {
		if strings.Contains(m.Msg.Text, "Did this help?") {
			n++
		}
	}
	return n
}

func question(id string) bot.Event {
	return bot.Event{ID: id, Platform: "web", Kind: bot.EventMessage, User: bot.User{ID: "carl", Name: "Carl"},
		Chat: bot.Chat{ID: bottest.DMChat("carl"), Kind: bot.ChatDirect}, Text: "How do I reset my password?"}
}

// diesOnRead is the store of a replica whose process dies in the middle of
// an event: after claiming it, at its first read of the conversation.
type diesOnRead struct{ tickets.Store }

var errDied = errors.New("replica died")

func (diesOnRead) GetState(context.Context, string) ([]byte, int64, error) { panic(errDied) }

// A replica dies in the middle of an event (it claimed it and never
// finished). The other replica, which received the same event, waits the
// lease out, takes the event over and answers it once; later copies have no
// effect.
func TestEventOfDeadReplicaIsTakenOverAfterLease(t *testing.T) {
	r := newReplicas(t)
	ctx := context.Background()
	dying := r.engine("a", func(s tickets.Store) tickets.Store { return diesOnRead{s} }, nil)
	var waited time.Duration
	survivor := r.engine("b", nil, r.advance(&waited))

	ev := question("q1")
	func() {
		defer func() {
			if p := recover(); p != errDied {
				t.Fatalf("the dying replica: recovered %v, want its death", p)
			}
		}()
		_ = dying.Handle(ctx, ev)
	}()
	if n := r.answers(); n != 0 {
		t.Fatalf("the dead replica answered %d times before it died", n)
	}

	// The platform delivered the same event to the survivor too.
	if err := survivor.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if n := r.answers(); n != 1 {
		t.Fatalf("after the take-over carl got %d answers, want 1", n)
	}
	if waited < 30*time.Second || waited > 31*time.Second {
		t.Errorf("the survivor waited %s; want the 30 s lease (and no more than a poll beyond)", waited)
	}
	// Redeliveries, to either replica, change nothing.
	waited = 0
	if err := survivor.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if err := r.engine("c", nil, r.advance(&waited)).Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if n := r.answers(); n != 1 || waited != 0 {
		t.Errorf("after redeliveries carl got %d answers (waited %s), want 1 at once", n, waited)
	}
}

// A claim made by a replica that is gone, checked against the store
// directly: until the lease runs out on the clock the event waits; after it,
// the first delivery handles it.
func TestRedeliveryAfterLeaseIsHandledOnce(t *testing.T) {
	r := newReplicas(t)
	ctx := context.Background()
	now := r.clock.Now()
	if c, err := r.store.ClaimEvent(ctx, "web:q1", "gone", now, now.Add(10*time.Second)); err != nil || c != tickets.ClaimTaken {
		t.Fatalf("ClaimEvent = %v, %v", c, err)
	}
	waits := 0
	e := r.engine("b", nil, func(ctx context.Context, d time.Duration) error {
		waits++
		r.clock.Advance(d)
		return nil
	})
	if err := e.Handle(ctx, question("q1")); err != nil {
		t.Fatal(err)
	}
	if n := r.answers(); n != 1 || waits == 0 {
		t.Fatalf("carl got %d answers after %d waits; want 1 after waiting", n, waits)
	}
	if c, err := r.store.ClaimEvent(ctx, "web:q1", "gone", r.clock.Now(), r.clock.Now().Add(time.Minute)); err != nil || c != tickets.ClaimDone {
		t.Errorf("after the take-over the event is %v, %v; want done", c, err)
	}
}

// blockOnRead holds the replica in the middle of an event until released.
type blockOnRead struct {
	tickets.Store
	inside  chan struct{}
	release chan struct{}
}

func (b blockOnRead) GetState(ctx context.Context, key string) ([]byte, int64, error) {
	b.inside <- struct{}{}
	<-b.release
	return b.Store.GetState(ctx, key)
}

// The same event at two live replicas at once: one handles it, the other
// waits (without the lease running out) and then drops it.
func TestConcurrentDuplicateWaitsThenDrops(t *testing.T) {
	r := newReplicas(t)
	ctx := context.Background()
	slow := blockOnRead{inside: make(chan struct{}), release: make(chan struct{})}
	first := r.engine("a", func(s tickets.Store) tickets.Store { slow.Store = s; return slow }, nil)
	waiting, resume := make(chan time.Duration), make(chan struct{})
	second := r.engine("b", nil, func(ctx context.Context, d time.Duration) error {
		waiting <- d
		<-resume
		return nil
	})
	ev := question("q1")
	var wg sync.WaitGroup
	var errFirst, errSecond error
	wg.Go(func() { errFirst = first.Handle(ctx, ev) })
	<-slow.inside // the first replica holds the event
	wg.Go(func() { errSecond = second.Handle(ctx, ev) })
	select { // the second found it busy and waits
	case <-waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("the second replica did not wait for the event the first one holds")
	}
	close(slow.release)
	close(resume)
	// Any further wait would be a second poll: let it through.
	go func() {
		for range waiting {
		}
	}()
	wg.Wait()
	close(waiting)
	if errFirst != nil || errSecond != nil {
		t.Fatalf("Handle: %v / %v", errFirst, errSecond)
	}
	if n := r.answers(); n != 1 {
		t.Errorf("carl got %d answers, want 1", n)
	}
}

// failsOnce fails the first read of the conversation, as a database hiccup.
type failsOnce struct {
	tickets.Store
	mu     sync.Mutex
	failed bool
}

var errHiccup = errors.New("database hiccup")

func (f *failsOnce) GetState(ctx context.Context, key string) ([]byte, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.failed {
		f.failed = true
		return nil, 0, errHiccup
	}
	return f.Store.GetState(ctx, key)
}

// Handling fails: the claim is released, so a redelivery (here at the
// other replica) is handled at once, not after the lease.
func TestFailedEventIsReleasedForRedelivery(t *testing.T) {
	r := newReplicas(t)
	ctx := context.Background()
	failing := r.engine("a", func(s tickets.Store) tickets.Store { return &failsOnce{Store: s} }, nil)
	var waited time.Duration
	other := r.engine("b", nil, r.advance(&waited))
	ev := question("q1")
	if err := failing.Handle(ctx, ev); !errors.Is(err, errHiccup) {
		t.Fatalf("Handle = %v, want the hiccup", err)
	}
	if err := other.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if n := r.answers(); n != 1 || waited != 0 {
		t.Errorf("carl got %d answers after a wait of %s; want 1 at once", n, waited)
	}
}
