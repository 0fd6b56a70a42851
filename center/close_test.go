package center_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// bothWaysOn is bothWays on another config and FAQ.
func bothWaysOn(t *testing.T, cfgText, faqText string, test func(t *testing.T, l *live)) {
	for _, api := range []bool{false, true} {
		name := map[bool]string{false: "center", true: "api"}[api]
		t.Run(name, func(t *testing.T) { test(t, newLiveConfig(t, api, cfgText, faqText)) })
	}
}

func TestEndServiceWithACloseReason(t *testing.T) {
	bothWaysOn(t, editConfig, editFAQ, func(t *testing.T, l *live) {
		tk := l.ask(l.alice, "zebra quantum marmalade")
		agent := l.agents[tk.Assignee]
		chat := l.start(tk)
		who := tk.Assignee
		if l.viaAPI {
			who = "admin"
		}
		// The page offers the desk's reasons.
		_, page := l.agentBrowser[tk.Assignee].do("GET", "/center/tickets/"+tk.Key, nil)
		if !strings.Contains(page, "<option>No reply from the requester</option>") {
			t.Fatalf("the End service form lacks the desk's close reasons")
		}
		got := l.act(who, tk.Key, "end", url.Values{"reason": {"duplicate"}})
		if got.Status != tickets.StatusResolved || got.CloseReason != "Duplicate" {
			t.Fatalf("after End service: %s, reason %q", got.Status, got.CloseReason)
		}
		// What End Service does from a button happens: the chat closes, the requester is asked to rate.
		mustSeeIn(t, l.h, l.alice, chat, "**"+tk.Key+"** was resolved by")
		mustSeeIn(t, l.h, l.alice, l.alice.DM(), "**"+tk.Key+"** is resolved. How would you rate")
		mustSeeIn(t, l.h, agent, agent.DM(), "Resolved.")
		// The ticket page and the export show the reason.
		for _, b := range []*browser{l.agentBrowser[tk.Assignee], l.requesterBrowser} {
			if _, page := b.do("GET", "/center/tickets/"+tk.Key, nil); !strings.Contains(page, "<dt>Close reason</dt><dd>Duplicate</dd>") {
				t.Errorf("the ticket page does not show the close reason")
			}
		}
		status, out := l.agentBrowser[tk.Assignee].do("GET", "/center/export?format=csv", nil)
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if status != http.StatusOK || err != nil || len(rows) != 2 {
			t.Fatalf("export: %d %v %q", status, err, out)
		}
		col := slices.Index(rows[0], "close_reason")
		if col < 0 || rows[1][col] != "Duplicate" {
			t.Errorf("export: close_reason column %d in %v", col, rows)
		}
		if _, out := l.api("GET", "/api/v1/tickets/"+tk.Key, crmToken, ""); !strings.Contains(out, `"close_reason": "Duplicate"`) {
			t.Errorf("the API does not show the close reason: %s", out)
		}
	})
}

func TestEndServiceInOwnWords(t *testing.T) {
	e := newEnvConfig(t, true, editConfig, editFAQ)
	tk := e.open("it", "alice@example.com", "VPN drops")
	if _, err := e.svc.Assign(ctx, tk.ID, "Ada", "test", tickets.System, tickets.SourceRouting); err != nil {
		t.Fatal(err)
	}
	ada := e.signIn("ada@example.com")
	if status, page := ada.post("/center/tickets/"+tk.Key+"/end", url.Values{"reason": {"Solved"}, "reason_text": {strings.Repeat("w", 101)}}); status != http.StatusBadRequest || !strings.Contains(page, "at most 100 fit") {
		t.Errorf("a long reason: status %d", status)
	}
	if got := e.get(tk.Key); got.Status != tickets.StatusAssigned {
		t.Fatalf("a refused End service changed the ticket: %s", got.Status)
	}
	if status, _ := ada.post("/center/tickets/"+tk.Key+"/end", url.Values{"reason": {"Solved"}, "reason_text": {"Replaced the cable"}}); status != http.StatusSeeOther {
		t.Fatalf("end: status %d", status)
	}
	if got := e.get(tk.Key); got.CloseReason != "Replaced the cable" {
		t.Errorf("close reason %q, want the agent's own words", got.CloseReason)
	}
	// End service without a reason works as before.
	other := e.open("it", "mallory@example.com", "Printer jam")
	if _, err := e.svc.Assign(ctx, other.ID, "Ada", "test", tickets.System, tickets.SourceRouting); err != nil {
		t.Fatal(err)
	}
	if status, _ := ada.post("/center/tickets/"+other.Key+"/end", nil); status != http.StatusSeeOther {
		t.Fatalf("end without a reason: status %d", status)
	}
	if got := e.get(other.Key); got.Status != tickets.StatusResolved || got.CloseReason != "" {
		t.Errorf("after End service without a reason: %s %q", got.Status, got.CloseReason)
	}
}

func TestOpenViewIsTheDefault(t *testing.T) {
	e := newEnv(t)
	queued := e.open("it", "alice@example.com", "VPN drops")
	snoozed := e.open("it", "mallory@example.com", "Printer jam")
	resolved := e.open("it", "alice@example.com", "Laptop slow")
	assigned := e.open("it", "mallory@example.com", "Monitor flickers")
	ada := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: "ada@example.com", Name: "Ada"}
	for _, id := range []int64{snoozed.ID, resolved.ID, assigned.ID} {
		if _, err := e.svc.Assign(ctx, id, "Ada", "test", tickets.System, tickets.SourceRouting); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.Snooze(ctx, snoozed.ID, e.clock.Now().Add(time.Hour), ada, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.End(ctx, resolved.ID, "done", ada, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	adaB := e.signIn("ada@example.com")
	alice := e.signIn("alice@example.com")
	for _, c := range []struct {
		name, path string
		who        *browser
		want       []string
	}{
		{"an agent lands on Open", "/center/", adaB, []string{assigned.Key, queued.Key}},
		{"the Open view", "/center/?view=open", adaB, []string{assigned.Key, queued.Key}},
		{"the All view", "/center/?view=all", adaB, []string{assigned.Key, resolved.Key, snoozed.Key, queued.Key}},
		{"a requester lands on all their tickets", "/center/", alice, []string{resolved.Key, queued.Key}},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, page := c.who.do("GET", c.path, nil)
			if got := keysOn(page); status != http.StatusOK || !slices.Equal(got, c.want) {
				t.Errorf("status %d, listed %v, want %v", status, got, c.want)
			}
		})
	}
	if _, page := adaB.do("GET", "/center/", nil); !strings.Contains(page, `<a href="/center/?view=open" aria-current="page">Open</a>`) {
		t.Errorf("the Open tab is not marked as the current view")
	}
}
