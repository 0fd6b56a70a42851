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
