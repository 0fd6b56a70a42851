package center_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAgentStatusFromTheHeader(t *testing.T) {
	l := newLive(t, false)
	ada := l.agentBrowser["Ada"]
	if _, page := ada.do("GET", "/center/", nil); !strings.Contains(page, `<option selected>online</option>`) {
		t.Fatal("the header does not show Ada online")
	}
	if status, _ := ada.post("/center/status", url.Values{"status": {"away"}}); status != http.StatusSeeOther {
		t.Fatalf("set away: status %d", status)
	}
	if ps, _ := l.store.Presence(ctx); ps["Ada"] != "away" {
		t.Fatalf("presence %v, want Ada away", ps)
	}
	// Other agents see it; the queue passes Ada by.
	if _, page := l.agentBrowser["Linus"].do("GET", "/center/", nil); !strings.Contains(page, "Ada (away)") || !strings.Contains(page, "Linus (online)") {
		t.Errorf("Linus's list does not show the team's statuses")
	}
	if _, page := ada.do("GET", "/center/", nil); !strings.Contains(page, `<option selected>away</option>`) {
		t.Error("Ada's header does not show her away")
	}
	if tk := l.ask(l.alice, "zebra quantum marmalade"); tk.Assignee != "Linus" {
		t.Errorf("with Ada away the ticket went to %s", tk.Assignee)
	}
	if status, _ := ada.post("/center/status", url.Values{"status": {"asleep"}}); status != http.StatusBadRequest {
		t.Errorf("an unknown status: %d, want 400", status)
	}
	if status, _ := l.requesterBrowser.post("/center/status", url.Values{"status": {"online"}}); status != http.StatusForbidden {
		t.Errorf("a requester's status: %d, want 403", status)
	}
	if _, page := l.requesterBrowser.do("GET", "/center/", nil); strings.Contains(page, "my-status") || strings.Contains(page, "Ada (away)") {
		t.Error("the requester sees status controls or the agents' statuses")
	}
}
