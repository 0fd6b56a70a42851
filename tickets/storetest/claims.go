package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// claim claims key for owner at now until until and checks the answer.
func claim(t *testing.T, s tickets.Store, key, owner string, now, until time.Time, want tickets.Claim) {
	t.Helper()
	got, err := s.ClaimEvent(ctx, key, owner, now, until)
	if err != nil || got != want {
		t.Errorf("ClaimEvent(%s, %s, now +%s, until +%s) = %v, %v; want %v",
			key, owner, now.Sub(base), until.Sub(base), got, err, want)
	}
}

// An event handled once is done for everyone, forever; other keys are
// independent of it.
func testClaimFinishDuplicate(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	s := e.store
	lease := base.Add(30 * time.Second)
	claim(t, s, "slack:Ev1", "a", base, lease, tickets.ClaimTaken)
	claim(t, s, "slack:Ev1", "b", base, lease, tickets.ClaimBusy)
	claim(t, s, "slack:Ev2", "b", base, lease, tickets.ClaimTaken)
	claim(t, s, "discord:Ev1", "b", base, lease, tickets.ClaimTaken)
	wantCode(t, "FinishEvent by an owner that does not hold it", s.FinishEvent(ctx, "slack:Ev1", "b", base), errs.ECONFLICT)
	wantCode(t, "FinishEvent of an event never claimed", s.FinishEvent(ctx, "slack:Ev9", "a", base), errs.ECONFLICT)
	if err := s.FinishEvent(ctx, "slack:Ev1", "a", base.Add(time.Second)); err != nil {
		t.Fatalf("FinishEvent by the owner: %v", err)
	}
	claim(t, s, "slack:Ev1", "b", base.Add(2*time.Second), lease, tickets.ClaimDone)
	claim(t, s, "slack:Ev1", "a", base.Add(2*time.Second), lease, tickets.ClaimDone)
	// Long after the lease: still done, not taken over.
	claim(t, s, "slack:Ev1", "c", base.Add(time.Hour), base.Add(time.Hour+30*time.Second), tickets.ClaimDone)
	// Releasing a finished event changes nothing.
	if err := s.ReleaseEvent(ctx, "slack:Ev1", "a"); err != nil {
		t.Fatal(err)
	}
	claim(t, s, "slack:Ev1", "c", base.Add(time.Hour), base.Add(time.Hour+30*time.Second), tickets.ClaimDone)
	claim(t, s, "slack:Ev2", "a", base.Add(time.Second), lease, tickets.ClaimBusy)
}

// A live lease keeps others out up to its last instant, and the owner may
// renew it by claiming again.
func testClaimBusyWhileLeased(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	s := e.store
	at := func(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }
	claim(t, s, "slack:Ev1", "a", at(0), at(30), tickets.ClaimTaken)
	claim(t, s, "slack:Ev1", "b", at(29), at(59), tickets.ClaimBusy)
	claim(t, s, "slack:Ev1", "a", at(20), at(50), tickets.ClaimTaken) // renewal
	claim(t, s, "slack:Ev1", "b", at(40), at(70), tickets.ClaimBusy)  // the old lease is over, the renewed one is not
	claim(t, s, "slack:Ev1", "b", at(49), at(79), tickets.ClaimBusy)
	claim(t, s, "slack:Ev1", "b", at(50), at(80), tickets.ClaimTaken) // lease_until <= now: run out
}

// When the owner dies mid-event (never finishes), another owner takes the
// event over once the lease ran out; the dead owner can no longer finish.
func testClaimTakeOver(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	s := e.store
	claim(t, s, "slack:Ev1", "a", base, base.Add(30*time.Second), tickets.ClaimTaken)
	claim(t, s, "slack:Ev1", "b", base.Add(31*time.Second), base.Add(61*time.Second), tickets.ClaimTaken)
	claim(t, s, "slack:Ev1", "c", base.Add(32*time.Second), base.Add(62*time.Second), tickets.ClaimBusy)
	wantCode(t, "FinishEvent by the owner whose lease ran out", s.FinishEvent(ctx, "slack:Ev1", "a", base.Add(32*time.Second)), errs.ECONFLICT)
	claim(t, s, "slack:Ev1", "a", base.Add(33*time.Second), base.Add(63*time.Second), tickets.ClaimBusy)
	if err := s.FinishEvent(ctx, "slack:Ev1", "b", base.Add(34*time.Second)); err != nil {
		t.Fatalf("FinishEvent by the new owner: %v", err)
	}
	claim(t, s, "slack:Ev1", "a", base.Add(time.Hour), base.Add(time.Hour), tickets.ClaimDone)
}

// A released claim is free at once; only the owner's release counts.
func testClaimRelease(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	s := e.store
	lease := base.Add(30 * time.Second)
	claim(t, s, "slack:Ev1", "a", base, lease, tickets.ClaimTaken)
	if err := s.ReleaseEvent(ctx, "slack:Ev1", "b"); err != nil { // not b's to release
		t.Fatal(err)
	}
	claim(t, s, "slack:Ev1", "b", base.Add(time.Second), lease, tickets.ClaimBusy)
	if err := s.ReleaseEvent(ctx, "slack:Ev1", "a"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "FinishEvent after releasing", s.FinishEvent(ctx, "slack:Ev1", "a", base.Add(time.Second)), errs.ECONFLICT)
	claim(t, s, "slack:Ev1", "b", base.Add(time.Second), lease, tickets.ClaimTaken)
	claim(t, s, "slack:Ev1", "a", base.Add(2*time.Second), lease, tickets.ClaimBusy)
	if err := s.ReleaseEvent(ctx, "slack:Ev9", "a"); err != nil {
		t.Errorf("ReleaseEvent of an event never claimed: %v", err)
	}
}

// Many owners claiming the same events at the same instant: exactly one
// takes each, the others find it busy.
func testConcurrentClaims(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	const events, owners = 5, 8
	results := make([][owners]tickets.Claim, events)
	errs := make(chan error, events*owners)
	var wg sync.WaitGroup
	for ev := range events {
		for o := range owners {
			wg.Go(func() {
				c, err := e.store.ClaimEvent(ctx, fmt.Sprintf("slack:Ev%d", ev), fmt.Sprintf("owner%d", o), base, base.Add(30*time.Second))
				if err != nil {
					errs <- err
				}
				results[ev][o] = c
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for ev, rs := range results {
		count := map[tickets.Claim]int{}
		for _, c := range rs {
			count[c]++
		}
		if count[tickets.ClaimTaken] != 1 || count[tickets.ClaimBusy] != owners-1 {
			t.Errorf("event %d: %v; want 1 taken and %d busy", ev, count, owners-1)
		}
	}
}

// Pruning forgets old handled events and nothing else: recent ones stay done
// and an unfinished claim stays held.
func testPruneEvents(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	s := e.store
	day := 24 * time.Hour
	claim(t, s, "old-done", "a", base, base.Add(time.Minute), tickets.ClaimTaken)
	if err := s.FinishEvent(ctx, "old-done", "a", base); err != nil {
		t.Fatal(err)
	}
	claim(t, s, "old-held", "a", base, base.Add(30*day), tickets.ClaimTaken)
	claim(t, s, "new-done", "a", base.Add(8*day), base.Add(8*day+time.Minute), tickets.ClaimTaken)
	if err := s.FinishEvent(ctx, "new-done", "a", base.Add(8*day)); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneEvents(ctx, base.Add(7*day))
	if err != nil || n != 1 {
		t.Fatalf("PruneEvents = %d, %v; want 1 (only the old handled event)", n, err)
	}
	claim(t, s, "new-done", "b", base.Add(8*day), base.Add(9*day), tickets.ClaimDone)
	claim(t, s, "old-held", "b", base.Add(8*day), base.Add(9*day), tickets.ClaimBusy)
	// The pruned key is new again: a redelivery this late would be handled.
	claim(t, s, "old-done", "b", base.Add(8*day), base.Add(9*day), tickets.ClaimTaken)
}
