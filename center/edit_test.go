package center_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// editConfig is the test config with a form on the IT desk's "accounts"
// topic, to edit answers with the form's rules.
var editConfig = strings.Replace(testConfig, "    faq: faq.yaml\n", `    faq: faq.yaml
    forms:
      access:
        title: Access request
        fields:
          - {id: system, label: "Which system?", type: select, options: [SAP, GitLab, VPN], required: true}
          - {id: details, label: "What happened?", type: paragraph, max_length: 200}
    close_reasons: [Solved, Duplicate, No reply from the requester]
`, 1)

var editFAQ = testFAQ + `  - id: accounts
    title: Accounts
    form: access
    items:
      - {id: reset, question: "How do I reset my password?", answer: Use the portal.}
`

func TestEditFromTheCenter(t *testing.T) {
	bothWays(t, func(t *testing.T, l *live) {
		tk := l.ask(l.alice, "zebra quantum marmalade")
		agent := l.agents[tk.Assignee]
		chat := l.start(tk)
		got := l.act("admin", tk.Key, "edit", url.Values{"subject": {"Laptop fan is loud"}, "priority": {"high"},
			"tags": {"Hardware, vip"}, "category": {"network"}})
		if got.Subject != "Laptop fan is loud" || got.Priority != tickets.PriorityHigh || got.Category != "network" ||
			!slices.Equal(got.Tags, []string{"hardware", "vip"}) {
			t.Fatalf("after the edit: %+v", got)
		}
		// In the running chat everyone reads what changed, but not the agents' tags.
		for _, p := range []*bottest.Person{l.alice, agent} {
			mustSeeIn(t, l.h, p, chat, "updated **"+tk.Key+"** (subject, topic, priority). Subject: Laptop fan is loud")
			mustNotSeeIn(t, l.h, p, chat, "vip")
		}
		// The agent's card shows the new subject, topic and priority.
		mustSeeIn(t, l.h, agent, agent.DM(), "# "+tk.Key+" · Laptop fan is loud")
		mustSeeIn(t, l.h, agent, agent.DM(), "Priority: high")
		mustSeeIn(t, l.h, agent, agent.DM(), "Topic: Network & VPN")

		// Agents find it by tag; the requester's page shows no tags.
		_, page := l.agentBrowser[tk.Assignee].do("GET", "/center/?tag=VIP", nil)
		if keys := keysOn(page); !slices.Equal(keys, []string{tk.Key}) {
			t.Errorf("tag vip lists %v, want %s", keys, tk.Key)
		}
		if _, page := l.agentBrowser[tk.Assignee].do("GET", "/center/?tag=printer", nil); len(keysOn(page)) != 0 {
			t.Errorf("tag printer lists %v", keysOn(page))
		}
		_, page = l.requesterBrowser.do("GET", "/center/tickets/"+tk.Key, nil)
		if !strings.Contains(page, "Laptop fan is loud") || strings.Contains(page, "vip") {
			t.Errorf("the requester's page should show the new subject and no tags:\n%s", page)
		}
		_, page = l.agentBrowser[tk.Assignee].do("GET", "/center/tickets/"+tk.Key, nil)
		if !strings.Contains(page, `href="/center/?tag=vip"`) || !strings.Contains(page, "subject &#34;zebra quantum marmalade&#34; -&gt; &#34;Laptop fan is loud&#34;") {
			t.Errorf("the agent's page should show the tags and the edit in the history:\n%s", page)
		}
		status, out := l.api("GET", "/api/v1/tickets?tag=vip", crmToken, "")
		var list struct{ Tickets []tickets.Ticket }
		if err := json.Unmarshal([]byte(out), &list); status != http.StatusOK || err != nil || len(list.Tickets) != 1 || list.Tickets[0].Key != tk.Key {
			t.Errorf("API list by tag: %d %s", status, out)
		}
	})
}

func TestEditFormAnswers(t *testing.T) {
	e := newEnvConfig(t, true, editConfig, editFAQ)
	tk := e.open("it", "alice@example.com", "Cannot log in to SAP")
	ada := e.signIn("ada@example.com")
	alice := e.signIn("alice@example.com")

	// The topic brings its form: the page offers its fields.
	if status, page := ada.post("/center/tickets/"+tk.Key+"/edit", url.Values{"category": {"accounts"}, "form.system": {"sap"}}); status != http.StatusSeeOther {
		t.Fatalf("edit: status %d\n%s", status, page)
	}
	_, page := ada.do("GET", "/center/tickets/"+tk.Key, nil)
	for _, want := range []string{`name="form.system"`, `<option selected>SAP</option>`, `name="form.details"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the edit form lacks %s", want)
		}
	}
	for _, c := range []struct {
		name string
		form url.Values
		want string
	}{
		{"not an option", url.Values{"form.system": {"Outlook"}}, "is one of SAP, GitLab, VPN"},
		{"required", url.Values{"form.system": {""}}, "needs an answer"},
		{"too long", url.Values{"form.details": {strings.Repeat("x", 201)}}, "at most 200 characters"},
		{"subject too long", url.Values{"subject": {strings.Repeat("s", tickets.MaxSubjectLen+1)}}, "at most 120 fit"},
		{"unknown topic", url.Values{"category": {"printers"}}, "has no topic"},
		{"bad tag", url.Values{"tags": {"a<b"}}, "character tags cannot have"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := e.get(tk.Key)
			status, page := ada.post("/center/tickets/"+tk.Key+"/edit", c.form)
			if status != http.StatusBadRequest || !strings.Contains(page, c.want) {
				t.Errorf("status %d, want 400 saying %q", status, c.want)
			}
			if after := e.get(tk.Key); !after.UpdatedAt.Equal(before.UpdatedAt) {
				t.Errorf("a refused edit changed the ticket")
			}
		})
	}
	if status, _ := ada.post("/center/tickets/"+tk.Key+"/edit", url.Values{"form.details": {"Since the update"}}); status != http.StatusSeeOther {
		t.Fatalf("edit details: status %d", status)
	}
	// The requester sees the answers; they may not edit.
	_, page = alice.do("GET", "/center/tickets/"+tk.Key, nil)
	if !strings.Contains(page, "Since the update") || strings.Contains(page, `action="/center/tickets/`+tk.Key+`/edit"`) {
		t.Errorf("the requester's page should show the answer and no edit form")
	}
	if status, _ := alice.post("/center/tickets/"+tk.Key+"/edit", url.Values{"subject": {"mine now"}}); status != http.StatusForbidden {
		t.Errorf("the requester's edit: status %d, want 403", status)
	}
	if got := e.get(tk.Key); got.Subject != tk.Subject || len(got.Form) != 2 {
		t.Errorf("ticket after the edits: %+v", got)
	}
	if changes := e.engine.Changes(); !slices.Equal(changes, []string{tk.Key + " edit", tk.Key + " edit"}) {
		t.Errorf("engine changes %v, want two edits", changes)
	}

	// The API edits the answers as JSON, with tags as a list.
	status, out := e.api("POST", "/api/v1/tickets/"+tk.Key+"/transitions", crmToken,
		`{"action":"edit","form":{"system":"GitLab"},"tags":["Onboarding"]}`)
	if status != http.StatusOK || !strings.Contains(out, `"value": "GitLab"`) || !strings.Contains(out, `"onboarding"`) {
		t.Errorf("API edit: %d %s", status, out)
	}
	if status, out := e.api("POST", "/api/v1/tickets/"+tk.Key+"/transitions", crmToken, `{"action":"edit"}`); status != http.StatusBadRequest {
		t.Errorf("API edit of nothing: %d %s", status, out)
	}
}

// A ticket with no answers to its topic's form (opened by hand, by mail, or
// before the form existed) can still be edited from the page: the empty
// fields are neither required nor filled in by themselves, and posting the
// whole form as the browser does changes only what was changed.
func TestEditATicketWithoutFormAnswers(t *testing.T) {
	e := newEnvConfig(t, true, editConfig, editFAQ)
	tk := e.open("it", "alice@example.com", "Cannot log in")
	ada := e.signIn("ada@example.com")
	if status, page := ada.post("/center/tickets/"+tk.Key+"/edit", url.Values{"category": {"accounts"}}); status != http.StatusSeeOther {
		t.Fatalf("edit: status %d\n%s", status, page)
	}
	_, page := ada.do("GET", "/center/tickets/"+tk.Key, nil)
	for _, want := range []string{`<select id="edit-form-system" name="form.system"><option value=""></option><option >SAP</option>`,
		`<textarea id="edit-form-details" name="form.details" rows="3"  maxlength="200"></textarea>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the edit form lacks %s", want)
		}
	}
	if strings.Contains(page, `name="form.system" required`) || strings.Contains(page, `<option selected>SAP</option>`) {
		t.Error("the unanswered select is required or picks SAP by itself")
	}
	status, page := ada.post("/center/tickets/"+tk.Key+"/edit", url.Values{"subject": {"Cannot log in to SAP"}, "category": {"accounts"},
		"priority": {"normal"}, "tags": {""}, "form.system": {""}, "form.details": {""}})
	if status != http.StatusSeeOther {
		t.Fatalf("the whole form: status %d\n%s", status, page)
	}
	if got := e.get(tk.Key); got.Subject != "Cannot log in to SAP" || len(got.Form) != 0 {
		t.Errorf("after the edit: subject %q, form %+v", got.Subject, got.Form)
	}
}
