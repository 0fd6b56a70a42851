package bot_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/internal/clocktest"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// Reply (the Ticket Center's reply box) reaches the requester on the
// ticket's chat platform: in their DM while no group chat runs, in the
// group chat once it does, and every reply is in the transcript. A user
// cannot use it.
func TestReplyReachesTheRequesterOnTheTicketsChannel(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Load(filepath.Join("..", "examples", "helpdesk.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := faq.BuildSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := bottest.NewPlatform("web", true)
	clock := clocktest.New(time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC))
	e, err := bot.New(bot.Options{Store: st, Runtime: &bot.Runtime{Config: cfg, FAQ: set}, Platforms: []bot.Platform{p}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc := e.Tickets()
	alice := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "alice@example.com", Name: "Alice"}
	ada := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: "ada@example.com", Name: "Ada"}
	tk, _, err := svc.Open(ctx, &tickets.Ticket{Desk: "it", Platform: "web", Requester: tickets.Person{Platform: "web", ID: alice.ID, Name: "Alice"},
		RequesterChat: bottest.DMChat(alice.ID), Subject: "VPN"}, "IT", alice, tickets.SourceForm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Reply(ctx, tk.ID, "Which VPN client do you use?", alice, tickets.SourceWeb); errs.Code(err) != errs.EFORBIDDEN {
		t.Fatalf("a requester may not use the reply box: %v", err)
	}
	if _, err := e.Reply(ctx, tk.ID, "Which VPN client do you use?", ada, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	dm := p.Messages(bottest.DMChat(alice.ID), alice.ID)
	if len(dm) == 0 || dm[len(dm)-1].Msg.Text != "**Ada:** Which VPN client do you use?" {
		t.Fatalf("Alice's DM: %+v", dm)
	}
	chat, err := p.CreateGroupChat(ctx, bot.GroupChat{Name: "it-1-vpn", Members: []string{alice.ID, ada.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Assign(ctx, tk.ID, "Ada", "x", tickets.System, tickets.SourceRouting); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Start(ctx, tk.ID, chat, ada, tickets.SourceButton); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Reply(ctx, tk.ID, "Try reconnecting now.", ada, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	gm := p.Messages(chat, alice.ID)
	if len(gm) == 0 || gm[len(gm)-1].Msg.Text != "**Ada:** Try reconnecting now." {
		t.Fatalf("group chat: %+v", gm)
	}
	ms, err := st.Messages(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		if m.Kind == tickets.KindTranscript && m.Author.Name == "Ada" {
			got = append(got, m.Text)
		}
	}
	if len(got) != 2 || got[0] != "Which VPN client do you use?" || got[1] != "Try reconnecting now." {
		t.Fatalf("transcript: %q", got)
	}
	if _, err := e.Reply(ctx, tk.ID, "   ", ada, tickets.SourceWeb); errs.Code(err) != errs.EINVALID {
		t.Fatalf("an empty reply: %v", err)
	}
}
