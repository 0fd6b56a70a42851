package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// testMergeAndFollow checks that the Ticket Center's fields (MergedInto,
// Followers) survive the store, and that a merge writes both tickets.
func testMergeAndFollow(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	orig := e.open(t, "it", alice, "VPN down")
	dup := e.open(t, "it", alice, "VPN still down")
	other := e.open(t, "hr", alice, "Payslip")
	e.clock.Advance(time.Minute)

	_, _, err := e.svc.Merge(ctx, dup.ID, dup.ID, ada, tickets.SourceWeb)
	wantCode(t, "merge into itself", err, errs.EINVALID)
	_, _, err = e.svc.Merge(ctx, dup.ID, orig.ID, userActor(alice), tickets.SourceWeb)
	wantCode(t, "merge by the requester", err, errs.EFORBIDDEN)
	if got := must(e.store.Get(ctx, dup.ID))(t); got.MergedInto != "" || got.Status != tickets.StatusOpen {
		t.Fatalf("refused merges changed %s: merged into %q, status %s", got.Key, got.MergedInto, got.Status)
	}

	merged, into, err := e.svc.Merge(ctx, dup.ID, orig.ID, ada, tickets.SourceWeb)
	if err != nil {
		t.Fatal(err)
	}
	stored := must(e.store.Get(ctx, dup.ID))(t)
	if !reflect.DeepEqual(stored, merged) {
		t.Errorf("stored duplicate differs from the returned one:\n got %+v\nwant %+v", stored, merged)
	}
	if stored.MergedInto != orig.Key || stored.Status != tickets.StatusResolved || !stored.EndedAt.Equal(e.clock.Now()) {
		t.Errorf("duplicate after merge: merged into %q, status %s, ended %s", stored.MergedInto, stored.Status, stored.EndedAt)
	}
	msgs := must(e.store.Messages(ctx, into.ID))(t)
	if len(msgs) != 1 || msgs[0].Kind != tickets.KindNote {
		t.Errorf("target messages = %+v, want one note about the merge", msgs)
	}
	evs := must(e.store.Events(ctx, into.ID))(t)
	if last := evs[len(evs)-1]; last.Kind != "merged" || last.Actor != ada {
		t.Errorf("target's last event = %+v, want merged by Ada", last)
	}
	_, _, err = e.svc.Merge(ctx, dup.ID, orig.ID, ada, tickets.SourceWeb)
	wantCode(t, "merging twice", err, errs.ECONFLICT)

	// Across desks (the caller checked the actor is staff of both): the
	// duplicate's conversation is copied onto the ticket merged into, with
	// its authors and times; the ticket merged into keeps its desk.
	said := must(e.svc.RecordMessage(ctx, other.ID, "Payslip shows the wrong tax class", "p1", userActor(alice), tickets.SourceChat))(t)
	_, into, err = e.svc.Merge(ctx, other.ID, orig.ID, ada, tickets.SourceWeb)
	if err != nil {
		t.Fatal(err)
	}
	msgs = must(e.store.Messages(ctx, orig.ID))(t)
	last := msgs[len(msgs)-1]
	if into.Desk != "it" || last.Kind != tickets.KindTranscript || last.Text != said.Key+" · Payslip shows the wrong tax class" ||
		last.Author != userActor(alice) || !last.At.Equal(said.LastActivityAt) {
		t.Errorf("after a merge across desks: desk %s, last message %+v", into.Desk, last)
	}

	must(e.svc.Follow(ctx, orig.ID, bob, true, ada, tickets.SourceWeb))(t)
	followed := must(e.svc.Follow(ctx, orig.ID, carol, true, ada, tickets.SourceWeb))(t)
	if got := must(e.store.Get(ctx, orig.ID))(t); !reflect.DeepEqual(got.Followers, []tickets.Person{bob, carol}) || !reflect.DeepEqual(got, followed) {
		t.Errorf("followers = %+v, want Bob and Carol", got.Followers)
	}
	_, err = e.svc.Follow(ctx, orig.ID, bob, true, ada, tickets.SourceWeb)
	wantCode(t, "following twice", err, errs.ECONFLICT)
	must(e.svc.Follow(ctx, orig.ID, bob, false, ada, tickets.SourceWeb))(t)
	if got := must(e.store.Get(ctx, orig.ID))(t); !reflect.DeepEqual(got.Followers, []tickets.Person{carol}) {
		t.Errorf("followers after unfollow = %+v, want Carol", got.Followers)
	}
}
