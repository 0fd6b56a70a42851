package email_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/helpdesk-chat/helpdesk/adapters/email"
	"github.com/helpdesk-chat/helpdesk/adapters/email/emailtest"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

type part struct {
	name, ctype string
	data        []byte
}

// mailWith writes a multipart/mixed mail with go-message: a text part and
// the files as attachments (base64), as a mail client sends them.
func mailWith(t *testing.T, from, to, subject, id, body string, files ...part) []byte {
	t.Helper()
	var h gomail.Header
	h.SetDate(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	h.SetAddressList("From", []*gomail.Address{{Address: from}})
	h.SetAddressList("To", []*gomail.Address{{Address: to}})
	h.SetSubject(subject)
	h.SetMessageID(id)
	var buf bytes.Buffer
	w, err := gomail.CreateWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	var th gomail.InlineHeader
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	tw, err := w.CreateSingleInline(th)
	if err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(body))
	tw.Close()
	for _, f := range files {
		var ah gomail.AttachmentHeader
		ah.SetFilename(f.name)
		ah.SetContentType(f.ctype, nil)
		aw, err := w.CreateAttachment(ah)
		if err != nil {
			t.Fatal(err)
		}
		aw.Write(f.data)
		aw.Close()
	}
	w.Close()
	return buf.Bytes()
}

var (
	pngData = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{5}, 500)...)
	exeData = append([]byte("MZ\x90\x00"), make([]byte, 200)...)
)

// A mail's attachments are kept with its ticket, byte for byte; one the
// allow-list refuses is named in the acknowledgement with the reason, and
// in a note, and the original mail is kept whole. A reply whose file is too
// large gets a mail saying so.
func TestMailAttachmentsAreKept(t *testing.T) {
	d := startDesk(t, deskOpts{})
	d.take("a1@example.org", mailWith(t, "erin@example.org", "it-help@example.com", "Screen is blue", "a1@example.org",
		"See the photo.", part{"blue screen.png", "image/png", pngData}, part{"invoice.pdf", "application/pdf", exeData}))
	checkKept(t, d)

	// A reply with a file over the limit (shrunk in the config to 1 KB).
	rt := d.engine.Runtime()
	small := *rt.Config
	small.Attachments = &config.Attachments{MaxBytes: 1024}
	d.engine.Reload(&bot.Runtime{Config: &small, FAQ: rt.FAQ})
	d.take("a2@example.org", mailWith(t, "erin@example.org", "it-help@example.com", "Re: [IT-1] Screen is blue", "a2@example.org",
		"A second photo.", part{"second.png", "image/png", append(pngData, make([]byte, 1024)...)}))
	var refusal []byte
	for _, q := range d.to("erin@example.org") {
		if strings.HasPrefix(q.ID, "refused-") {
			refusal = q.Raw
		}
	}
	if !strings.Contains(unfold(refusal), ("second.png was not kept: it is 1.5 KB, and files are limited to 1 KB.")) {
		t.Errorf("the refusal mail:\n%s", refusal)
	}
	if as, _ := d.store.Attachments(context.Background(), d.ticket("IT-1").ID); len(as) != 1 {
		t.Errorf("%d attachments after the refused one, want 1", len(as))
	}
}

func checkKept(t *testing.T, d *desk) {
	t.Helper()
	tk := d.ticket("IT-1")
	as, err := d.store.Attachments(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].Name != "blue screen.png" || as[0].ContentType != "image/png" || as[0].Author.ID != "erin@example.org" {
		t.Fatalf("kept %+v", as)
	}
	_, data, err := d.engine.Attachments().Open(context.Background(), as[0].ID)
	if err != nil || !bytes.Equal(data, pngData) {
		t.Fatalf("the kept image is not the one sent (%d bytes, %v)", len(data), err)
	}
	acks := d.acks()
	if len(acks) != 1 || !strings.Contains(unfold(acks[0].Raw), "invoice.pdf was not kept: files of type application/octet-stream are not accepted") {
		t.Fatalf("the acknowledgement does not name the refused file:\n%s", acks[0].Raw)
	}
	ms, _ := d.store.Messages(context.Background(), tk.ID)
	var notes string
	for _, m := range ms {
		if m.Kind == tickets.KindNote {
			notes += m.Text
		}
	}
	if !strings.Contains(notes, "invoice.pdf was not kept") || !strings.Contains(notes, "original mail is kept whole") {
		t.Errorf("no note of the refused file: %q", notes)
	}
}

// The same through an IMAP mailbox (Dovecot).
func TestMailAttachmentsFromIMAP(t *testing.T) {
	dove := emailtest.StartDovecot(t)
	d := startDesk(t, deskOpts{adjust: func(o *email.Options) {
		o.Receiver = nil
		o.IMAP = &config.EmailIMAP{Addr: dove.Addr, Security: "none", Username: dove.User, Password: dove.Pass}
	}})
	dove.Append(t, mailWith(t, "erin@example.org", "it-help@example.com", "Screen is blue", "i1@example.org",
		"See the photo.", part{"blue screen.png", "image/png", pngData}, part{"invoice.pdf", "application/pdf", exeData}))
	select {
	case <-d.handled:
	case <-time.After(60 * time.Second):
		t.Fatal("the mail was not taken from the mailbox")
	}
	checkKept(t, d)
}

// unfold joins quoted-printable soft line breaks, to read a queued mail's text.
func unfold(raw []byte) string {
	return strings.NewReplacer("=\r\n", "", "=\n", "").Replace(string(raw))
}
