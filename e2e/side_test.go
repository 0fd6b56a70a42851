//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-chat/helpdesk/adapters/web/webtest"
	"github.com/helpdesk-chat/helpdesk/center"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// TestSideConversation: on the ticket page the agent opens a side
// conversation with an expert of another desk; the expert finds it in the
// web chat and answers there; the agent reads the answer on the ticket
// page (kept as an internal note) and writes back from the Center; the
// requester's own page shows none of it. Screenshot: center-side.png.
func TestSideConversation(t *testing.T) {
	srv := StartServer(t, func(mux *http.ServeMux, s *webtest.Server) {
		c, err := center.New(center.Options{Store: s.Store, Service: s.Engine.Tickets(), Engine: s.Engine,
			Config: s.Config, Auth: s.Auth, LiveEvery: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		c.Routes(mux)
	})
	ctx := context.Background()
	sam := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "sam@example.com", Name: "Sam"}
	tk, _, err := srv.Engine.Open(ctx, &tickets.Ticket{Desk: "it", Platform: "web", Category: "network",
		Requester: tickets.Person{Platform: "web", ID: sam.ID, Name: sam.Name}, Subject: "New hire needs VPN access"}, "IT", sam, tickets.SourceForm)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBrowser(t)
	ada := b.Person(t)
	Step(t, ada, "the agent opens the ticket in the Center",
		chromedp.EmulateViewport(1280, 1400),
		FollowLink(srv.Link(t, "ada@example.com", "Ada")),
		WaitLive(),
		chromedp.Navigate(srv.URL+"/center/tickets/"+tk.Key),
		chromedp.WaitVisible(chromedp.ID("h-side")),
	)
	Step(t, ada, "the agent opens a side conversation with Grace of the HR desk",
		chromedp.SetValue(chromedp.ID("side-with"), "Grace"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()='Open side conversation']`)),
		chromedp.WaitVisible(chromedp.Search(`//div[contains(@class,'side-chat')]//h3[contains(., 'side conversation 1')]`)),
		chromedp.WaitVisible(chromedp.Search(`//div[contains(@class,'side-chat')]//div[contains(@class,'members')][contains(., 'Grace')]`)),
	)

	grace := b.Person(t)
	SignIn(t, srv, grace, "grace@example.com", "Grace")
	Step(t, grace, "the expert finds the side conversation in her chats and answers",
		chromedp.Click(chromedp.Search(`//ul[@id='chats']//button[contains(., 'side conversation 1')]`)),
		chromedp.WaitVisible(InLog("is not in this chat")),
		Say("HR has her start date: Monday. Order the token for then."),
	)

	Step(t, ada, "the answer is on the ticket page as part of the side conversation",
		chromedp.Navigate(srv.URL+"/center/tickets/"+tk.Key+"#side"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-live-stream="on"]`)),
		chromedp.WaitVisible(chromedp.Search(`//div[contains(@class,'side-notes')]//div[contains(., 'Order the token for then')]`)),
		chromedp.SendKeys(chromedp.ID("side-text-0"), "Thanks, ordering it now."),
		chromedp.Click(chromedp.Search(`//div[contains(@class,'side-chat')]//button[normalize-space()='Send']`)),
		chromedp.WaitVisible(chromedp.Search(`//div[contains(@class,'side-notes')]//div[contains(., 'ordering it now')]`)),
		chromedp.ScrollIntoView(chromedp.ID("h-side")),
	)
	Screenshot(t, ada, "center-side")
	Step(t, grace, "the expert reads the agent's answer in the side chat",
		chromedp.WaitVisible(InLog("Thanks, ordering it now.")),
	)

	samTab := b.Person(t)
	SignIn(t, srv, samTab, "sam@example.com", "Sam")
	Step(t, samTab, "the requester's ticket page shows no side conversation",
		chromedp.Navigate(srv.URL+"/center/tickets/"+tk.Key),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., '`+tk.Key+`')]`)),
	)
	text, err := chromedp.Run(samTab, chromedp.Evaluate[string]("document.body.innerText"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Order the token", "side conversation"} {
		if strings.Contains(text, secret) {
			t.Fatalf("the requester's page shows %q", secret)
		}
	}
}
