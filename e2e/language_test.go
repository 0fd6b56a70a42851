//go:build e2e

package e2e

import (
	"context"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// TestChatInGerman: a browser that asks for German gets the web chat's own
// labels in German: the message box's placeholder, Send, Attach with its
// title in the ticket chat, and the note of a closed chat. Screenshot:
// chat-german.png.
func TestChatInGerman(t *testing.T) {
	srv := StartServer(t, nil)
	b := NewBrowser(t)
	dieter := b.Person(t)
	Step(t, dieter, "a German browser signs in",
		Language("de-DE,de;q=0.9"),
		FollowLink(srv.Link(t, "dieter@example.com", "Dieter")),
		WaitLive(),
		chromedp.WaitVisible(chromedp.Search(`//button[@id='send'][normalize-space()='Senden']`)),
		chromedp.WaitVisible(chromedp.Search(`//textarea[@id='text'][@placeholder='Stellen Sie eine Frage…']`)),
		chromedp.WaitVisible(chromedp.Search(`//button[@id='signout'][normalize-space()='Abmelden']`)),
	)
	lang, err := chromedp.Run(dieter, chromedp.Evaluate[string]("document.documentElement.lang + ' ' + navigator.language"))
	if err != nil || lang != "de de-DE" {
		t.Fatalf("page and browser language %q (%v), want de de-DE", lang, err)
	}

	ctx := context.Background()
	u := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "dieter@example.com", Name: "Dieter"}
	if _, _, err := srv.Engine.Open(ctx, &tickets.Ticket{Desk: "it", Platform: "web", Category: "network", Language: "de",
		Requester: tickets.Person{Platform: "web", ID: u.ID, Name: u.Name}, Subject: "VPN geht nicht"}, "IT", u, tickets.SourceForm); err != nil {
		t.Fatal(err)
	}
	ada := b.Person(t)
	SignIn(t, srv, ada, "ada@example.com", "Ada")
	Step(t, ada, "the agent starts the chat",
		chromedp.Click(Button("Start Chat")),
		chromedp.WaitVisible(chromedp.Search(`//h1[@id='chat-title' and starts-with(., 'IT-1')]`)),
	)
	Step(t, dieter, "the ticket chat's labels are German",
		chromedp.WaitVisible(chromedp.Search(`//h1[@id='chat-title' and starts-with(., 'IT-1')]`)),
		chromedp.WaitVisible(chromedp.Search(`//label[@id='attach'][@title='Eine Datei senden'][starts-with(normalize-space(), 'Anhängen')]`)),
		chromedp.WaitVisible(chromedp.Search(`//textarea[@id='text'][@placeholder='Nachricht schreiben…']`)),
		chromedp.WaitVisible(chromedp.Search(`//button[@id='send'][normalize-space()='Senden']`)),
	)
	Screenshot(t, dieter, "chat-german")
	Step(t, ada, "the agent ends the service",
		chromedp.Click(Button("End Service")),
		chromedp.WaitVisible(chromedp.ID("closed-note")),
	)
	Step(t, dieter, "the closed chat says so in German",
		chromedp.Click(chromedp.Search(`//ul[@id='chats']//button[contains(., 'IT-1')]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[@id='closed-note'][normalize-space()='Dieser Chat ist geschlossen.']`)),
		chromedp.WaitNotVisible(chromedp.ID("composer")),
	)
	text, err := chromedp.Run(dieter, chromedp.Evaluate[string](`[...document.querySelectorAll("header.top, #composer, #closed-note, #empty")].map(e => e.textContent + " " + (e.title || "")).join(" ")`))
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range []string{"Send", "Attach", "Sign out", "This chat is closed"} {
		if regexp.MustCompile(`\b` + en + `\b`).MatchString(text) {
			t.Errorf("the German chat shows %q:\n%s", en, text)
		}
	}
}
