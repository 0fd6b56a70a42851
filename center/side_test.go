package center_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// From the ticket page (and the API) an agent invites an expert of another
// desk into the group chat and removes them, and opens a side conversation
// the requester never sees, written in from the page and from the chat.
func TestSideConversationsFromTheCenter(t *testing.T) {
	bothWays(t, func(t *testing.T, l *live) {
		tk := l.ask(l.alice, "zebra quantum marmalade")
		chat := l.start(tk)
		who := tk.Assignee
		if l.viaAPI {
			who = "admin"
		}
		bob := l.h.Person("bob@example.com", "Bob")
		got := l.act(who, tk.Key, "invite", url.Values{"agent": {"Bob"}})
		if len(got.Guests) != 1 || got.Guests[0].Name != "Bob" {
			t.Fatalf("guests = %+v", got.Guests)
		}
		if g, _ := l.h.Platform.Group(chat); !slices.Contains(g.Members, "bob@example.com") {
			t.Fatalf("Bob is not in the group chat: %v", g.Members)
		}
		mustSeeIn(t, l.h, l.alice, chat, "Bob joined the chat to help")
		_, page := l.agentBrowser[tk.Assignee].do("GET", "/center/tickets/"+tk.Key, nil)
		if !strings.Contains(page, `<ul class="guests"><li>Bob `) {
			t.Fatalf("the page does not list Bob as a guest")
		}
		got = l.act(who, tk.Key, "uninvite", url.Values{"agent": {"Bob"}})
		if len(got.Guests) != 0 {
			t.Fatalf("guests after removal = %+v", got.Guests)
		}
		if g, _ := l.h.Platform.Group(chat); slices.Contains(g.Members, "bob@example.com") {
			t.Fatal("Bob is still in the group chat")
		}

		got = l.act(who, tk.Key, "side", url.Values{"agent": {"Bob"}})
		if len(got.SideChats) != 1 {
			t.Fatalf("side chats = %+v", got.SideChats)
		}
		side := got.SideChats[0]
		g, _ := l.h.Platform.Group(side.Chat)
		if slices.Contains(g.Members, "alice@example.com") || !slices.Contains(g.Members, "bob@example.com") {
			t.Fatalf("side chat members = %v", g.Members)
		}
		bob.SayIn(side.Chat, "Check the VPN certificate date")
		l.act(who, tk.Key, "side-post", url.Values{"chat": {side.Chat}, "text": {"Thanks, looking"}})
		mustSeeIn(t, l.h, bob, side.Chat, "(Ticket Center): Thanks, looking")

		_, page = l.agentBrowser[tk.Assignee].do("GET", "/center/tickets/"+tk.Key, nil)
		sidePart := page[strings.Index(page, `id="h-side"`):]
		sidePart = sidePart[:strings.Index(sidePart, "</section>")]
		for _, want := range []string{"side conversation 1", "Check the VPN certificate date", "Thanks, looking", "Write in this side conversation"} {
			if !strings.Contains(sidePart, want) {
				t.Errorf("the side conversation panel lacks %q", want)
			}
		}
		notes := page[strings.Index(page, `id="live-notes"`):]
		notes = notes[:strings.Index(notes, "</div>\n")]
		if strings.Contains(notes, "certificate") {
			t.Error("the side conversation is also listed among the ticket's notes")
		}
		// The requester sees none of it, and may do none of it.
		status, page := l.requesterBrowser.do("GET", "/center/tickets/"+tk.Key, nil)
		if status != http.StatusOK || strings.Contains(page, "certificate") || strings.Contains(page, "side conversation") {
			t.Fatalf("the requester's page shows the side conversation (status %d)", status)
		}
		if status, _ := l.requesterBrowser.post("/center/tickets/"+tk.Key+"/side", url.Values{"with": {"Bob"}}); status == http.StatusSeeOther {
			t.Fatal("the requester opened a side conversation")
		}
		mustNotSeeIn(t, l.h, l.alice, chat, "certificate")
		mustNotSeeIn(t, l.h, l.alice, l.alice.DM(), "certificate")

		got = l.act(who, tk.Key, "side-close", url.Values{"chat": {side.Chat}})
		if got.SideChats[0].ClosedAt.IsZero() {
			t.Fatal("not closed")
		}
		if g, _ := l.h.Platform.Group(side.Chat); !g.Archived {
			t.Fatal("closed side chat not archived")
		}
		ms, err := l.h.Store.Messages(t.Context(), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, m := range ms {
			if got.SideChatOf(m) == side.Chat {
				if m.Kind != tickets.KindNote {
					t.Errorf("a side conversation message is %s, not a note", m.Kind)
				}
				kept = append(kept, m.Text)
			}
		}
		if len(kept) != 4 || kept[1] != "Check the VPN certificate date" || kept[2] != "Thanks, looking" {
			t.Fatalf("kept %q", kept)
		}
	})
}
