package email_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/helpdesk-chat/helpdesk/adapters/email"
	"github.com/helpdesk-chat/helpdesk/adapters/email/emailtest"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

var mail = emailtest.Mail

func TestNewMailOpensATicketOnTheDeskOfItsAddress(t *testing.T) {
	d := startDesk(t, deskOpts{})
	raw := mail("Hal User <holly@example.org>", "hr@example.com", "Holiday request", "h1@example.org",
		"I would like three days off.\n\nBest,\n-- \nHolly")
	if err := d.deliver("holly@example.org", []string{"hr@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	<-d.handled
	tk := d.ticket("HR-1")
	if tk.Desk != "hr" || tk.Subject != "Holiday request" || tk.Requester.ID != "holly@example.org" {
		t.Fatalf("ticket: %+v", tk)
	}
	if tr := d.transcript("HR-1"); len(tr) != 1 || tr[0].Text != "I would like three days off.\n\nBest," {
		t.Fatalf("transcript: %+v", tr)
	}
	ob := d.acks()
	if len(ob) != 1 || ob[0].To != "holly@example.org" || !strings.Contains(string(ob[0].Raw), "HR-1") {
		t.Fatalf("one acknowledgement should be queued: %d", len(ob))
	}
	if card := d.to("hal@example.com"); len(card) != 1 || !strings.Contains(string(card[0].Raw), "Start Chat") {
		t.Fatalf("Hal, the HR agent with an address, gets the ticket card by mail: %d", len(card))
	}
	if strings.Contains(string(ob[0].Raw), "GlobalProtect") {
		t.Fatal("no FAQ answer for a question the FAQ does not know")
	}
}

func TestReceiverTakesOnlyTheDesksAddresses(t *testing.T) {
	d := startDesk(t, deskOpts{})
	err := d.deliver("erin@example.org", []string{"someone@elsewhere.example"}, mail("erin@example.org", "someone@elsewhere.example", "x", "r1@example.org", "x"))
	if smtpCode(err) != 550 {
		t.Fatalf("a relay attempt must be refused with 550, got %v", err)
	}
	own := mail("IT Help Desk <it-help@example.com>", "it-help@example.com", "Re: [IT-1] x", "own@example.com", "x", "Auto-Submitted", "auto-replied")
	if err := d.deliver("it-help@example.com", []string{"it-help@example.com"}, own); smtpCode(err) != 554 {
		t.Fatalf("the desk's own mail coming back must be refused, got %v", err)
	}
	if len(d.all()) != 0 {
		t.Fatal("no ticket for a refused mail")
	}
}

func TestReceiverSizeLimit(t *testing.T) {
	d := startDesk(t, deskOpts{adjust: func(o *email.Options) { o.MaxBytes = 2000 }})
	big := mail("erin@example.org", "it-help@example.com", "big", "big@example.org", strings.Repeat("0123456789\n", 300))
	// RFC 1870: past the SIZE the server announces, 552.
	if err := d.deliver("erin@example.org", []string{"it-help@example.com"}, big); smtpCode(err) != 552 {
		t.Fatalf("a mail over max_bytes must be refused with 552, got %v", err)
	}
	if len(d.all()) != 0 {
		t.Fatal("no ticket for a refused mail")
	}
}

func TestReceiverOffersSTARTTLSWithCertificates(t *testing.T) {
	dir := t.TempDir()
	cert, key := emailtest.Cert(t, dir)
	d := startDesk(t, deskOpts{adjust: func(o *email.Options) {
		o.Receiver = &config.EmailIn{Listen: "127.0.0.1:0", CertFile: cert, KeyFile: key}
	}})
	c, err := smtp.DialStartTLS(d.rcv, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	defer c.Close()
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("the session should be encrypted")
	}
	raw := mail("erin@example.org", "it-help@example.com", "over TLS", "tls1@example.org", "hello")
	if err := c.SendMail("erin@example.org", []string{"it-help@example.com"}, strings.NewReader(string(raw))); err != nil {
		t.Fatal(err)
	}
	<-d.handled
	if len(d.all()) != 1 {
		t.Fatal("the mail over TLS should open a ticket")
	}
}

func TestNoAutomaticAnswerToAutomatedMail(t *testing.T) {
	cases := []struct {
		name, from, envelope string
		headers              []string
	}{
		{"auto-replied", "erin@example.org", "erin@example.org", []string{"Auto-Submitted", "auto-replied"}},
		{"precedence bulk", "news@example.org", "news@example.org", []string{"Precedence", "bulk"}},
		{"mailing list", "list@example.org", "list@example.org", []string{"List-Id", "<it.lists.example.org>"}},
		{"bounce", "mailer-daemon@example.org", "", nil},
		{"noreply", "no-reply@shop.example", "no-reply@shop.example", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := startDesk(t, deskOpts{})
			id := strings.ReplaceAll(tc.name, " ", "-") + "@example.org"
			raw := mail(tc.from, "it-help@example.com", "Out of office", id, "I am away until Monday.", tc.headers...)
			if err := d.deliver(tc.envelope, []string{"it-help@example.com"}, raw); err != nil {
				t.Fatal(err)
			}
			<-d.handled
			if len(d.all()) != 1 {
				t.Fatal("the mail is kept as a ticket")
			}
			if ob := d.to(tc.from); len(ob) != 0 {
				t.Fatalf("nothing may answer it automatically: %d mails queued", len(ob))
			}
			// An agent's own answer still goes out.
			tk := d.all()[0]
			if _, err := d.engine.Reply(context.Background(), tk.ID, "We will look at it.",
				tickets.Actor{Role: tickets.RoleAdmin, Name: "Ada"}, tickets.SourceWeb); err != nil {
				t.Fatal(err)
			}
			if ob := d.to(tc.from); len(ob) != 1 || strings.Contains(string(ob[0].Raw), "Auto-Submitted") {
				t.Fatalf("a person's reply goes out, without Auto-Submitted: %d", len(ob))
			}
		})
	}
}

func TestRateLimitPerSender(t *testing.T) {
	d := startDesk(t, deskOpts{adjust: func(o *email.Options) { o.PerSenderHour = 2 }})
	for i, id := range []string{"a1@example.org", "a2@example.org"} {
		d.take(id, mail("erin@example.org", "it-help@example.com", "Question "+string(rune('A'+i)), id, "help"))
	}
	third := mail("erin@example.org", "it-help@example.com", "Question C", "a3@example.org", "help")
	if err := d.deliver("erin@example.org", []string{"it-help@example.com"}, third); smtpCode(err) != 451 {
		t.Fatalf("the third mail in an hour should be deferred with 451, got %v", err)
	}
	if n := len(d.all()); n != 2 {
		t.Fatalf("%d tickets, want 2", n)
	}
	// Another sender is not held back; and an hour later Erin is not either.
	d.take("b1@example.org", mail("bob@example.org", "it-help@example.com", "Bob's", "b1@example.org", "help"), "bob@example.org")
	d.clock.Add(time.Hour)
	d.take("a3@example.org", third)
	if n := len(d.all()); n != 4 {
		t.Fatalf("%d tickets, want 4", n)
	}
}

func TestRepliesJoinTheirTicket(t *testing.T) {
	d := startDesk(t, deskOpts{})
	d.take("t1@example.org", mail("Erin <erin@example.org>", "it-help@example.com", "Printer jam", "t1@example.org", "The printer jams."))
	// By References (a mail client that drops In-Reply-To).
	d.take("t2@example.org", mail("erin@example.org", "it-help@example.com", "Re: Printer jam", "t2@example.org",
		"Still jammed.\n\n> The printer jams.", "References", "<t1@example.org>"))
	// By the key in the subject, with no threading headers at all.
	d.take("t3@example.org", mail("erin@example.org", "it-help@example.com", "Printer [IT-1] again", "t3@example.org", "Now it beeps."))
	// The key in the subject from someone else is not theirs to join.
	d.take("t4@example.org", mail("mallory@example.org", "it-help@example.com", "Re: [IT-1] Printer jam", "t4@example.org", "me too"), "mallory@example.org")
	tr := d.transcript("IT-1")
	if len(tr) != 3 || tr[1].Text != "Still jammed." || tr[2].Text != "Now it beeps." {
		t.Fatalf("IT-1 transcript: %+v", tr)
	}
	if tk := d.ticket("IT-2"); tk.Requester.ID != "mallory@example.org" {
		t.Fatalf("IT-2: %+v", tk)
	}
}

func TestAMailFromAnAgentsAddressHasNoAgentPowers(t *testing.T) {
	d := startDesk(t, deskOpts{})
	d.take("p1@example.org", mail("erin@example.org", "it-help@example.com", "Laptop", "p1@example.org", "My laptop is slow."))
	// Anyone can write ada@example.com in From.
	d.take("p2@example.org", mail("Ada <ada@example.com>", "it-help@example.com", "Re: [IT-1] Laptop", "p2@example.org",
		"/helpdesk end", "In-Reply-To", "<p1@example.org>"), "ada@example.com")
	tk := d.ticket("IT-1")
	if !tk.Status.Active() {
		t.Fatalf("a mail must not end a ticket: %s", tk.Status)
	}
	tr := d.transcript("IT-1")
	if len(tr) != 2 || tr[1].Author.Role != tickets.RoleUser || tr[1].Author.Platform != "email" {
		t.Fatalf("the mail is a user's message: %+v", tr)
	}
}

func TestAReplyReopensWithinTheWindow(t *testing.T) {
	d := startDesk(t, deskOpts{})
	ctx := context.Background()
	d.take("w1@example.org", mail("erin@example.org", "it-help@example.com", "Wifi", "w1@example.org", "No wifi."))
	admin := tickets.Actor{Role: tickets.RoleAdmin, Name: "Ada"}
	if _, err := d.engine.EndService(ctx, d.ticket("IT-1").ID, "", admin, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	d.clock.Add(time.Hour)
	d.take("w2@example.org", mail("erin@example.org", "it-help@example.com", "Re: [IT-1] Wifi", "w2@example.org",
		"It is gone again.", "In-Reply-To", "<w1@example.org>"))
	if tk := d.ticket("IT-1"); !tk.Status.Active() {
		t.Fatalf("a reply within the reopen window reopens: %s", tk.Status)
	}
	if _, err := d.engine.EndService(ctx, d.ticket("IT-1").ID, "", admin, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	d.clock.Add(4 * 24 * time.Hour) // past the 72h window
	d.take("w3@example.org", mail("erin@example.org", "it-help@example.com", "Re: [IT-1] Wifi", "w3@example.org",
		"And again.", "In-Reply-To", "<w2@example.org>"))
	if tk := d.ticket("IT-1"); tk.Status.Active() {
		t.Fatal("past the window the old ticket stays resolved")
	}
	if tk := d.ticket("IT-2"); tk.Subject != "Wifi" {
		t.Fatalf("a new ticket: %+v", tk)
	}
}

func TestTheFAQAnswerIsInTheAcknowledgement(t *testing.T) {
	d := startDesk(t, deskOpts{})
	d.take("f1@example.org", mail("erin@example.org", "it-help@example.com", "VPN", "f1@example.org", "How do I connect to the VPN?"))
	ob := d.acks()
	if len(ob) != 1 || !strings.Contains(string(ob[0].Raw), "Open GlobalProtect") || !strings.Contains(string(ob[0].Raw), "reply if not") {
		t.Fatalf("acknowledgement with the answer: %d", len(ob))
	}
	if tk := d.ticket("IT-1"); len(tk.Suggested) != 1 || tk.Suggested[0] != "vpn-connect" {
		t.Fatalf("the card should say what the bot suggested: %+v", tk.Suggested)
	}
}

func TestTheReceiverServesWhileTheMailboxIsDown(t *testing.T) {
	d := startDesk(t, deskOpts{adjust: func(o *email.Options) {
		o.IMAP = &config.EmailIMAP{Addr: "127.0.0.1:1", Security: "none", Username: "x", Password: "y"}
	}})
	d.take("up1@example.org", mail("erin@example.org", "it-help@example.com", "Still here", "up1@example.org", "hello"))
	if len(d.all()) != 1 {
		t.Fatal("the receiver should take mail while IMAP cannot connect")
	}
}
