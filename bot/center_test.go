package bot_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/internal/clocktest"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// TestObserveNotifyEndService covers the Ticket Center's hooks: Observe sees
// every handled event, Notify reaches a DM, and EndService archives the
// group chat of a ticket ended elsewhere.
func TestObserveNotifyEndService(t *testing.T) {
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
	var mu sync.Mutex
	var seen []string
	p := bottest.NewPlatform("web", true)
	clock := clocktest.New(time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC))
	e, err := bot.New(bot.Options{Store: st, Runtime: &bot.Runtime{Config: cfg, FAQ: set}, Platforms: []bot.Platform{p}, Now: clock.Now,
		Observe: func(kind string, d time.Duration, err error) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, kind+":"+map[bool]string{true: "error", false: "ok"}[err != nil])
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Handle(ctx, bot.Event{Platform: "web", Kind: bot.EventMessage, User: bot.User{ID: "alice@example.com", Name: "Alice"},
		Chat: bot.Chat{ID: bottest.DMChat("alice@example.com"), Kind: bot.ChatDirect}, Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Handle(ctx, bot.Event{Kind: bot.EventMessage}); err == nil {
		t.Fatal("an event without platform was accepted")
	}
	if strings.Join(seen, ",") != "message:ok,message:error" {
		t.Errorf("observed %v", seen)
	}

	if err := e.Notify(ctx, "web", "ada@example.com", "Alice mentioned you"); err != nil {
		t.Fatal(err)
	}
	if msgs := p.Messages(bottest.DMChat("ada@example.com"), "ada@example.com"); len(msgs) != 1 || msgs[0].Msg.Text != "Alice mentioned you" {
		t.Errorf("Ada's DM = %+v", msgs)
	}
	if err := e.Notify(ctx, "slack", "U1", "x"); err == nil {
		t.Error("Notify on a platform that is not connected succeeded")
	}

	// A ticket in service, ended from the Ticket Center.
	svc := e.Tickets()
	alice := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "alice@example.com", Name: "Alice"}
	ada := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: "ada@example.com", Name: "Ada"}
	tk, _, err := svc.Open(ctx, &tickets.Ticket{Desk: "it", Platform: "web", Requester: tickets.Person{Platform: "web", ID: alice.ID, Name: "Alice"},
		RequesterChat: bottest.DMChat(alice.ID), Subject: "VPN"}, "IT", alice, tickets.SourceForm)
	if err != nil {
		t.Fatal(err)
	}
	chat, err := p.CreateGroupChat(ctx, bot.GroupChat{Name: "it-1-vpn", Members: []string{alice.ID, ada.ID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() (*tickets.Ticket, error){
		func() (*tickets.Ticket, error) {
			return svc.Assign(ctx, tk.ID, "Ada", "x", tickets.System, tickets.SourceRouting)
		},
		func() (*tickets.Ticket, error) { return svc.Start(ctx, tk.ID, chat, ada, tickets.SourceButton) },
		func() (*tickets.Ticket, error) { return e.EndService(ctx, tk.ID, "", ada, tickets.SourceWeb) },
	} {
		if tk, err = step(); err != nil {
			t.Fatal(err)
		}
	}
	if gc, _ := p.Group(chat); !gc.Archived {
		t.Error("the group chat is still open after End Service from the Ticket Center")
	}
	var texts []string
	for _, m := range p.Messages(bottest.DMChat(alice.ID), alice.ID) {
		texts = append(texts, m.Msg.Text)
	}
	if !strings.Contains(strings.ToLower(strings.Join(texts, "\n")), "rate") {
		t.Errorf("Alice was not asked for a rating: %q", texts)
	}
}
