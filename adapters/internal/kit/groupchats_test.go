package kit_test

import (
	"context"
	"errors"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

type finder struct {
	chats map[string]bool
	err   error
	calls int
}

func (f *finder) FindByGroupChat(ctx context.Context, platform, chat string) (*tickets.Ticket, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	if f.chats[platform+"/"+chat] {
		return &tickets.Ticket{GroupChat: chat}, nil
	}
	return nil, errs.Errorf(errs.ENOTFOUND, "no ticket")
}

func TestSet(t *testing.T) {
	ctx := context.Background()
	f := &finder{chats: map[string]bool{"slack/G-old": true, "discord/G-other": true}}
	s := kit.NewGroupChats("slack", f, nil)
	s.Add("G-new")
	if !s.Has(ctx, "G-new") || f.calls != 0 {
		t.Fatalf("a created chat is known without asking the store (calls %d)", f.calls)
	}
	first := s.Has(ctx, "G-old")
	second := s.Has(ctx, "G-old")
	if !first || !second || f.calls != 1 {
		t.Fatalf("a chat from before a restart is found once and remembered (calls %d)", f.calls)
	}
	if s.Has(ctx, "C-general") || s.Has(ctx, "G-other") || s.Has(ctx, "") {
		t.Fatal("other channels, other platforms' chats and empty ids are not group chats")
	}
	broken := kit.NewGroupChats("slack", &finder{err: errors.New("db down")}, nil)
	if broken.Has(ctx, "G-old") {
		t.Fatal("a store error must not make a channel a ticket chat")
	}
	if kit.NewGroupChats("slack", nil, nil).Has(ctx, "G-old") {
		t.Fatal("without a store only added chats are known")
	}
}

// sideFinder also keeps states, as the ticket store does: a side
// conversation recorded under tickets.SideChatKey is a ticket chat.
type sideFinder struct {
	finder
	states map[string][]byte
}

func (f *sideFinder) GetState(ctx context.Context, key string) ([]byte, int64, error) {
	if b, ok := f.states[key]; ok {
		return b, 1, nil
	}
	return nil, 0, errs.Errorf(errs.ENOTFOUND, "no state")
}

func TestSideConversationsAreKnownAfterARestart(t *testing.T) {
	f := &sideFinder{states: map[string][]byte{tickets.SideChatKey("slack", "G-side"): []byte("7")}}
	s := kit.NewGroupChats("slack", f, nil)
	if !s.Has(t.Context(), "G-side") {
		t.Fatal("a side conversation from before a restart is not recognised")
	}
	if s.Has(t.Context(), "G-else") || kit.NewGroupChats("discord", f, nil).Has(t.Context(), "G-side") {
		t.Fatal("other channels, or the side chat on another platform, are ticket chats")
	}
}
