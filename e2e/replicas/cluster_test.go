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
// replica that dies mid-event delays that event by about this much. The
// owner renews it every third of the lease while it works (events queue for
// the dispatch lock and take tens of seconds under -race on a busy 2-core
// machine), and a renewal waits its turn for one of the replica's few pooled
// connections (pgtest.PoolConns) behind hundreds of queries: a lease of a
// few seconds could run out during that wait and a live replica's event be
// taken over. So it is long, and the test costs about one lease more.
const lease = 15 * time.Second

// cluster is one chat platform and several replicas of the bot behind it.
// Every event goes to every live replica, concurrently.
type cluster struct {
	tb       testing.TB
	cfg      *config.Config
	platform *platform
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

// platform is the in-memory chat platform every replica posts to. It tells
// a waiting test when anything is posted or updated, so the test waits for
// what it expects to see instead of polling.
type platform struct {
	*bottest.Platform
	mu      sync.Mutex
	changed chan struct{} // closed (and replaced) at every post or update
}

func newPlatform() *platform {
	return &platform{Platform: bottest.NewPlatform("web", false), changed: make(chan struct{})}
}

// Changed returns a channel closed at the next post or update. Take it
// before looking, then wait on it if what you look for is not there yet.
func (p *platform) Changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

func (p *platform) poke() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *platform) Send(ctx context.Context, chat string, msg bot.Message) (bot.MessageRef, error) {
	defer p.poke()
	return p.Platform.Send(ctx, chat, msg)
}

func (p *platform) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	defer p.poke()
	return p.Platform.Update(ctx, ref, msg)
}

func (p *platform) SendPrivate(ctx context.Context, chat, user string, msg bot.Message) error {
	defer p.poke()
	return p.Platform.SendPrivate(ctx, chat, user, msg)
}

// until waits until ok holds, looking again at every change on the
// platform, or fails when ctx ends. what names the wait in the error.
func (p *platform) until(ctx context.Context, what func() string, ok func() (bool, error)) error {
	for {
		changed := p.Changed()
		done, err := ok()
		if err != nil || done {
			return err
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what(), ctx.Err())
		}
	}
}

// countingStore counts the events a replica claimed (and so handled), and
// makes the replica die in the middle of events once dying is set.
type countingStore struct {
	tickets.Store
	handled   atomic.Int64 // events claimed
	taken     sync.Map     // keys claimed (a renewal claims again)
	claimed   sync.Map     // key -> wall time of its first claim
	waited    sync.Map     // keys found busy
	takeovers atomic.Int64 // events claimed after finding them busy: another replica's lease ran out
	// dying: the replica's process dies right after it claims an event. The
	// claim is written (it holds the event under its lease), nothing else
	// of the event happens.
	dying   atomic.Bool
	orphans atomic.Int64 // claims left behind by dying
	// orphaned is closed once orphans reaches wantOrphans.
	wantOrphans atomic.Int64
	orphaned    chan struct{}
	// slowest is the longest an event took from its claim to its finish
	// (wall time, nanoseconds): it must stay well below the lease.
	slowest atomic.Int64
}

func (s *countingStore) FinishEvent(ctx context.Context, key, owner string, at time.Time) error {
	err := s.Store.FinishEvent(ctx, key, owner, at)
	if v, ok := s.claimed.Load(key); ok {
		d := int64(time.Since(v.(time.Time)))
		for cur := s.slowest.Load(); d > cur && !s.slowest.CompareAndSwap(cur, d); cur = s.slowest.Load() {
		}
	}
	return err
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
		s.claimed.Store(key, time.Now())
		if s.dying.Load() {
			if s.orphans.Add(1) == s.wantOrphans.Load() {
				close(s.orphaned)
			}
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
	c := &cluster{tb: tb, cfg: cfg, platform: newPlatform()}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	t0 := time.Now()
	now := func() time.Time { return start.Add(time.Since(t0)) }
	for i, st := range stores {
		set, err := faq.BuildSet(cfg)
		if err != nil {
			tb.Fatalf("build FAQ: %v", err)
		}
		cs := &countingStore{Store: st, orphaned: make(chan struct{})}
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
}

// die makes a replica die in the middle of events: from now on it dies
// right after claiming an event, leaving the claim held. Once it has left
// orphans claims behind (or after a few seconds, if fewer events come its
// way), it is killed. (The test asserts it left at least one.)
func (r *replica) die(orphans int64) {
	r.store.wantOrphans.Store(orphans)
	r.store.dying.Store(true)
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-r.store.orphaned:
	case <-t.C:
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

// waitFor waits until the ticket in the store satisfies ok: another replica
// may be the one changing it. It looks again at every change on the
// platform: each change the journey waits for (an assignment) is followed by
// a post (the agent's card) once it has committed.
func (c *cluster) waitFor(ctx context.Context, id int64, ok func(*tickets.Ticket) bool) (*tickets.Ticket, error) {
	var t *tickets.Ticket
	err := c.platform.until(ctx,
		func() string { return fmt.Sprintf("ticket %s stays %s (assignee %q)", t.Key, t.Status, t.Assignee) },
		func() (bool, error) {
			var err error
			t, err = c.store().Get(ctx, id)
			return err == nil && ok(t), err
		})
	if err != nil {
		return nil, err
	}
	return t, nil
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
	if err := c.platform.until(ctx, func() string { return agent + " never sees the card of " + t.Key },
		func() (bool, error) { return c.shows(agent, dm(agent), isStart), nil }); err != nil {
		return err
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
			case <-time.After(20 * time.Millisecond): // the replicas' tick cadence, as cmd's ticker
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
