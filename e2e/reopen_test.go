//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// disabledAll is a script true when the log has buttons labelled label and
// all of them are disabled.
func disabledAll(label string) string {
	return `(function(){var bs=[...document.querySelectorAll("#log button")].filter(b=>b.textContent.trim()===` + "'" + label + "'" +
		`);return bs.length>0 && bs.every(b=>b.disabled)})()`
}

// TestReopenAndStaleButtons: after sending the form its Open the form
// again / Cancel buttons are disabled; after End Service the employee rates,
// picks several reasons and still adds a comment; within the reopen window
// a new problem is offered Reopen with one press, which reopens the ticket;
// the old rating prompt and the closed room's End Service are then shown
// disabled, and the rating is kept in the ticket's history. Screenshot:
// employee-reopen.png.
func TestReopenAndStaleButtons(t *testing.T) {
	srv := StartServer(t, nil)
	b := NewBrowser(t)
	sam := b.Person(t)
	ada := b.Person(t)
	SignIn(t, srv, sam, "sam@example.com", "Sam")
	Step(t, sam, "the employee escalates with the form",
		chromedp.WaitVisible(InLog("Which help desk can help you?")),
		chromedp.Click(Button("IT Help Desk")),
		chromedp.WaitVisible(InLog("IT help desk bot")),
		Say("How do I connect to the VPN?"),
		chromedp.WaitVisible(InLog("Did this help?")),
		chromedp.Click(Button("No")),
		chromedp.WaitVisible(InLog("talk to an agent?")),
		chromedp.Click(Button("Talk to an agent")),
		chromedp.WaitVisible(chromedp.CSS(`form.chat-form select`)),
		chromedp.SetValue(chromedp.CSS(`form.chat-form select`), "VPN"),
		chromedp.SendKeys(chromedp.CSS(`form.chat-form textarea`), "GlobalProtect cannot reach the portal."),
		chromedp.Click(chromedp.CSS(`form.chat-form button[type=submit]`)),
		chromedp.WaitVisible(InLog("will help you")),
	)
	stale, err := chromedp.Run(sam, chromedp.Evaluate[bool](`[...document.querySelectorAll("#log button")].filter(b=>/^(Open the form again|Cancel)$/.test(b.textContent.trim())).every(b=>b.disabled)`))
	if err != nil || !stale {
		t.Errorf("after sending the form, Open the form again / Cancel are still live (%v)", err)
	}
	SignIn(t, srv, ada, "ada@example.com", "Ada")
	Step(t, ada, "the agent starts the chat and ends the service",
		chromedp.Click(Button("Start Chat")),
		chromedp.WaitVisible(chromedp.Search(`//h1[@id='chat-title' and starts-with(., 'IT-1')]`)),
		chromedp.WaitVisible(Button("End Service")),
		chromedp.Click(Button("End Service")),
		chromedp.WaitVisible(chromedp.ID("closed-note")),
	)
	Step(t, sam, "the employee rates, picks two reasons and adds a comment",
		chromedp.Click(chromedp.Search(`//ul[@id='chats']//button[.//span[normalize-space()='Help desk']]`)),
		chromedp.WaitVisible(InLog("How would you rate")),
		chromedp.Click(chromedp.Search(`(//div[contains(@class,'stars')])[last()]//button[@data-star='4']`)),
		chromedp.WaitVisible(Button("Fast")),
		chromedp.Click(Button("Fast")),
		chromedp.WaitVisible(Button("✓ Fast")),
		chromedp.Click(Button("Friendly")),
		chromedp.WaitVisible(Button("✓ Friendly")),
		chromedp.WaitEnabled(Button("Add a comment")),
		chromedp.Click(Button("Add a comment")),
		chromedp.WaitVisible(chromedp.Search(`(//form[contains(@class,'chat-form')])[last()]//textarea`)),
		chromedp.SendKeys(chromedp.Search(`(//form[contains(@class,'chat-form')])[last()]//textarea`), "Quick and kind, thank you."),
		chromedp.Click(chromedp.Search(`(//form[contains(@class,'chat-form')])[last()]//button[@type='submit']`)),
		chromedp.WaitVisible(InLog("Thanks for your feedback!")),
	)
	Step(t, sam, "a new problem within the window is offered Reopen",
		Say("The VPN drops again every ten minutes since lunch"),
		chromedp.WaitVisible(InLog("resolved earlier?")),
		chromedp.WaitVisible(Button("Reopen")),
	)
	Screenshot(t, sam, "employee-reopen")
	Step(t, sam, "one press reopens the ticket; the old rating prompt is disabled",
		chromedp.Click(Button("Reopen")),
		chromedp.WaitVisible(InLog("reopened")),
		Until(`[...document.querySelectorAll("#log .stars button")].every(b=>b.disabled)`),
		Until(disabledAll("Add a comment")),
	)
	Step(t, ada, "the closed room's End Service is shown disabled",
		Until(`(function(){var bs=[...document.querySelectorAll("#log button")].filter(b=>b.textContent.trim()==="End Service");return bs.length>0 && bs[0].disabled})()`),
	)
	ts, err := srv.Store.List(context.Background(), tickets.Filter{})
	if err != nil || len(ts) != 1 {
		t.Fatalf("tickets: %v %v", ts, err)
	}
	tk := ts[0]
	if tk.Status == tickets.StatusResolved || len(tk.EarlierRatings) != 1 || tk.EarlierRatings[0].Rating != 4 ||
		strings.Join(tk.EarlierRatings[0].Reasons, ",") != "Fast,Friendly" || !strings.Contains(tk.EarlierRatings[0].Comment, "Quick and kind") {
		t.Errorf("%s after the reopen: status %s, earlier ratings %+v", tk.Key, tk.Status, tk.EarlierRatings)
	}
}
