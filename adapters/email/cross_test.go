package email_test

import (
	"bytes"
	"context"
	"fmt"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/email"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
)

// One requester across channels, on both stores: the email channel and two
// chat platforms (bottest's in-memory platform as "slack" and "mattermost")
// on one engine.

var ada = tickets.Actor{Role: tickets.RoleAgent, Platform: "slack", ID: "U-ada", Name: "Ada"}

type crossWorld struct {
	*desk
	slack, mm *bottest.Platform
	seq       int
}

func startCross(t *testing.T, pg bool) *crossWorld {
	t.Helper()
	w := &crossWorld{slack: bottest.NewPlatform("slack", false), mm: bottest.NewPlatform("mattermost", false)}
	o := deskOpts{config: "testdata/cross.yaml", platforms: []bot.Platform{w.slack, w.mm}}
	if pg {
		st, err := postgres.Open(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		o.store = st
	}
	w.desk = startDesk(t, o)
	return w
}

// event delivers what a chat user does in their DM, as their platform's
// adapter reports it (the verified address included).
func (w *crossWorld) event(platform, user, email string, ev bot.Event) {
	w.t.Helper()
	w.seq++
	ev.ID, ev.Platform = fmt.Sprintf("ev%d", w.seq), platform
	ev.User = bot.User{ID: user, Name: strings.TrimPrefix(user, "U-"), Email: email}
	ev.Chat = bot.Chat{ID: bottest.DMChat(user), Kind: bot.ChatDirect}
	if ev.Kind == "" {
		ev.Kind = bot.EventMessage
	}
	if err := w.engine.Handle(context.Background(), ev); err != nil {
		w.t.Fatalf("%s %s: %v", platform, user, err)
	}
	w.clock.Add(time.Minute)
}

func (w *crossWorld) say(platform, user, email, text string) {
	w.event(platform, user, email, bot.Event{Text: text})
}

// lastMail is the newest mail queued to addr, parsed.
func (w *crossWorld) lastMail(addr string) *netmail.Message {
	w.t.Helper()
	ms := w.to(addr)
	if len(ms) == 0 {
		w.t.Fatalf("no mail to %s", addr)
	}
	m, err := netmail.ReadMessage(bytes.NewReader(ms[len(ms)-1].Raw))
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}

// texts are a transcript's lines as "author's platform:text" (an agent's
// line carries the agent's actor, whatever channel it went by).
func texts(ms []tickets.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Author.Platform+":"+m.Text)
	}
	return out
}

func forBothStores(t *testing.T, fn func(t *testing.T, pg bool)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, false) })
	t.Run("postgres", func(t *testing.T) { fn(t, true) })
}

// A ticket opened in Slack is answered by mail and followed up by mail:
// every message lands in its transcript in time order; a mail from another
// address with the key opens a ticket of its own.
func TestASlackTicketIsFollowedUpByMail(t *testing.T) {
	forBothStores(t, func(t *testing.T, pg bool) {
		w := startCross(t, pg)
		w.say("slack", "U-alice", "Alice@Example.org", "My monitor flickers")
		w.event("slack", "U-alice", "Alice@Example.org", bot.Event{Kind: bot.EventAction, Action: bot.Action{ID: "agent"}})
		tk := w.ticket("IT-1")
		if tk.Platform != "slack" || tk.Requester.ID != "U-alice" {
			t.Fatalf("the ticket is Alice's on Slack: %+v", tk)
		}
		if id, err := w.store.IdentityOf(context.Background(), "slack", "U-alice"); err != nil || id.Email != "alice@example.org" {
			t.Fatalf("Slack's verified address is linked: %+v, %v", id, err)
		}
		chans, err := w.engine.ReplyChannels(context.Background(), tk)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(chans); !strings.Contains(got, "{dm A DM to alice on Slack}") || !strings.Contains(got, "{email A mail to alice@example.org}") {
			t.Fatalf("Ada may answer in Alice's Slack DM or by mail: %s", got)
		}

		// Ada answers by mail: it goes in a thread of the ticket.
		if _, err := w.engine.ReplyVia(context.Background(), tk.ID, "Does it flicker on battery too?", "email", ada, tickets.SourceWeb); err != nil {
			t.Fatal(err)
		}
		w.clock.Add(time.Minute)
		out := w.lastMail("alice@example.org")
		if s := out.Header.Get("Subject"); s != "Re: [IT-1] My monitor flickers" || out.Header.Get("Auto-Submitted") != "" {
			t.Fatalf("Ada's mail: subject %q, Auto-Submitted %q", s, out.Header.Get("Auto-Submitted"))
		}
		// Alice answers it from her mail client: the reply joins IT-1.
		reply := mail("Alice <alice@example.org>", "it-help@example.com", "Re: [IT-1] My monitor flickers", "a2@example.org",
			"Only on battery.\n\n> Does it flicker on battery too?", "In-Reply-To", out.Header.Get("Message-Id"))
		w.take("a2@example.org", reply, "alice@example.org")
		w.clock.Add(time.Minute)
		// A later mail with the key in the subject (no threading headers) joins too.
		w.take("a3@example.org", mail("alice@example.org", "it-help@example.com", "[IT-1] one more thing", "a3@example.org", "It started after the update."), "alice@example.org")
		w.clock.Add(time.Minute)
		// Mallory knows the key, but Slack never verified her address for Alice.
		w.take("m1@example.org", mail("mallory@example.org", "it-help@example.com", "[IT-1] close this", "m1@example.org", "Please close it."), "mallory@example.org")
		// Alice writes in Slack again: her DM goes on the ticket she waits on.
		w.say("slack", "U-alice", "alice@example.org", "Any news?")

		got := texts(w.transcript("IT-1"))
		// (The question that opened it is its subject.)
		want := []string{"slack:Does it flicker on battery too?", "email:Only on battery.",
			"email:It started after the update.", "slack:Any news?"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("IT-1's transcript, in time order:\n got %q\nwant %q", got, want)
		}
		if m := w.ticket("IT-2"); m.Requester.ID != "mallory@example.org" || m.Platform != "email" {
			t.Fatalf("Mallory's mail is a ticket of her own: %+v", m)
		}
		if a := w.transcript("IT-2"); len(a) != 1 || a[0].Author.Role != tickets.RoleUser {
			t.Fatalf("with a user's rights: %+v", a)
		}

		// Alice mails a new question: its card lists her Slack ticket.
		w.take("a4@example.org", mail("Alice <alice@example.org>", "it-help@example.com", "Printer jammed", "a4@example.org", "Paper stuck."), "alice@example.org")
		card := ""
		for _, q := range w.to("ada@example.com") {
			if strings.Contains(string(q.Raw), "Printer jammed") {
				card = string(q.Raw)
			}
		}
		if !strings.Contains(card, "IT-1 (My monitor flickers") || !strings.Contains(card, "by Slack") {
			t.Fatalf("IT-3's card names Alice's Slack ticket IT-1:\n%s", card)
		}
		accounts, err := w.engine.Accounts(context.Background(), w.ticket("IT-3").Requester)
		if err != nil || len(accounts) != 2 || accounts[1].Platform != "slack" {
			t.Fatalf("the mail's sender is Alice on Slack too: %+v, %v", accounts, err)
		}
	})
}

// A ticket opened by mail is answered in the requester's Slack DM (Slack
// verified the same address), and what they answer there joins the ticket;
// someone with no verified address cannot be reached that way.
func TestAMailTicketIsAnsweredInTheRequestersSlackDM(t *testing.T) {
	forBothStores(t, func(t *testing.T, pg bool) {
		w := startCross(t, pg)
		w.say("slack", "U-bob", "bob@example.org", "hello")
		w.say("mattermost", "mm-bob", "bob@example.org", "hello")
		w.take("b1@example.org", mail("Bob <bob@example.org>", "it-help@example.com", "VPN drops", "b1@example.org", "The VPN drops every hour."), "bob@example.org")
		tk := w.ticket("IT-1")
		chans, err := w.engine.ReplyChannels(context.Background(), tk)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(chans); !strings.Contains(got, "{slack A DM to bob on Slack}") || !strings.Contains(got, "{mattermost A DM to mm-bob on Mattermost}") {
			t.Fatalf("Bob's linked accounts are offered: %s", got)
		}
		if _, err := w.engine.ReplyVia(context.Background(), tk.ID, "Which VPN client version?", "slack", ada, tickets.SourceWeb); err != nil {
			t.Fatal(err)
		}
		w.clock.Add(time.Minute)
		dm := w.slack.Messages(bottest.DMChat("U-bob"), "U-bob")
		last := bottest.Render(dm[len(dm)-1].Msg)
		if !strings.Contains(last, "Which VPN client version?") || !strings.Contains(last, "IT-1") {
			t.Fatalf("Bob's Slack DM has Ada's answer with the ticket: %q", last)
		}
		w.say("slack", "U-bob", "bob@example.org", "Version 6.1")
		if _, err := w.engine.ReplyVia(context.Background(), tk.ID, "Please update to 6.2.", "", ada, tickets.SourceWeb); err != nil {
			t.Fatal(err)
		}
		got := texts(w.transcript("IT-1"))
		want := []string{"email:The VPN drops every hour.", "slack:Which VPN client version?", "slack:Version 6.1", "slack:Please update to 6.2."}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("IT-1's transcript:\n got %q\nwant %q", got, want)
		}
		if last := w.lastMail("bob@example.org"); !strings.Contains(last.Header.Get("Subject"), "[IT-1]") {
			t.Fatalf("the ticket's own way is still mail: %q", last.Header.Get("Subject"))
		}

		// Carol mailed, but no platform verified her address.
		w.take("c1@example.org", mail("carol@example.org", "it-help@example.com", "Mouse", "c1@example.org", "Broken."), "carol@example.org")
		_, err = w.engine.ReplyVia(context.Background(), w.ticket("IT-2").ID, "Hi", "slack", ada, tickets.SourceWeb)
		if errs.Code(err) != errs.EINVALID || !strings.Contains(errs.Message(err), "no account on Slack") {
			t.Fatalf("no Slack account, a clear refusal: %v", err)
		}
	})
}

// Deleting a ticket erases the originals of its mails kept in the store.
func TestDeletingAMailTicketErasesTheOriginals(t *testing.T) {
	w := startCross(t, false)
	w.take("d1@example.org", mail("dan@example.org", "it-help@example.com", "Salary", "d1@example.org", "My account number is 1234."), "dan@example.org")
	raw := func() string {
		b, _, err := w.store.GetCheckpoint(context.Background(), email.RawName("d1@example.org"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if !strings.Contains(raw(), "1234") {
		t.Fatal("the original is kept")
	}
	admin := tickets.Actor{Role: tickets.RoleAdmin, Platform: "slack", ID: "U-root", Name: "Root"}
	if _, err := w.engine.Delete(context.Background(), w.ticket("IT-1").ID, ada, tickets.SourceWeb); errs.Code(err) != errs.EFORBIDDEN {
		t.Fatalf("an agent may not delete: %v", err)
	}
	if !strings.Contains(raw(), "1234") {
		t.Fatal("a refused delete erases nothing")
	}
	if _, err := w.engine.Delete(context.Background(), w.ticket("IT-1").ID, admin, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	if r := raw(); r != "" {
		t.Fatalf("the original is erased: %q", r)
	}
}

// While a Slack ticket's group chat runs, a mail from the requester is shown
// there, so the agent sees it where they work.
func TestAMailIsShownInTheTicketsGroupChat(t *testing.T) {
	w := startCross(t, false)
	w.say("slack", "U-alice", "alice@example.org", "My monitor flickers")
	w.event("slack", "U-alice", "alice@example.org", bot.Event{Kind: bot.EventAction, Action: bot.Action{ID: "agent"}})
	tk, err := w.engine.StartChat(context.Background(), w.ticket("IT-1").ID, ada, tickets.SourceButton)
	if err != nil || tk.GroupChat == "" {
		t.Fatalf("start chat: %+v, %v", tk, err)
	}
	w.take("a9@example.org", mail("Alice <alice@example.org>", "it-help@example.com", "[IT-1] photo", "a9@example.org", "Here is what it looks like."), "alice@example.org")
	all := w.slack.All(tk.GroupChat)
	last := bottest.Render(all[len(all)-1].Msg)
	if !strings.Contains(last, "Here is what it looks like.") || !strings.Contains(last, "by email") {
		t.Fatalf("the group chat shows Alice's mail: %q", last)
	}
	if tr := texts(w.transcript("IT-1")); tr[len(tr)-1] != "email:Here is what it looks like." {
		t.Fatalf("and the transcript has it: %q", tr)
	}
}

// Two chat platforms: a Slack ticket answered in the requester's Mattermost
// DM (both verified one address), and the answer there joins the ticket;
// a Mattermost conversation busy with a ticket of its own is left alone.
func TestASlackTicketIsAnsweredOnMattermost(t *testing.T) {
	forBothStores(t, func(t *testing.T, pg bool) {
		w := startCross(t, pg)
		w.say("mattermost", "mm-alice", "alice@example.org", "hello")
		w.say("slack", "U-alice", "alice@example.org", "My monitor flickers")
		w.event("slack", "U-alice", "alice@example.org", bot.Event{Kind: bot.EventAction, Action: bot.Action{ID: "agent"}})
		tk := w.ticket("IT-1")
		if _, err := w.engine.ReplyVia(context.Background(), tk.ID, "Which model is it?", "mattermost", ada, tickets.SourceWeb); err != nil {
			t.Fatal(err)
		}
		dm := w.mm.Messages(bottest.DMChat("mm-alice"), "mm-alice")
		if last := bottest.Render(dm[len(dm)-1].Msg); !strings.Contains(last, "Which model is it?") || !strings.Contains(last, "IT-1") {
			t.Fatalf("Alice's Mattermost DM: %q", last)
		}
		w.say("mattermost", "mm-alice", "alice@example.org", "A Dell U2720Q")
		got := strings.Join(texts(w.transcript("IT-1")), "|")
		// (Ada's line carries her actor, on Slack; the platform id names the channel.)
		if got != "slack:Which model is it?|mattermost:A Dell U2720Q" {
			t.Fatalf("IT-1's transcript: %q", got)
		}
		if pid := w.transcript("IT-1")[0].PlatformID; !strings.HasPrefix(pid, "reply:mattermost:") {
			t.Fatalf("the reply's record names its channel: %q", pid)
		}

		// Bob waits on a Mattermost ticket of his own: a reply to his Slack
		// ticket reaches his Mattermost DM, but his conversation there stays on his.
		w.say("slack", "U-bob", "bob@example.org", "Keyboard broken")
		w.event("slack", "U-bob", "bob@example.org", bot.Event{Kind: bot.EventAction, Action: bot.Action{ID: "agent"}})
		w.say("mattermost", "mm-bob", "bob@example.org", "Mouse broken")
		w.event("mattermost", "mm-bob", "bob@example.org", bot.Event{Kind: bot.EventAction, Action: bot.Action{ID: "agent"}})
		slackTk, mmTk := w.ticket("IT-2"), w.ticket("IT-3")
		if slackTk.Platform != "slack" || mmTk.Platform != "mattermost" {
			t.Fatalf("Bob's tickets: %s on %s, %s on %s", slackTk.Key, slackTk.Platform, mmTk.Key, mmTk.Platform)
		}
		if _, err := w.engine.ReplyVia(context.Background(), slackTk.ID, "New keyboard is on its way.", "mattermost", ada, tickets.SourceWeb); err != nil {
			t.Fatal(err)
		}
		w.say("mattermost", "mm-bob", "bob@example.org", "It is a wireless mouse")
		if tr := texts(w.transcript("IT-3")); strings.Join(tr, "|") != "mattermost:It is a wireless mouse" {
			t.Fatalf("Bob's Mattermost words stay on his Mattermost ticket: %q", tr)
		}
	})
}
