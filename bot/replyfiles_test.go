package bot_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
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

// replyFilesEnv is an engine on one in-memory platform with a ticket of
// Alice's waiting in her DM.
func replyFilesEnv(t *testing.T, p *bottest.Platform) (*bot.Engine, *tickets.Ticket, tickets.Actor) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(filepath.Join("..", "examples", "helpdesk.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Attachments = &config.Attachments{MaxBytes: 1000}
	set, err := faq.BuildSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := clocktest.New(time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC))
	e, err := bot.New(bot.Options{Store: st, Runtime: &bot.Runtime{Config: cfg, FAQ: set}, Platforms: []bot.Platform{p}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	alice := tickets.Actor{Role: tickets.RoleUser, Platform: p.Name(), ID: "alice", Name: "Alice"}
	tk, _, err := e.Tickets().Open(ctx, &tickets.Ticket{Desk: "it", Platform: p.Name(), Requester: tickets.Person{Platform: p.Name(), ID: alice.ID, Name: "Alice"},
		RequesterChat: bottest.DMChat(alice.ID), Subject: "VPN"}, "IT", alice, tickets.SourceForm)
	if err != nil {
		t.Fatal(err)
	}
	return e, tk, tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: "ada@example.com", Name: "Ada"}
}

var guide = []byte("%PDF-1.4 the VPN guide")

// A reply's files are kept with the ticket as the agent's and reach the
// requester with the words, on the reply's channel.
func TestReplyWithFilesReachesTheRequester(t *testing.T) {
	ctx := context.Background()
	p := bottest.NewPlatform("web", true)
	p.Files = true
	e, tk, ada := replyFilesEnv(t, p)
	_, notDelivered, err := e.ReplyWithFiles(ctx, tk.ID, "The guide:", "", []tickets.Upload{{Name: "vpn.pdf", Data: guide}}, ada, tickets.SourceWeb)
	if err != nil || len(notDelivered) != 0 {
		t.Fatalf("reply: %v %v", notDelivered, err)
	}
	dm := p.Messages(bottest.DMChat("alice"), "alice")
	last := dm[len(dm)-1].Msg
	if last.Text != "**Ada:** The guide:" || len(last.Files) != 1 || last.Files[0].Name != "vpn.pdf" || !bytes.Equal(last.Files[0].Data, guide) {
		t.Fatalf("Alice's DM: %+v", last)
	}
	as, err := e.Attachments().Store.Attachments(ctx, tk.ID)
	if err != nil || len(as) != 1 || as[0].Author.Name != "Ada" || as[0].ContentType != "application/pdf" || as[0].ID != last.Files[0].ID {
		t.Fatalf("kept: %+v %v", as, err)
	}
	// Files alone are a reply too.
	if _, _, err := e.ReplyWithFiles(ctx, tk.ID, "", "", []tickets.Upload{{Name: "again.pdf", Data: guide}}, ada, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	dm = p.Messages(bottest.DMChat("alice"), "alice")
	if last = dm[len(dm)-1].Msg; last.Text != "**Ada** sent a file." || len(last.Files) != 1 {
		t.Fatalf("Alice's DM: %+v", last)
	}
}

// A file over the limit or of a type not accepted refuses the whole reply
// before anything is kept or sent.
func TestReplyWithFilesRefused(t *testing.T) {
	ctx := context.Background()
	p := bottest.NewPlatform("web", true)
	p.Files = true
	e, tk, ada := replyFilesEnv(t, p)
	before := len(p.Messages(bottest.DMChat("alice"), "alice"))
	for _, up := range []tickets.Upload{{Name: "huge.txt", Data: bytes.Repeat([]byte("x"), 1001)}, {Name: "setup.png", Data: []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")}} {
		_, _, err := e.ReplyWithFiles(ctx, tk.ID, "Here", "", []tickets.Upload{{Name: "ok.pdf", Data: guide}, up}, ada, tickets.SourceWeb)
		if errs.Code(err) != errs.EINVALID || !strings.HasPrefix(errs.Message(err), up.Name+" was not kept") {
			t.Fatalf("%s: %v", up.Name, err)
		}
	}
	if as, _ := e.Attachments().Store.Attachments(ctx, tk.ID); len(as) != 0 {
		t.Fatalf("kept: %+v", as)
	}
	if n := len(p.Messages(bottest.DMChat("alice"), "alice")); n != before {
		t.Fatalf("sent %d messages", n-before)
	}
}

// A file the platform refuses, or a platform that takes no files, keeps
// the file with the ticket; the agent is told, in the answer and in an
// internal note, and the words still go.
func TestReplyFileThePlatformRefuses(t *testing.T) {
	ctx := context.Background()
	p := bottest.NewPlatform("web", true)
	p.Files = true
	p.RefuseFile = func(f bot.OutFile) string {
		if f.Name == "big.pdf" {
			return "the platform takes files up to 100 B"
		}
		return ""
	}
	e, tk, ada := replyFilesEnv(t, p)
	got, notDelivered, err := e.ReplyWithFiles(ctx, tk.ID, "Two files", "", []tickets.Upload{{Name: "vpn.pdf", Data: guide}, {Name: "big.pdf", Data: append(guide, bytes.Repeat([]byte("y"), 200)...)}}, ada, tickets.SourceWeb)
	if err != nil {
		t.Fatal(err)
	}
	want := "big.pdf was kept with " + tk.Key + " but not sent on the web chat: the platform takes files up to 100 B"
	if len(notDelivered) != 1 || notDelivered[0] != want {
		t.Fatalf("not delivered: %q", notDelivered)
	}
	dm := p.Messages(bottest.DMChat("alice"), "alice")
	if last := dm[len(dm)-1].Msg; last.Text != "**Ada:** Two files" || len(last.Files) != 1 || last.Files[0].Name != "vpn.pdf" {
		t.Fatalf("Alice's DM: %+v", last)
	}
	if as, _ := e.Attachments().Store.Attachments(ctx, got.ID); len(as) != 2 {
		t.Fatalf("both files stay with the ticket: %+v", as)
	}
	notes, err := e.Tickets().Store.Messages(ctx, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range notes {
		found = found || (m.Kind == tickets.KindNote && m.Text == want)
	}
	if !found {
		t.Fatalf("no note says it: %+v", notes)
	}

	p.Files = false
	_, notDelivered, err = e.ReplyWithFiles(ctx, tk.ID, "", "", []tickets.Upload{{Name: "vpn.pdf", Data: guide}}, ada, tickets.SourceWeb)
	if err != nil || len(notDelivered) != 1 || !strings.Contains(notDelivered[0], "does not take files from the Ticket Center") {
		t.Fatalf("a platform without files: %q %v", notDelivered, err)
	}
}
