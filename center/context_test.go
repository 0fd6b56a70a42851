package center_test

import (
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

func TestContextPanel(t *testing.T) {
	e := newEnv(t)
	old := e.open("it", "alice@example.com", "Printer jam last week")
	payslip := e.open("hr", "alice@example.com", "Payslip wrong")
	other := e.open("it", "mallory@example.com", "Mallory's monitor")
	tk := e.open("it", "alice@example.com", "VPN drops")
	for _, q := range []tickets.Question{
		{Desk: "it", Platform: "web", UserID: "alice@example.com", Text: "how do I connect to the vpn", Outcome: tickets.OutcomeAnswered, At: e.clock.Now().Add(-time.Hour)},
		{Desk: "it", Platform: "web", UserID: "mallory@example.com", Text: "mallory asks something", Outcome: tickets.OutcomeUnanswered, At: e.clock.Now()},
		{Desk: "hr", Platform: "web", UserID: "alice@example.com", Text: "when is payday", Outcome: tickets.OutcomeUnanswered, At: e.clock.Now()},
	} {
		if _, err := e.store.RecordQuestion(ctx, &q); err != nil {
			t.Fatal(err)
		}
	}
	ada := e.signIn("ada@example.com")
	_, page := ada.do("GET", "/center/tickets/"+tk.Key, nil)
	i := strings.Index(page, `id="h-context"`)
	if i < 0 {
		t.Fatal("the agent's ticket page has no context panel")
	}
	panel := page[i:]
	panel = panel[:strings.Index(panel, "</section>")]
	for _, want := range []string{"About alice", `href="/center/tickets/` + old.Key + `"`, "Printer jam last week", "how do I connect to the vpn"} {
		if !strings.Contains(panel, want) {
			t.Errorf("the context panel lacks %q:\n%s", want, panel)
		}
	}
	// Only what the agent's desks hold, and only this requester's.
	for _, not := range []string{payslip.Key, "when is payday", other.Key, "mallory asks", `href="/center/tickets/` + tk.Key + `"`} {
		if strings.Contains(panel, not) {
			t.Errorf("the context panel shows %q:\n%s", not, panel)
		}
	}
	if _, page := e.signIn("alice@example.com").do("GET", "/center/tickets/"+tk.Key, nil); strings.Contains(page, `id="h-context"`) {
		t.Error("the requester's page has the context panel")
	}
}

// The context panel lists the requester's tickets from every channel: their
// web account and the mail address their sign-in verified are one person.
func TestContextPanelAcrossChannels(t *testing.T) {
	e := newEnv(t)
	if err := e.store.LinkIdentity(ctx, tickets.Identity{Platform: "web", UserID: "alice@example.com", Name: "alice", Email: "alice@example.com"}); err != nil {
		t.Fatal(err)
	}
	mailed, _, err := e.svc.Open(ctx, &tickets.Ticket{Desk: "it", Platform: tickets.EmailPlatform,
		Requester: tickets.Person{Platform: tickets.EmailPlatform, ID: "alice@example.com", Name: "Alice"}, Subject: "Scanner by mail"},
		"IT", tickets.Actor{Role: tickets.RoleUser, Platform: tickets.EmailPlatform, ID: "alice@example.com"}, tickets.SourceChat)
	if err != nil {
		t.Fatal(err)
	}
	spoof, _, err := e.svc.Open(ctx, &tickets.Ticket{Desk: "it", Platform: tickets.EmailPlatform,
		Requester: tickets.Person{Platform: tickets.EmailPlatform, ID: "alice@evil.example", Name: "Alice"}, Subject: "Not hers"},
		"IT", tickets.Actor{Role: tickets.RoleUser, Platform: tickets.EmailPlatform, ID: "alice@evil.example"}, tickets.SourceChat)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	tk := e.open("it", "alice@example.com", "VPN drops")
	_, page := e.signIn("ada@example.com").do("GET", "/center/tickets/"+tk.Key, nil)
	i := strings.Index(page, `id="h-context"`)
	if i < 0 {
		t.Fatal("no context panel")
	}
	panel := page[i:]
	panel = panel[:strings.Index(panel, "</section>")]
	if !strings.Contains(panel, `href="/center/tickets/`+mailed.Key+`"`) || !strings.Contains(panel, "by email") {
		t.Errorf("the panel lists Alice's mailed ticket, by email:\n%s", panel)
	}
	if strings.Contains(panel, spoof.Key+`"`) {
		t.Errorf("another address is another person:\n%s", panel)
	}
	// And from the mailed ticket, her web ticket.
	_, page = e.signIn("ada@example.com").do("GET", "/center/tickets/"+mailed.Key, nil)
	if !strings.Contains(page, `href="/center/tickets/`+tk.Key+`"`) {
		t.Errorf("the mailed ticket's panel lists her web ticket")
	}
}
