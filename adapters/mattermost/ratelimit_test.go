package mattermost_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/mattermost"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/internal/clocktest"
)

// A 429 storm longer than RetryFor: the adapter waits out Mattermost's
// Retry-After for RetryFor, then gives the reply back to the engine as
// temporary; the engine keeps it in its delivery queue, and once the storm
// is over a Tick posts it, once and whole.
func TestRateLimitStormLongerThanRetryForIsDeliveredAfter(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC))
	sleep := func(ctx context.Context, d time.Duration) error { clock.Advance(d); return ctx.Err() }
	s := startSession(t, func(o *mattermost.Options, b *bot.Options) {
		o.Now, o.Sleep, o.RetryFor = clock.Now, sleep, 50*time.Millisecond // 5 retries of Retry-After 0 (10 ms)
		b.Now = clock.Now
	})
	const storm = 60
	s.RateLimitNext(t, storm)
	dm := s.DM(t, "carl")
	s.Say(t, "carl", dm, "How do I reset my password?")
	ctx := context.Background()
	deadline := time.Now().Add(45 * time.Second)
	for {
		n, err := s.store.CountDeliveries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reply was never queued")
		}
		select {
		case <-s.Changed():
		case <-time.After(time.Second): // look again
		}
	}
	if !strings.Contains(s.logs.String(), "rate limited by Mattermost for too long") {
		t.Fatal("the adapter did not give up after RetryFor")
	}
	for tick := 0; ; tick++ {
		n, err := s.store.CountDeliveries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if tick > storm {
			t.Fatalf("%d replies still queued after %d ticks", n, tick)
		}
		clock.Advance(time.Minute)
		if err := s.eng.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	answers := 0
	for _, m := range s.Messages(t, "carl", dm) {
		if strings.Contains(m.Text, "Did this help?") {
			answers++
		}
	}
	if answers != 1 {
		t.Fatalf("Carl sees the answer %d times, want once: %+v", answers, s.Messages(t, "carl", dm))
	}
}
