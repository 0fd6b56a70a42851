package center_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// stream is one page's event stream (/center/live), read as a browser's
// EventSource would.
type stream struct {
	t      *testing.T
	events chan liveEvent
	cancel context.CancelFunc
}

type liveEvent struct {
	ID     string
	Key    string `json:"key"`
	Kind   string `json:"kind"`
	By     string `json:"by"`
	Unread bool   `json:"unread"`
}

// feedOf is the change feed's position a page was rendered at.
func feedOf(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`data-feed="(\d+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no live updates (data-feed):\n%s", page)
	}
	return m[1]
}

// listen opens b's event stream from the position of the page at path.
func listen(t *testing.T, b *browser, path string) *stream {
	t.Helper()
	_, page := b.do("GET", path, nil)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", b.e.srv.URL+"/center/live?after="+feedOf(t, page), nil)
	resp, err := b.client.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("live: status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &stream{t: t, events: make(chan liveEvent, 100), cancel: cancel}
	go func() {
		defer resp.Body.Close()
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var ev liveEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				ev.ID = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev)
			case line == "" && ev.Key != "":
				s.events <- ev
				ev = liveEvent{}
			}
		}
	}()
	t.Cleanup(cancel)
	return s
}

// next returns the stream's next event about key, and the events about
// other tickets that came before it. The timeout only ends a broken test.
func (s *stream) next(key string) (liveEvent, []liveEvent) {
	s.t.Helper()
	var before []liveEvent
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatalf("the stream ended before an event about %s", key)
			}
			if ev.Key == key {
				return ev, before
			}
			before = append(before, ev)
		case <-timeout:
			s.t.Fatalf("no event about %s", key)
		}
	}
}

// TestLiveStreams: a page's stream tells of every change of a ticket its
// reader may see, made anywhere (in the chat through the bot, in the
// Center, through the API), and of nothing else.
func TestLiveStreams(t *testing.T) {
	l := newLive(t, false)
	ada := listen(t, l.agentBrowser["Ada"], "/center/")
	alice := listen(t, l.requesterBrowser, "/center/")
	bob := listen(t, l.signIn("bob@example.com"), "/center/") // an agent of another desk

	// A ticket opened in the chat reaches the desk's agent and its requester.
	tk := l.ask(l.alice, "zebra quantum marmalade")
	if ev, _ := ada.next(tk.Key); ev.Kind != "open" || !ev.Unread {
		t.Errorf("Ada heard %+v first, want the open, unread", ev)
	}
	if ev, _ := alice.next(tk.Key); ev.Kind != "open" || ev.Unread {
		t.Errorf("Alice heard %+v first, want the open, not marked unread (she is no agent)", ev)
	}

	// A message in the group chat, a note in the Center and an API change.
	chat := l.start(tk)
	l.alice.SayIn(chat, "it still drops every hour")
	for {
		if ev, _ := ada.next(tk.Key); ev.Kind == "message" {
			break
		}
	}
	l.act("Linus", tk.Key, "note", url.Values{"text": {"checked the gateway"}})
	for {
		if ev, _ := ada.next(tk.Key); ev.Kind == "note" {
			if ev.By != "Linus" || !ev.Unread {
				t.Errorf("the note's event: %+v", ev)
			}
			break
		}
	}
	// Notes are the agents': the requester's stream tells of them as a
	// change (her page shows no notes), never what was written.
	l.act("admin", tk.Key, "edit", url.Values{"subject": {"VPN drops hourly"}})
	for {
		if ev, _ := ada.next(tk.Key); ev.Kind == "edit" {
			break
		}
	}

	// Mallory's ticket: Alice's stream never tells of it, and Bob (HR)
	// heard of neither.
	other := l.ask(l.mallory, "walrus banjo lighthouse")
	if _, before := alice.next(tk.Key); len(before) != 0 {
		t.Errorf("Alice heard of other tickets: %+v", before)
	}
	l.act("admin", tk.Key, "snooze", url.Values{"for": {"1h"}})
	for {
		ev, before := alice.next(tk.Key)
		for _, b := range before {
			if b.Key == other.Key {
				t.Fatalf("Alice heard of Mallory's ticket: %+v", b)
			}
		}
		if ev.Kind == "snooze" {
			break
		}
	}
	hr := l.env.open("hr", "carol@example.com", "payslip missing")
	if _, before := bob.next(hr.Key); len(before) != 0 {
		t.Errorf("Bob (HR) heard of IT tickets: %+v", before)
	}
}

// TestLiveCatchUp: a stream opened after its page was rendered starts with
// what changed in between, so a page never misses a change.
func TestLiveCatchUp(t *testing.T) {
	l := newLive(t, false)
	_, page := l.agentBrowser["Ada"].do("GET", "/center/", nil)
	at := feedOf(t, page)
	tk := l.ask(l.alice, "zebra quantum marmalade")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", l.srv.URL+"/center/live?after="+at, nil)
	resp, err := l.agentBrowser["Ada"].client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"key":"`+tk.Key+`","kind":"open"`) {
			return
		}
	}
	t.Fatalf("the stream did not start with the open of %s", tk.Key)
}

// TestUnreadMarks: the list marks a ticket new to an agent until they
// open it, and again when it changes after; the marks are the server's, so
// they hold in any browser of the agent.
func TestUnreadMarks(t *testing.T) {
	l := newLive(t, false)
	tk := l.ask(l.alice, "zebra quantum marmalade")
	mark := regexp.MustCompile(`(?s)<tr class="unread">.{0,400}` + tk.Key)
	ada := l.agentBrowser["Ada"]
	listed := func(b *browser) bool {
		t.Helper()
		_, page := b.do("GET", "/center/?view=all", nil)
		if !strings.Contains(page, tk.Key) {
			t.Fatalf("%s is not listed", tk.Key)
		}
		return mark.MatchString(page)
	}
	if !listed(ada) {
		t.Fatal("a new ticket is not marked new in the list")
	}
	if status, _ := ada.do("GET", "/center/tickets/"+tk.Key, nil); status != http.StatusOK {
		t.Fatalf("ticket page: %d", status)
	}
	if listed(ada) {
		t.Fatal("still marked new after Ada opened it")
	}
	if listed(l.signIn("ada@example.com")) {
		t.Fatal("marked new in Ada's other browser: the marks are not the server's")
	}
	if !listed(l.agentBrowser["Linus"]) {
		t.Fatal("Linus has not opened it, yet it is not new for him")
	}
	// The requester writes: new again for Ada.
	chat := l.start(tk)
	_, _ = ada.do("GET", "/center/tickets/"+tk.Key, nil)
	if listed(ada) {
		t.Fatal("marked new after Ada read it in service")
	}
	l.h.Clock.Advance(time.Minute)
	l.alice.SayIn(chat, "any news?")
	if !listed(ada) {
		t.Fatal("a new message does not mark the ticket new")
	}
	// Requesters have no marks.
	if _, page := l.requesterBrowser.do("GET", "/center/", nil); strings.Contains(page, `class="unread"`) {
		t.Error("the requester's list marks tickets new")
	}
}

// TestSharePageLinked: agents reach their desks' share pages from the list.
func TestSharePageLinked(t *testing.T) {
	e := newEnv(t)
	_, page := e.signIn("ada@example.com").do("GET", "/center/", nil)
	if !strings.Contains(page, `<a href="/desks/it">IT Help Desk</a>`) || strings.Contains(page, `href="/desks/hr"`) {
		t.Fatalf("share page links:\n%s", page)
	}
	if _, page := e.signIn("alice@example.com").do("GET", "/center/", nil); strings.Contains(page, `href="/desks/`) {
		t.Error("a requester is shown share pages")
	}
}

// TestEarlierRatingsKept: a rating given before a reopen stays on the
// ticket and its page.
func TestEarlierRatingsKept(t *testing.T) {
	l := newLive(t, false)
	tk := l.ask(l.alice, "zebra quantum marmalade")
	chat := l.start(tk)
	l.agents[tk.Assignee].PressIn(chat, "End Service")
	l.alice.Press("★★☆☆☆")
	l.act("requester", tk.Key, "reopen", nil)
	got := l.h.Ticket(tk.Key)
	if got.Evaluation != nil || len(got.EarlierRatings) != 1 || got.EarlierRatings[0].Rating != 2 {
		t.Fatalf("after reopen: evaluation %+v, earlier %+v", got.Evaluation, got.EarlierRatings)
	}
	if _, page := l.agentBrowser[tk.Assignee].do("GET", "/center/tickets/"+tk.Key, nil); !strings.Contains(page, "Earlier ratings") || !strings.Contains(page, "2/5") {
		t.Error("the ticket page does not show the earlier rating")
	}
}
