//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-chat/helpdesk/adapters/web/webtest"
	"github.com/helpdesk-chat/helpdesk/center"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// TestTicketCenterStatistics signs in the demo admin, opens the Ticket
// Center's statistics over two weeks of seeded history, and saves a
// screenshot of the page (e2e/screenshots/center-statistics.png).
func TestTicketCenterStatistics(t *testing.T) {
	srv := StartServer(t, func(mux *http.ServeMux, s *webtest.Server) {
		c, err := center.New(center.Options{Store: s.Store, Service: s.Engine.Tickets(), Engine: s.Engine,
			Config: s.Config, Auth: s.Auth, Metrics: center.NewMetrics()})
		if err != nil {
			t.Fatal(err)
		}
		c.Routes(mux)
	})
	since := seedHistory(t, srv)

	b := NewBrowser(t)
	tab := b.Person(t)
	Step(t, tab, "sign in as the demo admin and open the statistics",
		chromedp.EmulateViewport(1280, 1700),
		FollowLink(srv.Link(t, "admin@example.com", "Admin")),
		chromedp.WaitVisible(chromedp.CSS(`body[data-live="1"] #text`)),
		chromedp.Navigate(srv.URL+"/center/stats?since="+since.Format(time.DateOnly)),
		chromedp.WaitVisible(chromedp.Search(`//h2[normalize-space()='Daily volume']`)),
		chromedp.WaitVisible(chromedp.CSS(`svg.chart`)),
	)
	Screenshot(t, tab, "center-statistics")
	Step(t, tab, "the ticket list",
		chromedp.Navigate(srv.URL+"/center/?view=unassigned"),
		chromedp.WaitVisible(chromedp.CSS(`table.tickets`)),
	)
	Screenshot(t, tab, "center-tickets")
}

// seedHistory writes two weeks of tickets, ratings and questions through
// tickets.Service, as the bot would have.
func seedHistory(t *testing.T, srv *webtest.Server) (since time.Time) {
	t.Helper()
	ctx := context.Background()
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -13)
	now := start
	svc := &tickets.Service{Store: srv.Store, Now: func() time.Time { return now }}
	subjects := []string{"VPN drops every hour", "Laptop won't boot", "Need GitLab access", "Printer jams", "Password expired", "Monitor flickers"}
	cats := []string{"network", "hardware", "accounts", "hardware", "accounts", "hardware"}
	agents := []string{"Ada", "Linus"}
	questions := []string{"How do I connect to the VPN?", "printer offline", "reset my password", "book a meeting room",
		"wifi slow in building B", "expense report tool"}
	outcomes := []tickets.Outcome{tickets.OutcomeHelpful, tickets.OutcomeAnswered, tickets.OutcomeUnanswered,
		tickets.OutcomeEscalated, tickets.OutcomePickedHelpful, tickets.OutcomeNotHelpful}
	for day := range 14 {
		for i := range 2 + (day*7)%5 {
			now = start.AddDate(0, 0, day).Add(time.Duration(8+i)*time.Hour + time.Duration(day*13%60)*time.Minute)
			user := fmt.Sprintf("user%d@example.com", i)
			u := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: user, Name: fmt.Sprintf("Colleague %d", i+1)}
			k := (day + i) % len(subjects)
			tk, _, err := svc.Open(ctx, &tickets.Ticket{Desk: "it", Platform: "web", Requester: tickets.Person{Platform: "web", ID: user, Name: u.Name},
				Subject: subjects[k], Category: cats[k]}, "IT", u, tickets.SourceForm)
			if err != nil {
				t.Fatal(err)
			}
			if day == 13 && i == 0 {
				continue // one queued ticket today
			}
			ag := agents[(day+i)%2]
			a := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: ag, Name: ag}
			steps := []func() (*tickets.Ticket, error){
				func() (*tickets.Ticket, error) {
					return svc.Assign(ctx, tk.ID, ag, "seed", tickets.System, tickets.SourceRouting)
				},
				func() (*tickets.Ticket, error) { return svc.Start(ctx, tk.ID, "seed-"+tk.Key, a, tickets.SourceButton) },
			}
			if (day+i)%4 != 0 {
				steps = append(steps,
					func() (*tickets.Ticket, error) { return svc.End(ctx, tk.ID, "", a, tickets.SourceButton) },
					func() (*tickets.Ticket, error) {
						return svc.Evaluate(ctx, tk.ID, tickets.Evaluation{Rating: 2 + (day+i*3)%4, Scale: 5}, u, tickets.SourceButton)
					})
			}
			for j, step := range steps {
				now = now.Add(time.Duration(4+i*5+j*day) * time.Minute)
				if _, err := step(); err != nil {
					t.Fatal(err)
				}
			}
		}
		for i := range 6 + day%4 {
			q := &tickets.Question{Desk: "it", Platform: "web", Text: questions[(i*day+i)%6], Outcome: outcomes[(i+day)%6],
				At: start.AddDate(0, 0, day).Add(time.Duration(9+i) * time.Hour)}
			if _, err := srv.Store.RecordQuestion(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	return start
}
