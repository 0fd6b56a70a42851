package bot_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// file is a platform file whose download counts its calls.
func file(id, name string, data []byte, fetches *int) bot.File {
	return bot.File{ID: id, Name: name, Size: int64(len(data)), Fetch: func(ctx context.Context, max int64) ([]byte, error) {
		*fetches++
		if int64(len(data)) > max {
			return nil, bot.ErrFileTooLarge
		}
		return data, nil
	}}
}

var png = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{1}, 100)...)

// Files posted in a ticket's group chat are kept with the ticket, once per
// platform file; a refused file is explained to its sender, never dropped
// in silence.
func TestFilesInGroupChatAreKept(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, tk, agent := escalate(h)
	agent.Press("Start Chat")
	g := carl.Group().ID
	var fetches int
	send := func(p *bottest.Person, text string, files ...bot.File) {
		t.Helper()
		h.Deliver(bot.Event{ID: "ev-" + text + files[0].ID, Kind: bot.EventMessage, User: bot.User{ID: p.ID, Name: p.Name},
			Chat: bot.Chat{ID: g, Kind: bot.ChatGroup}, Text: text, Files: files})
	}
	send(carl, "here is the error", file("F1", "error.png", png, &fetches))
	send(carl, "", file("F1", "error.png", png, &fetches)) // redelivered under another event id
	send(agent, "", file("F2", "fix.txt", []byte("run the updater"), &fetches))
	send(carl, "", file("F3", "virus.exe", append([]byte("MZ\x90\x00"), make([]byte, 64)...), &fetches))
	send(carl, "", file("F4", "huge.pdf", append([]byte("%PDF-1.7\n"), make([]byte, tickets.DefaultMaxAttachmentBytes)...), &fetches))

	as, err := h.Store.Attachments(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 || as[0].Name != "error.png" || as[0].ContentType != "image/png" || as[0].Author.Role != tickets.RoleUser ||
		as[1].Name != "fix.txt" || as[1].Author.Role != tickets.RoleAgent {
		t.Fatalf("kept %+v", as)
	}
	if fetches != 4 {
		t.Errorf("%d downloads, want 4 (the too large file is refused by its announced size)", fetches)
	}
	if ms, _ := h.Store.Messages(context.Background(), tk.ID); len(ms) == 0 || ms[len(ms)-1].Text != "here is the error" {
		t.Errorf("the message sent with the file is not in the ticket's transcript: %+v", ms)
	}
	seen := h.Transcript(g, "carl")
	for _, want := range []string{"virus.exe was not kept: files of type application/octet-stream are not accepted",
		"huge.pdf was not kept: it is 10.0 MB, and files are limited to 10 MB."} {
		if !strings.Contains(seen, want) {
			t.Errorf("Carl was not told %q:\n%s", want, seen)
		}
	}
	if strings.Contains(h.Transcript(g, "ada")+h.Transcript(g, "grace"), "virus.exe") {
		t.Error("the refusal was shown to someone other than the sender")
	}

	// After End Service a file is refused with the reason.
	agent.PressIn(g, "End Service")
	send(carl, "", file("F5", "late.png", png, &fetches))
	if !strings.Contains(h.Transcript(g, "carl"), "late.png was not kept: IT-1 is resolved") {
		t.Errorf("a file after End Service was not refused with a reason:\n%s", h.Transcript(g, "carl"))
	}
	// A file in the DM with the bot is refused too.
	h.Deliver(bot.Event{ID: "dm-file", Kind: bot.EventMessage, User: bot.User{ID: "carl", Name: "Carl"},
		Chat: bot.Chat{ID: carl.DM(), Kind: bot.ChatDirect}, Files: []bot.File{file("F6", "dm.png", png, &fetches)}})
	mustSee(t, carl, "dm.png was not kept: files are kept with a ticket")
}
