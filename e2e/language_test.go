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
// labels in German (the message box's placeholder, Send, Attach with its
// title in the ticket chat, the sidebar's Help desk entry, the note of a
// closed chat), and the bot's messages of the whole journey in German: the
// desk picker, the answer and "did this help", the ticket opened and who
// helps, the room's welcome and End Service, its closing and the rating
// prompt. Screenshots: chat-german.png, chat-german-room.png.
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
		chromedp.WaitVisible(chromedp.Search(`//ul[@id='chats']//button[.//span[normalize-space()='Helpdesk']][.//span[normalize-space()='Fragen Sie den Helpdesk-Bot']]`)),
	)
	lang, err := chromedp.Run(dieter, chromedp.Evaluate[string]("document.documentElement.lang + ' ' + navigator.language"))
	if err != nil || lang != "de de-DE" {
		t.Fatalf("page and browser language %q (%v), want de de-DE", lang, err)
	}
	Step(t, dieter, "the bot asks for the desk in German",
		chromedp.WaitVisible(InLog("Welcher Helpdesk kann Ihnen helfen?")),
		chromedp.Click(Button("IT Help Desk")),
		chromedp.WaitVisible(Button("Mit einem Mitarbeiter sprechen")),
	)
	Step(t, dieter, "the employee asks in German and escalates",
		Say("Wie verbinde ich mich mit dem VPN?"),
		chromedp.WaitVisible(InLog("Hat das geholfen?")),
		chromedp.Click(Button("Nein")),
		chromedp.WaitVisible(InLog("Möchten Sie mit einem Mitarbeiter sprechen?")),
		chromedp.Click(Button("Mit einem Mitarbeiter sprechen")),
		chromedp.WaitVisible(chromedp.CSS(`form.chat-form select`)),
		chromedp.SetValue(chromedp.CSS(`form.chat-form select`), "VPN"),
		chromedp.SendKeys(chromedp.CSS(`form.chat-form textarea`), "Das Portal wird nicht gefunden."),
		chromedp.Click(chromedp.CSS(`form.chat-form button[type=submit]`)),
		chromedp.WaitVisible(InLog("Ich habe das Ticket IT-1 für Sie eröffnet")),
		chromedp.WaitVisible(InLog("hilft Ihnen bei IT-1")),
	)
	Screenshot(t, dieter, "chat-german")

	ada := b.Person(t)
	SignIn(t, srv, ada, "ada@example.com", "Ada")
	Step(t, ada, "the agent starts the chat",
		chromedp.Click(Button("Start Chat")),
		chromedp.WaitVisible(chromedp.Search(`//h1[@id='chat-title' and starts-with(., 'IT-1')]`)),
	)
	Step(t, dieter, "the ticket chat's labels and the bot's welcome are German",
		chromedp.WaitVisible(chromedp.Search(`//h1[@id='chat-title' and starts-with(., 'IT-1')]`)),
		chromedp.WaitVisible(chromedp.Search(`//*[@id='chat-topic'][normalize-space()='IT-1 für Dieter']`)),
		chromedp.WaitVisible(InLog("hilft Dieter. Alles, was hier geschrieben wird, wird im Ticket festgehalten.")),
		chromedp.WaitVisible(Button("Service beenden")),
		chromedp.WaitVisible(chromedp.Search(`//label[@id='attach'][@title='Eine Datei senden'][starts-with(normalize-space(), 'Anhängen')]`)),
		chromedp.WaitVisible(chromedp.Search(`//textarea[@id='text'][@placeholder='Nachricht schreiben…']`)),
		chromedp.WaitVisible(chromedp.Search(`//button[@id='send'][normalize-space()='Senden']`)),
	)
	Screenshot(t, dieter, "chat-german-room")
	Step(t, ada, "the agent ends the service",
		chromedp.Click(Button("Service beenden")),
		chromedp.WaitVisible(chromedp.ID("closed-note")),
	)
	Step(t, dieter, "the closed chat says so in German",
		chromedp.WaitVisible(InLog("IT-1 wurde von Ada erledigt. Dieser Chat ist jetzt geschlossen.")),
		chromedp.WaitVisible(chromedp.Search(`//p[@id='closed-note'][normalize-space()='Dieser Chat ist geschlossen.']`)),
		chromedp.WaitNotVisible(chromedp.ID("composer")),
	)
	text, err := chromedp.Run(dieter, chromedp.Evaluate[string](`[...document.querySelectorAll("header.top, #chats, #composer, #closed-note, #empty, #log")].map(e => e.textContent + " " + (e.title || "")).join(" ")`))
	if err != nil {
		t.Fatal(err)
	}
	Step(t, dieter, "the rating prompt is German",
		chromedp.Click(chromedp.Search(`//ul[@id='chats']//button[.//span[normalize-space()='Helpdesk']]`)),
		chromedp.WaitVisible(InLog("IT-1 ist erledigt. Wie bewerten Sie die Hilfe, die Sie bekommen haben?")),
	)
	dm, err := chromedp.Run(dieter, chromedp.Evaluate[string](`document.getElementById("log").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	text += " " + dm
	for _, en := range []string{"Send", "Attach", "Sign out", "This chat is closed", "Help desk", "Ask the help desk bot",
		"is here to help", "End Service", "was resolved by", "I've opened ticket", "will help you", "How would you rate", "Did this help"} {
		if regexp.MustCompile(`\b` + en + `\b`).MatchString(text) {
			t.Errorf("the German chat shows %q:\n%s", en, text)
		}
	}
	ts, err := srv.Store.List(context.Background(), tickets.Filter{})
	if err != nil || len(ts) != 1 || ts[0].Language != "de" {
		t.Fatalf("tickets %+v (%v), want one in German", ts, err)
	}
}
