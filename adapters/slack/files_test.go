package slack_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot"
)

var pngData = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{2}, 300)...)

// Files posted in a ticket channel are downloaded with the bot token and
// kept with the ticket; one the fake Slack does not have (404) is an error
// the engine reports, and the sender of a refused file is told why.
func TestFilesPostedInTheTicketChannel(t *testing.T) {
	w := newWorld(t)
	w.start()
	w.say("UCARL", "VPN does not connect")
	w.press("UCARL", "DCARL", "No")
	w.press("UCARL", "DCARL", "Talk to an agent")
	w.submit("UCARL", map[string]string{"system": "VPN", "details": "It drops"})
	w.press("UADA", "DADA", "Start Chat")
	gc := w.ticket("IT-1").GroupChat

	share := func(user, text string, files ...map[string]any) bot.Event {
		ev := inGroup(gc, user, text)
		ev["subtype"] = "file_share"
		var fs []any
		for _, f := range files {
			fs = append(fs, f)
		}
		ev["files"] = fs
		return w.event(ev)
	}
	ev := share("UCARL", "the error", w.slack.upload("error.png", "image/png", pngData, false))
	if len(ev.Files) != 1 || ev.Files[0].Name != "error.png" || ev.Files[0].Size != int64(len(pngData)) {
		t.Fatalf("the event's files: %+v", ev.Files)
	}
	// A stub share: files.info gives the address.
	share("UADA", "", w.slack.upload("fix.txt", "text/plain", []byte("reinstall the client"), true))
	if c := w.slack.callsOf("files.info"); len(c) != 1 {
		t.Errorf("files.info calls: %+v", c)
	}
	share("UCARL", "", w.slack.upload("tool.exe", "application/x-msdownload", append([]byte("MZ\x90\x00"), make([]byte, 64)...), false))

	// A file Slack no longer has (deleted before the download): 404, and Carl is told.
	gone := w.slack.upload("gone.png", "image/png", pngData, false)
	gone["url_private_download"] = strings.Replace(gone["url_private_download"].(string), "gone.png", "other.png", 1)
	share("UCARL", "", gone)
	mustContain(t, "Carl's notice", w.transcript(gc, "UCARL"), "gone.png was not kept: it could not be downloaded from slack")

	tk := w.ticket("IT-1")
	as, err := w.store.Attachments(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 || as[0].Name != "error.png" || as[1].Name != "fix.txt" || as[1].Author.Name != "Ada" {
		t.Fatalf("kept %+v", as)
	}
	mustContain(t, "Carl's refusal", w.transcript(gc, "UCARL"), "tool.exe was not kept: files of type application/octet-stream are not accepted")
	if strings.Contains(w.transcript(gc, "UADA"), "tool.exe") {
		t.Error("the refusal was shown to Ada")
	}
}

// The fake serves url_private as Slack does: the file only with the bot
// token, the sign-in page without it, 404 for a file it does not have.
func TestFakeSlackServesFilesLikeSlack(t *testing.T) {
	w := newWorld(t)
	f := w.slack.upload("a.png", "image/png", pngData, false)
	get := func(u, auth string) (int, string, []byte) {
		req, _ := http.NewRequest("GET", u, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), b
	}
	u := f["url_private_download"].(string)
	if code, _, b := get(u, "Bearer "+w.cfg.Platforms.Slack.BotToken); code != 200 || !bytes.Equal(b, pngData) {
		t.Errorf("with the token: %d", code)
	}
	if code, ct, _ := get(u, ""); code != 200 || !strings.HasPrefix(ct, "text/html") {
		t.Errorf("without the token: %d %s, want the sign-in page", code, ct)
	}
	if code, _, _ := get(strings.Replace(u, "a.png", "b.png", 1), "Bearer "+w.cfg.Platforms.Slack.BotToken); code != 404 {
		t.Errorf("an unknown file: %d", code)
	}
}
