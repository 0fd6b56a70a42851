package bot_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// notes returns the ticket's internal notes written in a side chat.
func sideNotes(t *testing.T, h *bottest.Harness, key string) []string {
	t.Helper()
	tk := h.Ticket(key)
	ms, err := h.Store.Messages(t.Context(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		if m.Kind == tickets.KindNote && tk.SideChatOf(m) != "" {
			out = append(out, m.Author.Name+": "+m.Text)
		}
	}
	return out
}

// An agent invites an expert of another desk into the group chat, then
// takes them out again; the requester sees both, the ticket notes both.
func TestInviteAnExpertIntoTheGroupChat(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, _, agent := escalate(h)
	agent.Press("Start Chat")
	group := carl.Group().ID
	agent.CommandIn(group, bot.ChatGroup, "invite Hope")
	g, _ := h.Platform.Group(group)
	if !slices.Contains(g.Members, "hope") {
		t.Fatalf("Hope is not in the group chat: %v", g.Members)
	}
	if tr := h.Transcript(group, carl.ID); !strings.Contains(tr, "Hope joined the chat to help (invited by "+agent.Name+").") {
		t.Fatalf("the chat does not say Hope joined:\n%s", tr)
	}
	hope := h.Person("hope", "Hope")
	hope.SayIn(group, "Payroll runs on the 25th")
	tk := h.Ticket("IT-1")
	if len(tk.Guests) != 1 || tk.Guests[0].Name != "Hope" {
		t.Fatalf("guests = %+v", tk.Guests)
	}
	ms, _ := h.Store.Messages(t.Context(), tk.ID)
	var said bool
	for _, m := range ms {
		said = said || (m.Kind == tickets.KindTranscript && m.Text == "Payroll runs on the 25th")
	}
	if !said {
		t.Fatal("what the guest wrote is not in the transcript")
	}
	// The requester cannot invite or remove people.
	carl.CommandIn(group, bot.ChatGroup, "remove Hope")
	if g, _ := h.Platform.Group(group); !slices.Contains(g.Members, "hope") {
		t.Fatal("the requester removed the expert")
	}
	agent.CommandIn(group, bot.ChatGroup, "remove Hope")
	if g, _ := h.Platform.Group(group); slices.Contains(g.Members, "hope") {
		t.Fatalf("Hope is still in the chat: %v", g.Members)
	}
	if tk := h.Ticket("IT-1"); len(tk.Guests) != 0 {
		t.Fatalf("guests after removal = %+v", tk.Guests)
	}
	// The requester is not a guest: not removed this way.
	agent.CommandIn(group, bot.ChatGroup, "remove <@carl>")
	if g, _ := h.Platform.Group(group); !slices.Contains(g.Members, "carl") {
		t.Fatal("the requester was removed from their own chat")
	}
	if tr := h.Transcript(group, agent.ID); !strings.Contains(tr, "carl was not invited into the chat of IT-1.") {
		t.Fatalf("no clear refusal:\n%s", tr)
	}
	var invited, removed bool
	for _, m := range ms {
		invited = invited || strings.Contains(m.Text, "invited Hope into the group chat")
	}
	ms, _ = h.Store.Messages(t.Context(), tk.ID)
	for _, m := range ms {
		removed = removed || (m.Kind == tickets.KindNote && strings.Contains(m.Text, "removed Hope from the group chat"))
	}
	if !invited || !removed {
		t.Fatalf("notes: invited %v removed %v", invited, removed)
	}
}

// A side conversation is a chat without the requester; what is written
// there is kept as internal notes, never shown to the requester.
func TestSideConversation(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, _, agent := escalate(h)
	agent.Press("Start Chat")
	group := carl.Group().ID
	agent.CommandIn(group, bot.ChatGroup, "side Hope")
	tk := h.Ticket("IT-1")
	if len(tk.SideChats) != 1 {
		t.Fatalf("side chats = %+v", tk.SideChats)
	}
	side := tk.SideChats[0].Chat
	g, ok := h.Platform.Group(side)
	if !ok || slices.Contains(g.Members, "carl") || !slices.Contains(g.Members, "hope") || !slices.Contains(g.Members, agent.ID) {
		t.Fatalf("side chat members = %v", g.Members)
	}
	for _, gc := range h.Platform.Groups("carl") {
		if gc.ID == side {
			t.Fatal("the requester is in the side chat")
		}
	}
	hope := h.Person("hope", "Hope")
	if tr := h.Transcript(side, hope.ID); !strings.Contains(tr, "Carl, the requester, is not in this chat") {
		t.Fatalf("side chat intro:\n%s", tr)
	}
	hope.SayIn(side, "Ask him for the payslip number")
	agent.SayIn(side, "Will do")
	// An outsider who somehow writes there is refused, and nothing is kept.
	h.Person("mallory", "Mallory").SayIn(side, "let me in")
	want := []string{
		agent.Name + ": " + agent.Name + " opened a side conversation with " + agent.Name + ", Hope.",
		"Hope: Ask him for the payslip number",
		agent.Name + ": Will do",
	}
	if got := sideNotes(t, h, "IT-1"); !slices.Equal(got, want) {
		t.Fatalf("side notes = %q, want %q", got, want)
	}
	if tr := h.Transcript(carl.DM(), carl.ID) + h.Transcript(group, carl.ID); strings.Contains(tr, "payslip") {
		t.Fatalf("the requester saw the side conversation:\n%s", tr)
	}
	// Members are added and removed from inside the side chat.
	hope.CommandIn(side, bot.ChatGroup, "invite Grace")
	if g, _ := h.Platform.Group(side); !slices.Contains(g.Members, "grace") {
		t.Fatalf("Grace not added: %v", g.Members)
	}
	agent.CommandIn(side, bot.ChatGroup, "remove Hope")
	if g, _ := h.Platform.Group(side); slices.Contains(g.Members, "hope") {
		t.Fatalf("Hope not removed: %v", g.Members)
	}
	hope.SayIn(side, "one more thing")
	if got := sideNotes(t, h, "IT-1"); slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "one more thing") }) {
		t.Fatalf("a removed member's message was kept: %q", got)
	}
	agent.CommandIn(side, bot.ChatGroup, "close")
	if g, _ := h.Platform.Group(side); !g.Archived {
		t.Fatal("closed side chat not archived")
	}
	if sc := h.Ticket("IT-1").SideChats[0]; sc.ClosedAt.IsZero() || sc.Names() != agent.Name+", Grace" {
		t.Fatalf("side chat after close = %+v", sc)
	}
	// The requester cannot open one, nor be put in one.
	carl.CommandIn(group, bot.ChatGroup, "side Hope")
	agent.CommandIn(group, bot.ChatGroup, "side <@carl>")
	if n := len(h.Ticket("IT-1").SideChats); n != 1 {
		t.Fatalf("%d side chats, want 1", n)
	}
	if tr := h.Transcript(group, agent.ID); !strings.Contains(tr, "The requester of IT-1 cannot be in its side conversation.") {
		t.Fatalf("no clear refusal:\n%s", tr)
	}
}

// With a ticket key the commands work from the agent's DM too, and survive
// a restart: the side chat is found again.
func TestSideConversationFromDMAfterRestart(t *testing.T) {
	h := bottest.New(t, testConfig)
	_, _, agent := escalate(h)
	agent.Command("side IT-1 Grace")
	mustSee(t, agent, "Side conversation on IT-1 opened")
	side := h.Ticket("IT-1").SideChats[0].Chat
	h.Restart()
	h.Person("grace", "Grace").SayIn(side, "I had this one last week")
	if got := sideNotes(t, h, "IT-1"); len(got) != 2 || got[1] != "Grace: I had this one last week" {
		t.Fatalf("side notes = %q", got)
	}
	h.Person("carl", "Carl").Command("side IT-1 Grace")
	if n := len(h.Ticket("IT-1").SideChats); n != 1 {
		t.Fatalf("the requester opened a side chat: %d", n)
	}
	agent.Command("invite IT-1 Nobody")
	mustSee(t, agent, "Nobody is not an agent of any desk")
}

// An email ticket's only thread is the requester's: no side conversation
// or guest may be put there.
func TestNoSideConversationOnEmail(t *testing.T) {
	h := bottest.New(t, testConfig, bottest.WithPlatform("email"))
	carl := tickets.Actor{Role: tickets.RoleUser, Platform: "email", ID: "carl@example.com", Name: "Carl"}
	tk, _, err := h.Engine.Tickets().Open(t.Context(), &tickets.Ticket{Desk: "it", Platform: "email", Subject: "VPN",
		Requester: tickets.Person{Platform: "email", ID: carl.ID, Name: "Carl"}, RequesterChat: "thread-1"}, "IT", carl, tickets.SourceForm)
	if err != nil {
		t.Fatal(err)
	}
	admin := tickets.Actor{Role: tickets.RoleAdmin, Platform: "web", ID: "boss@example.com", Name: "Boss"}
	_, _, err = h.Engine.OpenSideChat(t.Context(), tk.ID, []string{"<@grace>"}, admin, tickets.SourceWeb)
	if err == nil || !strings.Contains(err.Error(), "came by email") {
		t.Fatalf("side conversation on an email ticket: %v", err)
	}
	if _, err := h.Engine.InviteToChat(t.Context(), tk.ID, "<@grace>", admin, tickets.SourceWeb); err == nil {
		t.Fatal("a guest invited into an email thread")
	}
	if got := h.Ticket(tk.Key); len(got.SideChats) != 0 || len(got.Guests) != 0 || len(h.Platform.Groups("grace")) != 0 {
		t.Fatalf("a side conversation or guest on an email ticket: %+v %+v", got.SideChats, got.Guests)
	}
}
