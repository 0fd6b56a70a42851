package center_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

func TestBulkActions(t *testing.T) {
	e := newEnv(t)
	a := e.open("it", "alice@example.com", "VPN drops")
	b := e.open("it", "mallory@example.com", "VPN drops too")
	c := e.open("it", "alice@example.com", "Printer jam")
	hr := e.open("hr", "alice@example.com", "Payslip")
	ada := e.signIn("ada@example.com")
	if _, page := ada.do("GET", "/center/", nil); !strings.Contains(page, `<input type="checkbox" name="key" value="`+a.Key+`"`) {
		t.Fatal("the list has no checkboxes for bulk actions")
	}
	bulk := func(form url.Values, keys ...string) {
		t.Helper()
		form["key"] = keys
		if status, _ := ada.post("/center/bulk", form); status != http.StatusSeeOther {
			t.Fatalf("bulk %v: status %d", form, status)
		}
	}
	bulk(url.Values{"action": {"assign"}, "agent": {"Ada"}}, a.Key, b.Key)
	bulk(url.Values{"action": {"tag"}, "tags": {"Outage, vpn"}}, a.Key, b.Key, c.Key)
	for _, k := range []string{a.Key, b.Key} {
		if got := e.get(k); got.Assignee != "Ada" || !slices.Equal(got.Tags, []string{"outage", "vpn"}) {
			t.Errorf("%s after bulk assign and tag: %q %v", k, got.Assignee, got.Tags)
		}
	}
	// A ticket the agent may not act on is reported, the others are done.
	form := url.Values{"action": {"close"}, "key": {a.Key, b.Key, c.Key, hr.Key}}
	status, _ := ada.post("/center/bulk", form)
	if status != http.StatusSeeOther {
		t.Fatalf("bulk close: status %d", status)
	}
	for _, k := range []string{a.Key, b.Key} {
		if got := e.get(k); got.Status != tickets.StatusResolved {
			t.Errorf("%s after bulk close: %s", k, got.Status)
		}
	}
	if got := e.get(c.Key); got.Status != tickets.StatusOpen {
		t.Errorf("%s (nobody's) was closed by an agent who does not have it: %s", c.Key, got.Status)
	}
	if got := e.get(hr.Key); got.Status != tickets.StatusOpen {
		t.Errorf("%s of another desk changed: %s", hr.Key, got.Status)
	}
	// The list says what happened.
	form = url.Values{"action": {"snooze"}, "for": {"1d"}, "key": {c.Key, hr.Key}}
	form.Set("csrf_token", ada.csrf)
	req, _ := http.NewRequest("POST", e.srv.URL+"/center/bulk", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := ada.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, page := ada.do("GET", resp.Header.Get("Location"), nil)
	if !strings.Contains(page, "Snooze: 0 of 2 done. Not done on "+c.Key+", "+hr.Key+": open each ticket to see why.") {
		t.Errorf("the list does not report the bulk result:\n%s", page)
	}
	want := []string{a.Key + " assign", b.Key + " assign", a.Key + " edit", b.Key + " edit", c.Key + " edit", a.Key + " end", b.Key + " end"}
	if got := e.engine.Changes(); !slices.Equal(got, want) {
		t.Errorf("engine changes %v, want %v", got, want)
	}
}
