package storetest

import (
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/internal/clocktest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// ClockStore is a store that keeps web sign-in links besides tickets.
type ClockStore interface {
	tickets.Store
	auth.Store
}

// OpenClockFunc opens a fresh, empty store that reads time only from now.
// The suite closes it.
type OpenClockFunc func(t *testing.T, now func() time.Time) ClockStore

// RunClock checks that a store takes time only from the clock it was given:
// the suite's clock stands months before the wall clock.
func RunClock(t *testing.T, open OpenClockFunc) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s ClockStore, c *clocktest.Clock)
	}{
		{"CreateStampsByClock", testCreateStampsByClock},
		{"SignInSweepFollowsClock", testSweepFollowsClock},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := clocktest.New(base)
			s := open(t, c.Now)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s, c)
		})
	}
}

func testCreateStampsByClock(t *testing.T, s ClockStore, c *clocktest.Clock) {
	c.Advance(time.Hour)
	saved, _, err := s.Create(ctx, &tickets.Ticket{Desk: "it", Status: tickets.StatusOpen}, "IT",
		tickets.Event{Kind: "open", Actor: tickets.System, Source: tickets.SourceRouting})
	if err != nil {
		t.Fatal(err)
	}
	if want := base.Add(time.Hour); !saved.CreatedAt.Equal(want) {
		t.Errorf("CreatedAt = %v, want the store's clock %v", saved.CreatedAt, want)
	}
	c.Advance(time.Minute)
	up, err := s.Update(ctx, saved.ID, func(tk *tickets.Ticket) (*tickets.Change, error) {
		tk.Subject = "VPN"
		return &tickets.Change{Event: tickets.Event{Kind: "note", Actor: tickets.System, Source: tickets.SourceRouting}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := base.Add(time.Hour + time.Minute); !up.UpdatedAt.Equal(want) {
		t.Errorf("UpdatedAt = %v, want the store's clock %v", up.UpdatedAt, want)
	}
}

// Storing a link sweeps the links that expired by the store's clock, and
// only those: by the wall clock every link here expired long ago.
func testSweepFollowsClock(t *testing.T, s ClockStore, c *clocktest.Clock) {
	who := auth.Identity{Platform: "slack", UserID: "U-alice", Name: "Alice"}
	put := func(hash string, expires time.Time) {
		t.Helper()
		if err := s.PutLink(ctx, hash, who, expires); err != nil {
			t.Fatalf("put link %s: %v", hash, err)
		}
	}
	put("early", base.Add(time.Hour))
	put("late", base.Add(3*time.Hour))
	// Still live by the store's clock: the second PutLink kept it.
	if _, err := s.TakeLink(ctx, "early", base); err != nil {
		t.Fatalf("a live link was swept: %v", err)
	}

	put("early", base.Add(time.Hour))
	c.Advance(2 * time.Hour) // "early" has expired by the clock, "late" has not
	put("next", base.Add(4*time.Hour))
	if _, err := s.TakeLink(ctx, "early", base); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("TakeLink of a link expired by the clock: %v, want it swept (ENOTFOUND)", err)
	}
	if _, err := s.TakeLink(ctx, "late", base); err != nil {
		t.Fatalf("a link live by the clock was swept: %v", err)
	}
}
