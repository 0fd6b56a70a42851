package center_test

import (
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// snapshot is what a refused request must leave alone.
type snapshot struct {
	ticket *tickets.Ticket
	events int
	msgs   int
}

func (e *env) snapshot(key string) snapshot {
	e.t.Helper()
	tk := e.get(key)
	evs, err := e.store.Events(ctx, tk.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	ms, err := e.store.Messages(ctx, tk.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return snapshot{tk, len(evs), len(ms)}
}

func TestWhoSeesWhat(t *testing.T) {
	e := newEnv(t)
	it1 := e.open("it", "alice@example.com", "VPN drops")
	it2 := e.open("it", "mallory@example.com", "Laptop stolen")
	hr1 := e.open("hr", "alice@example.com", "Payslip wrong")

	for _, c := range []struct {
		who       string
		sees      []string
		doesntSee []string
	}{
		{"alice@example.com", []string{it1.Key, hr1.Key}, []string{it2.Key}},   // a user: their own only
		{"mallory@example.com", []string{it2.Key}, []string{it1.Key, hr1.Key}}, // another user
		{"ada@example.com", []string{it1.Key, it2.Key}, []string{hr1.Key}},     // an IT agent
		{"bob@example.com", []string{hr1.Key}, []string{it1.Key, it2.Key}},     // an HR agent
		{"boss@example.com", []string{hr1.Key}, []string{it1.Key, it2.Key}},    // an HR desk admin
		{"root@example.com", []string{it1.Key, it2.Key, hr1.Key}, nil},         // a global admin
		{"stranger@example.com", nil, []string{it1.Key, it2.Key, hr1.Key}},     // nobody
	} {
		t.Run(c.who, func(t *testing.T) {
			b := e.signIn(c.who)
			status, list := b.do("GET", "/center/", nil)
			if status != http.StatusOK {
				t.Fatalf("list: status %d", status)
			}
			for _, key := range c.sees {
				if !strings.Contains(list, ">"+key+"<") {
					t.Errorf("list lacks %s", key)
				}
				if status, _ := b.do("GET", "/center/tickets/"+key, nil); status != http.StatusOK {
					t.Errorf("open %s: status %d, want 200", key, status)
				}
			}
			for _, key := range c.doesntSee {
				if strings.Contains(list, ">"+key+"<") {
					t.Errorf("list shows %s", key)
				}
				status, page := b.do("GET", "/center/tickets/"+key, nil)
				if status != http.StatusNotFound {
					t.Errorf("open %s: status %d, want 404", key, status)
				}
				subject := e.get(key).Subject
				if strings.Contains(page, subject) {
					t.Errorf("refusal page for %s shows its subject %q", key, subject)
				}
			}
		})
	}
}

func TestRefusedActionsChangeNothing(t *testing.T) {
	e := newEnv(t)
	itAlice := e.open("it", "alice@example.com", "VPN drops")
	hrAlice := e.open("hr", "alice@example.com", "Payslip wrong")
	if _, err := e.svc.Assign(ctx, itAlice.ID, "Linus", "test", tickets.System, tickets.SourceRouting); err != nil {
		t.Fatal(err)
	}
	alice := e.signIn("alice@example.com")
	mallory := e.signIn("mallory@example.com")
	ada := e.signIn("ada@example.com") // IT agent, not Linus
	bob := e.signIn("bob@example.com") // HR agent

	for _, c := range []struct {
		name   string
		who    *browser
		key    string
		action string
		form   url.Values
		status int
	}{
		{"another user ends it", mallory, itAlice.Key, "end", nil, http.StatusNotFound},
		{"another user adds a note", mallory, itAlice.Key, "note", url.Values{"text": {"pwned"}}, http.StatusNotFound},
		{"another user follows it", mallory, itAlice.Key, "follow", nil, http.StatusNotFound},
		{"agent of desk B transfers a desk A ticket", bob, itAlice.Key, "assign", url.Values{"agent": {"Bob"}}, http.StatusNotFound},
		{"agent of desk A ends a desk B ticket", ada, hrAlice.Key, "end", nil, http.StatusNotFound},
		{"agent of desk A notes on a desk B ticket", ada, hrAlice.Key, "note", url.Values{"text": {"hi"}}, http.StatusNotFound},
		{"agent who is not the assignee transfers", ada, itAlice.Key, "assign", url.Values{"agent": {"Ada"}}, http.StatusForbidden},
		{"agent who is not the assignee ends", ada, itAlice.Key, "end", nil, http.StatusForbidden},
		{"agent who is not the assignee snoozes", ada, itAlice.Key, "snooze", url.Values{"for": {"2h"}}, http.StatusForbidden},
		{"requester adds an internal note", alice, itAlice.Key, "note", url.Values{"text": {"hi"}}, http.StatusForbidden},
		{"requester transfers", alice, itAlice.Key, "assign", url.Values{"agent": {"Ada"}}, http.StatusForbidden},
		{"requester merges", alice, itAlice.Key, "merge", url.Values{"into": {hrAlice.Key}}, http.StatusForbidden},
		{"transfer to someone outside the desk", ada, itAlice.Key, "assign", url.Values{"agent": {"Bob"}}, http.StatusBadRequest},
		{"merge across desks by an agent of one of them", ada, itAlice.Key, "merge", url.Values{"into": {hrAlice.Key}}, http.StatusBadRequest},
		{"unknown action", ada, itAlice.Key, "delete", nil, http.StatusBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := e.snapshot(c.key)
			notified := len(e.engine.Notified())
			status, _ := c.who.post("/center/tickets/"+c.key+"/"+c.action, c.form)
			if status != c.status {
				t.Errorf("status %d, want %d", status, c.status)
			}
			if after := e.snapshot(c.key); !reflect.DeepEqual(after, before) {
				t.Errorf("refused %s changed the ticket:\n got %+v\nwant %+v", c.action, after.ticket, before.ticket)
			}
			if len(e.engine.Notified()) != notified {
				t.Errorf("a refused action notified someone: %v", e.engine.Notified())
			}
		})
	}
	if len(e.engine.Changes()) != 0 {
		t.Errorf("refused actions reached the engine: %v", e.engine.Changes())
	}
}

func TestMissingCSRFTokenIsRefused(t *testing.T) {
	e := newEnv(t)
	tk := e.open("it", "alice@example.com", "VPN drops")
	root := e.signIn("root@example.com")
	before := e.snapshot(tk.Key)
	for _, token := range []string{"", "forged"} {
		form := url.Values{"text": {"no token"}}
		if token != "" {
			form.Set("csrf_token", token)
		}
		if status, _ := root.do("POST", "/center/tickets/"+tk.Key+"/note", form); status != http.StatusForbidden {
			t.Errorf("token %q: status %d, want 403", token, status)
		}
	}
	if after := e.snapshot(tk.Key); !reflect.DeepEqual(after, before) {
		t.Error("a request without a valid CSRF token changed the ticket")
	}
	// Without a session at all, pages redirect to sign-in and changes are 401.
	anon := &browser{e: e, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if status, _ := anon.do("GET", "/center/tickets/"+tk.Key, nil); status != http.StatusSeeOther {
		t.Errorf("anonymous page: status %d, want a redirect to sign in", status)
	}
	if status, _ := anon.do("POST", "/center/tickets/"+tk.Key+"/end", url.Values{}); status != http.StatusUnauthorized {
		t.Errorf("anonymous change: status %d, want 401", status)
	}
}

func TestAgentActions(t *testing.T) {
	e := newEnv(t)
	tk := e.open("it", "alice@example.com", "VPN drops")
	dup := e.open("it", "alice@example.com", "VPN drops again")
	ada := e.signIn("ada@example.com")
	linus := e.signIn("linus@example.com")
	alice := e.signIn("alice@example.com")

	step := func(who *browser, action string, form url.Values, want tickets.Status) *tickets.Ticket {
		t.Helper()
		status, page := who.post("/center/tickets/"+tk.Key+"/"+action, form)
		if status != http.StatusSeeOther {
			t.Fatalf("%s: status %d\n%s", action, status, page)
		}
		got := e.get(tk.Key)
		if got.Status != want {
			t.Fatalf("after %s: status %s, want %s", action, got.Status, want)
		}
		e.clock.Advance(time.Minute)
		return got
	}

	// Alice follows her ticket; Ada claims it; Alice hears about it.
	step(alice, "follow", nil, tickets.StatusOpen)
	got := step(ada, "assign", url.Values{"agent": {"Ada"}}, tickets.StatusAssigned)
	if got.Assignee != "Ada" {
		t.Errorf("assignee %q, want Ada", got.Assignee)
	}
	if n := e.engine.Notified(); len(n) != 1 || !strings.HasPrefix(n[0], "web:alice@example.com: "+tk.Key) || !strings.Contains(n[0], "assigned to Ada by Ada") {
		t.Errorf("follower notifications = %q", n)
	}
	// A note mentioning Linus notifies him on his platform: the engine's
	// part, seen on the platform in TestNoteMentionFromTheCenter.
	step(ada, "note", url.Values{"text": {"@linus can you check the VPN gateway?"}}, tickets.StatusAssigned)
	// The note shows to agents, never to the requester.
	if _, page := linus.do("GET", "/center/tickets/"+tk.Key, nil); !strings.Contains(page, "can you check the VPN gateway") {
		t.Error("the note is not on the agent's page")
	}
	if _, page := alice.do("GET", "/center/tickets/"+tk.Key, nil); strings.Contains(page, "VPN gateway") || strings.Contains(page, "Internal notes") {
		t.Error("the requester sees the internal note")
	}
	step(ada, "snooze", url.Values{"for": {"2h"}}, tickets.StatusSnoozed)
	if got := e.get(tk.Key); !got.SnoozedUntil.Equal(e.clock.Now().Add(-time.Minute).Add(2 * time.Hour)) {
		t.Errorf("snoozed until %s", got.SnoozedUntil)
	}
	step(ada, "wake", nil, tickets.StatusAssigned)
	got = step(ada, "assign", url.Values{"agent": {"Linus"}}, tickets.StatusAssigned)
	if got.Assignee != "Linus" {
		t.Errorf("after transfer assignee %q, want Linus", got.Assignee)
	}
	step(linus, "end", nil, tickets.StatusResolved)
	step(alice, "reopen", nil, tickets.StatusAssigned)
	step(alice, "end", nil, tickets.StatusResolved)

	// Merging the duplicate closes it and notes it on the original.
	if status, _ := ada.post("/center/tickets/"+dup.Key+"/merge", url.Values{"into": {tk.Key}}); status != http.StatusSeeOther {
		t.Fatalf("merge: status %d", status)
	}
	if d := e.get(dup.Key); d.MergedInto != tk.Key || d.Status != tickets.StatusResolved {
		t.Errorf("duplicate after merge: merged into %q, status %s", d.MergedInto, d.Status)
	}
	if _, page := ada.do("GET", "/center/tickets/"+tk.Key, nil); !strings.Contains(page, dup.Key+" (VPN drops again, from alice) was merged into this ticket") {
		t.Error("the original does not show the merge note")
	}
	want := []string{tk.Key + " follow", tk.Key + " assign", tk.Key + " note", tk.Key + " snooze", tk.Key + " wake",
		tk.Key + " transfer", tk.Key + " end", tk.Key + " reopen", tk.Key + " end", dup.Key + " merge", tk.Key + " merged"}
	if got := e.engine.Changes(); !slices.Equal(got, want) {
		t.Errorf("engine saw %v\nwant %v", got, want)
	}
	// Every change is in the audit trail with who did it, from the web.
	evs, _ := e.store.Events(ctx, tk.ID)
	var kinds []string
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind+"/"+ev.Actor.Name+"/"+string(ev.Source))
	}
	for _, k := range []string{"transfer/Ada/web", "note/Ada/web", "end/Linus/web", "reopen/alice/web", "merged/Ada/web"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("audit trail %v lacks %s", kinds, k)
		}
	}
}

func TestCreateTicketByHand(t *testing.T) {
	e := newEnv(t)
	ada := e.signIn("ada@example.com")
	form := url.Values{"desk": {"it"}, "platform": {"web"}, "user_id": {"carol@example.com"}, "user_name": {"Carol"},
		"category": {"network"}, "subject": {"Called: VPN broken"}, "details": {"She called at 9."}, "priority": {"high"}, "status": {"assigned"}}
	status, _ := ada.post("/center/new", form)
	if status != http.StatusSeeOther {
		t.Fatalf("create: status %d", status)
	}
	tk := e.get("IT-1")
	if tk.Requester.ID != "carol@example.com" || tk.Assignee != "Ada" || tk.Status != tickets.StatusAssigned ||
		tk.Priority != tickets.PriorityHigh || tk.Category != "network" || len(tk.Form) != 1 {
		t.Errorf("created %+v", tk)
	}
	// Carol sees it as her own.
	if status, _ := e.signIn("carol@example.com").do("GET", "/center/tickets/IT-1", nil); status != http.StatusOK {
		t.Errorf("requester opens the hand-made ticket: status %d", status)
	}
	// Resolved at once: nothing left to route.
	form.Set("status", "resolved")
	form.Set("subject", "Password reset on the phone")
	if status, _ := ada.post("/center/new", form); status != http.StatusSeeOther {
		t.Fatalf("create resolved: status %d", status)
	}
	if tk := e.get("IT-2"); tk.Status != tickets.StatusResolved || tk.Assignee != "Ada" {
		t.Errorf("resolved-by-hand ticket: status %s assignee %q", tk.Status, tk.Assignee)
	}

	for _, c := range []struct {
		name   string
		who    *browser
		change func(url.Values)
		status int
	}{
		{"a user", e.signIn("alice@example.com"), func(url.Values) {}, http.StatusForbidden},
		{"an agent on another desk", e.signIn("bob@example.com"), func(url.Values) {}, http.StatusForbidden},
		{"no subject", ada, func(f url.Values) { f.Set("subject", " ") }, http.StatusBadRequest},
		{"unknown topic", ada, func(f url.Values) { f.Set("category", "nope") }, http.StatusBadRequest},
		{"unknown platform", ada, func(f url.Values) { f.Set("platform", "fax") }, http.StatusBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			c.change(f)
			if status, _ := c.who.post("/center/new", f); status != c.status {
				t.Errorf("status %d, want %d", status, c.status)
			}
			if all, _ := e.store.List(ctx, tickets.Filter{}); len(all) != 2 {
				t.Errorf("%d tickets, want still 2", len(all))
			}
		})
	}
}

// TestWithoutEngine: a Center without a bot changes tickets through the
// service alone, with the same rules.
func TestWithoutEngine(t *testing.T) {
	e := newEnvWith(t, false)
	tk := e.open("it", "alice@example.com", "VPN drops")
	ada := e.signIn("ada@example.com")
	for _, c := range []struct {
		action string
		form   url.Values
		want   tickets.Status
	}{
		{"assign", url.Values{"agent": {"Ada"}}, tickets.StatusAssigned},
		{"note", url.Values{"text": {"@linus have a look"}}, tickets.StatusAssigned},
		{"snooze", url.Values{"for": {"1h"}}, tickets.StatusSnoozed},
		{"wake", nil, tickets.StatusAssigned},
		{"end", nil, tickets.StatusResolved},
	} {
		if status, page := ada.post("/center/tickets/"+tk.Key+"/"+c.action, c.form); status != http.StatusSeeOther {
			t.Fatalf("%s: status %d\n%s", c.action, status, page)
		}
		if got := e.get(tk.Key); got.Status != c.want {
			t.Fatalf("after %s: %s, want %s", c.action, got.Status, c.want)
		}
	}
	if status, _ := e.signIn("alice@example.com").post("/center/tickets/"+tk.Key+"/note", url.Values{"text": {"hi"}}); status != http.StatusForbidden {
		t.Errorf("the requester's note: status %d, want 403", status)
	}
}
