package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// storm makes the platform answer every Send to chat with a rate limit
// (as an adapter reports a 429 it gave up on: bot.Temporary with the
// platform's Retry-After) while it is on.
type storm struct {
	on    atomic.Bool
	tries atomic.Int64
}

func (s *storm) refuse(chat string) func(string, bot.Message) error {
	return func(c string, _ bot.Message) error {
		if c != chat || !s.on.Load() {
			return nil
		}
		s.tries.Add(1)
		return bot.Temporary(errors.New("web send: 429 Too Many Requests"), 30*time.Second)
	}
}

// deliveryResults counts what ObserveDelivery reported.
type deliveryResults struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *deliveryResults) observe(platform, result string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[string]int{}
	}
	d.n[platform+" "+result]++
}

func (d *deliveryResults) get(key string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[key]
}

func queuedCount(t *testing.T, h *bottest.Harness) int64 {
	t.Helper()
	n, err := h.Store.CountDeliveries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// While the platform rate limits the bot, Carl's question and his next
// message are answered nonetheless: the replies wait in the queue (the
// second behind the first, although the platform would have taken it),
// survive a restart, and arrive once the platform takes them again, in
// order and each once.
func TestRateLimitedRepliesArriveLaterInOrder(t *testing.T) {
	h := bottest.New(t, testConfig)
	res := &deliveryResults{}
	h.Tune = func(o *bot.Options) { o.ObserveDelivery = res.observe }
	h.Restart()
	carl := h.Person("carl", "Carl")
	s := &storm{}
	h.Platform.Refuse = s.refuse(carl.DM())

	s.on.Store(true)
	carl.Say("How do I reset my password?") // no error: the reply waits
	if got := h.Transcript(carl.DM(), "carl"); got != "" {
		t.Fatalf("Carl sees a reply the platform refused:\n%s", got)
	}
	first := queuedCount(t, h)
	if first == 0 {
		t.Fatal("no reply queued")
	}
	s.on.Store(false) // the platform would take the next one...
	carl.Say("hi")
	if got := h.Transcript(carl.DM(), "carl"); got != "" {
		t.Fatalf("the second reply overtook the first:\n%s", got)
	}
	total := queuedCount(t, h)
	if total <= first {
		t.Fatalf("%d replies queued, want more than %d (the second behind the first)", total, first)
	}
	s.on.Store(true) // ...but the storm goes on

	h.Restart()
	h.Tick(10 * time.Second) // before Retry-After: not even tried
	if s.tries.Load() != 1 {
		t.Fatalf("%d sends tried, want 1: Retry-After (30 s) was not honoured", s.tries.Load())
	}
	h.Tick(25 * time.Second) // tried, still refused
	if s.tries.Load() != 2 || h.Transcript(carl.DM(), "carl") != "" || queuedCount(t, h) <= first {
		t.Fatalf("after the second try: %d tries, %d queued, Carl sees %q", s.tries.Load(), queuedCount(t, h), h.Transcript(carl.DM(), "carl"))
	}
	s.on.Store(false)
	h.Restart()
	for range 4 {
		h.Tick(time.Minute)
	}
	msgs := h.Platform.Messages(carl.DM(), "carl")
	// First contact: the greeting, then the answer; then the greeting for "hi".
	if len(msgs) != int(total) || total != 3 {
		t.Fatalf("Carl sees %d messages of %d queued, want 3 (each reply once):\n%s", len(msgs), total, h.Transcript(carl.DM(), "carl"))
	}
	if !strings.Contains(msgs[0].Msg.Text, "Hi Carl") {
		t.Errorf("first message is not the greeting: %s", bottest.Render(msgs[0].Msg))
	}
	if !strings.Contains(msgs[1].Msg.Text, "https://id.example.com/reset") || !strings.Contains(msgs[1].Msg.Text, "Did this help?") {
		t.Errorf("second message is not the password answer: %s", bottest.Render(msgs[1].Msg))
	}
	if !strings.Contains(msgs[2].Msg.Text, "Hi Carl") {
		t.Errorf("third message is not the greeting for hi: %s", bottest.Render(msgs[2].Msg))
	}
	if n := queuedCount(t, h); n != 0 {
		t.Errorf("%d replies still queued", n)
	}
	// Delivered late, the answer still works.
	carl.Press("Yes")
	mustSee(t, carl, "Glad I could help")
	if got := res.get("web queued"); got != 3 {
		t.Errorf("observed %d queued, want 3", got)
	}
	if got := res.get("web delivered"); got != 3 {
		t.Errorf("observed %d delivered, want 3", got)
	}
}

// A reply the platform refuses for good (an unknown chat) is not queued:
// the event fails as before.
func TestRefusedReplyIsNotQueued(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	h.Platform.Refuse = func(string, bot.Message) error { return errors.New("channel_not_found") }
	err := h.Engine.Handle(context.Background(), bot.Event{ID: "e1", Platform: "web", Kind: bot.EventMessage,
		User: bot.User{ID: "carl", Name: "Carl"}, Chat: bot.Chat{ID: carl.DM(), Kind: bot.ChatDirect}, Text: "hi"})
	if err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Fatalf("Handle = %v, want the refusal", err)
	}
	if n := queuedCount(t, h); n != 0 {
		t.Fatalf("%d replies queued after a refusal", n)
	}
}

// A reply to a requester with a ticket that the platform never takes is
// retried until it expires, then dropped: logged, counted, and noted on
// the ticket for the agents; the chat's queue moves on.
func TestUndeliveredReplyExpires(t *testing.T) {
	h := bottest.New(t, testConfig)
	res := &deliveryResults{}
	h.Tune = func(o *bot.Options) {
		o.ObserveDelivery = res.observe
		o.DeliveryExpiry = time.Hour
	}
	h.Restart()
	carl := h.Person("carl", "Carl Example")
	carl.Say("VPN does not connect")
	carl.Press("No")
	carl.Press("Talk to an agent")
	carl.Press("VPN")
	carl.Say("It drops every hour since Monday")
	carl.Press("Skip")
	mustSee(t, carl, "I've opened ticket **IT-1**")
	before := len(h.Platform.Messages(carl.DM(), "carl"))

	s := &storm{}
	h.Platform.Refuse = s.refuse(carl.DM())
	s.on.Store(true)
	carl.Say("any news? it still does not work")
	if n := queuedCount(t, h); n == 0 {
		t.Fatal("the reply to Carl was not queued")
	}
	for range 30 { // 30 × 5 min: far past the hour
		h.Tick(5 * time.Minute)
	}
	if n := queuedCount(t, h); n != 0 {
		t.Fatalf("%d replies still queued past their expiry", n)
	}
	if got := res.get("web expired"); got == 0 {
		t.Fatal("the expiry was not counted")
	}
	if got := len(h.Platform.Messages(carl.DM(), "carl")); got != before {
		t.Fatalf("Carl sees %d messages, had %d: an expired reply was delivered", got, before)
	}
	msgs, err := h.Store.Messages(context.Background(), h.Ticket("IT-1").ID)
	if err != nil {
		t.Fatal(err)
	}
	var note string
	for _, m := range msgs {
		if m.Kind == tickets.KindNote && strings.Contains(m.Text, "was not delivered") {
			note = m.Text
		}
	}
	if note == "" {
		t.Fatalf("no note on IT-1 about the undelivered reply; messages %+v", msgs)
	}
	// The queue moved on: the platform is back, replies arrive at once.
	s.on.Store(false)
	carl.Say("hello?")
	if got := len(h.Platform.Messages(carl.DM(), "carl")); got <= before {
		t.Fatal("a reply after the expiry did not arrive")
	}
}

// Two replicas retrying the same queue at once send each reply once, in
// order: a delivery is claimed with a lease before it is sent.
func TestQueuedRepliesSentOnceByTwoReplicas(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	s := &storm{}
	h.Platform.Refuse = s.refuse(carl.DM())
	s.on.Store(true)
	carl.Say("How do I reset my password?")
	carl.Say("hi")
	carl.Say("How do I reset my password?")
	total := queuedCount(t, h)
	s.on.Store(false)
	other, err := bot.New(bot.Options{Store: h.Store, Runtime: h.Engine.Runtime(), Platforms: []bot.Platform{h.Platform},
		Now: h.Clock.Now, ReplicaID: "other"})
	if err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(time.Minute)
	for range 3 {
		var wg sync.WaitGroup
		for _, e := range []*bot.Engine{h.Engine, other} {
			wg.Go(func() {
				if err := e.Tick(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	msgs := h.Platform.Messages(carl.DM(), "carl")
	if len(msgs) != int(total) {
		t.Fatalf("Carl sees %d messages, %d were queued:\n%s", len(msgs), total, h.Transcript(carl.DM(), "carl"))
	}
	if !strings.Contains(msgs[1].Msg.Text, "reset") || !strings.Contains(msgs[2].Msg.Text, "Hi Carl") || !strings.Contains(msgs[3].Msg.Text, "reset") {
		t.Fatalf("out of order:\n%s", h.Transcript(carl.DM(), "carl"))
	}
	if n := queuedCount(t, h); n != 0 {
		t.Fatalf("%d still queued", n)
	}
}

// A replica that died while sending a queued reply leaves its claim: the
// reply is not sent again before the lease runs out, and once after.
func TestQueuedReplyOfADeadReplicaIsSentAfterItsLease(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	s := &storm{}
	h.Platform.Refuse = s.refuse(carl.DM())
	s.on.Store(true)
	carl.Say("How do I reset my password?")
	s.on.Store(false)
	total := queuedCount(t, h)
	ctx := context.Background()
	h.Clock.Advance(time.Minute)
	due, err := h.Store.DueDeliveries(ctx, h.Clock.Now(), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due: %v, %v", due, err)
	}
	// The dead replica claimed the head of Carl's queue.
	if ok, err := h.Store.ClaimDelivery(ctx, due[0].ID, "dead-replica", h.Clock.Now(), h.Clock.Now().Add(bot.DefaultEventLease)); err != nil || !ok {
		t.Fatalf("claim: %v, %v", ok, err)
	}
	h.Restart()
	h.Tick(10 * time.Second)
	if n := len(h.Platform.Messages(carl.DM(), "carl")); n != 0 {
		t.Fatalf("Carl sees %d messages while the dead replica's lease runs", n)
	}
	h.Tick(bot.DefaultEventLease)
	h.Tick(time.Second)
	if n := len(h.Platform.Messages(carl.DM(), "carl")); n != int(total) {
		t.Fatalf("Carl sees %d messages after the lease, want the %d queued", n, total)
	}
}
