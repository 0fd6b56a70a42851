package storetest

import (
	"context"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// changeFeed is the query behind the Ticket Center's live updates
// (center.ChangeFeed); both stores implement it.
type changeFeed interface {
	EventsAfter(ctx context.Context, after int64, limit int) ([]tickets.Event, error)
	LastEventID(ctx context.Context) (int64, error)
}

// testChangeFeed: every ticket's events in id order after a position, a
// batch at a time, and the feed's end.
func testChangeFeed(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	f, ok := e.store.(changeFeed)
	if !ok {
		t.Skip("the store has no change feed")
	}
	if last := must(f.LastEventID(ctx))(t); last != 0 {
		t.Fatalf("an empty store's last event is %d", last)
	}
	a := e.open(t, "it", alice, "VPN down")
	b := e.open(t, "hr", alice, "payslip")
	if _, err := e.store.Update(ctx, a.ID, func(t *tickets.Ticket) (*tickets.Change, error) {
		return &tickets.Change{Event: tickets.Event{At: base, Kind: "note", Actor: ada, Source: tickets.SourceWeb}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	all := must(f.EventsAfter(ctx, 0, 100))(t)
	if len(all) != 3 || all[0].TicketID != a.ID || all[1].TicketID != b.ID || all[2].Kind != "note" {
		t.Fatalf("feed = %+v, want a's open, b's open, a's note", all)
	}
	if last := must(f.LastEventID(ctx))(t); last != all[2].ID {
		t.Errorf("last event %d, want %d", last, all[2].ID)
	}
	if got := must(f.EventsAfter(ctx, all[0].ID, 1))(t); len(got) != 1 || got[0].ID != all[1].ID {
		t.Errorf("one after the first = %+v, want b's open", got)
	}
	if got := must(f.EventsAfter(ctx, all[2].ID, 100))(t); len(got) != 0 {
		t.Errorf("after the end = %+v", got)
	}
}
