package center_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/center"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// The engine is the Center's, checked where both are known.
var _ center.Engine = (*bot.Engine)(nil)

// live is the Ticket Center on the real bot engine, with the people on an
// in-memory chat platform: the tests below make a change in the Center or
// through the API and look at what the requester and the agents see.
type live struct {
	*env
	h                       *bottest.Harness
	alice, mallory          *bottest.Person            // requesters
	agents                  map[string]*bottest.Person // by agent name
	viaAPI                  bool                       // the admin acts through the API
	admin, requesterBrowser *browser
	agentBrowser            map[string]*browser
}

func newLive(t *testing.T, viaAPI bool) *live {
	t.Helper()
	return newLiveConfig(t, viaAPI, testConfig, testFAQ)
}

// newLiveConfig is newLive on another config and FAQ.
func newLiveConfig(t *testing.T, viaAPI bool, cfgText, faqText string) *live {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"helpdesk.yaml": cfgText, "faq.yaml": faqText} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h := bottest.New(t, filepath.Join(dir, "helpdesk.yaml"), bottest.WithStart(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)))
	e := &env{t: t, store: h.Store, cfg: h.Config, clock: h.Clock, svc: h.Engine.Tickets()}
	am, err := auth.New(auth.Options{Store: &memAuth{links: map[string]auth.Identity{}, sessions: map[string]auth.Session{}}, Now: h.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.auth = am
	c, err := center.New(center.Options{Store: h.Store, Service: h.Engine.Tickets(), Engine: h.Engine,
		Config: func() *config.Config { return h.Config }, Auth: e.auth, Now: h.Clock.Now, Logger: slog.New(slog.DiscardHandler),
		LiveEvery: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	e.auth.Routes(mux)
	c.Routes(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	l := &live{env: e, h: h, viaAPI: viaAPI,
		alice:   h.Person("alice@example.com", "Alice"),
		mallory: h.Person("mallory@example.com", "Mallory"),
		agents:  map[string]*bottest.Person{"Ada": h.Person("ada@example.com", "Ada"), "Linus": h.Person("linus@example.com", "Linus")},
	}
	l.admin = e.signIn("root@example.com")
	l.agentBrowser = map[string]*browser{"Ada": e.signIn("ada@example.com"), "Linus": e.signIn("linus@example.com")}
	l.requesterBrowser = e.signIn("alice@example.com")
	return l
}

// ask has p ask the bot something it cannot answer and talk to an agent:
// the ticket opens and the queue gives it to an agent, who gets its card.
func (l *live) ask(p *bottest.Person, question string) *tickets.Ticket {
	l.t.Helper()
	p.Say(question)
	if strings.Contains(bottest.Render(p.Last()), "[IT Help Desk]") {
		p.Press("IT Help Desk")
	}
	p.Press("Talk to an agent")
	ts := l.h.Tickets()
	tk := ts[len(ts)-1]
	if tk.Status != tickets.StatusAssigned {
		l.t.Fatalf("%s is %s after asking, want assigned:\n%s", tk.Key, tk.Status, l.h.Transcript(p.DM(), p.ID))
	}
	mustSeeIn(l.t, l.h, l.agents[tk.Assignee], l.agents[tk.Assignee].DM(), "Assigned to "+tk.Assignee+". Press **Start Chat**")
	return tk
}

// start has the ticket's agent press Start Chat on their card.
func (l *live) start(tk *tickets.Ticket) (chat string) {
	l.t.Helper()
	agent := l.agents[tk.Assignee]
	agent.Press("Start Chat")
	got := l.h.Ticket(tk.Key)
	if got.Status != tickets.StatusInService || got.GroupChat == "" {
		l.t.Fatalf("%s is %s after Start Chat", tk.Key, got.Status)
	}
	return got.GroupChat
}

// act makes the change as who (an agent's name, "admin" or "requester"):
// a form post in the Ticket Center, or for the admin with l.viaAPI a call of
// the API with the integration's token (it has admin rights on its desk).
func (l *live) act(who, key, action string, form url.Values) *tickets.Ticket {
	l.t.Helper()
	if who == "admin" && l.viaAPI {
		body := map[string]string{"action": action}
		for k, v := range form {
			body[k] = v[0]
		}
		js, _ := json.Marshal(body)
		if status, out := l.api("POST", "/api/v1/tickets/"+key+"/transitions", crmToken, string(js)); status != http.StatusOK {
			l.t.Fatalf("API %s of %s: status %d: %s", action, key, status, out)
		}
		return l.h.Ticket(key)
	}
	b := l.admin
	switch who {
	case "admin":
	case "requester":
		b = l.requesterBrowser
	default:
		b = l.agentBrowser[who]
	}
	if status, page := b.post("/center/tickets/"+key+"/"+action, form); status != http.StatusSeeOther {
		l.t.Fatalf("%s of %s by %s: status %d\n%s", action, key, who, status, page)
	}
	return l.h.Ticket(key)
}

func other(agent string) string {
	if agent == "Ada" {
		return "Linus"
	}
	return "Ada"
}

// mustSeeIn fails unless p sees text in chat.
func mustSeeIn(t *testing.T, h *bottest.Harness, p *bottest.Person, chat, text string) {
	t.Helper()
	if got := h.Transcript(chat, p.ID); !strings.Contains(got, text) {
		t.Fatalf("%s should see %q in %s; they see:\n%s", p.Name, text, chat, got)
	}
}

func mustNotSeeIn(t *testing.T, h *bottest.Harness, p *bottest.Person, chat, text string) {
	t.Helper()
	if got := h.Transcript(chat, p.ID); strings.Contains(got, text) {
		t.Fatalf("%s should not see %q in %s; they see:\n%s", p.Name, text, chat, got)
	}
}

// count is how many times text is in what p sees in chat.
func count(h *bottest.Harness, p *bottest.Person, chat, text string) int {
	return strings.Count(h.Transcript(chat, p.ID), text)
}

// bothWays runs a test from the Ticket Center's pages and through the API.
func bothWays(t *testing.T, test func(t *testing.T, l *live)) {
	for _, via := range []struct {
		name string
		api  bool
	}{{"center", false}, {"api", true}} {
		t.Run(via.name, func(t *testing.T) { test(t, newLive(t, via.api)) })
	}
}

func TestTransferFromTheCenter(t *testing.T) {
	bothWays(t, func(t *testing.T, l *live) {
		tk := l.ask(l.alice, "zebra quantum marmalade")
		first, next := tk.Assignee, other(tk.Assignee)
		chat := l.start(tk)
		l.act("admin", tk.Key, "assign", url.Values{"agent": {next}})

		got := l.h.Ticket(tk.Key)
		if got.Assignee != next || got.Status != tickets.StatusInService {
			t.Fatalf("after the transfer: %s with %q, want in service with %s", got.Status, got.Assignee, next)
		}
		// The new agent joins the running chat, where everyone reads who took over.
		if g, _ := l.h.Platform.Group(chat); !strings.Contains(strings.Join(g.Members, ","), l.agents[next].ID) {
			t.Errorf("%s was not invited to the group chat: members %v", next, g.Members)
		}
		for _, p := range []*bottest.Person{l.alice, l.agents[first], l.agents[next]} {
			mustSeeIn(t, l.h, p, chat, next+" has taken over **"+tk.Key+"**.")
		}
		// The new agent has a card of their own; the first agent's card says who has it now.
		mustSeeIn(t, l.h, l.agents[next], l.agents[next].DM(), "# "+tk.Key)
		mustSeeIn(t, l.h, l.agents[next], l.agents[next].DM(), "In service with "+next+".")
		mustSeeIn(t, l.h, l.agents[first], l.agents[first].DM(), "In service with "+next+".")
		mustNotSeeIn(t, l.h, l.agents[first], l.agents[first].DM(), "In service with "+first+".")
		// The requester is told who helps now.
		mustSeeIn(t, l.h, l.alice, l.alice.DM(), "**"+next+"** will help you with **"+tk.Key+"**.")
	})
}

func TestMergeFromTheCenter(t *testing.T) {
	bothWays(t, func(t *testing.T, l *live) {
		orig := l.ask(l.alice, "zebra quantum marmalade")
		dup := l.ask(l.mallory, "zebra quantum marmalade again")
		dupChat := l.start(dup)
		dupAgent := l.agents[dup.Assignee]
		l.act("admin", dup.Key, "merge", url.Values{"into": {orig.Key}})

		if got := l.h.Ticket(dup.Key); got.Status != tickets.StatusResolved || got.MergedInto != orig.Key {
			t.Fatalf("duplicate after merge: %s, merged into %q", got.Status, got.MergedInto)
		}
		// The duplicate's chat is closed and archived, for its requester and agent alike.
		closing := "**" + dup.Key + "** was merged into **" + orig.Key + "**. This chat is now closed."
		mustSeeIn(t, l.h, l.mallory, dupChat, closing)
		mustSeeIn(t, l.h, dupAgent, dupChat, closing)
		if g, _ := l.h.Platform.Group(dupChat); !g.Archived {
			t.Error("the duplicate's group chat is still open")
		}
		// Its requester learns where it continues; the original's requester hears nothing.
		mustSeeIn(t, l.h, l.mallory, l.mallory.DM(), "Your request **"+dup.Key+"** is the same as **"+orig.Key+"**; we'll continue there.")
		mustNotSeeIn(t, l.h, l.alice, l.alice.DM(), "merged")
		mustNotSeeIn(t, l.h, l.alice, l.alice.DM(), "is the same as")
		// The duplicate's agent sees it resolved on their card; no rating is asked for a merge.
		mustSeeIn(t, l.h, dupAgent, dupAgent.DM(), "Resolved.")
		mustNotSeeIn(t, l.h, l.mallory, l.mallory.DM(), "How would you rate")
	})
}

func TestReopenFromTheCenter(t *testing.T) {
	bothWays(t, func(t *testing.T, l *live) {
		tk := l.ask(l.alice, "zebra quantum marmalade")
		agent := l.agents[tk.Assignee]
		chat := l.start(tk)
		agent.PressIn(chat, "End Service")
		mustSeeIn(t, l.h, l.alice, l.alice.DM(), "**"+tk.Key+"** is resolved. How would you rate")
		if g, _ := l.h.Platform.Group(chat); !g.Archived {
			t.Fatal("the group chat is still open after End Service")
		}
		assigned := count(l.h, l.alice, l.alice.DM(), "will help you with **"+tk.Key+"**")
		cards := count(l.h, agent, agent.DM(), "# "+tk.Key)

		who := "requester"
		if l.viaAPI {
			who = "admin"
		}
		got := l.act(who, tk.Key, "reopen", nil)
		if got.Status != tickets.StatusAssigned || got.Assignee != tk.Assignee {
			t.Fatalf("after reopen: %s with %q, want assigned to %s", got.Status, got.Assignee, tk.Assignee)
		}
		// The agent gets a fresh card with Start Chat; the requester hears who helps again.
		if n := count(l.h, agent, agent.DM(), "# "+tk.Key); n != cards+1 {
			t.Errorf("%s has %d cards of %s, want %d", agent.Name, n, tk.Key, cards+1)
		}
		mustSeeIn(t, l.h, agent, agent.DM(), "Assigned to "+tk.Assignee+". Press **Start Chat**")
		if n := count(l.h, l.alice, l.alice.DM(), "will help you with **"+tk.Key+"**"); n != assigned+1 {
			t.Errorf("the requester was told %d times who helps, want %d", n, assigned+1)
		}
		// The chat starts again, in a new group chat.
		if again := l.start(got); again == chat {
			t.Error("Start Chat after reopening used the archived chat")
		}
	})
}

func TestSnoozeAndWakeFromTheCenter(t *testing.T) {
	bothWays(t, func(t *testing.T, l *live) {
		tk := l.ask(l.alice, "zebra quantum marmalade")
		agent := l.agents[tk.Assignee]
		before := l.h.Platform.Count()

		got := l.act("admin", tk.Key, "snooze", url.Values{"for": {"2h"}})
		if got.Status != tickets.StatusSnoozed {
			t.Fatalf("after snooze: %s", got.Status)
		}
		// The agent's card shows the snooze; the requester is not disturbed.
		mustSeeIn(t, l.h, agent, agent.DM(), "Snoozed until "+got.SnoozedUntil.Format("Mon 2 Jan 15:04 MST")+".")
		if sent := l.h.Platform.Since(before, l.alice.DM(), l.alice.ID); len(sent) != 0 {
			t.Errorf("the requester was told about the snooze: %+v", sent)
		}

		// Woken early by the admin: the card is back and the agent is told.
		got = l.act("admin", tk.Key, "wake", nil)
		if got.Status != tickets.StatusAssigned {
			t.Fatalf("after wake: %s", got.Status)
		}
		mustSeeIn(t, l.h, agent, agent.DM(), "Assigned to "+tk.Assignee+". Press **Start Chat**")
		mustNotSeeIn(t, l.h, agent, agent.DM(), "Snoozed until")
		mustSeeIn(t, l.h, agent, agent.DM(), "**"+tk.Key+"** is back from snooze.")

		// Snoozed and woken by the agent themselves: no DM to tell them what they did.
		if !l.viaAPI {
			l.act(tk.Assignee, tk.Key, "snooze", url.Values{"for": {"1h"}})
			l.act(tk.Assignee, tk.Key, "wake", nil)
			if n := count(l.h, agent, agent.DM(), "is back from snooze."); n != 1 {
				t.Errorf("%s was told %d times the ticket is back, want once", agent.Name, n)
			}
		}
		// Snoozed again, the timer wakes it when the time is up: the same card, the same DM.
		l.act("admin", tk.Key, "snooze", url.Values{"for": {"1h"}})
		mustSeeIn(t, l.h, agent, agent.DM(), "Snoozed until")
		l.h.Tick(61 * time.Minute)
		if got := l.h.Ticket(tk.Key); got.Status != tickets.StatusAssigned {
			t.Fatalf("after the snooze ran out: %s", got.Status)
		}
		mustNotSeeIn(t, l.h, agent, agent.DM(), "Snoozed until")
		if n := count(l.h, agent, agent.DM(), "is back from snooze."); n != 2 {
			t.Errorf("%s was told %d times the ticket is back, want twice", agent.Name, n)
		}
	})
}

// TestNoteMentionFromTheCenter: an agent named in a note written in the
// Center is told in a DM on their platform that links to the ticket's page.
func TestNoteMentionFromTheCenter(t *testing.T) {
	l := newLive(t, false)
	tk := l.ask(l.alice, "zebra quantum marmalade")
	l.act("Ada", tk.Key, "note", url.Values{"text": {"@linus can you check the VPN gateway?"}})
	linus, ada := l.agents["Linus"], l.agents["Ada"]
	mustSeeIn(t, l.h, linus, linus.DM(), "Ada mentioned you in a note on "+tk.Key+" ("+tk.Subject+"): @linus can you check the VPN gateway?")
	mustSeeIn(t, l.h, linus, linus.DM(), "https://help.example.com/center/tickets/"+tk.Key)
	mustNotSeeIn(t, l.h, l.alice, l.alice.DM(), "VPN gateway")
	mustNotSeeIn(t, l.h, ada, ada.DM(), "mentioned you")
}
