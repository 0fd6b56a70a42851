//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// TestVisibilityOwn: on a desk with `visibility: own` an agent's list shows
// only the tickets assigned to her, and a colleague's ticket's page is
// refused. Screenshot: center-visibility-own.png.
func TestVisibilityOwn(t *testing.T) {
	srv := StartServerEdited(t, WithCenter(t), Edit{"    strategy: round_robin", "    strategy: round_robin\n    visibility: own"})
	ctx := context.Background()
	open := func(user, cat, subject string) *tickets.Ticket {
		t.Helper()
		u := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: user + "@example.com", Name: user}
		tk, _, err := srv.Engine.Open(ctx, &tickets.Ticket{Desk: "hr", Platform: "web", Category: cat,
			Requester: tickets.Person{Platform: "web", ID: u.ID, Name: u.Name}, Subject: subject}, "HR", u, tickets.SourceForm)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	pay := open("Sam", "pay", "My May payslip is missing")
	leave := open("Tom", "leave", "Parental leave from June")
	for tk, agent := range map[*tickets.Ticket]string{pay: "Grace", leave: "Katherine"} {
		got, err := srv.Store.Get(ctx, tk.ID)
		if err != nil || got.Assignee != agent {
			t.Fatalf("%s is assigned to %+v (%v), want %s", tk.Key, got, err, agent)
		}
	}
	b := NewBrowser(t)
	grace := b.Person(t)
	Step(t, grace, "Grace's list shows her ticket only",
		FollowLink(srv.Link(t, "grace@example.com", "Grace")),
		WaitLive(),
		chromedp.Navigate(srv.URL+"/center/?view=all"),
		chromedp.WaitVisible(chromedp.Search(`//table[contains(@class,'tickets')]//a[normalize-space()='`+pay.Key+`']`)),
	)
	n, err := chromedp.Run(grace, chromedp.Evaluate[int](`document.querySelectorAll("table.tickets tbody tr").length`))
	if err != nil || n != 1 {
		t.Fatalf("Grace's list has %d rows (%v), want her one ticket", n, err)
	}
	Screenshot(t, grace, "center-visibility-own")
	Step(t, grace, "Katherine's ticket's page is refused",
		chromedp.Navigate(srv.URL+"/center/tickets/"+leave.Key),
		chromedp.WaitVisible(chromedp.CSS(`.alert.error`)),
	)
	text, err := chromedp.Run(grace, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "Parental leave") {
		t.Fatalf("Grace sees Katherine's ticket:\n%s", text)
	}
}
