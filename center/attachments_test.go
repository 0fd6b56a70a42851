package center_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{9}, 100)...)

// A file sent in a ticket's chat is on the ticket page in the
// conversation (an image as a thumbnail), downloadable by the desk's staff
// and the requester, by nobody else; exports list it; deleting the ticket
// erases it.
func TestAttachmentsOnTheTicketPage(t *testing.T) {
	e := newEnv(t)
	tk := e.open("it", "alice@example.com", "screen flickers")
	other := e.open("it", "carol@example.com", "printer")
	requester := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "alice@example.com", Name: "alice"}
	shot, err := e.svc.Files.Keep(ctx, tk, requester, "up1", "flicker <1>.png", pngBytes)
	if err != nil {
		t.Fatal(err)
	}
	log, err := e.svc.Files.Keep(ctx, tk, requester, "up2", "dxdiag.txt", []byte("it printed <script>alert(1)</script> here"))
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := e.svc.Files.Keep(ctx, other, requester, "up3", "other.txt", []byte("not alice's"))
	if err != nil {
		t.Fatal(err)
	}
	url := func(key string, id int64) string {
		return "/center/tickets/" + key + "/files/" + strconv.FormatInt(id, 10)
	}

	ada := e.signIn("ada@example.com")
	status, page := ada.do("GET", "/center/tickets/"+tk.Key, nil)
	if status != 200 || !strings.Contains(page, `<img class="thumb" src="`+url(tk.Key, shot.ID)+`" alt="flicker &lt;1&gt;.png"`) ||
		!strings.Contains(page, `>dxdiag.txt</a> <span class="muted small">41 B · text/plain</span>`) {
		t.Fatalf("the ticket page does not show the files (%d):\n%s", status, page)
	}
	get := func(who *browser, path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		resp, err := who.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp, b.Bytes()
	}
	resp, body := get(ada, url(tk.Key, shot.ID))
	if resp.StatusCode != 200 || !bytes.Equal(body, pngBytes) || resp.Header.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline;") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("Ada downloads the image: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = get(ada, url(tk.Key, log.ID))
	if resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("a text file is not a sandboxed download: %v", resp.Header)
	}
	if resp, _ := get(e.signIn("alice@example.com"), url(tk.Key, shot.ID)); resp.StatusCode != 200 {
		t.Errorf("the requester cannot download her own file: %d", resp.StatusCode)
	}
	for name, who := range map[string]*browser{"another desk's agent": e.signIn("bob@example.com"), "a stranger": e.signIn("eve@example.com")} {
		if resp, body := get(who, url(tk.Key, shot.ID)); resp.StatusCode != 404 || bytes.Contains(body, pngBytes[:8]) {
			t.Errorf("%s downloads the file: %d", name, resp.StatusCode)
		}
	}
	if resp, _ := get(ada, url(tk.Key, foreign.ID)); resp.StatusCode != 404 {
		t.Errorf("another ticket's file served under %s: %d", tk.Key, resp.StatusCode)
	}

	// Exports: CSV names and sizes, JSON with the download path.
	_, csv := ada.do("GET", "/center/export?format=csv&desk=it", nil)
	if !strings.Contains(csv, "attachments") || !strings.Contains(csv, "flicker <1>.png (116 B)") {
		t.Errorf("CSV export:\n%s", csv)
	}
	_, js := ada.do("GET", "/center/export?format=json&desk=it", nil)
	var out struct {
		Tickets []struct {
			Key         string
			Attachments []struct {
				Name string
				Size int64
				URL  string
			}
		}
	}
	if err := json.Unmarshal([]byte(js), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Tickets) != 2 || len(out.Tickets[0].Attachments) != 2 || out.Tickets[0].Attachments[0].URL != url(tk.Key, shot.ID) ||
		out.Tickets[0].Attachments[0].Size != int64(len(pngBytes)) {
		t.Errorf("JSON export: %+v", out)
	}

	// The admin deletes the ticket: the files go too.
	root := e.signIn("root@example.com")
	if status, body := root.post("/center/tickets/"+tk.Key+"/erase", nil); status != http.StatusSeeOther {
		t.Fatalf("erase: %d %s", status, body)
	}
	if resp, _ := get(root, url(tk.Key, shot.ID)); resp.StatusCode != 404 {
		t.Errorf("a deleted ticket's file is still served: %d", resp.StatusCode)
	}
	if as, _ := e.store.Attachments(ctx, tk.ID); len(as) != 0 {
		t.Errorf("a deleted ticket keeps %d files", len(as))
	}
}
