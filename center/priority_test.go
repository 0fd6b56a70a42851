package center_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// A ticket opened by hand or through the API without a priority gets the
// one the desk's rules give, as a ticket opened in chat does; a priority
// given explicitly wins.
func TestOpenedTicketTakesThePriorityOfTheDesksRules(t *testing.T) {
	cfg := strings.Replace(testConfig, "      - {name: Linus, web: linus@example.com}\n",
		"      - {name: Linus, web: linus@example.com}\n    rules:\n      - {when: {keywords: [outage]}, priority: urgent}\n", 1)
	e := newEnvConfig(t, true, cfg, testFAQ)
	for _, c := range []struct {
		subject, priority string
		want              tickets.Priority
	}{
		{"Mail outage on floor 3", "", tickets.PriorityUrgent},
		{"Printer jam", "", tickets.PriorityNormal},
		{"Another outage", "low", tickets.PriorityLow},
	} {
		body, _ := json.Marshal(map[string]any{"desk": "it", "subject": c.subject, "priority": c.priority,
			"requester": map[string]string{"platform": "web", "id": "carol@example.com"}})
		status, out := e.api("POST", "/api/v1/tickets", crmToken, string(body))
		if status != http.StatusCreated {
			t.Fatalf("%s: %d %s", c.subject, status, out)
		}
		var got tickets.Ticket
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if got.Priority != c.want {
			t.Errorf("%q with priority %q: got %s, want %s", c.subject, c.priority, got.Priority, c.want)
		}
	}
}
