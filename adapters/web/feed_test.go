package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/web"
	"github.com/helpdesk-chat/helpdesk/adapters/web/webtest"
	"github.com/helpdesk-chat/helpdesk/webchat"
)

// countingStore counts the web chat's reads of changes.
type countingStore struct {
	web.Store
	changes, feed atomic.Int64
}

func (s *countingStore) Changes(ctx context.Context, viewer string, chats []string, after int64, limit int) ([]webchat.Message, []webchat.Chat, error) {
	s.changes.Add(1)
	return s.Store.Changes(ctx, viewer, chats, after, limit)
}

func (s *countingStore) Feed(ctx context.Context, after int64, limit int) ([]webchat.Message, []webchat.Chat, error) {
	s.feed.Add(1)
	return s.Store.Feed(ctx, after, limit)
}

// startCounting is start with the web chat's change reads counted and
// polling so rare that only this process's own changes wake the feed.
func startCounting(t testing.TB, cfgPath string) (*webtest.Server, *countingStore) {
	t.Helper()
	var cs *countingStore
	srv := webtest.Start(t, webtest.Options{Config: cfgPath, PollInterval: time.Hour,
		WebStore: func(s web.Store) web.Store { cs = &countingStore{Store: s}; return cs }})
	return srv, cs
}

// TestIdleStreamsCostNoQueries: with many tabs open, a conversation costs
// the reads of the one change feed, not a query per open stream; each
// stream still gets exactly what its user may see, in order.
func TestIdleStreamsCostNoQueries(t *testing.T) {
	srv, counts := startCounting(t, "testdata/helpdesk.yaml")
	sam := signIn(t, srv, "sam", "Sam")
	var samTabs []*sse
	for range 5 {
		samTabs = append(samTabs, sam.stream(sam.me().Seq))
	}
	type idle struct {
		c  *client
		ss *sse
	}
	var others []idle
	for i := range 20 {
		c := signIn(t, srv, fmt.Sprintf("idle%d", i), "Idle")
		others = append(others, idle{c, c.stream(c.me().Seq)})
	}
	before := counts.changes.Load()

	sam.say(sam.dm(), "How do I connect to the VPN?")
	for _, tab := range samTabs {
		tab.next(t, "connect to the VPN")
		tab.next(t, "Did this help?")
	}
	if n := counts.changes.Load() - before; n != 0 {
		t.Errorf("the streams ran %d queries of their own for one conversation; want 0 (the change feed serves them)", n)
	}
	if n := counts.feed.Load(); n == 0 {
		t.Errorf("the change feed never read the store")
	}
	// Nobody else saw Sam's conversation: each idle stream's first event is
	// its own user's message, which came after Sam's.
	for _, o := range others[:3] {
		o.c.say(o.c.dm(), "hello from "+o.c.user)
		ev := o.ss.first(t)
		if !strings.Contains(ev.Data, "hello from "+o.c.user) {
			t.Errorf("%s's stream got %s %s first; want their own message", o.c.user, ev.Kind, ev.Data)
		}
	}
}

// TestStreamCatchesUpAfterReconnect: a browser that was away resumes from
// its last event id and gets what it missed (from the store), then live
// events (from the feed), nothing twice.
func TestStreamCatchesUpAfterReconnect(t *testing.T) {
	srv, _ := startCounting(t, "testdata/helpdesk.yaml")
	sam := signIn(t, srv, "sam", "Sam")
	keep := sam.stream(sam.me().Seq) // keeps the feed reading while the other tab is away
	sam.say(sam.dm(), "hello")       // so the counter is past 0 (0 means "from now")
	keep.next(t, "hello")
	seq := sam.me().Seq
	sam.say(sam.dm(), "How do I connect to the VPN?")
	keep.next(t, "Did this help?")

	back := sam.stream(seq)
	back.next(t, "connect to the VPN")
	back.next(t, "Did this help?")
	sam.say(sam.dm(), "thanks, back again")
	ev := back.next(t, "back again")
	if ev.Kind != "message" {
		t.Fatalf("live event after catch-up: %+v", ev)
	}
	// Nothing came twice: the next event is the one after the live message.
	sam.say(sam.dm(), "one more")
	for {
		ev := back.first(t)
		if strings.Contains(ev.Data, "connect to the VPN") || strings.Contains(ev.Data, "back again") {
			t.Fatalf("event delivered twice: %s", ev.Data)
		}
		if strings.Contains(ev.Data, "one more") {
			break
		}
	}
}

// limitedConfig is testdata/helpdesk.yaml with stream limits set.
func limitedConfig(t testing.TB, perSession, perAddress int) string {
	t.Helper()
	dir := t.TempDir()
	raw, err := os.ReadFile("testdata/helpdesk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(raw), "  web: {enabled: true}\n",
		fmt.Sprintf("  web: {enabled: true, streams_per_session: %d, streams_per_address: %d}\n", perSession, perAddress), 1)
	if text == string(raw) {
		t.Fatal("testdata/helpdesk.yaml changed: no web platform line to extend")
	}
	if err := os.MkdirAll(filepath.Join(dir, "faq"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"faq/it.yaml", "faq/hr.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "helpdesk.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// openStream opens an event stream and returns its status and, when it is
// refused, the error shown.
func (c *client) openStream() (int, string) {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.srv.URL+"/chat/api/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{Jar: c.http.Jar}).Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK {
		c.t.Cleanup(func() { resp.Body.Close() })
		return resp.StatusCode, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestStreamLimits (issue 14 item 8): one sign-in and one client address
// may keep only so many event streams open; past that the browser gets 429
// and a message that says what to do.
func TestStreamLimits(t *testing.T) {
	srv := webtest.Start(t, webtest.Options{Config: limitedConfig(t, 2, 3)})
	sam := signIn(t, srv, "sam", "Sam")
	for i := range 2 {
		if code, body := sam.openStream(); code != 200 {
			t.Fatalf("stream %d of Sam: %d %s", i+1, code, body)
		}
	}
	code, body := sam.openStream()
	if code != http.StatusTooManyRequests || !strings.Contains(body, "2 chat windows open already") {
		t.Fatalf("third stream of one session: %d %s; want 429 naming the limit of 2", code, body)
	}
	// Another person's session has its own allowance, but the address is shared.
	ann := signIn(t, srv, "ann", "Ann")
	if code, body := ann.openStream(); code != 200 {
		t.Fatalf("Ann's first stream: %d %s", code, body)
	}
	code, body = ann.openStream()
	if code != http.StatusTooManyRequests || !strings.Contains(body, "3 chat windows are open from your network address") {
		t.Fatalf("fourth stream from one address: %d %s; want 429 naming the limit of 3", code, body)
	}
	// The rest of the chat still works for both.
	sam.say(sam.dm(), "still here")
}

// first returns the stream's next event, whatever it is.
func (s *sse) first(t testing.TB) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatal("stream closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return sseEvent{}
}
