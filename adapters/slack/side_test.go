package slack_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Ada opens a side conversation with Grace from the ticket's channel: a new
// private channel without Carl, whose messages are kept as internal notes;
// Grace is then removed with conversations.kick.
func TestSideConversationIsAPrivateChannelWithoutTheRequester(t *testing.T) {
	w := newWorld(t)
	w.slack.addUser(fakeUser{ID: "UGRACE", Name: "grace", RealName: "Grace Hopper", Display: "Grace", Locale: "en-US"})
	w.start()
	escalate(w)
	w.press("UADA", "DADA", "Start Chat")
	group := w.ticket("IT-1").GroupChat
	w.event(inGroup(group, "UADA", "/helpdesk side Grace"))
	tk := w.ticket("IT-1")
	if len(tk.SideChats) != 1 {
		t.Fatalf("side chats: %+v", tk.SideChats)
	}
	side := w.slack.channel(tk.SideChats[0].Chat)
	if !side.Private || slices.Contains(side.Members, "UCARL") || !slices.Contains(side.Members, "UGRACE") || !slices.Contains(side.Members, "UADA") {
		t.Fatalf("side channel %+v: want private with Ada and Grace, without Carl", side)
	}
	mustContain(t, "the side channel", w.transcript(side.ID, "UGRACE"), "Carl, the requester, is not in this chat")

	w.event(inGroup(side.ID, "UGRACE", "Try the &lt;old&gt; profile"))
	ms, err := w.store.Messages(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var note *tickets.Message
	for i := range ms {
		if tk.SideChatOf(ms[i]) == side.ID && ms[i].Author.Name == "Grace" {
			note = &ms[i]
		}
	}
	if note == nil || note.Kind != tickets.KindNote || note.Text != "Try the <old> profile" {
		t.Fatalf("Grace's message as a note: %+v", note)
	}
	for _, m := range w.slack.messages(group, "") {
		if strings.Contains(render(m.Blocks)+m.Text, "old> profile") {
			t.Fatal("the side conversation reached the ticket's channel")
		}
	}

	w.event(inGroup(side.ID, "UADA", "/helpdesk remove Grace"))
	if slices.Contains(w.slack.channel(side.ID).Members, "UGRACE") {
		t.Fatalf("Grace is still in the side channel: %v", w.slack.channel(side.ID).Members)
	}
	if len(w.slack.callsOf("conversations.kick")) != 1 {
		t.Fatalf("conversations.kick calls: %v", w.slack.callsOf("conversations.kick"))
	}
	w.event(inGroup(side.ID, "UADA", "/helpdesk close"))
	if !w.slack.channel(side.ID).Archived {
		t.Fatal("the closed side conversation is not archived")
	}
}

// Once the form is sent, the prompt's buttons make way for a context line
// at once (chat.update with the blocks rendered as shown, minus the
// actions); "Open the form again" pressed late from a client still showing
// it is refused in private.
func TestSentFormsPromptReplacesTheActionsWithAContextLine(t *testing.T) {
	w := newWorld(t)
	w.start()
	w.say("UCARL", "VPN does not connect")
	w.press("UCARL", "DCARL", "No")
	w.press("UCARL", "DCARL", "Talk to an agent")
	prompt := func() *fakeMsg {
		for _, m := range w.slack.messages("DCARL", "UCARL") {
			if strings.Contains(render(m.Blocks), "Access request") && m.Ephemeral == "" {
				return &m
			}
		}
		return nil
	}
	shown := prompt()
	if shown == nil {
		t.Fatal("no form prompt")
	}
	id, value, typ, ok := element(shown.Blocks, "Open the form again")
	if !ok {
		t.Fatalf("the prompt has no Open the form again:\n%s", render(shown.Blocks))
	}
	w.submit("UCARL", map[string]string{"system": "VPN", "details": "It drops"})
	got := prompt()
	if got == nil || got.Updates == 0 {
		t.Fatalf("the prompt was not updated: %+v", got)
	}
	if r := render(got.Blocks); strings.Contains(r, "[Open the form again]") || !strings.Contains(r, "That button is no longer active.") ||
		!strings.Contains(r, "Access request") {
		t.Fatalf("the prompt once the form was sent:\n%s", r)
	}
	views := len(w.slack.callsOf("views.open"))
	w.click("UCARL", *shown, id, value, typ)
	if n := len(w.slack.callsOf("views.open")); n != views {
		t.Fatalf("a late press opened the form again (%d views.open)", n)
	}
	// The context line, and the private refusal of the late press.
	if n := strings.Count(w.transcript("DCARL", "UCARL"), "That button is no longer active."); n != 2 {
		t.Fatalf("%d times \"no longer active\" in Carl's view, want the context line and the refusal:\n%s", n, w.transcript("DCARL", "UCARL"))
	}
}
