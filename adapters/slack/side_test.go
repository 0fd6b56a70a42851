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

// After the form is sent, "Open the form again" pressed late is refused in
// private and the prompt's buttons make way for a context line.
func TestLatePressReplacesTheActionsWithAContextLine(t *testing.T) {
	w := newWorld(t)
	w.start()
	escalate(w)
	views := len(w.slack.callsOf("views.open"))
	w.press("UCARL", "DCARL", "Open the form again")
	if n := len(w.slack.callsOf("views.open")); n != views {
		t.Fatalf("a late press opened the form again (%d views.open)", n)
	}
	var prompt *fakeMsg
	for _, m := range w.slack.messages("DCARL", "UCARL") {
		if strings.Contains(render(m.Blocks), "Access request") && m.Ephemeral == "" {
			prompt = &m
		}
	}
	if prompt == nil || prompt.Updates == 0 {
		t.Fatalf("the prompt was not updated: %+v", prompt)
	}
	got := render(prompt.Blocks)
	if strings.Contains(got, "[Open the form again]") || !strings.Contains(got, "That button is no longer active.") {
		t.Fatalf("the prompt after a late press:\n%s", got)
	}
	mustContain(t, "Carl's view", w.transcript("DCARL", "UCARL"), "That button is no longer active.")
}
