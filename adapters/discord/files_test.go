package discord_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/discord/discordfake"
)

var pngData = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{4}, 300)...)

// Attachments posted in the ticket thread are downloaded from their CDN
// url and kept with the ticket; one the CDN no longer has (404) and one of
// a type not accepted are explained to the sender by DM.
func TestAttachmentsInTheTicketThread(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := e.fake
	card := openTicket(t, e)
	f.Press(adaID, card.ID, "Start Chat")
	f.WaitFor("the group thread", func() bool { return len(f.ChildrenOf(support)) == 1 })
	th := f.ChildrenOf(support)[0]
	f.WaitMessage(th.ID, annID, 0, "End Service")
	dm := f.DMChannel(annID)
	n := e.count(dm, annID)

	f.SayWithFiles(annID, th.ID, "the error", discordfake.File{Name: "error.png", ContentType: "image/png", Data: pngData})
	f.SayWithFiles(adaID, th.ID, "", discordfake.File{Name: "steps.txt", ContentType: "text/plain", Data: []byte("1. update")})
	tk := e.ticket("IT-1")
	kept := func() int {
		as, err := e.store.Attachments(context.Background(), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(as)
	}
	f.WaitFor("two files kept", func() bool { return kept() == 2 })

	f.SayWithFiles(annID, th.ID, "", discordfake.File{Name: "run.exe", ContentType: "application/octet-stream", Data: append([]byte("MZ\x90\x00"), make([]byte, 64)...)})
	f.WaitMessage(dm, annID, n, "run.exe was not kept: files of type application/octet-stream are not accepted")
	n = e.count(dm, annID)
	// The file is gone from the CDN before the bot fetches it: 404.
	f.ForgetFileOnPost("gone.png")
	f.SayWithFiles(annID, th.ID, "", discordfake.File{Name: "gone.png", ContentType: "image/png", Data: pngData})
	f.WaitMessage(dm, annID, n, "gone.png was not kept: it could not be downloaded from discord")

	as, _ := e.store.Attachments(context.Background(), tk.ID)
	if len(as) != 2 || as[0].Name != "error.png" || as[0].Author.ID != annID || as[1].Name != "steps.txt" || as[1].Author.Name != "Ada" {
		t.Fatalf("kept %+v", as)
	}
	if got := e.messages("IT-1", "transcript"); len(got) == 0 || got[len(got)-1] != "the error" {
		t.Errorf("the message with the file is not in the transcript: %q", got)
	}
}
