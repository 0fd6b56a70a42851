package center_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

const crmToken, payrollToken = "crm-token-0123456789", "payroll-token-0123456789"

func (e *env) api(method, path, token, body string) (int, string) {
	e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func TestAPITokens(t *testing.T) {
	e := newEnv(t)
	it := e.open("it", "alice@example.com", "VPN drops")
	hr := e.open("hr", "alice@example.com", "Payslip")
	before := e.snapshot(hr.Key)
	for _, c := range []struct {
		name, method, path, token, body string
		status                          int
	}{
		{"no token", "GET", "/api/v1/tickets", "", "", http.StatusUnauthorized},
		{"wrong token", "GET", "/api/v1/tickets", "crm-token-0123456780", "", http.StatusUnauthorized},
		{"no token on a change", "POST", "/api/v1/tickets/" + it.Key + "/transitions", "", `{"action":"end"}`, http.StatusUnauthorized},
		{"another desk's ticket", "GET", "/api/v1/tickets/" + hr.Key, crmToken, "", http.StatusForbidden},
		{"another desk's transition", "POST", "/api/v1/tickets/" + hr.Key + "/transitions", crmToken, `{"action":"end"}`, http.StatusForbidden},
		{"another desk's list", "GET", "/api/v1/tickets?desk=hr", crmToken, "", http.StatusForbidden},
		{"another desk's export", "GET", "/api/v1/export?desk=hr", crmToken, "", http.StatusForbidden},
		{"create on another desk", "POST", "/api/v1/tickets", crmToken, `{"desk":"hr","subject":"x","requester":{"platform":"web","id":"a"}}`, http.StatusForbidden},
		{"own desk", "GET", "/api/v1/tickets/" + it.Key, crmToken, "", http.StatusOK},
		{"unknown ticket", "GET", "/api/v1/tickets/IT-99", crmToken, "", http.StatusNotFound},
		{"the other token on its desk", "GET", "/api/v1/tickets/" + hr.Key, payrollToken, "", http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.api(c.method, c.path, c.token, c.body)
			if status != c.status {
				t.Errorf("status %d, want %d: %s", status, c.status, body)
			}
			if status >= 400 && !strings.Contains(body, `"error"`) {
				t.Errorf("error body %q has no error message", body)
			}
		})
	}
	if after := e.snapshot(hr.Key); !reflect.DeepEqual(after, before) {
		t.Error("refused API calls changed the HR ticket")
	}
	if all, _ := e.store.List(ctx, tickets.Filter{}); len(all) != 2 {
		t.Errorf("%d tickets, want 2", len(all))
	}
}

func TestAPIJourney(t *testing.T) {
	e := newEnv(t)
	// Create a ticket for a user; a retry with the same request key makes no second one.
	body := `{"desk":"it","subject":"Laptop won't boot","category":"network","priority":"urgent",
		"requester":{"platform":"web","id":"carol@example.com","name":"Carol"},"request_key":"crm-42",
		"form":[{"id":"asset","label":"Asset tag","value":"A-1"}]}`
	status, out := e.api("POST", "/api/v1/tickets", crmToken, body)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, out)
	}
	var created tickets.Ticket
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatal(err)
	}
	if created.Key != "IT-1" || created.Status != tickets.StatusOpen || created.Priority != tickets.PriorityUrgent || created.Requester.Name != "Carol" {
		t.Errorf("created %+v", created)
	}
	if status, _ := e.api("POST", "/api/v1/tickets", crmToken, body); status != http.StatusCreated {
		t.Errorf("retry: status %d", status)
	}
	if all, _ := e.store.List(ctx, tickets.Filter{}); len(all) != 1 {
		t.Errorf("a retried create made %d tickets", len(all))
	}
	for _, c := range []struct {
		body   string
		status tickets.Status
		code   int
	}{
		{`{"action":"assign","agent":"Ada"}`, tickets.StatusAssigned, http.StatusOK},
		{`{"action":"note","text":"from the CRM"}`, tickets.StatusAssigned, http.StatusOK},
		{`{"action":"snooze","for":"1d"}`, tickets.StatusSnoozed, http.StatusOK},
		{`{"action":"end"}`, tickets.StatusResolved, http.StatusOK},
		{`{"action":"end"}`, tickets.StatusResolved, http.StatusConflict},
		{`{"action":"reopen","text":"customer called back"}`, tickets.StatusAssigned, http.StatusOK},
		{`{"action":"fly"}`, tickets.StatusAssigned, http.StatusBadRequest},
		{`{"action":"end","sneaky":1}`, tickets.StatusAssigned, http.StatusBadRequest},
	} {
		status, out := e.api("POST", "/api/v1/tickets/IT-1/transitions", crmToken, c.body)
		if status != c.code {
			t.Errorf("%s: status %d, want %d: %s", c.body, status, c.code, out)
		}
		if got := e.get("IT-1").Status; got != c.status {
			t.Errorf("%s: ticket is %s, want %s", c.body, got, c.status)
		}
	}
	status, out = e.api("GET", "/api/v1/tickets/IT-1", crmToken, "")
	var detail struct {
		Key      string            `json:"key"`
		Messages []tickets.Message `json:"messages"`
		Events   []tickets.Event   `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &detail); err != nil || status != http.StatusOK {
		t.Fatalf("get: %d %v", status, err)
	}
	if len(detail.Messages) != 1 || detail.Messages[0].Text != "from the CRM" || len(detail.Events) != 6 {
		t.Errorf("detail: %d messages %+v, %d events", len(detail.Messages), detail.Messages, len(detail.Events))
	}
	if ev := detail.Events[1]; ev.Actor.Name != "api:crm" || ev.Source != tickets.SourceAPI {
		t.Errorf("API change recorded as %+v from %s", ev.Actor, ev.Source)
	}
	status, out = e.api("GET", "/api/v1/tickets?status=assigned&q=boot", crmToken, "")
	if status != http.StatusOK || !strings.Contains(out, `"key": "IT-1"`) {
		t.Errorf("list: %d %s", status, out)
	}
	if _, out = e.api("GET", "/api/v1/tickets?status=resolved", crmToken, ""); !strings.Contains(out, `"tickets": []`) {
		t.Errorf("list of resolved = %s, want none", out)
	}
	status, out = e.api("GET", "/api/v1/export?format=csv&since=2026-03-01&until=2026-03-02", crmToken, "")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if status != http.StatusOK || err != nil || len(rows) != 2 || rows[1][0] != "IT-1" {
		t.Errorf("export: %d %v %q", status, err, rows)
	}
	if _, out = e.api("GET", "/api/v1/export?format=json&since=2026-03-03", crmToken, ""); !strings.Contains(out, `"tickets": []`) {
		t.Errorf("export after the ticket = %s, want none", out)
	}
}
