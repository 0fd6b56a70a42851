// Package authtest is the contract suite every auth.Store must pass.
package authtest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/errs"
)

// base is the suite's clock start; times are whole microseconds.
var base = time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)

// Run runs the suite; open returns a fresh, empty store for each sub-test.
func Run(t *testing.T, open func(t *testing.T) auth.Store) {
	ctx := context.Background()
	ada := auth.Identity{Platform: "web", UserID: "ada@example.com", Name: "Ada"}

	t.Run("LinkWorksOnce", func(t *testing.T) {
		s := open(t)
		if err := s.PutLink(ctx, "h1", ada, base.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, err := s.TakeLink(ctx, "h1", base)
		if err != nil || got != ada {
			t.Fatalf("TakeLink = %+v, %v; want %+v", got, err, ada)
		}
		if _, err := s.TakeLink(ctx, "h1", base); errs.Code(err) != errs.ENOTFOUND {
			t.Fatalf("second TakeLink: %v, want not_found", err)
		}
	})
	t.Run("UnknownLink", func(t *testing.T) {
		s := open(t)
		if _, err := s.TakeLink(ctx, "nope", base); errs.Code(err) != errs.ENOTFOUND {
			t.Fatalf("TakeLink unknown: %v, want not_found", err)
		}
	})
	t.Run("ExpiredLink", func(t *testing.T) {
		s := open(t)
		if err := s.PutLink(ctx, "h1", ada, base.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TakeLink(ctx, "h1", base.Add(time.Minute)); errs.Code(err) != errs.ENOTFOUND {
			t.Fatalf("TakeLink at expiry: %v, want not_found", err)
		}
	})
	t.Run("ConcurrentTakeOnce", func(t *testing.T) {
		s := open(t)
		if err := s.PutLink(ctx, "h1", ada, base.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.TakeLink(ctx, "h1", base); err == nil {
					wins.Add(1)
				} else if errs.Code(err) != errs.ENOTFOUND {
					t.Errorf("TakeLink: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d browsers signed in with one link, want 1", wins.Load())
		}
	})
	t.Run("Session", func(t *testing.T) {
		s := open(t)
		se := auth.Session{ID: "s1", Identity: ada, CSRF: "c1", Expires: base.Add(time.Hour)}
		if err := s.PutSession(ctx, se); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetSession(ctx, "s1", base)
		if err != nil || got.Identity != ada || got.CSRF != "c1" || got.ID != "s1" || !got.Expires.Equal(se.Expires) {
			t.Fatalf("GetSession = %+v, %v; want %+v", got, err, se)
		}
		if _, err := s.GetSession(ctx, "s1", base.Add(time.Hour)); errs.Code(err) != errs.ENOTFOUND {
			t.Fatalf("GetSession after expiry: %v, want not_found", err)
		}
		if _, err := s.GetSession(ctx, "s2", base); errs.Code(err) != errs.ENOTFOUND {
			t.Fatalf("GetSession unknown: %v, want not_found", err)
		}
		if err := s.DeleteSession(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetSession(ctx, "s1", base); errs.Code(err) != errs.ENOTFOUND {
			t.Fatalf("GetSession after delete: %v, want not_found", err)
		}
		if err := s.DeleteSession(ctx, "s1"); err != nil {
			t.Fatalf("deleting an unknown session: %v", err)
		}
	})
}
