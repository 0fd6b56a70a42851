//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Count waits until at least n messages of the open conversation contain text.
func Count(text string, n int) chromedp.Action[chromedp.Void] {
	return Until(fmt.Sprintf(`[...document.querySelectorAll("#log > li")].filter(li => li.textContent.includes(%q)).length >= %d`, text, n))
}

// TestAgentCommandsInTheWebChat: an agent types commands in the web chat
// as the README says: in the DM with the bot without /helpdesk and with it,
// in the ticket's room with it (`faq`, `faq post`, `end`); mistyped ones get
// a hint and never show among the questions the FAQ could not answer. The
// FAQ answer posted into the room is the bot's in the Ticket Center's
// transcript, rendered as markdown, and the ticket page's share page link
// opens the desk's share page. Screenshots: agent-commands.png,
// center-faq-post.png, center-share.png.
func TestAgentCommandsInTheWebChat(t *testing.T) {
	srv := StartServer(t, WithCenter(t))
	ctx := context.Background()
	open := func(user, name, subject string) *tickets.Ticket {
		u := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: user, Name: name}
		tk, _, err := srv.Engine.Open(ctx, &tickets.Ticket{Desk: "it", Platform: "web", Category: "network",
			Requester: tickets.Person{Platform: "web", ID: user, Name: name}, Subject: subject}, "IT", u, tickets.SourceForm)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	first := open("sam@example.com", "Sam", "VPN drops every hour")
	b := NewBrowser(t)
	sam := b.Person(t)
	SignIn(t, srv, sam, "sam@example.com", "Sam")
	ada := b.Person(t)
	SignIn(t, srv, ada, "ada@example.com", "Ada")

	Step(t, ada, "the agent notes on the ticket from her DM, without and with /helpdesk",
		chromedp.WaitVisible(Button("Start Chat")),
		Say("note "+first.Key+" Checked the VPN logs: no errors"),
		Count("Note added to "+first.Key+".", 1),
		Say("/helpdesk note "+first.Key+" Asked Sam for the laptop model"),
		Count("Note added to "+first.Key+".", 2),
	)
	Step(t, ada, "mistyped commands get a hint",
		Say("onlnie"),
		chromedp.WaitVisible(InLog(`There is no command "onlnie"; did you mean`)),
		Say("snoze "+first.Key+" 2h"),
		chromedp.WaitVisible(InLog(`There is no command "snoze"; did you mean`)),
		Say("/helpdesk snoozee "+first.Key+" 2h"),
		chromedp.WaitVisible(InLog(`There is no command "snoozee"; did you mean`)),
	)
	Screenshot(t, ada, "agent-commands")

	Step(t, ada, "the agent starts the chat",
		chromedp.Click(Button("Start Chat")),
		chromedp.WaitVisible(chromedp.Search(`//h1[@id='chat-title' and starts-with(., '`+first.Key+`')]`)),
		chromedp.WaitVisible(Button("End Service")),
	)
	Step(t, ada, "the agent searches the FAQ in the room and posts an answer",
		Say("/helpdesk faq vpn"),
		chromedp.WaitVisible(InLog("vpn-connect")),
		Say("/helpdesk faq post vpn-connect"),
		chromedp.WaitVisible(chromedp.Search(`//ol[@id='log']/li//strong[normalize-space()='GlobalProtect']`)),
	)
	Step(t, sam, "the requester sees the posted answer rendered, not the agent's commands",
		chromedp.WaitVisible(chromedp.Search(`//h1[@id='chat-title' and starts-with(., '`+first.Key+`')]`)),
		chromedp.WaitVisible(chromedp.Search(`//ol[@id='log']/li//strong[normalize-space()='GlobalProtect']`)),
	)
	log, err := chromedp.Run(sam, chromedp.Evaluate[string](`document.getElementById("log").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log, "/helpdesk") || strings.Contains(log, "**") {
		t.Errorf("the requester's room shows a command or raw markdown:\n%s", log)
	}
	Step(t, ada, "the agent ends the service with /helpdesk end",
		Say("/helpdesk end"),
		chromedp.WaitVisible(chromedp.ID("closed-note")),
	)

	// Snoozing, typed in the DM without /helpdesk, on a second ticket.
	second := open("kim@example.com", "Kim", "GitLab access")
	Step(t, ada, "the agent snoozes a ticket from her DM",
		chromedp.Click(chromedp.Search(`//ul[@id='chats']//button[.//span[normalize-space()='Help desk']]`)),
		chromedp.WaitVisible(InLog(second.Key)),
		Say("snooze "+second.Key+" 2h"),
		chromedp.WaitVisible(InLog(second.Key+" is snoozed until")),
	)
	if tk, err := srv.Store.Get(ctx, second.ID); err != nil || tk.Status != tickets.StatusSnoozed {
		t.Errorf("%s after snooze: %+v %v", second.Key, tk, err)
	}
	if tk, err := srv.Store.Get(ctx, first.ID); err != nil || tk.Status != tickets.StatusResolved {
		t.Errorf("%s after /helpdesk end: %+v %v", first.Key, tk, err)
	}

	// The Ticket Center: the posted answer is the bot's, as markdown.
	Step(t, ada, "the ticket page shows the posted answer as the bot's",
		chromedp.EmulateViewport(1280, 1100),
		chromedp.Navigate(srv.URL+"/center/tickets/"+first.Key),
		chromedp.WaitVisible(chromedp.Search(`//ol[contains(@class,'transcript')]/li[contains(@class,'r-system')][.//div[@class='who'][starts-with(normalize-space(), 'helpdesk (FAQ, posted by Ada)')]]//strong[normalize-space()='GlobalProtect']`)),
		chromedp.WaitVisible(chromedp.Search(`//div[@id='live-notes']//div[contains(., 'Checked the VPN logs')]`)),
	)
	Screenshot(t, ada, "center-faq-post")
	transcript, err := chromedp.Run(ada, chromedp.Evaluate[string](`document.querySelector("ol.transcript").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(transcript, "**") || strings.Contains(transcript, "/helpdesk") {
		t.Errorf("the transcript shows raw markdown or a command:\n%s", transcript)
	}
	for _, line := range strings.Split(transcript, "\n") {
		if strings.HasPrefix(line, "Ada ") && strings.Contains(transcript, "GlobalProtect") && strings.Contains(line, "GlobalProtect") {
			t.Errorf("the FAQ answer is attributed to the agent: %q", line)
		}
	}
	Step(t, ada, "the share page link opens the desk's share page",
		chromedp.Click(chromedp.Search(`//a[normalize-space()='share page']`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[normalize-space()='IT Help Desk']`)),
		chromedp.WaitVisible(chromedp.Search(`//section[contains(@class,'share-card')]//a[contains(@href, '/?desk=it')]`)),
		Until(`[...document.querySelectorAll("section.share-card img")].some(i => i.complete && i.naturalWidth > 0)`),
	)
	Screenshot(t, ada, "center-share")

	// No mistyped command is a question the FAQ could not answer.
	Step(t, ada, "the statistics list no command as an unanswered question",
		chromedp.Navigate(srv.URL+"/center/stats"),
		chromedp.WaitVisible(chromedp.Search(`//h2[normalize-space()='Daily volume']`)),
	)
	stats, err := chromedp.Run(ada, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{"onlnie", "snoze", "snoozee", "note " + first.Key} {
		if strings.Contains(stats, typed) {
			t.Errorf("the statistics show %q as a question", typed)
		}
	}
	qs, err := srv.Store.Questions(ctx, tickets.QuestionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 0 {
		t.Errorf("the agent's commands were logged as questions: %+v", qs)
	}
}
