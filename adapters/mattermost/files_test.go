package mattermost_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/helpdesk-chat/helpdesk/bot"
)

// A post's files reach the engine with their names and sizes, and each
// downloads with the bot's token; a file the server does not have is an
// error, one above the limit ErrFileTooLarge, and the fake refuses a
// download without the token as Mattermost does.
func TestPostFilesDownload(t *testing.T) {
	r := newRig(t)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{6}, 300)...)
	withMeta := r.mm.upload("error.png", "image/png", png)
	bare := r.mm.upload("log.txt", "text/plain", []byte("error 42"))
	r.mm.push(&model.Post{Id: "pf1", ChannelId: "dm-carl", UserId: "carl", Message: "",
		FileIds: []string{withMeta.Id, bare.Id, "nosuchfile"}, Metadata: &model.PostMetadata{Files: []*model.FileInfo{withMeta}}}, model.ChannelTypeDirect)
	ev := r.next()
	if len(ev.Files) != 3 || ev.Files[0].Name != "error.png" || ev.Files[0].Size != int64(len(png)) || ev.Files[1].Name != "log.txt" || ev.Files[1].Size != 8 {
		t.Fatalf("files %+v", ev.Files)
	}
	ctx := context.Background()
	if b, err := ev.Files[0].Fetch(ctx, 1<<20); err != nil || !bytes.Equal(b, png) {
		t.Errorf("download: %d bytes, %v", len(b), err)
	}
	if _, err := ev.Files[0].Fetch(ctx, 100); !errors.Is(err, bot.ErrFileTooLarge) {
		t.Errorf("a download above the limit: %v", err)
	}
	if _, err := ev.Files[2].Fetch(ctx, 1<<20); err == nil {
		t.Error("an unknown file downloaded")
	}
	resp, err := http.Get(r.mm.srv.URL + "/api/v4/files/" + withMeta.Id)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the fake served a file without the token: %d", resp.StatusCode)
	}
}
