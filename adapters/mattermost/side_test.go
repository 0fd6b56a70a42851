package mattermost_test

import (
	"context"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/mattermost/mattermost/server/public/model"
)

// A side conversation is a private channel without the requester; a
// member taken out of it is removed on the server.
func TestSideChatMembersAddedAndRemoved(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	chat, err := r.ad.CreateGroupChat(ctx, bot.GroupChat{Name: "it-1-side-1", Title: "IT-1 · side conversation 1", Members: []string{"ada"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ad.InviteToGroupChat(ctx, chat, "grace"); err != nil {
		t.Fatal(err)
	}
	r.mm.mu.Lock()
	in := r.mm.members[chat+" grace"]
	carl := r.mm.members[chat+" carl"]
	r.mm.mu.Unlock()
	if !in || carl {
		t.Fatalf("grace in: %v, carl in: %v", in, carl)
	}
	if err := r.ad.RemoveFromGroupChat(ctx, chat, "grace"); err != nil {
		t.Fatal(err)
	}
	r.mm.mu.Lock()
	in = r.mm.members[chat+" grace"]
	r.mm.mu.Unlock()
	if in {
		t.Fatal("grace is still a member")
	}
	if err := r.ad.RemoveFromGroupChat(ctx, "dm-carl", "carl"); err == nil {
		t.Fatal("removing a member from a direct channel should fail as the server refuses it")
	}
}

// A stale prompt keeps its text and loses its buttons: read back from the
// server (a late press) or rendered again from the message as the engine
// showed it (retired at once).
func TestRetireButtonsKeepsTheText(t *testing.T) {
	for _, withShown := range []bool{false, true} {
		t.Run(map[bool]string{false: "read back", true: "as shown"}[withShown], func(t *testing.T) {
			testRetireButtons(t, withShown)
		})
	}
}

func testRetireButtons(t *testing.T, withShown bool) {
	r := newRig(t)
	ctx := context.Background()
	msg := bot.Message{Text: "Please fill in the form.", Buttons: []bot.Button{{ID: "form.open", Label: "Open the form again"}, {ID: "form.cancel", Label: "Cancel"}}}
	ref, err := r.ad.Send(ctx, "dm-carl", msg)
	if err != nil {
		t.Fatal(err)
	}
	var shown *bot.Message
	if withShown {
		shown = &msg
	}
	if err := r.ad.RetireButtons(ctx, ref, shown, "That button is no longer active."); err != nil {
		t.Fatal(err)
	}
	r.mm.mu.Lock()
	p := r.mm.patches[ref.ID]
	r.mm.mu.Unlock()
	if p == nil || p.Message == nil || !strings.HasSuffix(*p.Message, "_That button is no longer active._") {
		t.Fatalf("patch = %+v", p)
	}
	post := &model.Post{Message: *p.Message, Props: *p.Props}
	text := post.Message
	for _, at := range post.Attachments() {
		text += at.Text
		if len(at.Actions) != 0 {
			t.Fatalf("the post keeps actions: %+v", at.Actions)
		}
	}
	if !strings.Contains(text, "Please fill in the form.") {
		t.Fatalf("the post lost its text: %q", text)
	}
}
