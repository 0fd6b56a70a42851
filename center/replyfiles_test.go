package center_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

type upload struct{ name, data string }

// postFiles submits the reply form as a browser does: multipart, with the
// session's CSRF token unless csrf is false.
func (b *browser) postFiles(path string, fields map[string]string, files []upload, csrf bool) (int, string) {
	b.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if csrf {
		mw.WriteField("csrf_token", b.csrf)
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile("file", f.name)
		io.WriteString(w, f.data)
	}
	mw.Close()
	req, err := http.NewRequest("POST", b.e.srv.URL+path, &buf)
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func (e *env) kept(tk *tickets.Ticket) []tickets.Attachment {
	e.t.Helper()
	as, err := e.store.Attachments(ctx, tk.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}

// An agent attaches files in the reply box: they reach the engine with the
// words, are kept with the ticket as the agent's, and the conversation
// shows them as sent to the requester. Without the CSRF token nothing
// happens.
func TestReplyWithFilesFromTheTicketPage(t *testing.T) {
	e := newEnv(t)
	tk := e.open("it", "carol@example.com", "Printer")
	ada := e.signIn("ada@example.com")
	_, page := ada.do("GET", "/center/tickets/"+tk.Key, nil)
	if !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, `<input type="file" id="reply-files" name="file" multiple>`) ||
		!strings.Contains(page, "at most 10, 10 MB each") {
		t.Fatalf("the reply box takes files:\n%s", page)
	}
	files := []upload{{"driver.txt", "install the driver from the intranet"}, {"screen.png", string(pngBytes)}}
	if code, _ := ada.postFiles("/center/tickets/"+tk.Key+"/reply", map[string]string{"text": "Here is the driver.", "via": "dm"}, files, false); code != http.StatusForbidden {
		t.Fatalf("a reply without the CSRF token: %d", code)
	}
	if got := e.kept(tk); len(got) != 0 {
		t.Fatalf("kept without the CSRF token: %+v", got)
	}
	code, _ := ada.postFiles("/center/tickets/"+tk.Key+"/reply", map[string]string{"text": "Here is the driver.", "via": "dm"}, files, true)
	if code != http.StatusSeeOther {
		t.Fatalf("reply with files: %d", code)
	}
	if got := strings.Join(e.engine.Changes(), "|"); !strings.Contains(got, tk.Key+" reply with driver.txt,screen.png via dm") {
		t.Fatalf("the files reach the engine: %s", got)
	}
	got := e.kept(tk)
	if len(got) != 2 || got[0].Author.Name != "Ada" || got[0].Author.Role != tickets.RoleAgent || got[1].ContentType != "image/png" {
		t.Fatalf("kept: %+v", got)
	}
	_, page = ada.do("GET", "/center/tickets/"+tk.Key+"?done=reply", nil)
	if !strings.Contains(page, `>driver.txt</a> <span class="muted small">36 B · text/plain · sent to the requester</span>`) ||
		!strings.Contains(page, "reply sent to the requester") {
		t.Fatalf("the conversation shows the files sent:\n%s", page)
	}
}

// A file too large is 413, a program named .png 415, each naming the file;
// nothing is kept or sent. A body announced larger than any reply is 413
// before it is read.
func TestReplyFilesRefused(t *testing.T) {
	e := newEnv(t)
	e.cfg.Attachments = &config.Attachments{MaxBytes: 1000}
	tk := e.open("it", "carol@example.com", "Printer")
	ada := e.signIn("ada@example.com")
	path := "/center/tickets/" + tk.Key + "/reply"
	code, page := ada.postFiles(path, map[string]string{"text": "Logs"}, []upload{{"ok.txt", "fine"}, {"huge.txt", strings.Repeat("x", 1001)}}, true)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(page, "huge.txt was not kept: it is 1001 B, and files are limited to 1000 B.") {
		t.Fatalf("too large: %d\n%s", code, page)
	}
	code, page = ada.postFiles(path, map[string]string{"text": "Setup"}, []upload{{"setup.png", "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"}}, true)
	if code != http.StatusUnsupportedMediaType || !strings.Contains(page, "setup.png was not kept: files of type application/octet-stream are not accepted") {
		t.Fatalf("a program named .png: %d\n%s", code, page)
	}
	if got := e.kept(tk); len(got) != 0 {
		t.Fatalf("refused files were kept: %+v", got)
	}
	if got := strings.Join(e.engine.Changes(), "|"); strings.Contains(got, "reply") {
		t.Fatalf("a refused reply reached the engine: %s", got)
	}
	var many []upload
	for range 12 {
		many = append(many, upload{"big.txt", strings.Repeat("y", 999)})
	}
	if code, page = ada.postFiles(path, nil, many, true); code != http.StatusRequestEntityTooLarge && code != http.StatusBadRequest {
		t.Fatalf("twelve files: %d\n%s", code, page)
	}
	if !strings.Contains(page, "at most 10 files") {
		t.Fatalf("twelve files: %d\n%s", code, page)
	}
}

// A file the channel does not deliver stays with the ticket, and the agent
// is told on the page.
func TestReplyFileNotDelivered(t *testing.T) {
	e := newEnv(t)
	e.engine.undeliverable = map[string]string{"scan.pdf": "Discord takes files up to 10 MB"}
	tk := e.open("it", "carol@example.com", "Printer")
	ada := e.signIn("ada@example.com")
	code, page := ada.postFiles("/center/tickets/"+tk.Key+"/reply", nil, []upload{{"scan.pdf", "%PDF-1.4 a scan"}}, true)
	if code != http.StatusSeeOther {
		t.Fatalf("reply: %d %s", code, page)
	}
	_, page = ada.do("GET", "/center/tickets/"+tk.Key+"?done=reply-undelivered", nil)
	if !strings.Contains(page, "a file was kept with the ticket but not delivered to the requester") {
		t.Fatalf("the agent is told:\n%s", page)
	}
	if got := e.kept(tk); len(got) != 1 || got[0].Name != "scan.pdf" {
		t.Fatalf("kept: %+v", got)
	}
}

// The API's reply takes files as base64 in JSON, with the same refusals.
func TestAPIReplyWithFiles(t *testing.T) {
	e := newEnv(t)
	tk := e.open("it", "carol@example.com", "Printer")
	b64 := base64.StdEncoding.EncodeToString
	body := `{"action":"reply","text":"See the guide","via":"dm","files":[{"name":"guide.pdf","data":"` + b64([]byte("%PDF-1.4 the guide")) + `"}]}`
	if status, out := e.api("POST", "/api/v1/tickets/"+tk.Key+"/transitions", crmToken, body); status != http.StatusOK {
		t.Fatalf("API reply with a file: %d %s", status, out)
	}
	if got := e.kept(tk); len(got) != 1 || got[0].Name != "guide.pdf" || got[0].ContentType != "application/pdf" || got[0].Author.Name != "api:crm" {
		t.Fatalf("kept: %+v", got)
	}
	body = `{"action":"reply","files":[{"name":"setup.png","data":"` + b64([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")) + `"}]}`
	if status, out := e.api("POST", "/api/v1/tickets/"+tk.Key+"/transitions", crmToken, body); status != http.StatusUnsupportedMediaType || !strings.Contains(out, "setup.png was not kept") {
		t.Fatalf("API reply with a program: %d %s", status, out)
	}
	body = `{"action":"note","text":"x","files":[{"name":"a.txt","data":"` + b64([]byte("a")) + `"}]}`
	if status, out := e.api("POST", "/api/v1/tickets/"+tk.Key+"/transitions", crmToken, body); status != http.StatusBadRequest {
		t.Fatalf("a note with files: %d %s", status, out)
	}
}

// On the real engine: the agent's files from the reply box reach the
// requester in the ticket's group chat with the words; a file the
// platform refuses stays with the ticket and the page says so.
func TestReplyFilesDeliveredByTheEngine(t *testing.T) {
	l := newLive(t, false)
	l.h.Platform.Files = true
	l.h.Platform.RefuseFile = func(f bot.OutFile) string {
		if f.Name == "big.pdf" {
			return "it takes files up to 50 B"
		}
		return ""
	}
	tk := l.ask(l.alice, "my monitor flickers")
	chat := l.start(tk)
	ada := l.agentBrowser[tk.Assignee]
	code, page := ada.postFiles("/center/tickets/"+tk.Key+"/reply", map[string]string{"text": "Try this driver."},
		[]upload{{"driver.txt", "the driver"}}, true)
	if code != http.StatusSeeOther {
		t.Fatalf("reply: %d %s", code, page)
	}
	ms := l.h.Platform.Messages(chat, l.alice.ID)
	last := ms[len(ms)-1].Msg
	if !strings.Contains(last.Text, "Try this driver.") || len(last.Files) != 1 || last.Files[0].Name != "driver.txt" || string(last.Files[0].Data) != "the driver" {
		t.Fatalf("Alice sees %+v", last)
	}
	code, _ = ada.postFiles("/center/tickets/"+tk.Key+"/reply", nil, []upload{{"big.pdf", "%PDF-1.4 " + strings.Repeat("p", 100)}}, true)
	if code != http.StatusSeeOther {
		t.Fatalf("reply: %d", code)
	}
	_, page = ada.do("GET", "/center/tickets/"+tk.Key+"?done=reply-undelivered", nil)
	if !strings.Contains(page, "big.pdf was kept with "+tk.Key+" but not sent on the web chat: it takes files up to 50 B") {
		t.Fatalf("the page does not say why big.pdf was not sent:\n%s", page)
	}
	if got := l.kept(tk); len(got) != 2 {
		t.Fatalf("kept: %+v", got)
	}
}
