package storetest

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// pngBytes is the start of a PNG image: enough for http.DetectContentType.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 300)...)

// testAttachments checks that files are kept with their ticket, byte for
// byte, once per platform id; that the limit and the allow-list refuse with
// a message; that both kinds of storage (store, folder) read back; and that
// Delete erases them.
func testAttachments(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	tk := e.open(t, "it", alice, "Screen flickers")
	other := e.open(t, "it", bob, "Printer jam")
	k := &tickets.Attachments{Store: e.store, Now: e.clock.Now, MaxBytes: 1000}

	a := must(k.Keep(ctx, tk, userActor(alice), "F1", "../../etc/screen.png", pngBytes))(t)
	if a.ID == 0 || a.Name != "screen.png" || a.ContentType != "image/png" || a.Size != int64(len(pngBytes)) || len(a.SHA256) != 64 {
		t.Errorf("kept %+v", a)
	}
	again := must(k.Keep(ctx, tk, userActor(alice), "F1", "screen.png", pngBytes))(t)
	if again.ID != a.ID {
		t.Errorf("a redelivered file was kept twice (%d, %d)", a.ID, again.ID)
	}
	text := must(k.Keep(ctx, tk, ada, "", "steps.txt", []byte("1. reboot\n2. cry\n")))(t)
	must(k.Keep(ctx, other, userActor(bob), "F1", "jam.txt", []byte("paper")))(t) // same platform id, other ticket

	list := must(e.store.Attachments(ctx, tk.ID))(t)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != text.ID || list[1].Author != ada {
		t.Fatalf("Attachments = %+v", list)
	}
	if !reflect.DeepEqual(list[0], a) {
		t.Errorf("read back\n %+v\nwant %+v", list[0], a)
	}
	got, data, err := k.Open(ctx, a.ID)
	if err != nil || !bytes.Equal(data, pngBytes) || got != a {
		t.Errorf("Open = %+v, %d bytes, %v", got, len(data), err)
	}
	if _, _, err := k.Open(ctx, 999999); errs.Code(err) != errs.ENOTFOUND {
		t.Errorf("Open of no attachment: %v, want not found", err)
	}
	if err := e.store.AddAttachment(ctx, &tickets.Attachment{TicketID: 999999, Name: "x", ContentType: "text/plain", SHA256: "0"}, []byte("x")); errs.Code(err) != errs.ENOTFOUND {
		t.Errorf("AddAttachment to no ticket: %v, want not found", err)
	}
	if err := e.store.AddAttachment(ctx, &tickets.Attachment{TicketID: tk.ID, PlatformID: "F1", Name: "x", ContentType: "text/plain", SHA256: "0"}, []byte("x")); errs.Code(err) != errs.ECONFLICT {
		t.Errorf("AddAttachment with a known platform id: %v, want conflict", err)
	}

	// Refused: too large, a type not allowed (sniffed, whatever the name), empty.
	for name, data := range map[string][]byte{
		"big.txt":   bytes.Repeat([]byte("a"), 1001),
		"setup.png": append([]byte("MZ\x90\x00"), make([]byte, 100)...), // a Windows program named .png
		"page.pdf":  []byte("<html><script>alert(1)</script></html>"),
		"empty.txt": {},
	} {
		_, err := k.Keep(ctx, tk, userActor(alice), "", name, data)
		if errs.Code(err) != errs.EINVALID || !strings.Contains(errs.Message(err), name+" was not kept") {
			t.Errorf("Keep(%s) = %v, want a refusal naming the file", name, err)
		}
	}
	if n := len(must(e.store.Attachments(ctx, tk.ID))(t)); n != 2 {
		t.Errorf("refused files left %d attachments, want 2", n)
	}

	// A folder keeps the bytes out of the store.
	dir := filepath.Join(e.dir, "files")
	kd := &tickets.Attachments{Store: e.store, Now: e.clock.Now, Dir: dir}
	inDir := must(kd.Keep(ctx, tk, ada, "F2", "log.txt", []byte("error 42")))(t)
	if _, data, err := e.store.Attachment(ctx, inDir.ID); err != nil || data != nil {
		t.Errorf("the store holds %d bytes of a file kept in the folder (%v)", len(data), err)
	}
	if _, data, err := kd.Open(ctx, inDir.ID); err != nil || string(data) != "error 42" {
		t.Errorf("Open from the folder = %q, %v", data, err)
	}

	e.svc.Files = kd
	must(e.svc.Delete(ctx, tk.ID, admin, tickets.SourceWeb))(t)
	if list := must(e.store.Attachments(ctx, tk.ID))(t); len(list) != 0 {
		t.Errorf("a deleted ticket keeps attachments %+v", list)
	}
	if _, _, err := e.store.Attachment(ctx, a.ID); errs.Code(err) != errs.ENOTFOUND {
		t.Errorf("a deleted ticket's attachment can still be read: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, inDir.Path)); !os.IsNotExist(err) {
		t.Errorf("a deleted ticket's file is still in the folder: %v", err)
	}
	if n := len(must(e.store.Attachments(ctx, other.ID))(t)); n != 1 {
		t.Errorf("the other ticket has %d attachments, want 1", n)
	}
}
