package mattermost_test

import (
	"context"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot"
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
