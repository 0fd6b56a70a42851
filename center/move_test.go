package center_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

func TestMoveFromTheCenter(t *testing.T) {
	l := newLive(t, false)
	bob := l.h.Person("bob@example.com", "Bob")
	tk := l.ask(l.alice, "zebra quantum marmalade")
	first := l.agents[tk.Assignee]
	chat := l.start(tk)
	// An agent of the desk sees where it can go.
	if _, page := l.agentBrowser[tk.Assignee].do("GET", "/center/tickets/"+tk.Key, nil); !strings.Contains(page, `<option value="hr">HR Desk</option>`) {
		t.Fatal("the ticket page offers no move to the HR Desk")
	}
	status, page := l.agentBrowser[tk.Assignee].post("/center/tickets/"+tk.Key+"/move", map[string][]string{"desk": {"hr"}, "text": {"about pay"}})
	if status != http.StatusSeeOther {
		t.Fatalf("move: status %d\n%s", status, page)
	}
	got := l.h.Ticket(tk.Key)
	if got.Desk != "hr" || got.Assignee != "Bob" || got.Status != tickets.StatusAssigned {
		t.Fatalf("after the move: desk %s, %s with %q; want hr, assigned to Bob", got.Desk, got.Status, got.Assignee)
	}
	// The chat is told and closed; the requester hears where it went.
	mustSeeIn(t, l.h, l.alice, chat, "**"+tk.Key+"** was passed on to the HR Desk. This chat is now closed")
	if g, _ := l.h.Platform.Group(chat); !g.Archived {
		t.Error("the group chat is still open after the move")
	}
	mustSeeIn(t, l.h, l.alice, l.alice.DM(), "Your request **"+tk.Key+"** was passed on to the HR Desk.")
	// The new desk's agent gets the card; the first agent's card no longer says they have it.
	mustSeeIn(t, l.h, bob, bob.DM(), "# "+tk.Key)
	mustSeeIn(t, l.h, bob, bob.DM(), "Assigned to Bob. Press **Start Chat**")
	mustNotSeeIn(t, l.h, first, first.DM(), "In service with "+first.Name+".")
	// The first desk's agent no longer sees it; its history says who moved it.
	if status, _ := l.agentBrowser[tk.Assignee].do("GET", "/center/tickets/"+tk.Key, nil); status != http.StatusNotFound {
		t.Errorf("the IT agent still opens the moved ticket: status %d", status)
	}
	if _, page := l.admin.do("GET", "/center/tickets/"+tk.Key, nil); !strings.Contains(page, "it -&gt; hr: about pay") {
		t.Errorf("the history lacks the move")
	}
	// An API token moves only between its own desks.
	other := l.ask(l.mallory, "zebra quantum marmalade two")
	if status, out := l.api("POST", "/api/v1/tickets/"+other.Key+"/transitions", crmToken, `{"action":"move","desk":"hr"}`); status != http.StatusBadRequest {
		t.Errorf("API move to another token's desk: %d %s", status, out)
	}
}

func TestDeleteFromTheCenter(t *testing.T) {
	bothWays(t, func(t *testing.T, l *live) {
		tk := l.ask(l.alice, "my secret zebra quantum marmalade")
		agent := l.agents[tk.Assignee]
		chat := l.start(tk)
		l.alice.SayIn(chat, "my password is hunter2")
		// An agent is no admin: no button, and the post is refused.
		if _, page := l.agentBrowser[tk.Assignee].do("GET", "/center/tickets/"+tk.Key, nil); strings.Contains(page, "/erase") {
			t.Error("an agent is offered Delete")
		}
		if status, _ := l.agentBrowser[tk.Assignee].post("/center/tickets/"+tk.Key+"/erase", nil); status != http.StatusForbidden {
			t.Errorf("an agent's delete: status %d, want 403", status)
		}
		got := l.act("admin", tk.Key, "erase", nil)
		if got.Erased.IsZero() || got.Status != tickets.StatusResolved || got.Subject != "(deleted)" {
			t.Fatalf("after delete: %+v", got)
		}
		if ms, _ := l.store.Messages(ctx, got.ID); len(ms) != 0 {
			t.Errorf("the transcript keeps %d messages", len(ms))
		}
		mustSeeIn(t, l.h, l.alice, chat, "**"+tk.Key+"** was closed.")
		mustSeeIn(t, l.h, agent, agent.DM(), "# "+tk.Key+" · (deleted)")
		_, page := l.admin.do("GET", "/center/tickets/"+tk.Key, nil)
		if !strings.Contains(page, "The content of this ticket was deleted") || strings.Contains(page, "hunter2") || strings.Contains(page, "secret zebra") {
			t.Errorf("the admin's page after delete:\n%s", page)
		}
		if !strings.Contains(page, "<strong>delete</strong> by ") {
			t.Errorf("the history lacks the delete")
		}
		// The requester's list no longer has it.
		if _, page := l.requesterBrowser.do("GET", "/center/", nil); strings.Contains(page, ">"+tk.Key+"<") {
			t.Errorf("the requester still lists %s", tk.Key)
		}
	})
}
