package replicas_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// start is a Wednesday morning. The replicas' clock starts there and runs
// with the wall clock (event leases run out), and no timer is due within a
// test's minutes; every replica reads the same clock.
var start = time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)

// lease is how long a replica's claim of an event keeps the others away: a
// replica that dies mid-event delays that event by about this much. It must
// stay well above the slowest event (under -race on a busy 2-core machine,
// seconds), or live replicas' events are taken over and handled twice.
const lease = 6 * time.Second

// cluster is one chat platform and several replicas of the bot behind it.
// Every event goes to every live replica, concurrently.
type cluster struct {
	tb       testing.TB
	cfg      *config.Config
	platform *bottest.Platform
	replicas []*replica
	seq      atomic.Int64

	latMu     sync.Mutex
	latencies []time.Duration // how long each user event took to be answered
}

// replica is one bot process: its own engine and its own store (pool).
type replica struct {
	mu     sync.RWMutex // held for reading while it handles an event
	dead   bool
	engine *bot.Engine
	store  *countingStore
	faq    *faq.Set
}

// countingStore counts the events a replica claimed (and so handled), and
// makes the replica die in the middle of events once dying is set.
type countingStore struct {
	tickets.Store
	handled   atomic.Int64 // events claimed
	taken     sync.Map     // keys claimed (a renewal claims again)
	waited    sync.Map     // keys found busy
	takeovers atomic.Int64 // events claimed after finding them busy: another replica's lease ran out
	// dying: the replica's process dies right after it claims an event. The
	// claim is written (it holds the event under its lease), nothing else
	// of the event happens.
	dying   atomic.Bool
	orphans atomic.Int64 // claims left behind by dying
}

var errDied = errors.New("the replica died in the middle of the event")

func (s *countingStore) ClaimEvent(ctx context.Context, key, owner string, now, leaseUntil time.Time) (tickets.Claim, error) {
	c, err := s.Store.ClaimEvent(ctx, key, owner, now, leaseUntil)
	if err != nil {
		return c, err
	}
	switch c {
	case tickets.ClaimBusy:
		s.waited.Store(key, true)
	case tickets.ClaimTaken:
		if _, again := s.taken.LoadOrStore(key, true); again {
			return c, nil // renewal of a lease
		}
		if s.dying.Load() {
			s.orphans.Add(1)
			return 0, errDied
		}
		s.handled.Add(1)
		if _, ok := s.waited.Load(key); ok {
			s.takeovers.Add(1)
		}
	}
	return c, nil
}

// ClusterLock passes the replica lock through, so the engine finds it.
func (s *countingStore) ClusterLock(ctx context.Context, name string) (func(), error) {
	if l, ok := s.Store.(bot.ClusterLocker); ok {
		return l.ClusterLock(ctx, name)
	}
	return func() {}, nil
}

func newCluster(tb testing.TB, stores []tickets.Store) *cluster {
	tb.Helper()
	cfg, err := config.Load("testdata/helpdesk.yaml")
	if err != nil {
		tb.Fatalf("load config: %v", err)
	}
	c := &cluster{tb: tb, cfg: cfg, platform: bottest.NewPlatform("web", false)}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	t0 := time.Now()
	now := func() time.Time { return start.Add(time.Since(t0)) }
	for i, st := range stores {
		set, err := faq.BuildSet(cfg)
		if err != nil {
			tb.Fatalf("build FAQ: %v", err)
		}
		cs := &countingStore{Store: st}
		e, err := bot.New(bot.Options{
			Store: cs, Runtime: &bot.Runtime{Config: cfg, FAQ: set}, Platforms: []bot.Platform{c.platform},
			Now: now, Logger: logger, ReplicaID: fmt.Sprintf("replica%d", i), EventLease: lease,
		})
		if err != nil {
			tb.Fatal(err)
		}
		if err := e.Recover(context.Background()); err != nil {
			tb.Fatal(err)
		}
		r := &replica{engine: e, store: cs, faq: set}
		c.replicas = append(c.replicas, r)
		tb.Cleanup(func() { r.kill() })
	}
	return c
}

// kill stops a replica the way a crash between two events does: it takes no
// more events and its connections to the database are gone.
func (r *replica) kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return
	}
	r.dead = true
	r.store.Close()
	r.faq.Close()
}

// die makes a replica die in the middle of events: from now on it dies
// right after claiming an event, leaving the claim held. Once it has left
// at least orphans claims behind (or after a few seconds), it is killed.
func (r *replica) die(orphans int64) {
	r.store.dying.Store(true)
	for deadline := time.Now().Add(5 * time.Second); r.store.orphans.Load() < orphans && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	r.kill()
}

// store is a live replica's store, for reading results.
func (c *cluster) store() tickets.Store {
	for _, r := range c.replicas {
		r.mu.RLock()
		dead := r.dead || r.store.dying.Load()
		r.mu.RUnlock()
		if !dead {
			return r.store
		}
	}
	c.tb.Fatal("no replica is alive")
	return nil
}

// deliver hands one platform event (with a fresh event id) to every live
// replica at once and waits until all have handled it.
func (c *cluster) deliver(ev bot.Event) error {
	ev.ID = "ev" + strconv.FormatInt(c.seq.Add(1), 10)
	ev.Platform = "web"
	began := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(c.replicas))
	for i, r := range c.replicas {
		wg.Go(func() {
			r.mu.RLock()
			defer r.mu.RUnlock()
			if r.dead {
				return
			}
			if err := r.engine.Handle(context.Background(), ev); err != nil && !r.store.dying.Load() {
				errs[i] = fmt.Errorf("replica %d: %s %s by %s: %w", i, ev.Kind, ev.Text+ev.Action.ID, ev.User.ID, err)
			}
		})
	}
	wg.Wait()
	c.latMu.Lock()
	c.latencies = append(c.latencies, time.Since(began))
	c.latMu.Unlock()
	return errors.Join(errs...)
}

// tick fires due timers and dispatches queues on every live replica at once.
func (c *cluster) tick() error {
	var wg sync.WaitGroup
	errs := make([]error, len(c.replicas))
	for i, r := range c.replicas {
		wg.Go(func() {
			r.mu.RLock()
			defer r.mu.RUnlock()
			if !r.dead && !r.store.dying.Load() {
				errs[i] = r.engine.Tick(context.Background())
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func dm(user string) bot.Chat { return bot.Chat{ID: bottest.DMChat(user), Kind: bot.ChatDirect} }

func (c *cluster) say(user, text string) error {
	return c.deliver(bot.Event{Kind: bot.EventMessage, User: bot.User{ID: user, Name: user}, Chat: dm(user), Text: text})
}

// press presses the newest button in chat that user sees and match accepts.
func (c *cluster) press(user string, chat bot.Chat, match func(bot.Button) bool) error {
	msgs := c.platform.Messages(chat.ID, user)
	for i := len(msgs) - 1; i >= 0; i-- {
		for _, b := range msgs[i].Msg.Buttons {
			if match(b) {
				return c.deliver(bot.Event{Kind: bot.EventAction, User: bot.User{ID: user, Name: user}, Chat: chat,
					Action: bot.Action{ID: b.ID, Value: b.Value, Message: msgs[i].Ref}, Trigger: "t" + strconv.FormatInt(c.seq.Add(1), 10)})
			}
		}
	}
	var seen []string
	for _, m := range msgs {
		seen = append(seen, bottest.Render(m.Msg))
	}
	return fmt.Errorf("%s sees no such button in %s; they see:\n%s", user, chat.ID, strings.Join(seen, "\n---\n"))
}

// shows reports whether user sees a button in chat that match accepts.
func (c *cluster) shows(user string, chat bot.Chat, match func(bot.Button) bool) bool {
	for _, m := range c.platform.Messages(chat.ID, user) {
		if slices.ContainsFunc(m.Msg.Buttons, match) {
			return true
		}
	}
	return false
}

func label(l string) func(bot.Button) bool { return func(b bot.Button) bool { return b.Label == l } }

// waitFor polls the store until the ticket satisfies ok: another replica may
// be the one assigning it.
func (c *cluster) waitFor(ctx context.Context, id int64, ok func(*tickets.Ticket) bool) (*tickets.Ticket, error) {
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		t, err := c.store().Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok(t) {
			return t, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("ticket %s stays %s (assignee %q): %w", t.Key, t.Status, t.Assignee, ctx.Err())
		case <-time.After(delay):
		}
	}
}

// journey is one whole conversation: a question the FAQ answers, "No", the
// form in chat, a ticket, Start Chat and End Service by whichever agent got
// it, and a rating.
func (c *cluster) journey(ctx context.Context, user string) error {
	steps := []func() error{
		func() error { return c.say(user, "VPN does not connect") },
		func() error { return c.press(user, dm(user), label("No")) },
		func() error { return c.press(user, dm(user), label("Talk to an agent")) },
		func() error { return c.press(user, dm(user), label("VPN")) },
		func() error { return c.say(user, "drops every hour") },
		func() error { return c.press(user, dm(user), label("Skip")) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("%s step %d: %w", user, i+1, err)
		}
	}
	ts, err := c.store().List(ctx, tickets.Filter{Requester: &tickets.Person{Platform: "web", ID: user}})
	if err != nil {
		return err
	}
	if len(ts) != 1 {
		return fmt.Errorf("%s has %d tickets after the form, want 1", user, len(ts))
	}
	t, err := c.waitFor(ctx, ts[0].ID, func(t *tickets.Ticket) bool { return t.Status == tickets.StatusAssigned })
	if err != nil {
		return err
	}
	agent := c.cfg.Desk("it").AgentByName(t.Assignee).ID("web")
	id := strconv.FormatInt(t.ID, 10)
	// The replica that assigned the ticket posts its card right after the
	// assignment commits: wait for the card as the agent would.
	isStart := func(b bot.Button) bool { return b.Label == "Start Chat" && b.Value == id }
	for delay := time.Millisecond; !c.shows(agent, dm(agent), isStart) && ctx.Err() == nil; delay = min(2*delay, 50*time.Millisecond) {
		time.Sleep(delay)
	}
	if err := c.press(agent, dm(agent), isStart); err != nil {
		return fmt.Errorf("%s: %w", t.Key, err)
	}
	if t, err = c.store().Get(ctx, t.ID); err != nil {
		return err
	}
	if t.GroupChat == "" {
		return fmt.Errorf("%s has no group chat after Start Chat (status %s)", t.Key, t.Status)
	}
	group := bot.Chat{ID: t.GroupChat, Kind: bot.ChatGroup}
	if err := c.deliver(bot.Event{Kind: bot.EventMessage, User: bot.User{ID: user, Name: user}, Chat: group, Text: "still broken"}); err != nil {
		return err
	}
	if err := c.press(agent, group, label("End Service")); err != nil {
		return fmt.Errorf("%s: %w", t.Key, err)
	}
	return c.press(user, dm(user), func(b bot.Button) bool { return b.Label == "★★★★★" && strings.HasPrefix(b.Value, id+":") })
}

// run plays n conversations at once, each as its own user. When half of them
// are done, kill (if >= 0) starts dying in the middle of events (see die)
// and is killed. Ticks run on every replica meanwhile.
func (c *cluster) run(ctx context.Context, n, kill int) error {
	var done atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, n)
	stopTicks := make(chan struct{})
	var tickErr error
	tickDone := make(chan struct{})
	go func() {
		defer close(tickDone)
		for {
			select {
			case <-stopTicks:
				return
			case <-time.After(20 * time.Millisecond):
				if err := c.tick(); err != nil && tickErr == nil {
					tickErr = err
				}
			}
		}
	}()
	killed := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			errs[i] = c.journey(ctx, fmt.Sprintf("user%03d", i))
			if done.Add(1) == int64(n/2) && kill >= 0 {
				c.replicas[kill].die(10)
				close(killed)
			}
		})
	}
	wg.Wait()
	close(stopTicks)
	<-tickDone
	return errors.Join(append(errs, tickErr)...)
}

// percentile returns the p-th percentile (0..1) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}
