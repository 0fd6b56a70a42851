//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// adaOnHR makes Ada an agent of the HR desk too (she is an agent and admin
// of IT in the demo), so she is staff of both desks.
var adaOnHR = Edit{"    agents:\n      - name: Grace", "    agents:\n      - name: Ada\n        web: ada@example.com\n      - name: Grace"}

// alert matches a notice of the page containing text.
func alert(class, text string) chromedp.Search {
	return chromedp.Search(`//div[contains(@class,'alert') and contains(@class,'` + class + `')][contains(., ` + xq(text) + `)]`)
}

// noUTC fails the test when the page still shows a time in UTC: the Center
// shows every time in the browser's zone, with the zone.
func noUTC(t *testing.T, tab context.Context, where string) {
	t.Helper()
	bad, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("time")].map(e => e.textContent).filter(s => !/GMT\+1|CET/.test(s))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("%s shows times not in the browser's zone (Europe/Berlin): %q", where, bad)
	}
	text, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById("main").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "UTC") {
		t.Errorf("%s shows UTC:\n%s", where, text)
	}
}

// TestTicketCenterAgentActions: on the ticket page an agent sees the
// requester's earlier tickets and questions, edits the ticket (subject,
// priority, tags), splits a message into a new ticket, merges an HR ticket
// into an IT one as an agent of both desks (an IT-only agent is refused),
// moves a ticket to the HR desk and deletes one's content; in the header
// she switches to away, which a colleague sees; on the list (Open by
// default) she tags and closes ticked tickets at once. Every time shows in
// the browser's zone with the zone. Screenshots: center-ticket.png,
// center-bulk.png.
func TestTicketCenterAgentActions(t *testing.T) {
	srv := StartServerEdited(t, WithCenter(t), adaOnHR)
	ctx := context.Background()
	sam := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "sam@example.com", Name: "Sam"}
	open := func(desk, name, cat, subject string) *tickets.Ticket {
		t.Helper()
		tk, _, err := srv.Engine.Open(ctx, &tickets.Ticket{Desk: desk, Platform: "web", Category: cat,
			Requester: tickets.Person{Platform: "web", ID: sam.ID, Name: sam.Name}, Subject: subject}, name, sam, tickets.SourceForm)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	a := open("it", "IT", "network", "VPN portal not found")         // IT-1
	b := open("it", "IT", "network", "VPN broken again")             // IT-2
	c := open("it", "IT", "hardware", "Payroll printer jams")        // IT-3
	d := open("it", "IT", "accounts", "Please erase my old request") // IT-4
	h := open("hr", "HR", "pay", "VPN token for the payroll app")    // HR-1
	if _, err := srv.Engine.Tickets().RecordMessage(ctx, a.ID, "Also my second monitor stays black since Monday.", "", sam, tickets.SourceChat); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store.RecordQuestion(ctx, &tickets.Question{Desk: "it", Platform: "web", UserID: sam.ID,
		Text: "How do I connect to the VPN?", Outcome: tickets.OutcomeNotHelpful, At: time.Now()}); err != nil {
		t.Fatal(err)
	}

	br := NewBrowser(t)
	ada := br.Person(t)
	Step(t, ada, "the agent opens the ticket in the Center, in Berlin",
		chromedp.EmulateViewport(1280, 1500),
		Timezone("Europe/Berlin"),
		FollowLink(srv.Link(t, "ada@example.com", "Ada")),
		WaitLive(),
		chromedp.Navigate(srv.URL+"/center/tickets/"+a.Key),
		chromedp.WaitVisible(chromedp.ID("h-context")),
	)
	Step(t, ada, "the context panel lists Sam's other tickets and questions",
		chromedp.WaitVisible(chromedp.Search(`//section[contains(@class,'context')]//ul[@class='earlier']//a[normalize-space()='`+b.Key+`']`)),
		chromedp.WaitVisible(chromedp.Search(`//section[contains(@class,'context')]//ul[@class='earlier']//a[normalize-space()='`+h.Key+`']`)),
		chromedp.WaitVisible(chromedp.Search(`//section[contains(@class,'context')]//ul[@class='questions']/li[contains(., 'How do I connect to the VPN?')]`)),
	)
	noUTC(t, ada, "the ticket page")

	Step(t, ada, "the agent edits subject, priority and tags",
		chromedp.SetValue(chromedp.ID("edit-subject"), "VPN portal not found on the new laptop"),
		chromedp.SetValue(chromedp.ID("edit-priority"), "urgent"),
		chromedp.SetValue(chromedp.ID("edit-tags"), "vpn, new-laptop"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()='Save changes']`)),
		chromedp.WaitVisible(alert("ok", a.Key+" edited")),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., 'VPN portal not found on the new laptop')]`)),
		chromedp.WaitVisible(chromedp.Search(`//dl[@class='facts']/dd[normalize-space()='urgent']`)),
		chromedp.WaitVisible(chromedp.Search(`//dd[@class='tags']/a[normalize-space()='new-laptop']`)),
	)
	Step(t, ada, "the agent splits the monitor message into a new ticket",
		chromedp.Click(chromedp.Search(`//ol[contains(@class,'transcript')]/li[contains(., 'second monitor')]//button[normalize-space()='Split into a new ticket']`)),
		chromedp.WaitVisible(alert("ok", "split")),
		chromedp.WaitVisible(chromedp.Search(`//dt[normalize-space()='Split off']/following-sibling::dd[1]/a[normalize-space()='IT-5']`)),
		chromedp.Click(chromedp.Search(`//dt[normalize-space()='Split off']/following-sibling::dd[1]/a[normalize-space()='IT-5']`)),
		chromedp.WaitVisible(chromedp.Search(`//dt[normalize-space()='Split from']/following-sibling::dd[1]/a[normalize-space()='`+a.Key+`']`)),
		chromedp.WaitVisible(chromedp.Search(`//ol[contains(@class,'transcript')]/li[contains(., 'second monitor stays black')]`)),
	)

	linus := br.Person(t)
	Step(t, linus, "an agent of IT only cannot merge an IT ticket into an HR ticket",
		chromedp.EmulateViewport(1280, 1500),
		FollowLink(srv.Link(t, "linus@example.com", "Linus")),
		WaitLive(),
		chromedp.Navigate(srv.URL+"/center/tickets/"+b.Key),
		chromedp.SendKeys(chromedp.ID("into"), h.Key),
		chromedp.Click(chromedp.Search(`//button[normalize-space()='Merge into it']`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert.error`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., 'VPN broken again')]`)),
	)
	if got, err := srv.Store.Get(ctx, b.ID); err != nil || got.MergedInto != "" || got.Status == tickets.StatusResolved {
		t.Fatalf("the refused merge changed %s: %+v %v", b.Key, got, err)
	}
	Step(t, ada, "an agent of both desks merges the HR ticket into the IT ticket",
		chromedp.Navigate(srv.URL+"/center/tickets/"+h.Key),
		chromedp.SendKeys(chromedp.ID("into"), a.Key),
		chromedp.Click(chromedp.Search(`//button[normalize-space()='Merge into it']`)),
		chromedp.WaitVisible(alert("ok", "merged into "+a.Key)),
		chromedp.WaitVisible(chromedp.Search(`//div[contains(@class,'alert')][contains(., 'Merged into')]/a[normalize-space()='`+a.Key+`']`)),
		chromedp.Navigate(srv.URL+"/center/tickets/"+a.Key),
		chromedp.WaitVisible(chromedp.Search(`//div[@id='live-notes']//div[contains(., '`+h.Key+` of the hr desk')]`)),
	)
	Step(t, ada, "the agent moves a ticket to the HR desk",
		chromedp.Navigate(srv.URL+"/center/tickets/"+c.Key),
		chromedp.SetValue(chromedp.ID("move-desk"), "hr"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()='Move']`)),
		chromedp.WaitVisible(alert("ok", "moved to the HR Help Desk")),
		chromedp.WaitVisible(chromedp.Search(`//dt[normalize-space()='Desk']/following-sibling::dd[1][starts-with(normalize-space(), 'HR Help Desk')]`)),
	)
	Step(t, ada, "the desk admin deletes a ticket's content",
		chromedp.Navigate(srv.URL+"/center/tickets/"+d.Key),
		chromedp.WaitVisible(chromedp.Search(`//dt[normalize-space()='Form answers' or normalize-space()='Requester']`)),
		chromedp.Click(chromedp.Search(`//button[normalize-space()='Delete content']`)),
		chromedp.WaitVisible(alert("info", "The content of this ticket was deleted on")),
	)
	noUTC(t, ada, "the deleted ticket's page")

	Step(t, ada, "the agent switches to away in the header",
		chromedp.SetValue(chromedp.ID("my-status"), "away"),
		chromedp.Click(chromedp.Search(`//form[contains(@class,'status-switch')]//button[normalize-space()='Set']`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class,'team')]/span[normalize-space()='Ada (away)']`)),
		Until(`(function(){var o=document.querySelector("#my-status option[selected]");return !!o && o.value==="away"})()`),
	)
	Step(t, linus, "the colleague sees Ada away, on the Open view",
		chromedp.Navigate(srv.URL+"/center/"),
		chromedp.WaitVisible(chromedp.Search(`//nav[contains(@class,'tabs')]/a[@aria-current='page'][normalize-space()='Open']`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class,'team')]/span[normalize-space()='Ada (away)']`)),
	)

	row := func(key string) string {
		return `//table[contains(@class,'tickets')]//tr[.//a[normalize-space()='` + key + `']]`
	}
	Step(t, ada, "the agent ticks two tickets and tags them",
		chromedp.Navigate(srv.URL+"/center/"),
		chromedp.WaitVisible(chromedp.Search(`//nav[contains(@class,'tabs')]/a[@aria-current='page'][normalize-space()='Open']`)),
		chromedp.Click(chromedp.Search(row(b.Key)+`//input[@type='checkbox']`)),
		chromedp.Click(chromedp.Search(row("IT-5")+`//input[@type='checkbox']`)),
		chromedp.SetValue(chromedp.CSS(`#bulk select[name=action]`), "tag"),
		chromedp.SendKeys(chromedp.CSS(`#bulk input[name=tags]`), "monday-outage"),
	)
	Screenshot(t, ada, "center-bulk")
	Step(t, ada, "both show the tag",
		chromedp.Click(chromedp.Search(`//form[@id='bulk']//button[normalize-space()='Apply']`)),
		chromedp.WaitVisible(alert("ok", "Tag: 2 of 2 done.")),
		chromedp.WaitVisible(chromedp.Search(row(b.Key)+`//a[contains(@class,'tag')][normalize-space()='monday-outage']`)),
		chromedp.WaitVisible(chromedp.Search(row("IT-5")+`//a[contains(@class,'tag')][normalize-space()='monday-outage']`)),
	)
	noUTC(t, ada, "the list")
	Step(t, ada, "the agent closes one ticked ticket; it leaves the Open view",
		chromedp.Click(chromedp.Search(row(b.Key)+`//input[@type='checkbox']`)),
		chromedp.SetValue(chromedp.CSS(`#bulk select[name=action]`), "close"),
		chromedp.Click(chromedp.Search(`//form[@id='bulk']//button[normalize-space()='Apply']`)),
		chromedp.WaitVisible(alert("ok", "Close: 1 of 1 done.")),
		// The notice's page lists all tickets, so the closed one shows so.
		chromedp.WaitVisible(chromedp.Search(row(b.Key)+`//span[contains(@class,'status')][normalize-space()='Resolved']`)),
		chromedp.Navigate(srv.URL+"/center/"),
		chromedp.WaitVisible(chromedp.Search(row("IT-5"))),
		chromedp.WaitNotPresent(chromedp.Search(row(b.Key))),
	)
	if got, err := srv.Store.Get(ctx, b.ID); err != nil || got.Status != tickets.StatusResolved {
		t.Fatalf("%s after the bulk close: %+v %v", b.Key, got, err)
	}
	Step(t, ada, "the edited ticket, for the README",
		chromedp.Navigate(srv.URL+"/center/tickets/"+a.Key),
		chromedp.WaitVisible(chromedp.ID("h-context")),
	)
	Screenshot(t, ada, "center-ticket")
}
