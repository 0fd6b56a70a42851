package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"
	"github.com/helpdesk-chat/helpdesk/adapters/email"
	"github.com/helpdesk-chat/helpdesk/adapters/email/emailtest"
	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// mailWorld is helpdesk with the email channel against a real Dovecot
// (IMAP in) and a real Mailpit (SMTP out), restarted between steps on the
// same database and mail servers.
type mailWorld struct {
	t       *testing.T
	dir     string
	path    string
	dove    *emailtest.Dovecot
	pit     *emailtest.Mailpit
	m       *Main
	cancel  context.CancelFunc
	logs    *syncBuffer
	handled chan string
	sent    chan string
	recv    chan string
	rcvAddr string

	mu      sync.Mutex
	sentIDs []string // every Message-ID the SMTP server accepted, over every run
}

func newMailWorld(t *testing.T) *mailWorld {
	t.Helper()
	w := &mailWorld{t: t, dir: t.TempDir(), dove: emailtest.StartDovecot(t), pit: emailtest.StartMailpit(t)}
	faqFile := `menu:
  - id: network
    title: Network & VPN
    items:
      - id: vpn-connect
        question: How do I connect to the VPN?
        alternates: [VPN does not connect, connect to the VPN from home]
        keywords: [vpn, globalprotect]
        answer: Open GlobalProtect and sign in with your company account.
`
	cfg := fmt.Sprintf(`store: sqlite:helpdesk.db
platforms:
  web: {enabled: true}
  email:
    desks: {it: [it-help@example.com]}
    imap:
      addr: %q
      security: tls
      insecure_skip_verify: true
      username: %s
      password: ${TEST_IMAP_PASSWORD}
    receiver: {listen: "127.0.0.1:0"}
    smtp:
      addr: %q
      security: starttls
      insecure_skip_verify: true
      username: %s
      password: ${TEST_SMTP_PASSWORD}
    link_secret: ${TEST_EMAIL_LINK_SECRET}
desks:
  - id: it
    name: IT Help Desk
    prefix: IT
    languages: [en]
    faq: faq.yaml
    reopen_window: 72h
    evaluation: {scale: 5}
    agents:
      - {name: Ada, web: ada@example.com, email: ada@example.com}
`, w.dove.TLSAddr, w.dove.User, w.pit.SMTP, w.pit.User)
	t.Setenv("TEST_IMAP_PASSWORD", w.dove.Pass)
	t.Setenv("TEST_SMTP_PASSWORD", w.pit.Pass)
	t.Setenv("TEST_EMAIL_LINK_SECRET", "a-long-link-secret-for-tests")
	w.path = filepath.Join(w.dir, "helpdesk.yaml")
	for name, body := range map[string]string{"helpdesk.yaml": cfg, "faq.yaml": faqFile} {
		if err := os.WriteFile(filepath.Join(w.dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if code := run([]string{"check", w.path}, &out, &out); code != 0 {
		t.Fatalf("helpdesk check: %s", out.String())
	}
	w.start()
	t.Cleanup(w.stop)
	return w
}

func (w *mailWorld) start() {
	w.t.Helper()
	w.logs = &syncBuffer{}
	w.handled, w.sent, w.recv = make(chan string, 100), make(chan string, 100), make(chan string, 1)
	w.m = NewMain(MainOptions{ConfigPath: w.path, Listen: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(w.logs, nil)),
		Email: func(o *email.Options) {
			o.Handled = func(id string) { w.handled <- id }
			o.Sent = func(id string) {
				w.mu.Lock()
				w.sentIDs = append(w.sentIDs, id)
				w.mu.Unlock()
				w.sent <- id
			}
			o.ReceiverAddr = func(a string) { w.recv <- a }
		}})
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	if err := w.m.Run(ctx); err != nil {
		w.t.Fatal(err)
	}
	select {
	case w.rcvAddr = <-w.recv:
	case <-time.After(30 * time.Second):
		w.t.Fatalf("the SMTP receiver did not start:\n%s", w.logs.String())
	}
}

func (w *mailWorld) stop() {
	if w.m == nil {
		return
	}
	w.cancel()
	if err := w.m.Close(); err != nil {
		w.t.Errorf("close: %v", err)
	}
	if w.t.Failed() {
		w.t.Logf("logs:\n%s", w.logs.String())
	}
	w.m = nil
}

// restart stops helpdesk and starts it again on the same store.
func (w *mailWorld) restart() {
	w.t.Helper()
	w.stop()
	w.start()
}

func (w *mailWorld) waitHandled(id string) {
	w.t.Helper()
	for {
		select {
		case got := <-w.handled:
			if got == id {
				return
			}
		case <-time.After(60 * time.Second):
			w.t.Fatalf("mail %s was not handled:\n%s", id, w.logs.String())
		}
	}
}

// arrived is one mail Mailpit received, parsed.
type arrived struct {
	ID      string
	To      string
	Subject string
	Header  mail.Header
	Text    string
	HTML    string
}

// waitMail waits until a mail matching ok was sent and returns it.
func (w *mailWorld) waitMail(what string, ok func(arrived) bool) arrived {
	w.t.Helper()
	for {
		select {
		case id := <-w.sent:
			a := w.fetch(id)
			if ok(a) {
				return a
			}
		case <-time.After(60 * time.Second):
			w.t.Fatalf("no mail %s arrived:\n%s", what, w.logs.String())
		}
	}
}

func (w *mailWorld) fetch(id string) arrived {
	w.t.Helper()
	for _, s := range w.pit.Messages(w.t) {
		if s.MessageID != id {
			continue
		}
		raw := w.pit.Raw(w.t, s.ID)
		r, err := mail.CreateReader(bytes.NewReader(raw))
		if err != nil {
			w.t.Fatal(err)
		}
		a := arrived{ID: id, Header: r.Header}
		a.Subject, _ = r.Header.Subject()
		if to, _ := r.Header.AddressList("To"); len(to) > 0 {
			a.To = to[0].Address
		}
		for {
			p, err := r.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p.Body)
			ct := p.Header.Get("Content-Type")
			switch {
			case strings.HasPrefix(ct, "text/plain"):
				a.Text = string(b)
			case strings.HasPrefix(ct, "text/html"):
				a.HTML = string(b)
			}
		}
		return a
	}
	w.t.Fatalf("Mailpit has no mail %s", id)
	return arrived{}
}

func (w *mailWorld) ticket(key string) *tickets.Ticket {
	w.t.Helper()
	t, err := w.m.store.GetByKey(context.Background(), key)
	if err != nil {
		w.t.Fatal(err)
	}
	return t
}

func (w *mailWorld) transcript(id int64) []tickets.Message {
	w.t.Helper()
	ms, err := w.m.store.Messages(context.Background(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []tickets.Message
	for _, m := range ms {
		if m.Kind == tickets.KindTranscript {
			out = append(out, m)
		}
	}
	return out
}

// center signs Ada in to the Ticket Center and posts a ticket action form.
func (w *mailWorld) centerAction(key, action string, form url.Values) {
	w.t.Helper()
	link, err := w.m.auth.Link(context.Background(), auth.Identity{Platform: "web", UserID: "ada@example.com", Name: "Ada"}, "/center/")
	if err != nil {
		w.t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := followSignInLink(context.Background(), hc, link)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = hc.Get("http://" + w.m.Addr() + "/center/tickets/" + key)
	if err != nil {
		w.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `action="/center/tickets/`+key+`/reply"`) {
		w.t.Fatalf("the ticket page has no reply box:\n%s", page)
	}
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(string(page))
	if csrf == nil {
		w.t.Fatal("no CSRF token on the ticket page")
	}
	form.Set("csrf_token", csrf[1])
	resp, err = hc.PostForm("http://"+w.m.Addr()+"/center/tickets/"+key+"/"+action, form)
	if err != nil {
		w.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		w.t.Fatalf("%s %s: %d %s", action, key, resp.StatusCode, body)
	}
}

// sendToReceiver delivers a mail to helpdesk's SMTP receiver, as a
// forwarding rule would.
func (w *mailWorld) sendToReceiver(from, to string, raw []byte) error {
	c, err := smtp.Dial(w.rcvAddr)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.SendMail(from, []string{to}, bytes.NewReader(raw))
}

func msgID(h mail.Header, key string) string {
	ids, _ := h.MsgIDList(key)
	return strings.Join(ids, " ")
}

// TestEmailJourney is the whole journey of a request by mail, with a
// restart of helpdesk between every pair of steps: mail in (IMAP) →
// ticket → acknowledgement with the FAQ's answer → the agent's reply from
// the Ticket Center → the requester's reply (SMTP receiver) on the same
// ticket → End Service → evaluation invitation → a rating by its link.
func TestEmailJourney(t *testing.T) {
	w := newMailWorld(t)

	// 1. Erin writes to the desk's mailbox.
	first := emailtest.Mail("Erin Example <erin@example.org>", "it-help@example.com", "VPN from home",
		"erin-1@example.org", "Hello,\nhow do I connect to the VPN from home?\n\n-- \nErin Example\nACME Corp, 555-0100")
	w.dove.Append(t, first)
	w.waitHandled("erin-1@example.org")
	tk := w.ticket("IT-1")
	if tk.Platform != "email" || tk.Requester.ID != "erin@example.org" || tk.Subject != "VPN from home" || tk.Assignee != "Ada" {
		t.Fatalf("ticket: %+v", tk)
	}
	tr := w.transcript(tk.ID)
	if len(tr) != 1 || tr[0].Text != "Hello,\nhow do I connect to the VPN from home?" {
		t.Fatalf("the first message should be the mail without its signature: %+v", tr)
	}
	ack := w.waitMail("acknowledging IT-1", func(a arrived) bool {
		return a.To == "erin@example.org" && strings.Contains(a.Text, "opened ticket IT-1")
	})
	if ack.Subject != "Re: [IT-1] VPN from home" || msgID(ack.Header, "In-Reply-To") != "erin-1@example.org" ||
		ack.Header.Get("Auto-Submitted") != "auto-replied" || !strings.Contains(ack.Text, "Open GlobalProtect and sign in") ||
		!strings.Contains(ack.HTML, "Open GlobalProtect") {
		t.Fatalf("acknowledgement: %+v", ack)
	}
	if from, _ := ack.Header.AddressList("From"); len(from) != 1 || from[0].Address != "it-help@example.com" || from[0].Name != "IT Help Desk" {
		t.Fatalf("the desk's From: %v", from)
	}
	w.restart()

	// 2. Ada answers from the Ticket Center.
	w.centerAction("IT-1", "reply", url.Values{"text": {"Please install GlobalProtect 6 first."}})
	reply := w.waitMail("with Ada's reply", func(a arrived) bool {
		return a.To == "erin@example.org" && strings.Contains(a.Text, "Please install GlobalProtect 6 first.")
	})
	refs, _ := reply.Header.MsgIDList("References")
	if reply.Subject != "Re: [IT-1] VPN from home" || !slices.Contains(refs, "erin-1@example.org") ||
		msgID(reply.Header, "In-Reply-To") == "" || reply.Header.Get("Auto-Submitted") != "" || !strings.Contains(reply.Text, "Ada") {
		t.Fatalf("agent reply headers: subject %q refs %v in-reply-to %q auto %q\n%s", reply.Subject, refs,
			msgID(reply.Header, "In-Reply-To"), reply.Header.Get("Auto-Submitted"), reply.Text)
	}
	if tr := w.transcript(tk.ID); len(tr) != 2 || tr[1].Author.Name != "Ada" || tr[1].Text != "Please install GlobalProtect 6 first." {
		t.Fatalf("the reply should be in the transcript: %+v", tr)
	}
	w.restart()

	// 3. Erin answers Ada's mail, quoting it; it comes by the SMTP receiver.
	answer := emailtest.Mail("Erin Example <erin@example.org>", "it-help@example.com", "Re: [IT-1] VPN from home",
		"erin-2@example.org", "Thanks, that worked!\n\nOn Thu, 3 Dec 2026, IT Help Desk wrote:\n> Please install GlobalProtect 6 first.",
		"In-Reply-To", "<"+reply.ID+">", "References", "<erin-1@example.org> <"+reply.ID+">")
	if err := w.sendToReceiver("erin@example.org", "it-help@example.com", answer); err != nil {
		t.Fatal(err)
	}
	w.waitHandled("erin-2@example.org")
	if tr := w.transcript(tk.ID); len(tr) != 3 || tr[2].Text != "Thanks, that worked!" || tr[2].Author.ID != "erin@example.org" {
		t.Fatalf("the answer should be on IT-1 without the quote: %+v", tr)
	}
	w.restart()

	// 4. Ada ends the service; Erin is told and asked for a rating.
	w.centerAction("IT-1", "end", url.Values{})
	invite := w.waitMail("inviting a rating", func(a arrived) bool {
		return a.To == "erin@example.org" && strings.Contains(a.Text, "is resolved. How would you rate")
	})
	if invite.Subject != "Re: [IT-1] VPN from home" || invite.Header.Get("Auto-Submitted") != "auto-replied" {
		t.Fatalf("invitation: %+v", invite)
	}
	w.restart()

	// 5. Erin rates 4 stars with the invitation's link.
	m := regexp.MustCompile(`★★★★☆: (http://\S+)`).FindStringSubmatch(invite.Text)
	if m == nil {
		t.Fatalf("no rating link for 4 stars:\n%s", invite.Text)
	}
	u, _ := url.Parse(m[1])
	u.Host = w.m.Addr() // helpdesk listens on another port after the restart
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ev := w.ticket("IT-1").Evaluation; ev != nil {
		t.Fatal("opening the link (a mail scanner does) must not rate")
	}
	fields := regexp.MustCompile(`name="(p|s)" value="([^"]+)"`).FindAllStringSubmatch(string(page), -1)
	form := url.Values{}
	for _, f := range fields {
		form.Set(f[1], f[2])
	}
	resp, err = http.PostForm("http://"+w.m.Addr()+u.Path, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("rating: %d", resp.StatusCode)
	}
	if ev := w.ticket("IT-1").Evaluation; ev == nil || ev.Rating != 4 {
		t.Fatalf("evaluation: %+v", ev)
	}
	w.waitMail("thanking for the rating", func(a arrived) bool { return a.To == "erin@example.org" })
	w.restart()

	// Nothing was taken or sent twice over the restarts.
	all, err := w.m.store.List(context.Background(), tickets.Filter{})
	if err != nil || len(all) != 1 {
		t.Fatalf("one ticket, got %d (%v)", len(all), err)
	}
	w.mu.Lock()
	ids := append([]string(nil), w.sentIDs...)
	w.mu.Unlock()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("mail %s sent twice", id)
		}
		seen[id] = true
	}
	if n := len(w.pit.Messages(t)); n != len(ids) {
		for _, s := range w.pit.Messages(t) {
			t.Logf("in Mailpit: %s to %v: %q", s.MessageID, s.To, s.Subject)
		}
		t.Errorf("Mailpit holds %d mails, helpdesk sent %d: %v", n, len(ids), ids)
	}
	for i, fl := range w.dove.Flags(t, "INBOX") {
		if !slices.Contains(fl, "$Helpdesk") {
			t.Errorf("mail %d in the mailbox is not flagged as taken: %v", i+1, fl)
		}
	}
}
