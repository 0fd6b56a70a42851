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

// TestTicketCenterWorkspace: the agent's list and ticket page update by
// themselves (a ticket opened and a note written elsewhere appear, marked
// new), the knowledge panel finds words of the FAQ's answers and inserts a
// result into a note, and a canned reply is inserted with its variables
// filled in. Screenshots: center-live.png, center-knowledge.png.
func TestTicketCenterWorkspace(t *testing.T) {
	srv := StartServer(t, func(mux *http.ServeMux, s *webtest.Server) {
		c, err := center.New(center.Options{Store: s.Store, Service: s.Engine.Tickets(), Engine: s.Engine,
			Config: s.Config, Auth: s.Auth, LiveEvery: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		c.Routes(mux)
	})
	ctx := context.Background()
	b := NewBrowser(t)
	ada := b.Person(t)
	Step(t, ada, "the agent opens the Ticket Center",
		chromedp.EmulateViewport(1280, 1100),
		FollowLink(srv.Link(t, "ada@example.com", "Ada")),
		chromedp.WaitVisible(chromedp.CSS(`body[data-live="1"] #text`)),
		chromedp.Navigate(srv.URL+"/center/"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-live-stream="on"]`)),
	)

	// A ticket opened in the chat (here through the engine, as the bot
	// does) appears in the open list, marked new.
	sam := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "sam@example.com", Name: "Sam"}
	tk, _, err := srv.Engine.Open(ctx, &tickets.Ticket{Desk: "it", Platform: "web", Category: "network",
		Requester: tickets.Person{Platform: "web", ID: sam.ID, Name: sam.Name}, Subject: "VPN portal not found"}, "IT", sam, tickets.SourceForm)
	if err != nil {
		t.Fatal(err)
	}
	row := `//table[contains(@class,'tickets')]//tr[contains(@class,'unread')][.//a[normalize-space()='` + tk.Key + `']]`
	Step(t, ada, "the new ticket appears by itself, marked new",
		chromedp.WaitVisible(chromedp.Search(row+`//span[contains(@class,'new-mark')]`)),
	)
	Screenshot(t, ada, "center-live")

	// On the ticket page, a colleague's note appears by itself.
	Step(t, ada, "the agent opens the ticket",
		chromedp.Click(chromedp.Search(row+`//a[normalize-space()='`+tk.Key+`']`)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-live-stream="on"][data-ticket="`+tk.Key+`"]`)),
	)
	linus := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: "linus@example.com", Name: "Linus"}
	if _, err := srv.Engine.AddNote(ctx, tk.ID, "Gateway gw2 was restarted at 9:10.", "", linus, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	Step(t, ada, "the note appears by itself",
		chromedp.WaitVisible(chromedp.Search(`//div[@id='live-notes']//div[contains(., 'Gateway gw2 was restarted')]`)),
	)
	Step(t, ada, "back in the list the ticket is no longer new",
		chromedp.Navigate(srv.URL+"/center/"),
		chromedp.WaitVisible(chromedp.Search(`//a[normalize-space()='`+tk.Key+`']`)),
	)
	marked, err := chromedp.Run(ada, chromedp.Evaluate[bool](`!!document.evaluate("`+row+`", document, null, 9, null).singleNodeValue`))
	if err != nil || marked {
		t.Fatalf("still marked new after reading it (%v)", err)
	}

	// Knowledge panel: a word from an answer, highlighted; insert into a note.
	Step(t, ada, "search the FAQ from the ticket page",
		chromedp.Navigate(srv.URL+"/center/tickets/"+tk.Key),
		chromedp.SendKeys(chromedp.ID("kq"), "GlobalProtect"),
		chromedp.Submit(chromedp.ID("kq")),
		chromedp.WaitVisible(chromedp.CSS(`ol.kb-hits mark`)),
	)
	Screenshot(t, ada, "center-knowledge")
	Step(t, ada, "insert the first result into a note",
		chromedp.Click(chromedp.Search(`(//ol[contains(@class,'kb-hits')]//a[normalize-space()='Insert into note'])[1]`)),
		chromedp.WaitVisible(chromedp.Search(`//textarea[@id='note-text'][string-length(.) > 0]`)),
	)
	note, err := chromedp.Run(ada, chromedp.Value(chromedp.ID("note-text")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(note), "globalprotect") {
		t.Fatalf("the note box has %q", note)
	}
	// Canned reply with its variables filled in.
	Step(t, ada, "insert a canned reply",
		chromedp.SendKeys(chromedp.ID("sq"), "restart"),
		chromedp.Submit(chromedp.ID("sq")),
		chromedp.Click(chromedp.Search(`//section[@id='snippets']//a[normalize-space()='Insert into note']`)),
		chromedp.WaitVisible(chromedp.Search(`//textarea[@id='note-text'][contains(., 'restart the laptop')]`)),
	)
	if note, err = chromedp.Run(ada, chromedp.Value(chromedp.ID("note-text"))); err != nil {
		t.Fatal(err)
	}
	if want := "Hi Sam, could you restart the laptop and tell me here on " + tk.Key; !strings.HasPrefix(note, want) {
		t.Fatalf("the note box has %q, want %q…", note, want)
	}
	Step(t, ada, "send the note",
		chromedp.Click(chromedp.Search(`//button[normalize-space()='Add note']`)),
		chromedp.WaitVisible(chromedp.Search(`//div[@id='live-notes']//div[contains(., 'could you restart the laptop')]`)),
	)
}
