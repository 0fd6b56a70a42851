//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// TestJourney drives the whole help desk journey in two browsers: the
// employee asks, gets an answer, says No, escalates with the HTML form; the
// agent signs in with a one-time link, sees the card, presses Start Chat;
// both chat live; the agent presses End Service; the employee rates.
func TestJourney(t *testing.T) {
	srv := StartServer(t, nil)
	b := NewBrowser(t)
	sam := b.Person(t)
	ada := b.Person(t)

	// The employee signs in on the demo page, as the README's first run does.
	Step(t, sam, "employee signs in on the demo page",
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.Search(`//h1[normalize-space()='Try the help desk']`)),
		chromedp.SendKeys(chromedp.ID("name"), "Sam"),
		chromedp.Click(chromedp.Search(`//button[normalize-space()='Sign in as an employee']`)),
		WaitLive(),
	)
	Step(t, sam, "the chat opens with the desk picker, and the employee picks the IT desk",
		chromedp.WaitVisible(InLog("Which help desk can help you?")),
		chromedp.Click(Button("IT Help Desk")),
		chromedp.WaitVisible(InLog("IT help desk bot")),
	)
	Step(t, sam, "employee asks and gets an answer",
		Say("How do I connect to the VPN?"),
		chromedp.WaitVisible(InLog("Did this help?")),
	)
	Step(t, sam, "employee says No",
		chromedp.Click(Button("No")),
		chromedp.WaitVisible(InLog("talk to an agent?")),
		chromedp.Click(Button("Talk to an agent")),
	)
	Step(t, sam, "employee fills in the HTML form",
		chromedp.WaitVisible(chromedp.CSS(`form.chat-form select`)),
		chromedp.SetValue(chromedp.CSS(`form.chat-form select`), "VPN"),
		chromedp.SendKeys(chromedp.CSS(`form.chat-form textarea`), "GlobalProtect says portal not found since this morning."),
	)
	Screenshot(t, sam, "employee-form")
	Step(t, sam, "employee sends the form",
		chromedp.Click(chromedp.CSS(`form.chat-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class,'state') and contains(., 'Sent')]`)),
		chromedp.WaitVisible(InLog("will help you")),
	)
	Screenshot(t, sam, "employee-chat")

	// The agent signs in with a one-time link, as the bot would DM it.
	SignIn(t, srv, ada, "ada@example.com", "Ada")
	Step(t, ada, "agent sees the ticket card",
		chromedp.WaitVisible(Button("Start Chat")),
		chromedp.WaitVisible(InLog("portal not found")),
	)
	Screenshot(t, ada, "agent-view")
	Step(t, ada, "agent presses Start Chat and lands in the ticket chat",
		chromedp.Click(Button("Start Chat")),
		chromedp.WaitVisible(chromedp.Search(`//h1[@id='chat-title' and starts-with(., 'IT-1')]`)),
		chromedp.WaitVisible(Button("End Service")),
	)
	Step(t, sam, "the ticket chat opens for the employee",
		chromedp.WaitVisible(chromedp.Search(`//h1[@id='chat-title' and starts-with(., 'IT-1')]`)),
		chromedp.WaitVisible(InLog("is here to help")),
	)

	// Both chat, live.
	Step(t, ada, "agent writes", Say("Hi Sam, I'm on it. Which laptop do you use?"))
	Step(t, sam, "employee sees it live and answers",
		chromedp.WaitVisible(InLog("Which laptop do you use?")),
		Say("A ThinkPad T14, with **Windows 11**"),
	)
	Step(t, ada, "agent sees the answer live",
		chromedp.WaitVisible(chromedp.Search(`//ol[@id='log']//strong[normalize-space()='Windows 11']`)),
		Say("Thanks! I've reset your VPN profile; please try again."),
	)
	Step(t, sam, "employee sees the fix", chromedp.WaitVisible(InLog("reset your VPN profile")))
	Screenshot(t, sam, "employee-ticket-chat")
	Screenshot(t, ada, "agent-ticket-chat")

	Step(t, ada, "agent presses End Service",
		chromedp.Click(Button("End Service")),
		chromedp.WaitVisible(chromedp.ID("closed-note")),
		// The closed chat takes no messages: its message box is gone.
		chromedp.WaitNotVisible(chromedp.ID("composer")),
	)
	Step(t, sam, "employee rates with stars",
		chromedp.WaitVisible(chromedp.ID("closed-note")),
		chromedp.Click(chromedp.Search(`//ul[@id='chats']//button[.//span[normalize-space()='Help desk']]`)),
		chromedp.WaitVisible(InLog("How would you rate")),
	)
	Screenshot(t, sam, "employee-rating")
	Step(t, sam, "employee presses the fourth star",
		chromedp.Click(chromedp.Search(`(//div[contains(@class,'stars')])[last()]//button[@data-star='4']`)),
		chromedp.WaitVisible(InLog("You rated it ★★★★☆")),
		chromedp.WaitVisible(Button("Solved my problem")),
	)
	Step(t, sam, "employee picks two reasons, then Done",
		chromedp.Click(Button("Solved my problem")),
		chromedp.WaitVisible(Button("✓ Solved my problem")),
		chromedp.Click(Button("Fast")),
		chromedp.WaitVisible(Button("✓ Fast")),
		chromedp.Click(Button("Done")),
		chromedp.WaitVisible(InLog("Thanks for your feedback!")),
		chromedp.WaitVisible(InLog("Noted: Solved my problem, Fast.")),
	)

	ts, err := srv.Store.List(context.Background(), tickets.Filter{})
	if err != nil || len(ts) != 1 {
		t.Fatalf("tickets: %v %v", ts, err)
	}
	tk := ts[0]
	if tk.Status != tickets.StatusResolved || tk.Evaluation == nil || tk.Evaluation.Rating != 4 || tk.Assignee != "Ada" ||
		strings.Join(tk.Evaluation.Reasons, ",") != "Solved my problem,Fast" {
		t.Errorf("ticket %s: status %s, assignee %s, evaluation %+v; want resolved by Ada, rated 4", tk.Key, tk.Status, tk.Assignee, tk.Evaluation)
	}
	msgs, err := srv.Store.Messages(context.Background(), tk.ID)
	if err != nil || len(msgs) < 3 {
		t.Errorf("transcript: %d messages, %v; want the 3 written in the chat", len(msgs), err)
	}

	// History survives a reload.
	Step(t, sam, "employee reloads the page",
		chromedp.Reload(),
		WaitLive(),
		chromedp.WaitVisible(InLog("You rated it ★★★★☆")),
	)
	// And the page works on a phone.
	Step(t, sam, "phone screen",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Reload(),
		WaitLive(),
		chromedp.WaitVisible(InLog("You rated it")),
	)
	Screenshot(t, sam, "employee-phone")
}
