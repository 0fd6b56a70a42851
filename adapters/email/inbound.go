package email

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
	"github.com/helpdesk-chat/helpdesk/rules"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// thread is one ticket's mail thread: every Message-ID in it, oldest first.
type thread struct {
	Token     string   `json:"token"`
	Root      string   `json:"root"`
	Refs      []string `json:"refs"`
	Subject   string   `json:"subject"`
	TicketID  int64    `json:"ticket_id,omitempty"`
	Key       string   `json:"key,omitempty"`
	Desk      string   `json:"desk"`
	Requester string   `json:"requester"`
	// NoAuto says why the requester gets no automatic mail ("" = they do).
	NoAuto string `json:"no_auto,omitempty"`
}

func threadName(token string) string { return "email:thread:" + token }
func msgName(id string) string       { return "email:msg:" + hashID(id) }

type msgIndex struct {
	Token string `json:"token"`
}

func (a *Adapter) loadThread(ctx context.Context, token string) (*thread, error) {
	var th thread
	_, found, err := getJSON(ctx, a.opts.Store, threadName(token), &th)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errs.Errorf(errs.ENOTFOUND, "email: no thread %s", token)
	}
	return &th, nil
}

// addToThread records a Message-ID as part of the thread, so a reply to it
// finds the ticket.
func (a *Adapter) addToThread(ctx context.Context, token, id string) error {
	if _, err := updateJSON(ctx, a.opts.Store, threadName(token), func(th *thread) (bool, error) {
		if slices.Contains(th.Refs, id) {
			return false, nil
		}
		th.Refs = append(th.Refs, id)
		return true, nil
	}); err != nil {
		return fmt.Errorf("email: record thread: %w", err)
	}
	_, err := updateJSON(ctx, a.opts.Store, msgName(id), func(m *msgIndex) (bool, error) {
		if m.Token == token {
			return false, nil
		}
		m.Token = token
		return true, nil
	})
	return err
}

// keyOf finds the ticket key of a thread whose ticket was being opened.
func (a *Adapter) keyOf(ctx context.Context, th *thread) string {
	ts, err := a.opts.Store.List(ctx, tickets.Filter{Requester: &tickets.Person{Platform: Name, ID: th.Requester}})
	if err != nil {
		return ""
	}
	for _, t := range ts {
		if t.RequestKey == "email:"+th.Token {
			return t.Key
		}
	}
	return ""
}

var keyInSubject = regexp.MustCompile(`\[([A-Za-z][A-Za-z0-9_]*-\d+)\]`)

// findThread finds the thread a mail answers: by In-Reply-To and
// References, else by the ticket key in the subject when the sender is the
// ticket's requester.
func (a *Adapter) findThread(ctx context.Context, m *inMail) (*thread, error) {
	ids := append([]string(nil), m.InReplyTo...)
	for _, r := range slices.Backward(m.References) {
		ids = append(ids, r)
	}
	for _, id := range ids {
		var ix msgIndex
		_, found, err := getJSON(ctx, a.opts.Store, msgName(id), &ix)
		if err != nil {
			return nil, err
		}
		if found {
			return a.loadThread(ctx, ix.Token)
		}
	}
	if k := keyInSubject.FindStringSubmatch(m.Subject); k != nil {
		t, err := a.opts.Store.GetByKey(ctx, strings.ToUpper(k[1]))
		if err != nil && errs.Code(err) != errs.ENOTFOUND {
			return nil, err
		}
		if err == nil && t.Platform == Name && t.Requester.ID == m.From {
			if _, token, ok := strings.Cut(t.RequesterChat, "/"); ok {
				return a.loadThread(ctx, token)
			}
		} else if err == nil && t.Platform != Name && t.Erased.IsZero() {
			// A ticket opened on a chat platform, followed up by mail: only
			// from the address that platform verified for its requester.
			mine, err := a.fromRequester(ctx, t, m.From)
			if err != nil || !mine {
				return nil, err
			}
			chat, err := a.TicketChat(ctx, t, m.From)
			if err != nil {
				return nil, err
			}
			return a.loadThread(ctx, kit.ParseChat(chat).Thread)
		}
	}
	return nil, nil
}

// Errors of an incoming mail: deferred ones are taken again later (the
// IMAP mail stays unread; SMTP answers 451); rejected ones cannot be taken.
var (
	errDeferred = errors.New("deferred")
	errRejected = errors.New("rejected")
)

// take handles one incoming mail exactly once across redeliveries, restarts
// and replicas: it is claimed in the event ledger by its Message-ID, and
// every step under the claim is idempotent, so a mail taken again after a
// crash finishes what the first try began.
func (a *Adapter) take(ctx context.Context, raw []byte, envelopeFrom string, rcpts []string) error {
	m, err := parse(raw, envelopeFrom)
	if err != nil {
		return fmt.Errorf("%w: %v", errRejected, err)
	}
	if a.deskOf(m.From) != "" {
		// The desk's own mail coming back (a forwarding loop, a copy to itself).
		return fmt.Errorf("%w: the mail is from the desk's own address %s", errRejected, m.From)
	}
	desk := ""
	for _, to := range append(append([]string(nil), rcpts...), m.To...) {
		if desk = a.deskOf(to); desk != "" {
			break
		}
	}
	if desk == "" && len(a.opts.Desks) == 1 {
		for id := range a.opts.Desks {
			desk = id // a mailbox that serves one desk takes all its mail
		}
	}
	if desk == "" {
		return fmt.Errorf("%w: the mail from %s is to none of the desks' addresses (%s)", errRejected, m.From, strings.Join(m.To, ", "))
	}
	eng := a.opts.Engine()
	if eng.Runtime().Config.Desk(desk) == nil {
		return fmt.Errorf("%w: desk %q is not in the config", errDeferred, desk)
	}
	key := "email-in:" + hashID(m.MessageID)
	c, err := a.opts.Store.ClaimEvent(ctx, key, a.owner, a.now(), a.now().Add(2*time.Minute))
	if err != nil {
		return err
	}
	switch c {
	case tickets.ClaimDone:
		return nil
	case tickets.ClaimBusy:
		return fmt.Errorf("%w: another replica is taking it", errDeferred)
	}
	bg := context.WithoutCancel(ctx)
	if !a.limit.allow(m.From) {
		_ = a.opts.Store.ReleaseEvent(bg, key, a.owner)
		return fmt.Errorf("%w: %s sent more than %d mails in an hour", errDeferred, m.From, a.opts.PerSenderHour)
	}
	if err := a.handleMail(ctx, desk, m, raw); err != nil {
		_ = a.opts.Store.ReleaseEvent(bg, key, a.owner)
		return err
	}
	if err := a.opts.Store.FinishEvent(bg, key, a.owner, a.now()); err != nil {
		return fmt.Errorf("mark mail handled: %w", err)
	}
	if a.opts.Handled != nil {
		a.opts.Handled(m.MessageID)
	}
	return nil
}

func (a *Adapter) handleMail(ctx context.Context, desk string, m *inMail, raw []byte) error {
	// The original, attachments and all, is kept as it came.
	if _, err := a.opts.Store.PutCheckpoint(ctx, "email:raw:"+hashID(m.MessageID), raw, 0); err != nil && errs.Code(err) != errs.ECONFLICT {
		return fmt.Errorf("keep the original mail: %w", err)
	}
	eng := a.opts.Engine()
	svc := eng.Tickets()
	rt := eng.Runtime()
	actor := tickets.Actor{Role: tickets.RoleUser, Platform: Name, ID: m.From, Name: m.FromName}
	if actor.Name == "" {
		actor.Name = m.From
	}
	text := stripQuoted(m.Body)
	if text == "" {
		text = "(no text)"
	}
	th, err := a.findThread(ctx, m)
	if err != nil {
		return err
	}
	if th != nil && th.TicketID != 0 {
		t, err := a.opts.Store.Get(ctx, th.TicketID)
		if err != nil && errs.Code(err) != errs.ENOTFOUND {
			return err
		}
		if err == nil {
			d := rt.Config.Desk(t.Desk)
			reopen := t.Status == tickets.StatusResolved && d != nil && d.ReopenWindow > 0 &&
				a.now().Sub(t.EndedAt) <= d.ReopenWindow.D()
			if reopen {
				if reopen, err = a.fromRequester(ctx, t, m.From); err != nil {
					return err
				}
			}
			if t.Erased.IsZero() && (t.Status.Active() || reopen) {
				if reopen {
					if _, err := eng.Reopen(ctx, t.ID, "the requester answered by email", actor, tickets.SourceChat); err != nil && errs.Code(err) != errs.ECONFLICT {
						return fmt.Errorf("reopen %s: %w", t.Key, err)
					}
				}
				refused, err := a.record(ctx, svc, t.ID, m, text, actor)
				if err != nil {
					return err
				}
				if len(refused) > 0 && m.Automated == "" {
					if err := a.tellRefused(ctx, t, m, refused); err != nil {
						return err
					}
				}
				if err := a.addToThread(ctx, th.Token, m.MessageID); err != nil {
					return err
				}
				if t.Platform != Name {
					// Taken again after a crash, this may show twice; the transcript has it once.
					if err := eng.FromOtherChannel(ctx, t.ID, Name, actor.Name, textutil.ShortenTrim(text, maxText)); err != nil {
						a.log.Warn("show a mail in the ticket's chat", "ticket", t.Key, "err", err)
					}
				}
				return nil
			}
		}
	}
	return a.openTicket(ctx, desk, m, text, actor)
}

// record adds the mail to the ticket's transcript (what the sender wrote),
// keeps its attachments with the ticket and, when quoting was cut from it
// or an attachment refused, a note with the rest. It returns the refusals,
// for the sender.
func (a *Adapter) record(ctx context.Context, svc *tickets.Service, id int64, m *inMail, text string, actor tickets.Actor) ([]string, error) {
	if _, err := svc.RecordMessage(ctx, id, textutil.ShortenTrim(text, maxText), m.MessageID, actor, tickets.SourceChat); err != nil && errs.Code(err) != errs.ECONFLICT {
		return nil, fmt.Errorf("record mail: %w", err)
	}
	var note []string
	if strings.TrimSpace(m.Body) != text {
		note = append(note, "The mail as written, with its quoted history and signature:\n\n"+textutil.ShortenTrim(strings.TrimSpace(m.Body), maxText))
	}
	refused, err := a.keepAttachments(ctx, svc, id, m, actor)
	if err != nil {
		return nil, err
	}
	for _, r := range refused {
		note = append(note, r+" The original mail is kept whole.")
	}
	if m.Automated != "" {
		note = append(note, "No automatic answer was sent: "+m.Automated+".")
	}
	if len(note) == 0 {
		return refused, nil
	}
	if _, err := svc.AddNote(ctx, id, strings.Join(note, "\n\n"), "orig:"+m.MessageID, tickets.System, tickets.SourceChat); err != nil && errs.Code(err) != errs.ECONFLICT {
		return nil, fmt.Errorf("record mail note: %w", err)
	}
	return refused, nil
}

// maxText is the most of a mail the transcript shows; the original is kept.
const maxText = 20000

func (a *Adapter) openTicket(ctx context.Context, deskID string, m *inMail, text string, actor tickets.Actor) error {
	eng := a.opts.Engine()
	rt := eng.Runtime()
	d := rt.Config.Desk(deskID)
	token := hashID(m.MessageID)
	subject := strings.TrimSpace(keyInSubject.ReplaceAllString(m.Subject, ""))
	for _, p := range []string{"re:", "fwd:", "fw:", "aw:", "wg:"} {
		if len(subject) >= len(p) && strings.EqualFold(subject[:len(p)], p) {
			subject = strings.TrimSpace(subject[len(p):])
		}
	}
	if subject == "" {
		subject = textutil.ShortenTrim(text, 80)
	}
	th := thread{Token: token, Root: m.MessageID, Refs: []string{m.MessageID}, Subject: subject, Desk: deskID,
		Requester: m.From, NoAuto: m.Automated}
	if _, err := updateJSON(ctx, a.opts.Store, threadName(token), func(cur *thread) (bool, error) {
		if cur.Token != "" {
			return false, nil // written by an earlier try
		}
		*cur = th
		return true, nil
	}); err != nil {
		return fmt.Errorf("record thread: %w", err)
	}
	if err := a.addToThread(ctx, token, m.MessageID); err != nil {
		return err
	}
	lang := ""
	if len(d.Languages) > 0 {
		lang = d.Languages[0]
	}
	// The FAQ reads the mail as a question: a confident answer goes into
	// the acknowledgement, and the card says the bot suggested it.
	var answer *faq.Hit
	if ix, ok := rt.FAQ.Desk(deskID); ok {
		q := textutil.ShortenTrim(subject+"\n"+text, 1000)
		hits, err := ix.Search(ctx, q, lang, 3)
		if err == nil && len(hits) > 0 && ix.Decide(hits) == faq.DecideAnswer {
			answer = &hits[0]
		}
	}
	t := &tickets.Ticket{
		Desk: deskID, Platform: Name, RequestKey: "email:" + token,
		Requester:     tickets.Person{Platform: Name, ID: m.From, Name: actor.Name},
		RequesterChat: m.From + "/" + token,
		Language:      lang,
		Subject:       subject,
	}
	if answer != nil {
		t.Suggested, t.Category = []string{answer.ItemID}, answer.CategoryID
	}
	t.Priority = rules.Match(d, t).Priority
	saved, _, err := eng.Tickets().Open(ctx, t, d.Prefix, actor, tickets.SourceChat)
	if err != nil {
		return err
	}
	if _, err := updateJSON(ctx, a.opts.Store, threadName(token), func(cur *thread) (bool, error) {
		if cur.TicketID == saved.ID {
			return false, nil
		}
		cur.TicketID, cur.Key = saved.ID, saved.Key
		return true, nil
	}); err != nil {
		return fmt.Errorf("record thread: %w", err)
	}
	refused, err := a.record(ctx, eng.Tickets(), saved.ID, m, text, actor)
	if err != nil {
		return err
	}
	if m.Automated == "" {
		if err := a.acknowledge(ctx, saved, m, answer, refused); err != nil {
			return err
		}
	} else {
		a.log.Info("ticket opened from an automated mail; no acknowledgement", "ticket", saved.Key, "why", m.Automated)
	}
	eng.Dispatch(ctx, deskID)
	return nil
}

// acknowledge mails the ticket key and, when the FAQ is confident, its
// answer. Its Message-ID comes from the incoming mail's, so taking the mail
// again after a crash queues it once.
func (a *Adapter) acknowledge(ctx context.Context, t *tickets.Ticket, m *inMail, answer *faq.Hit, refused []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\nwe have received your request and opened ticket %s: %s.\n", t.Requester.Name, t.Key, t.Subject)
	for _, r := range refused {
		fmt.Fprintf(&b, "\n%s\n", r)
	}
	if answer != nil {
		fmt.Fprintf(&b, "\nThis may already solve it (reply if not):\n\n%s\n\n%s\n", answer.Question, strings.TrimSpace(answer.Answer))
	}
	b.WriteString("\nAn agent will answer in this thread. Reply to this mail to add to your request; keep " + t.Key + " in the subject.")
	_, domain, _ := strings.Cut(a.from(t.Desk).Address, "@")
	th, err := a.loadThread(ctx, hashID(m.MessageID))
	if err != nil {
		return err
	}
	om := outMail{
		ID: "ack-" + th.Token + "@" + domain, From: a.from(t.Desk), To: m.From, Auto: true,
		Subject: "Re: [" + t.Key + "] " + t.Subject, InReplyTo: m.MessageID, References: []string{m.MessageID},
	}
	msg := botMessage(b.String())
	om.Text, om.HTML = a.plainText(m.From, t.RequesterChat, msg), a.htmlText(m.From, t.RequesterChat, msg)
	if err := a.queueMail(ctx, om); err != nil {
		return err
	}
	return a.addToThread(ctx, th.Token, om.ID)
}

// fromRequester reports whether a mail from addr is from t's requester: the
// address of an email ticket, or for a ticket of a chat platform the
// address that platform verified for the requester's account. A mail's
// From alone proves nothing more: such a mail adds to the ticket as the
// requester's words, never with an agent's rights.
func (a *Adapter) fromRequester(ctx context.Context, t *tickets.Ticket, addr string) (bool, error) {
	addr = bareAddress(addr)
	if t.Requester.Platform == Name || t.Platform == Name {
		return bareAddress(t.Requester.ID) == addr, nil
	}
	accounts, err := tickets.Accounts(ctx, a.opts.Store, t.Requester)
	if err != nil {
		return false, err
	}
	acc, ok := tickets.AccountOn(accounts, Name)
	return ok && acc.ID == addr, nil
}

// TicketChat is the mail thread with addr about a ticket of another
// channel (the engine's ReplyVia "email"): what goes there is sent as
// "Re: [IT-12] subject" with threading headers, and a reply to it comes
// back to the ticket. An email ticket's own requester gets its thread.
func (a *Adapter) TicketChat(ctx context.Context, t *tickets.Ticket, user string) (string, error) {
	addr := bareAddress(user)
	if t.Platform == Name && bareAddress(kit.ParseChat(t.RequesterChat).Chat) == addr {
		return t.RequesterChat, nil
	}
	token := hashID("ticket:" + strconv.FormatInt(t.ID, 10) + ":" + addr)
	if _, err := updateJSON(ctx, a.opts.Store, threadName(token), func(cur *thread) (bool, error) {
		if cur.Token != "" {
			return false, nil
		}
		*cur = thread{Token: token, Subject: t.Subject, TicketID: t.ID, Key: t.Key, Desk: t.Desk, Requester: addr}
		return true, nil
	}); err != nil {
		return "", fmt.Errorf("email: the thread of %s: %w", t.Key, err)
	}
	return addr + "/" + token, nil
}

// EraseTicket blanks the originals of the ticket's mails (kept as they
// came, attachments and all) when the ticket is deleted; the engine calls
// it before the transcript, which names them, is erased.
func (a *Adapter) EraseTicket(ctx context.Context, t *tickets.Ticket, msgs []tickets.Message) error {
	seen := map[string]bool{}
	for _, m := range msgs {
		id := strings.TrimPrefix(m.PlatformID, "orig:")
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		name := "email:raw:" + hashID(id)
		for {
			b, ver, err := a.opts.Store.GetCheckpoint(ctx, name)
			if errs.Code(err) == errs.ENOTFOUND || (err == nil && len(b) == 0) {
				break
			}
			if err != nil {
				return err
			}
			_, err = a.opts.Store.PutCheckpoint(ctx, name, []byte{}, ver)
			if errs.Code(err) == errs.ECONFLICT {
				continue
			}
			if err != nil {
				return fmt.Errorf("email: erase the original of %s: %w", t.Key, err)
			}
			a.log.Info("original mail erased with its ticket", "ticket", t.Key)
			break
		}
	}
	if token := kit.ParseChat(t.RequesterChat).Thread; t.Platform == Name && token != "" {
		// The thread stays (a reply to it then opens a new ticket) without the subject.
		if _, err := updateJSON(ctx, a.opts.Store, threadName(token), func(th *thread) (bool, error) {
			if th.Token == "" || th.Subject == "(deleted)" {
				return false, nil
			}
			th.Subject = "(deleted)"
			return true, nil
		}); err != nil {
			return fmt.Errorf("email: erase the thread of %s: %w", t.Key, err)
		}
	}
	return nil
}
