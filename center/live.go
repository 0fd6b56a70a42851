package center

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// ChangeFeed is the optional store query behind the live updates: the
// audit events of every ticket in id order. Every change of a ticket
// writes one (tickets.TicketStore), whoever made it and on whichever
// replica, so reading the feed sees them all. Both stores implement it.
type ChangeFeed interface {
	// EventsAfter returns up to limit events with an id above after, in id order.
	EventsAfter(ctx context.Context, after int64, limit int) ([]tickets.Event, error)
	// LastEventID returns the highest event id (0: none yet).
	LastEventID(ctx context.Context) (int64, error)
}

// feedBatch is how many events one read of the feed takes.
const feedBatch = 200

// change is one ticket change as the live streams pass it on.
type change struct {
	ID        int64
	Key       string
	Desk      string
	Requester tickets.Person
	Assignee  string
	Kind      string
	Actor     tickets.Actor
}

// hub reads the change feed while at least one page listens, and hands
// every change to each listener. One reader per Center, however many
// pages are open; it stops when the last page goes.
type hub struct {
	feed  ChangeFeed
	store Store
	every time.Duration
	log   func(msg string, args ...any)

	mu     sync.Mutex
	subs   map[chan change]struct{}
	cursor int64
	stop   context.CancelFunc
	wake   chan struct{} // the Center's own changes: read at once
}

func newHub(feed ChangeFeed, store Store, every time.Duration, log func(string, ...any)) *hub {
	return &hub{feed: feed, store: store, every: every, log: log, subs: map[chan change]struct{}{}, wake: make(chan struct{}, 1)}
}

// subscribe adds a listener; the first one starts the reader at the
// feed's end.
func (h *hub) subscribe(ctx context.Context) (chan change, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stop == nil {
		last, err := h.feed.LastEventID(ctx)
		if err != nil {
			return nil, err
		}
		h.cursor = last
		rctx, cancel := context.WithCancel(context.Background())
		h.stop = cancel
		go h.run(rctx)
	}
	ch := make(chan change, 64)
	h.subs[ch] = struct{}{}
	return ch, nil
}

// unsubscribe removes a listener; the last one stops the reader.
func (h *hub) unsubscribe(ch chan change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, ch)
	if len(h.subs) == 0 && h.stop != nil {
		h.stop()
		h.stop = nil
	}
}

// poke makes the reader look at the feed now (after a change made here).
func (h *hub) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *hub) run(ctx context.Context) {
	tick := time.NewTicker(h.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-h.wake:
		}
		if err := h.read(ctx); err != nil && ctx.Err() == nil {
			h.log("live updates: read the change feed", "err", err)
		}
	}
}

// read passes on every event after the cursor.
func (h *hub) read(ctx context.Context) error {
	for {
		h.mu.Lock()
		after := h.cursor
		h.mu.Unlock()
		evs, err := h.feed.EventsAfter(ctx, after, feedBatch)
		if err != nil {
			return err
		}
		known := map[int64]*tickets.Ticket{}
		for _, ev := range evs {
			t, ok := known[ev.TicketID]
			if !ok {
				if t, err = h.store.Get(ctx, ev.TicketID); err != nil && errs.Code(err) != errs.ENOTFOUND {
					return err
				}
				known[ev.TicketID] = t
			}
			if t != nil {
				h.send(change{ID: ev.ID, Key: t.Key, Desk: t.Desk, Requester: t.Requester, Assignee: t.Assignee, Kind: ev.Kind, Actor: ev.Actor})
			}
			h.mu.Lock()
			h.cursor = ev.ID
			h.mu.Unlock()
		}
		if len(evs) < feedBatch {
			return nil
		}
	}
}

// send hands c to every listener. A listener that is behind by a whole
// buffer misses the change: its page reloads what it shows on any later
// change anyway, so nothing it shows is lost, only delayed.
func (h *hub) send(c change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- c:
		default:
		}
	}
}

// liveEvent is what a page's event stream says of a change.
type liveEvent struct {
	Key    string `json:"key"`
	Kind   string `json:"kind"`
	By     string `json:"by,omitempty"`
	Unread bool   `json:"unread"` // someone else changed it: the list marks it
}

// handleLive is the event stream of the signed-in person's pages: every
// change of a ticket they may see, from the event after the one the page
// was rendered at (?after=), as Server-Sent Events. The pages reload the
// parts they show when one arrives.
func (c *Center) handleLive(w http.ResponseWriter, r *http.Request) {
	v := c.viewer(r)
	if c.hub == nil {
		http.Error(w, "live updates need a store with a change feed", http.StatusNotFound)
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ctx := r.Context()
	ch, err := c.hub.subscribe(ctx)
	if err != nil {
		c.log.Error("live updates", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer c.hub.unsubscribe(ch)
	// after: the feed's position when the page was rendered (-1: the
	// stream starts now).
	after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if err != nil {
		after = -1
	}
	if id, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64); err == nil && id > after {
		after = id // a reconnect: from what the page last heard
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n: live\n\n")
	fl.Flush()

	sent := after
	write := func(ch change) error {
		if ch.ID <= sent {
			return nil
		}
		sent = ch.ID
		if ch.Kind == "cards" { // the cards' own bookkeeping: nothing a page shows
			return nil
		}
		if !v.canSee(&tickets.Ticket{Desk: ch.Desk, Requester: ch.Requester, Assignee: ch.Assignee}) {
			return nil
		}
		mine := ch.Actor.Platform == v.id.Platform && ch.Actor.ID == v.id.UserID && v.id.UserID != ""
		b, _ := json.Marshal(liveEvent{Key: ch.Key, Kind: ch.Kind, By: ch.Actor.Name, Unread: v.staff(ch.Desk) && !mine})
		if _, err := fmt.Fprintf(w, "id: %d\nevent: ticket\ndata: %s\n\n", ch.ID, b); err != nil {
			return err
		}
		fl.Flush()
		return nil
	}
	// What changed between the page and this stream (the hub starts at the
	// feed's end, so these would be missed otherwise).
	if after >= 0 {
		if err := c.catchUp(ctx, after, write); err != nil {
			if ctx.Err() == nil {
				c.log.Warn("live updates: catch up", "err", err)
			}
			return
		}
	}
	beat := time.NewTicker(25 * time.Second) // keeps proxies from closing an idle stream
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": beat\n\n"); err != nil {
				return
			}
			fl.Flush()
		case ch := <-ch:
			if err := write(ch); err != nil {
				return
			}
		}
	}
}

// catchUp writes the changes after an event id, up to the feed's end as it
// is now (at most a few batches: a page older than that reloads anyway).
func (c *Center) catchUp(ctx context.Context, after int64, write func(change) error) error {
	for range 5 {
		evs, err := c.feed.EventsAfter(ctx, after, feedBatch)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			t, err := c.store.Get(ctx, ev.TicketID)
			if errs.Code(err) == errs.ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			if err := write(change{ID: ev.ID, Key: t.Key, Desk: t.Desk, Requester: t.Requester, Assignee: t.Assignee, Kind: ev.Kind, Actor: ev.Actor}); err != nil {
				return err
			}
			after = ev.ID
		}
		if len(evs) < feedBatch {
			return nil
		}
	}
	return nil
}

// feedPosition is where the change feed is as a page is rendered: its
// stream starts there (-1: no live updates).
func (c *Center) feedPosition(ctx context.Context) int64 {
	if c.feed == nil {
		return -1
	}
	id, err := c.feed.LastEventID(ctx)
	if err != nil {
		c.log.Warn("live updates: feed position", "err", err)
		return -1
	}
	return id
}

// Read marks: the server keeps, per staff member, when they last looked at
// each ticket (the ticket's UpdatedAt then), in a checkpoint of the store,
// so the marker follows them across browsers and replicas.

// maxMarks caps the tickets one person's read marks remember; the oldest
// marks go first (their tickets then count as read if resolved).
const maxMarks = 2000

func marksName(v *viewer) string { return "center:read:" + v.id.Platform + ":" + v.id.UserID }

// readMarks returns the viewer's marks: ticket key -> UpdatedAt seen (Unix ns).
func (c *Center) readMarks(ctx context.Context, v *viewer) (map[string]int64, int64, error) {
	if c.marks == nil {
		return nil, 0, nil
	}
	b, ver, err := c.marks.GetCheckpoint(ctx, marksName(v))
	if errs.Code(err) == errs.ENOTFOUND {
		return map[string]int64{}, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	m := map[string]int64{}
	if err := json.Unmarshal(b, &m); err != nil {
		return map[string]int64{}, ver, nil // unreadable marks start again
	}
	return m, ver, nil
}

// markRead records that the viewer has seen t as it is now.
func (c *Center) markRead(ctx context.Context, v *viewer, t *tickets.Ticket) {
	if c.marks == nil || !v.staff(t.Desk) {
		return
	}
	at := t.UpdatedAt.UnixNano()
	for range 3 {
		m, ver, err := c.readMarks(ctx, v)
		if err != nil {
			c.log.Warn("read marks", "err", err)
			return
		}
		if m[t.Key] >= at {
			return
		}
		m[t.Key] = at
		for len(m) > maxMarks {
			oldest, found := "", false
			for k, x := range m {
				if !found || x < m[oldest] {
					oldest, found = k, true
				}
			}
			delete(m, oldest)
		}
		b, _ := json.Marshal(m)
		_, err = c.marks.PutCheckpoint(ctx, marksName(v), b, ver)
		if err == nil {
			return
		}
		if errs.Code(err) != errs.ECONFLICT {
			c.log.Warn("read marks", "err", err)
			return
		}
	}
}

// unread reports whether the ticket changed since the viewer last read it:
// an active ticket they never opened, or any ticket updated after they did.
func unread(marks map[string]int64, t *tickets.Ticket) bool {
	if marks == nil {
		return false
	}
	seen, ok := marks[t.Key]
	if !ok {
		return t.Status.Active()
	}
	return t.UpdatedAt.UnixNano() > seen
}
