package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

func queue(t *testing.T, s tickets.Store, platform, chat, payload string, next time.Time) int64 {
	t.Helper()
	id, err := s.QueueDelivery(ctx, tickets.Delivery{Platform: platform, Chat: chat, Kind: "send",
		Payload: []byte(payload), CreatedAt: base, NextAttempt: next, ExpiresAt: base.Add(24 * time.Hour)})
	if err != nil {
		t.Fatalf("QueueDelivery(%s %s %s): %v", platform, chat, payload, err)
	}
	return id
}

func payloads(t *testing.T, s tickets.Store, now time.Time) []string {
	t.Helper()
	ds, err := s.DueDeliveries(ctx, now, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, string(d.Payload))
	}
	return out
}

// Each chat's queue hands out its first delivery only, in the order queued;
// the next one is due once the first is finished. A delivery that is not due
// yet holds back its chat, not the others.
func testDeliveriesInOrderPerChat(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	s := e.store
	if n := must(s.CountDeliveries(ctx))(t); n != 0 {
		t.Fatalf("a new store has %d deliveries", n)
	}
	if w := must(s.DeliveriesWaiting(ctx, "slack", "C1"))(t); w {
		t.Fatal("a new store has deliveries waiting in C1")
	}
	a1 := queue(t, s, "slack", "C1", `{"n":"a1"}`, base)
	queue(t, s, "slack", "C2", `{"n":"b1"}`, base.Add(time.Minute))
	queue(t, s, "slack", "C1", `{"n":"a2"}`, base)
	queue(t, s, "discord", "C1", `{"n":"c1"}`, base)
	if n := must(s.CountDeliveries(ctx))(t); n != 4 {
		t.Errorf("CountDeliveries = %d, want 4", n)
	}
	if w := must(s.DeliveriesWaiting(ctx, "slack", "C1"))(t); !w {
		t.Error("DeliveriesWaiting(slack C1) = false after queueing two")
	}
	if w := must(s.DeliveriesWaiting(ctx, "mattermost", "C1"))(t); w {
		t.Error("DeliveriesWaiting(mattermost C1) = true: chats of other platforms are apart")
	}
	if got, want := payloads(t, s, base), []string{`{"n":"a1"}`, `{"n":"c1"}`}; !slices.Equal(got, want) {
		t.Errorf("due at base: %q, want %q (C2's first is not due, a2 waits behind a1)", got, want)
	}
	if got, want := payloads(t, s, base.Add(time.Minute)), []string{`{"n":"a1"}`, `{"n":"b1"}`, `{"n":"c1"}`}; !slices.Equal(got, want) {
		t.Errorf("due a minute later: %q, want %q", got, want)
	}
	ds := must(s.DueDeliveries(ctx, base, 1))(t)
	if len(ds) != 1 || ds[0].ID != a1 {
		t.Fatalf("DueDeliveries(limit 1) = %+v, want a1 only", ds)
	}
	d := ds[0]
	if d.Platform != "slack" || d.Chat != "C1" || d.Kind != "send" || d.Attempts != 0 ||
		!d.CreatedAt.Equal(base) || !d.NextAttempt.Equal(base) || !d.ExpiresAt.Equal(base.Add(24*time.Hour)) {
		t.Errorf("delivery read back as %+v", d)
	}
	if !must(s.ClaimDelivery(ctx, a1, "r1", base, base.Add(30*time.Second)))(t) {
		t.Fatal("ClaimDelivery of a free delivery = false")
	}
	if err := s.FinishDelivery(ctx, a1, "r1"); err != nil {
		t.Fatal(err)
	}
	if got, want := payloads(t, s, base), []string{`{"n":"a2"}`, `{"n":"c1"}`}; !slices.Equal(got, want) {
		t.Errorf("due after a1 went: %q, want %q", got, want)
	}
	wantCode(t, "FinishDelivery of a delivery that is gone", s.FinishDelivery(ctx, a1, "r1"), errs.ECONFLICT)
	if must(s.ClaimDelivery(ctx, a1, "r1", base, base.Add(30*time.Second)))(t) {
		t.Error("ClaimDelivery of a delivery that is gone = true")
	}
}

// A leased delivery is not handed out, and its chat waits, until the lease
// runs out; a retry records the attempt, the error and the next time, and
// gives the lease up. Only the holder may finish or retry.
func testDeliveryLeaseAndRetry(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	s := e.store
	id := queue(t, s, "mattermost", "ch", "first", base)
	queue(t, s, "mattermost", "ch", "second", base)
	lease := base.Add(30 * time.Second)
	if !must(s.ClaimDelivery(ctx, id, "r1", base, lease))(t) {
		t.Fatal("claim by r1 = false")
	}
	if must(s.ClaimDelivery(ctx, id, "r2", base.Add(29*time.Second), base.Add(59*time.Second)))(t) {
		t.Error("r2 claimed a delivery under r1's live lease")
	}
	if got := payloads(t, s, base.Add(10*time.Second)); len(got) != 0 {
		t.Errorf("due while the first is leased: %q, want none (the second waits)", got)
	}
	wantCode(t, "FinishDelivery by a replica that does not hold it", s.FinishDelivery(ctx, id, "r2"), errs.ECONFLICT)
	wantCode(t, "RetryDelivery by a replica that does not hold it", s.RetryDelivery(ctx, id, "r2", base, "x", nil), errs.ECONFLICT)
	next := base.Add(2 * time.Minute)
	if err := s.RetryDelivery(ctx, id, "r1", next, "rate limited", nil); err != nil {
		t.Fatal(err)
	}
	if got := payloads(t, s, base.Add(time.Minute)); len(got) != 0 {
		t.Errorf("due before the next attempt: %q, want none", got)
	}
	ds := must(s.DueDeliveries(ctx, next, 10))(t)
	if len(ds) != 1 || string(ds[0].Payload) != "first" || ds[0].Attempts != 1 || ds[0].LastError != "rate limited" || !ds[0].NextAttempt.Equal(next) {
		t.Fatalf("after a retry: %+v, want first with 1 attempt and its error", ds)
	}
	// r2 takes it, dies; after its lease r3 takes it over.
	if !must(s.ClaimDelivery(ctx, id, "r2", next, next.Add(30*time.Second)))(t) {
		t.Fatal("claim by r2 after the retry = false")
	}
	if got := payloads(t, s, next.Add(30*time.Second)); len(got) != 1 || got[0] != "first" {
		t.Errorf("due when r2's lease ran out: %q, want first", got)
	}
	if !must(s.ClaimDelivery(ctx, id, "r3", next.Add(30*time.Second), next.Add(time.Minute)))(t) {
		t.Fatal("r3 could not take over a delivery whose lease ran out")
	}
	wantCode(t, "FinishDelivery by the replica whose lease was taken over", s.FinishDelivery(ctx, id, "r2"), errs.ECONFLICT)
	// Part of it went out: what is left replaces the payload.
	if err := s.RetryDelivery(ctx, id, "r3", next, "rate limited again", []byte("rest of first")); err != nil {
		t.Fatal(err)
	}
	ds = must(s.DueDeliveries(ctx, next, 10))(t)
	if len(ds) != 1 || string(ds[0].Payload) != "rest of first" || ds[0].Attempts != 2 {
		t.Fatalf("after a retry with what is left: %+v", ds)
	}
	if !must(s.ClaimDelivery(ctx, id, "r3", next, next.Add(time.Minute)))(t) {
		t.Fatal("r3 could not claim again")
	}
	if err := s.FinishDelivery(ctx, id, "r3"); err != nil {
		t.Fatal(err)
	}
	if got := payloads(t, s, next); len(got) != 1 || got[0] != "second" {
		t.Errorf("due after first went: %q, want second", got)
	}
}

// Of replicas claiming one delivery at once, exactly one gets it.
func testConcurrentDeliveryClaims(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	const deliveries, owners = 4, 8
	ids := make([]int64, deliveries)
	for i := range ids {
		ids[i] = queue(t, e.store, "web", fmt.Sprintf("chat%d", i), "x", base)
	}
	won := make([][owners]bool, deliveries)
	fail := make(chan error, deliveries*owners)
	var wg sync.WaitGroup
	for i := range ids {
		for o := range owners {
			wg.Go(func() {
				ok, err := e.store.ClaimDelivery(ctx, ids[i], fmt.Sprintf("owner%d", o), base, base.Add(30*time.Second))
				if err != nil {
					fail <- err
				}
				won[i][o] = ok
			})
		}
	}
	wg.Wait()
	close(fail)
	for err := range fail {
		t.Fatal(err)
	}
	for i, ws := range won {
		n := 0
		for _, w := range ws {
			if w {
				n++
			}
		}
		if n != 1 {
			t.Errorf("delivery %d claimed by %d owners, want 1", i, n)
		}
	}
}

// Queued deliveries survive closing and reopening the store.
func testDeliveriesSurviveReopen(t *testing.T, open OpenFunc) {
	dir := t.TempDir()
	s := open(t, dir)
	queue(t, s, "slack", "C1", `{"text":"héllo \u0000 world"}`, base)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	t.Cleanup(func() { s.Close() })
	if got := payloads(t, s, base); len(got) != 1 || got[0] != `{"text":"héllo \u0000 world"}` {
		t.Errorf("after reopening: %q", got)
	}
}
