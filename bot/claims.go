// Claims of platform events: one replica (and one goroutine) handles an
// event, under a lease it renews while it works (see Engine.Handle).

package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// enterFlight waits until no other goroutine of this engine handles key,
// then marks it as handled here; leave ends that. (Claims are per engine:
// the store cannot tell two goroutines of one owner apart.)
func (e *Engine) enterFlight(ctx context.Context, key string) (leave func(), err error) {
	for {
		e.flightMu.Lock()
		ch, busy := e.inFlight[key]
		if !busy {
			ch = make(chan struct{})
			e.inFlight[key] = ch
			e.flightMu.Unlock()
			return func() {
				e.flightMu.Lock()
				delete(e.inFlight, key)
				e.flightMu.Unlock()
				close(ch)
			}, nil
		}
		e.flightMu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for event %s: %w", key, ctx.Err())
		}
	}
}

// Polling for an event another replica handles starts at claimPollMin and
// grows by half each time up to claimPollMax (or a quarter of the lease, if
// shorter): most events are handled in milliseconds.
const (
	claimPollMin = 2 * time.Millisecond
	claimPollMax = 250 * time.Millisecond
)

// claimEvent claims key for this engine; it reports false if the event was
// handled already. While another owner holds a live lease it waits (on the
// engine's clock) until that one finishes or its lease runs out.
func (e *Engine) claimEvent(ctx context.Context, key string) (bool, error) {
	delay, most := claimPollMin, min(claimPollMax, e.lease/4)
	for {
		now := e.now()
		c, err := e.store.ClaimEvent(ctx, key, e.owner, now, now.Add(e.lease))
		if err != nil {
			return false, fmt.Errorf("claim event %s: %w", key, err)
		}
		switch c {
		case tickets.ClaimTaken:
			return true, nil
		case tickets.ClaimDone:
			return false, nil
		}
		if err := e.sleep(ctx, delay); err != nil {
			return false, fmt.Errorf("wait for event %s handled elsewhere: %w", key, err)
		}
		delay = max(min(delay*3/2, most), time.Millisecond)
	}
}

// keepClaim renews this engine's lease on key every third of the lease
// while the event is handled, so slow work is not taken over by another
// replica. It runs on wall time: it measures how long the work really
// takes. stop ends it (and waits for a renewal in progress).
func (e *Engine) keepClaim(ctx context.Context, key string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(max(e.lease/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			now := e.now()
			c, err := e.store.ClaimEvent(ctx, key, e.owner, now, now.Add(e.lease))
			if err != nil {
				e.log.Warn("renew event lease", "event", key, "err", err)
				continue
			}
			if c != tickets.ClaimTaken {
				e.log.Warn("event lease lost while handling it: another replica took it over", "event", key, "claim", c)
				return
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}

// sleepTimer waits d of wall time, or until ctx ends.
func sleepTimer(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
