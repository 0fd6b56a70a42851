package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/web"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

var pngFile = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{3}, 200)...)

// upload sends a file as the page does (multipart, with the CSRF header
// unless csrf is false) and returns the status and the body.
func (c *client) upload(chat, name string, data []byte, csrf bool) (int, string) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("chat", chat)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.srv.URL+"/chat/api/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	if csrf {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func (c *client) fetch(path string) (*http.Response, []byte) {
	c.t.Helper()
	resp, err := c.http.Get(c.srv.URL + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// A requester sends a screenshot in the ticket's chat: the agent sees it
// inline and can download it, the ticket keeps it; a file too large, of a
// type not accepted, without the CSRF token, or outside a ticket chat is
// refused with a message and nothing is posted.
func TestUploadInTicketChat(t *testing.T) {
	srv := start(t)
	sam := signIn(t, srv, "sam", "Sam")
	ada := signIn(t, srv, "ada", "Ada")
	eve := signIn(t, srv, "eve", "Eve")
	ada.press(openTicket(t, sam, ada), "Start Chat")
	room := sam.me().Chats[len(sam.me().Chats)-1].ID

	if code, out := sam.upload(room, "screen.png", pngFile, false); code != 403 {
		t.Errorf("upload without the CSRF token: %d %s", code, out)
	}
	if code, out := sam.upload(sam.dm(), "screen.png", pngFile, true); code != 400 || !strings.Contains(out, "screen.png was not kept: files are kept with a ticket") {
		t.Errorf("upload in the DM: %d %s", code, out)
	}
	if code, out := sam.upload(room, "setup.png", append([]byte("MZ\x90\x00"), make([]byte, 64)...), true); code != 415 ||
		!strings.Contains(out, "setup.png was not kept: files of type application/octet-stream are not accepted") {
		t.Errorf("a program named .png: %d %s", code, out)
	}
	big := append([]byte("%PDF-1.7\n"), make([]byte, tickets.DefaultMaxAttachmentBytes)...)
	if code, out := sam.upload(room, "scan.pdf", big, true); code != 413 || !strings.Contains(out, "scan.pdf was not kept: it is larger than 10 MB") {
		t.Errorf("an 10 MB + 9 B file: %d %s", code, out)
	}
	if code, out := eve.upload(room, "screen.png", pngFile, true); code != 403 {
		t.Errorf("upload by someone outside the chat: %d %s", code, out)
	}
	for _, v := range sam.history(room) {
		if len(v.Files) > 0 {
			t.Fatalf("a refused upload was posted: %+v", v.Files)
		}
	}

	if code, out := sam.upload(room, "screen.png", pngFile, true); code != 200 {
		t.Fatalf("upload: %d %s", code, out)
	}
	var shown web.View
	for _, v := range ada.history(room) {
		if len(v.Files) > 0 {
			shown = v
		}
	}
	if len(shown.Files) != 1 || shown.From.Name != "Sam" || !shown.Files[0].Image || shown.Files[0].Name != "screen.png" || shown.Files[0].Size != "216 B" {
		t.Fatalf("Ada sees %+v", shown)
	}
	resp, body := ada.fetch(shown.Files[0].URL)
	if resp.StatusCode != 200 || !bytes.Equal(body, pngFile) || resp.Header.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline; filename*=UTF-8''screen.png") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("download: %d %q %v", resp.StatusCode, body[:min(len(body), 20)], resp.Header)
	}
	if resp, _ := eve.fetch(shown.Files[0].URL); resp.StatusCode != 403 {
		t.Errorf("someone outside the chat downloads the file: %d", resp.StatusCode)
	}
	u, _ := url.Parse(shown.Files[0].URL)
	q := u.Query()
	q.Set("file", "999")
	if resp, _ := sam.fetch(u.Path + "?" + q.Encode()); resp.StatusCode != 404 {
		t.Errorf("a file id not on the message: %d", resp.StatusCode)
	}

	tk, err := srv.Store.GetByKey(context.Background(), "IT-1")
	if err != nil {
		t.Fatal(err)
	}
	as, err := srv.Store.Attachments(context.Background(), tk.ID)
	if err != nil || len(as) != 1 || as[0].Name != "screen.png" || as[0].Author.Role != tickets.RoleUser || as[0].Size != int64(len(pngFile)) {
		t.Fatalf("the ticket keeps %+v (%v)", as, err)
	}
}

// An agent's reply with a file from the Ticket Center (the engine's
// ReplyWithFiles) shows in the requester's chat with the words, and the
// requester downloads it; someone outside the chat cannot.
func TestReplyFileShownToTheRequester(t *testing.T) {
	srv := start(t)
	sam := signIn(t, srv, "sam", "Sam")
	ada := signIn(t, srv, "ada", "Ada")
	eve := signIn(t, srv, "eve", "Eve")
	ada.press(openTicket(t, sam, ada), "Start Chat")
	room := sam.me().Chats[len(sam.me().Chats)-1].ID
	tk, err := srv.Store.GetByKey(context.Background(), "IT-1")
	if err != nil {
		t.Fatal(err)
	}
	agent := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: "ada", Name: "Ada"}
	guide := []byte("%PDF-1.4 how to reset the VPN")
	if _, notDelivered, err := srv.Engine.ReplyWithFiles(context.Background(), tk.ID, "The guide is attached.", "", []tickets.Upload{{Name: "vpn guide.pdf", Data: guide}}, agent, tickets.SourceWeb); err != nil || len(notDelivered) > 0 {
		t.Fatalf("reply: %v %v", notDelivered, err)
	}
	var shown web.View
	for _, v := range sam.history(room) {
		if len(v.Files) > 0 {
			shown = v
		}
	}
	if len(shown.Files) != 1 || !strings.Contains(shown.HTML, "The guide is attached.") || shown.Files[0].Name != "vpn guide.pdf" || shown.Files[0].Image {
		t.Fatalf("Sam sees %+v", shown)
	}
	resp, body := sam.fetch(shown.Files[0].URL)
	if resp.StatusCode != 200 || !bytes.Equal(body, guide) || resp.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("Sam downloads: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if resp, _ := eve.fetch(shown.Files[0].URL); resp.StatusCode != 403 {
		t.Errorf("someone outside the chat downloads the file: %d", resp.StatusCode)
	}
	as, err := srv.Store.Attachments(context.Background(), tk.ID)
	if err != nil || len(as) != 1 || as[0].Author.Role != tickets.RoleAgent || as[0].Author.Name != "Ada" {
		t.Fatalf("the ticket keeps %+v (%v)", as, err)
	}
}
