package email_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	gomail "github.com/emersion/go-message/mail"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// An agent's reply with a file by mail carries it as a MIME attachment,
// with its name and sniffed type, beside the words.
func TestReplyFileIsMailedAsAnAttachment(t *testing.T) {
	w := startCross(t, false)
	w.say("slack", "U-alice", "alice@example.org", "My monitor flickers")
	w.event("slack", "U-alice", "alice@example.org", bot.Event{Kind: bot.EventAction, Action: bot.Action{ID: "agent"}})
	tk := w.ticket("IT-1")
	ada := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: "ada@example.com", Name: "Ada"}
	guide := []byte("%PDF-1.4 the monitor driver guide")
	_, notDelivered, err := w.engine.ReplyWithFiles(context.Background(), tk.ID, "The guide is attached.", "email",
		[]tickets.Upload{{Name: "driver guide.pdf", Data: guide}}, ada, tickets.SourceWeb)
	if err != nil || len(notDelivered) > 0 {
		t.Fatalf("reply: %q %v", notDelivered, err)
	}
	ms := w.to("alice@example.org")
	mr, err := gomail.CreateReader(bytes.NewReader(ms[len(ms)-1].Raw))
	if err != nil {
		t.Fatal(err)
	}
	var text string
	var files []string
	var data []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p.Body)
		switch h := p.Header.(type) {
		case *gomail.InlineHeader:
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				text = string(b)
			}
		case *gomail.AttachmentHeader:
			name, _ := h.Filename()
			ct, _, _ := h.ContentType()
			files = append(files, name+" "+ct)
			data = b
		}
	}
	if !bytes.Contains([]byte(text), []byte("The guide is attached.")) || len(files) != 1 || files[0] != "driver guide.pdf application/pdf" || !bytes.Equal(data, guide) {
		t.Fatalf("the mail: text %q, files %q, data %q", text, files, data)
	}
}
