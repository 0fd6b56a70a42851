package slack_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Fatalf("%s lacks %q:\n%s", what, want, got)
		}
	}
}

// TestJourneyOverSocketMode runs the whole help desk journey through Socket
// Mode envelopes and Web API calls: question → answer → escalate with the
// modal → Start Chat → chat → End Service → evaluation.
func TestJourneyOverSocketMode(t *testing.T) {
	w := newWorld(t)
	// A channel of that name exists already: the adapter must pick another.
	w.slack.addChannel(&fakeChannel{ID: "COLD", Name: "it-1-vpn-does-not-connect", Private: true})
	w.start()

	// A DM question gets a Block Kit answer with "Did this help?" buttons.
	ev := w.say("UCARL", "VPN does not connect")
	if ev.User.Name != "Carl" || ev.User.Locale != "en-US" || ev.User.Timezone != "Europe/Berlin" || ev.Chat.Kind != bot.ChatDirect {
		t.Fatalf("event user/chat from users.info: %+v %+v", ev.User, ev.Chat)
	}
	answer := w.last("DCARL", "UCARL")
	mustContain(t, "the answer", render(answer.Blocks), "GlobalProtect", "Did this help?", "[Yes]", "[No]")
	if answer.Blocks[0]["type"] != "section" {
		t.Fatalf("answer blocks: %v", answer.Blocks)
	}
	if c := w.slack.callsOf("users.info"); len(c) != 1 || c[0].Params.Get("include_locale") != "true" {
		t.Fatalf("users.info calls: %+v", c)
	}

	w.press("UCARL", "DCARL", "No")
	mustContain(t, "after No", w.transcript("DCARL", "UCARL"), "[Talk to an agent]")
	w.press("UCARL", "DCARL", "Talk to an agent")

	// The pre-inquiry form opens as a modal with the click's trigger id.
	v := w.slack.lastView()
	opens := w.slack.callsOf("views.open")
	if v.Trigger == "" || opens[len(opens)-1].JSON["trigger_id"] != v.Trigger {
		t.Fatalf("views.open without the trigger id: %+v", opens)
	}
	if v.View["type"] != "modal" || v.View["callback_id"] != "ticket" {
		t.Fatalf("view: %v", v.View)
	}
	blocks := v.View["blocks"].([]any)
	if len(blocks) != 3 {
		t.Fatalf("want 3 inputs, got %v", blocks)
	}
	sys, details, phone := blocks[0].(map[string]any), blocks[1].(map[string]any), blocks[2].(map[string]any)
	if sys["element"].(map[string]any)["type"] != "static_select" || sys["optional"] == true {
		t.Fatalf("system should be a required static_select: %v", sys)
	}
	if details["element"].(map[string]any)["multiline"] != true || details["optional"] == true {
		t.Fatalf("details should be a required multiline input: %v", details)
	}
	if phone["optional"] != true {
		t.Fatalf("phone should be optional: %v", phone)
	}

	// The submission opens a ticket assigned to Ada.
	w.submit("UCARL", map[string]string{"system": "VPN", "details": "It drops every hour since Monday"})
	mustContain(t, "Carl's DM", w.transcript("DCARL", "UCARL"), "I've opened ticket *IT-1*", "*Ada* will help you")
	tk := w.ticket("IT-1")
	if tk.Status != tickets.StatusAssigned || tk.Assignee != "Ada" || tk.Requester.ID != "UCARL" || tk.Requester.Name != "Carl" {
		t.Fatalf("ticket: %+v", tk)
	}
	card := w.last("DADA", "UADA")
	mustContain(t, "Ada's card", render(card.Blocks), "# IT-1 · VPN does not connect", "*Which system?*\nVPN", "[Start Chat]")
	chanCard := w.last("CAGENTS", "")
	mustContain(t, "the agent channel card", render(chanCard.Blocks), "IT-1 · VPN does not connect", "[Start Chat]")

	// Bob is not an agent: his Start Chat gets an ephemeral refusal, nothing changes.
	w.press("UBOB", "CAGENTS", "Start Chat")
	eph := w.last("CAGENTS", "UBOB")
	if eph.Ephemeral != "UBOB" || !strings.Contains(render(eph.Blocks), "Only the assigned agent") {
		t.Fatalf("Bob should get an ephemeral refusal, got %+v", eph)
	}
	if len(w.slack.callsOf("conversations.create")) != 0 || w.ticket("IT-1").Status != tickets.StatusAssigned {
		t.Fatal("a refused Start Chat must not create a channel or change the ticket")
	}
	if len(w.slack.messages("CAGENTS", "")) != 1 {
		t.Fatal("the refusal must not be visible to the channel")
	}

	// Ada starts the chat: a private channel with Carl and Ada, the summary
	// with End Service, the cards updated in place.
	w.press("UADA", "DADA", "Start Chat")
	gc, ok := w.slack.channelNamed("it-1-vpn-does-not-connect-2")
	if !ok || !gc.Private {
		t.Fatalf("want private channel it-1-vpn-does-not-connect-2, creates: %+v", w.slack.callsOf("conversations.create"))
	}
	if !slices.Contains(gc.Members, "UCARL") || !slices.Contains(gc.Members, "UADA") || !slices.Contains(gc.Members, botUser) {
		t.Fatalf("group members: %v", gc.Members)
	}
	mustContain(t, "the group chat", w.transcript(gc.ID, "UCARL"), "# IT-1 · VPN does not connect", "[End Service]")
	for _, ch := range []string{"DADA", "CAGENTS"} {
		cards := w.slack.messages(ch, "")
		c := cards[0]
		if c.Updates == 0 || !strings.Contains(render(c.Blocks), "In service with Ada") {
			t.Fatalf("card in %s should be updated with chat.update: %+v", ch, c)
		}
	}
	if w.ticket("IT-1").GroupChat != gc.ID {
		t.Fatal("the ticket should record its channel")
	}

	// Messages in the channel go to the transcript; the bot's own posts do not.
	w.event(inGroup(gc.ID, "UCARL", "Hi Ada, it just dropped again &amp; again"))
	w.slack.push(w.next("env-"), "events_api", w.callback(map[string]any{"type": "message", "channel": gc.ID,
		"channel_type": "group", "user": botUser, "bot_id": botID, "text": "echo of the bot"}))
	w.slack.push(w.next("env-"), "events_api", w.callback(map[string]any{"type": "message", "subtype": "channel_join",
		"channel": gc.ID, "channel_type": "group", "user": "UADA", "text": "<@UADA> has joined the channel"}))
	ev = w.event(inGroup(gc.ID, "UADA", "Please update GlobalProtect to 6.2"))
	if ev.Chat.Kind != bot.ChatGroup || ev.Chat.ID != gc.ID {
		t.Fatalf("group message event: %+v", ev.Chat)
	}
	w.noMoreEvents()
	msgs, err := w.store.Messages(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, m := range msgs {
		lines = append(lines, m.Author.Name+": "+m.Text)
	}
	if got, want := strings.Join(lines, "\n"), "Carl: Hi Ada, it just dropped again & again\nAda: Please update GlobalProtect to 6.2"; got != want {
		t.Fatalf("transcript:\n%s\nwant:\n%s", got, want)
	}

	// End Service: closing note, channel archived, evaluation in Carl's DM.
	w.press("UADA", gc.ID, "End Service")
	mustContain(t, "the group chat", w.transcript(gc.ID, "UADA"), "This chat is now closed")
	if !w.slack.channel(gc.ID).Archived {
		t.Fatal("End Service should archive the channel")
	}
	mustContain(t, "Carl's DM", w.transcript("DCARL", "UCARL"), "is resolved. How would you rate")
	w.press("UCARL", "DCARL", "★★★★☆")
	w.press("UCARL", "DCARL", "Fast")
	mustContain(t, "Carl's DM", w.transcript("DCARL", "UCARL"), "[Add a comment]")
	w.press("UCARL", "DCARL", "Add a comment")
	cv := w.slack.lastView()
	if !strings.HasPrefix(cv.View["callback_id"].(string), "comment:") {
		t.Fatalf("the comment should open as a modal: %v", cv.View)
	}
	w.submit("UCARL", map[string]string{"comment": "Quick and friendly"})
	mustContain(t, "Carl's DM", w.transcript("DCARL", "UCARL"), "Thanks for your feedback!")
	tk = w.ticket("IT-1")
	if tk.Status != tickets.StatusResolved || tk.Evaluation == nil || tk.Evaluation.Rating != 4 || tk.Evaluation.Comment != "Quick and friendly" {
		t.Fatalf("ticket after evaluation: %s %+v", tk.Status, tk.Evaluation)
	}
}
