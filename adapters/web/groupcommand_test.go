package web_test

import (
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// TestCommandsInTheRoomAreTheAgents: what an agent types with /helpdesk in
// a ticket's room is for the bot, as a slash command is on the chat
// platforms: the requester sees neither the command nor the private
// answer, only what the bot posts into the room; the command is no message
// of the transcript.
func TestCommandsInTheRoomAreTheAgents(t *testing.T) {
	srv := start(t)
	sam := signIn(t, srv, "sam", "Sam")
	ada := signIn(t, srv, "ada", "Ada")
	u := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "sam", Name: "Sam"}
	tk, _, err := srv.Engine.Open(t.Context(), &tickets.Ticket{Desk: "it", Platform: "web", Category: "network",
		Requester: tickets.Person{Platform: "web", ID: "sam", Name: "Sam"}, Subject: "VPN drops"}, "IT", u, tickets.SourceForm)
	if err != nil {
		t.Fatal(err)
	}
	ada.press(ada.last(ada.dm(), tk.Key), "Start Chat")
	started, err := srv.Store.Get(t.Context(), tk.ID)
	if err != nil || started.GroupChat == "" {
		t.Fatalf("no room: %+v %v", started, err)
	}
	room := started.GroupChat

	ada.say(room, "/helpdesk faq vpn")
	if v := ada.last(room, "/helpdesk faq vpn"); !v.Private || !v.Mine {
		t.Errorf("Ada's command as she sees it: %+v", v)
	}
	ada.last(room, "vpn-connect")
	ada.say(room, "/helpdesk faq post vpn-connect")
	posted := sam.last(room, "GlobalProtect")
	if posted.Private || !posted.From.Bot {
		t.Errorf("the posted answer as Sam sees it: %+v", posted)
	}
	for _, v := range sam.history(room) {
		if strings.Contains(v.HTML, "/helpdesk") || strings.Contains(v.HTML, "vpn-connect") {
			t.Errorf("Sam sees the agent's command or its private answer: %s", dump(sam.history(room)))
			break
		}
	}
	msgs, err := srv.Store.Messages(t.Context(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if strings.Contains(m.Text, "/helpdesk") {
			t.Errorf("the transcript keeps the command: %+v", m)
		}
	}
}
