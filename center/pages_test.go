package center_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/center"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// keysOn returns the ticket keys listed on a page, in order.
func keysOn(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<a href="/center/tickets/([A-Z]+-\d+)">`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestFiltersAndViews(t *testing.T) {
	e := newEnv(t)
	vpn := e.open("it", "alice@example.com", "VPN drops")
	printer := e.open("it", "mallory@example.com", "Printer jam")
	e.clock.Advance(48 * time.Hour)
	laptop := e.open("it", "alice@example.com", "Laptop slow")
	payslip := e.open("hr", "alice@example.com", "Payslip")
	ada := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: "ada@example.com", Name: "Ada"}
	if _, err := e.svc.Assign(ctx, printer.ID, "Ada", "test", tickets.System, tickets.SourceRouting); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Assign(ctx, laptop.ID, "Linus", "test", tickets.System, tickets.SourceRouting); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RecordMessage(ctx, vpn.ID, "GlobalProtect says error 12", "m1", tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "alice@example.com"}, tickets.SourceChat); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Snooze(ctx, printer.ID, e.clock.Now().Add(time.Hour), ada, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddNote(ctx, laptop.ID, "needs a new SSD", "", ada, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	root := e.signIn("root@example.com")
	adaB := e.signIn("ada@example.com")
	alice := e.signIn("alice@example.com")

	for _, c := range []struct {
		name  string
		who   *browser
		query string
		want  []string // newest first
	}{
		{"everything", root, "", []string{payslip.Key, laptop.Key, printer.Key, vpn.Key}},
		{"desk", root, "desk=hr", []string{payslip.Key}},
		{"status", root, "status=assigned", []string{laptop.Key}},
		{"assignee", root, "assignee=Linus", []string{laptop.Key}},
		{"nobody assigned", root, "assignee=-", []string{payslip.Key, vpn.Key}},
		{"requester", root, "requester=mallory", []string{printer.Key}},
		{"date range", root, "since=2026-03-02&until=2026-03-02", []string{printer.Key, vpn.Key}},
		{"search in the transcript", root, "q=globalprotect", []string{vpn.Key}},
		{"search in notes by staff", root, "q=ssd", []string{laptop.Key}},
		{"view unassigned", root, "view=unassigned", []string{payslip.Key, vpn.Key}},
		{"view snoozed", root, "view=snoozed", []string{printer.Key}},
		{"view mine", adaB, "view=mine", []string{printer.Key}},
		{"view closed", root, "view=closed", nil},
		{"a user's search does not reach notes", alice, "q=ssd", nil},
		{"a user's list", alice, "", []string{payslip.Key, laptop.Key, vpn.Key}},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, page := c.who.do("GET", "/center/?"+c.query, nil)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			if got := keysOn(page); !slices.Equal(got, c.want) {
				t.Errorf("listed %v, want %v", got, c.want)
			}
		})
	}
	if status, page := root.do("GET", "/center/?since=soon", nil); status != http.StatusOK || !strings.Contains(page, `not a date`) {
		t.Errorf("a bad date: status %d, no message", status)
	}
}

func TestExportFromTheCenter(t *testing.T) {
	e := newEnv(t)
	e.open("it", "alice@example.com", "VPN drops")
	e.clock.Advance(24 * time.Hour)
	e.open("it", "alice@example.com", "=cmd|' /C calc'!A0")
	e.open("hr", "alice@example.com", "Payslip")
	ada := e.signIn("ada@example.com")

	resp, err := ada.client.Get(e.srv.URL + "/center/export?format=csv&since=2026-03-03&until=2026-03-03")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `filename="tickets-from-20260303-until-20260303.csv"`) {
		t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Ada is an IT agent: the HR ticket of the same day is not hers to export.
	if len(rows) != 2 || rows[1][0] != "IT-2" || rows[1][5] != `'=cmd|' /C calc'!A0` {
		t.Errorf("rows = %q", rows)
	}
	status, out := ada.do("GET", "/center/export?format=json", nil)
	var doc struct {
		Tickets []struct{ Key, Priority string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || status != http.StatusOK || len(doc.Tickets) != 2 || doc.Tickets[0].Priority != "low" {
		t.Errorf("JSON export: %d %v %+v", status, err, doc.Tickets)
	}
	for _, c := range []struct {
		who   *browser
		query string
		want  int
	}{
		{e.signIn("alice@example.com"), "format=csv", http.StatusForbidden},
		{ada, "format=csv&desk=hr", http.StatusForbidden},
		{ada, "format=xml", http.StatusBadRequest},
		{ada, "since=yesterday", http.StatusBadRequest},
	} {
		if status, _ := c.who.do("GET", "/center/export?"+c.query, nil); status != c.want {
			t.Errorf("export %s: status %d, want %d", c.query, status, c.want)
		}
	}
}

func TestStatisticsPage(t *testing.T) {
	e := newEnv(t)
	tk := e.open("it", "alice@example.com", "VPN drops")
	adaA := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: "ada@example.com", Name: "Ada"}
	alice := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "alice@example.com", Name: "alice"}
	for _, step := range []func() (*tickets.Ticket, error){
		func() (*tickets.Ticket, error) {
			return e.svc.Assign(ctx, tk.ID, "Ada", "test", tickets.System, tickets.SourceRouting)
		},
		func() (*tickets.Ticket, error) { return e.svc.Start(ctx, tk.ID, "room-1", adaA, tickets.SourceButton) },
		func() (*tickets.Ticket, error) { return e.svc.End(ctx, tk.ID, "", adaA, tickets.SourceButton) },
		func() (*tickets.Ticket, error) {
			return e.svc.Evaluate(ctx, tk.ID, tickets.Evaluation{Rating: 4, Scale: 5}, alice, tickets.SourceButton)
		},
	} {
		e.clock.Advance(30 * time.Minute)
		if _, err := step(); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []tickets.Question{
		{Desk: "it", Text: "How to print?", Outcome: tickets.OutcomeUnanswered, At: e.clock.Now()},
		{Desk: "it", Text: "VPN?", Outcome: tickets.OutcomeHelpful, At: e.clock.Now()},
		{Desk: "hr", Text: "Holiday <script>", Outcome: tickets.OutcomeUnanswered, At: e.clock.Now()},
	} {
		if _, err := e.store.RecordQuestion(ctx, &q); err != nil {
			t.Fatal(err)
		}
	}
	status, page := e.signIn("ada@example.com").do("GET", "/center/stats?since=2026-03-01&until=2026-03-02", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{
		`<div class="label">Questions asked</div><div class="value">2</div>`, "50% answered by the bot",
		`<div class="label">First response</div><div class="value">1h 1m</div>`, // opened 9:00, chat started 10:01
		`<div class="label">Resolution</div><div class="value">1h 31m</div>`,    // ended 10:31
		`<div class="label">Satisfaction</div><div class="value">4.0 / 5</div>`,
		"How to print?", "<svg", "1 of 1 ratings were 4 stars", "(no topic)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("statistics page lacks %q", want)
		}
	}
	if strings.Contains(page, "Holiday") {
		t.Error("an IT agent sees HR's questions")
	}
	if status, _ := e.signIn("alice@example.com").do("GET", "/center/stats", nil); status != http.StatusForbidden {
		t.Errorf("a user opens statistics: status %d, want 403", status)
	}
	if status, _ := e.signIn("ada@example.com").do("GET", "/center/stats?desk=hr", nil); status != http.StatusForbidden {
		t.Errorf("an IT agent opens HR statistics: status %d, want 403", status)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.open("it", "alice@example.com", "VPN drops")
	e.open("it", "alice@example.com", "Printer")
	if err := e.store.SetPresence(ctx, "Linus", "away", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(e.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`helpdesk_tickets{desk="it",status="open"} 2`,
		`helpdesk_tickets{desk="hr",status="open"} 0`,
		`helpdesk_queue_length{desk="it"} 2`,
		`helpdesk_agents_available{desk="it"} 1`, // Ada; Linus is away
		`helpdesk_agents_available{desk="hr"} 1`,
		`helpdesk_store_up 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestMetricsObserveEvents(t *testing.T) {
	m := center.NewMetrics()
	m.Observe("message", 30*time.Millisecond, nil)
	m.Observe("message", 2*time.Second, io.EOF)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`helpdesk_events_total{kind="message",result="ok"} 1`,
		`helpdesk_events_total{kind="message",result="error"} 1`,
		`helpdesk_reply_seconds_bucket{kind="message",le="0.05"} 1`,
		`helpdesk_reply_seconds_count{kind="message"} 2`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestDeskSharePage(t *testing.T) {
	e := newEnv(t)
	status, page := (&browser{e: e, client: http.DefaultClient}).do("GET", "/desks/it", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{"IT Help Desk", "https://help.example.com/?desk=it", "https://discord.com/channels/111/222",
		`/desks/it/qr.png?platform=web`, `/desks/it/qr.png?platform=discord`, "widget.js"} {
		if !strings.Contains(page, want) {
			t.Errorf("share page lacks %q", want)
		}
	}
	resp, err := http.Get(e.srv.URL + "/desks/it/qr.png?platform=web")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Header.Get("Content-Type") != "image/png" || img.Bounds().Dx() < 100 {
		t.Errorf("QR code: %v, %s", err, resp.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/desks/nope", "/desks/it/qr.png?platform=slack", "/desks/it/qr.png?platform=https://evil.example"} {
		resp, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
}
