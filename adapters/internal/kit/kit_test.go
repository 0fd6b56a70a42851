package kit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/internal/clocktest"
)

func TestChatRef(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"C123", "C123/1712345.000100"} {
		if got := kit.ParseChat(id).String(); got != id {
			t.Errorf("ParseChat(%q).String() = %q", id, got)
		}
	}
	if r := kit.ParseChat("c1/p2"); r.Chat != "c1" || r.Thread != "p2" {
		t.Errorf("ParseChat = %+v", r)
	}
}

func TestSeenForgetsAfterTTL(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	s := kit.Seen{TTL: time.Hour, Now: clock.Now}
	if !s.First("e1") || s.First("e1") {
		t.Fatal("a repeated delivery should be seen once")
	}
	for range 2 {
		if !s.First("") {
			t.Fatal("the empty id is always new")
		}
	}
	clock.Advance(time.Hour)
	if !s.First("e1") {
		t.Fatal("an id older than TTL is new again")
	}
}

func TestUsersCacheAndFallback(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	calls, fail := 0, false
	u := kit.Users{TTL: time.Hour, Now: clock.Now, Lookup: func(_ context.Context, id string) (bot.User, error) {
		calls++
		if fail {
			return bot.User{}, errors.New("down")
		}
		return bot.User{Name: "Ann"}, nil
	}}
	ctx := context.Background()
	if got := u.Get(ctx, "U1"); got.ID != "U1" || got.Name != "Ann" {
		t.Fatalf("Get = %+v", got)
	}
	u.Get(ctx, "U1")
	if calls != 1 {
		t.Fatalf("%d look-ups, want 1 (cached)", calls)
	}
	clock.Advance(2 * time.Hour)
	fail = true
	if got := u.Get(ctx, "U1"); got.Name != "Ann" {
		t.Fatalf("a failed refresh should keep the last name, got %+v", got)
	}
	if got := u.Get(ctx, "U2"); got.Name != "U2" {
		t.Fatalf("an unknown user is named by its id, got %+v", got)
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := kit.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v", err)
	}
}

func TestDispatcherDropsWhenNotRunning(t *testing.T) {
	t.Parallel()
	var d kit.Dispatcher
	if d.Do("k", func(context.Context, kit.Handler) {}) || d.Running() {
		t.Fatal("an unbound dispatcher should drop events")
	}
	got := make(chan string, 2)
	_, stop := d.Bind(context.Background(), func(_ context.Context, ev bot.Event) error {
		got <- ev.Text
		return nil
	})
	for _, text := range []string{"one", "two"} {
		d.Do("chat", func(ctx context.Context, h kit.Handler) { d.Handle(ctx, h, bot.Event{Text: text}) })
	}
	stop()
	if a, b := <-got, <-got; a != "one" || b != "two" {
		t.Fatalf("order %q %q", a, b)
	}
}
