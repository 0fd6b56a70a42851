package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// One requester across channels: the engine links each account to the
// address its platform verified (Event.User.Email), so the accounts of one
// address are one person (tickets.Accounts). Links never give anyone
// rights: who may do what is still decided from the verified platform id
// and the config.

// learnIdentity records the event's verified address, once per account
// and address in this process (a map look-up on the hot path).
func (e *Engine) learnIdentity(ctx context.Context, ev Event) {
	if ev.User.Email == "" || ev.Platform == tickets.EmailPlatform {
		return // a mail's From is no proof: the email channel links nobody
	}
	email := tickets.NormalizeEmail(ev.User.Email)
	if email == "" {
		return
	}
	k := ev.Platform + "\x00" + ev.User.ID
	if v, ok := e.linked.Load(k); ok && v.(string) == email {
		return
	}
	id := tickets.Identity{Platform: ev.Platform, UserID: ev.User.ID, Name: ev.User.Name, Email: email, At: e.now()}
	if err := e.store.LinkIdentity(ctx, id); err != nil {
		e.log.Warn("link identity", "platform", ev.Platform, "user", ev.User.ID, "err", err)
		return
	}
	e.linked.Store(k, email)
}

// Accounts returns the requester's accounts on every channel, the ticket's
// own first (tickets.Accounts).
func (e *Engine) Accounts(ctx context.Context, p tickets.Person) ([]tickets.Person, error) {
	return tickets.Accounts(ctx, e.store, p)
}

// Reply channels (ReplyVia): the ticket's own way, its group chat, the
// requester's DM on the ticket's platform, or a platform's name for the
// requester's account there (linked by a verified address; "email": a mail
// to that address, in a thread of the ticket).
const (
	ViaTicket = ""     // the group chat while in service, else the requester's chat
	ViaChat   = "chat" // the ticket's group chat
	ViaDM     = "dm"   // the requester's chat on the ticket's platform
)

// ReplyChannel is a way to reach a ticket's requester.
type ReplyChannel = tickets.Channel

// ticketChats is a platform that reaches a person about a ticket of another
// channel in a chat of that ticket (email: a thread "Re: [IT-12] …" whose
// replies come back to the ticket), instead of their DM.
type ticketChats interface {
	TicketChat(ctx context.Context, t *tickets.Ticket, user string) (string, error)
}

func platformTitle(name string) string {
	switch name {
	case "slack":
		return "Slack"
	case "mattermost":
		return "Mattermost"
	case "discord":
		return "Discord"
	case "web":
		return "the web chat"
	}
	return name
}

// ReplyChannels lists the ways an agent may answer t's requester now: the
// ticket's group chat (in service), the requester's chat on the ticket's
// platform, and their linked accounts on the other connected platforms.
func (e *Engine) ReplyChannels(ctx context.Context, t *tickets.Ticket) ([]ReplyChannel, error) {
	var out []ReplyChannel
	if t.Status == tickets.StatusInService && t.GroupChat != "" {
		out = append(out, ReplyChannel{Via: ViaChat, Label: "The ticket's group chat on " + platformTitle(t.Platform)})
	}
	if t.Platform == tickets.EmailPlatform {
		out = append(out, ReplyChannel{Via: ViaDM, Label: "A mail to " + t.Requester.ID})
	} else {
		out = append(out, ReplyChannel{Via: ViaDM, Label: "A DM to " + t.Requester.Name + " on " + platformTitle(t.Platform)})
	}
	accounts, err := e.Accounts(ctx, t.Requester)
	if err != nil {
		return nil, err
	}
	for _, a := range accounts[1:] {
		if a.Platform == t.Platform || slices.ContainsFunc(out, func(c ReplyChannel) bool { return c.Via == a.Platform }) {
			continue
		}
		if _, err := e.platform(a.Platform); err != nil {
			continue // not connected
		}
		if a.Platform == tickets.EmailPlatform {
			out = append(out, ReplyChannel{Via: a.Platform, Label: "A mail to " + a.ID})
		} else {
			out = append(out, ReplyChannel{Via: a.Platform, Label: "A DM to " + cmp.Or(a.Name, t.Requester.Name) + " on " + platformTitle(a.Platform)})
		}
	}
	return out, nil
}

// ReplyVia sends an agent's answer to the ticket's requester on the chosen
// channel (see ReplyChannels; ViaTicket is Reply's) and records it in the
// transcript. On another platform than the ticket's, what the requester
// answers there goes on the ticket too: in their DM (their conversation
// waits on the ticket) or in the mail thread.
func (e *Engine) ReplyVia(ctx context.Context, id int64, text, via string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, _, err := e.ReplyWithFiles(ctx, id, text, via, nil, actor, src)
	return t, err
}

// ReplyWithFiles is ReplyVia with files (text may then be empty): each is
// checked against the attachments' limit and allow-list (a refusal is
// errs.EINVALID naming the file, and nothing is kept or sent), kept with
// the ticket as the agent's, and sent with the reply. A file the channel
// does not deliver (a platform without files, or one that refuses it:
// too large for it) stays with the ticket; notDelivered says so, one line
// per file, and the same lines are an internal note on the ticket.
func (e *Engine) ReplyWithFiles(ctx context.Context, id int64, text, via string, files []tickets.Upload, actor tickets.Actor, src tickets.Source) (t *tickets.Ticket, notDelivered []string, err error) {
	t, notDelivered, follow, err := e.replyVia(ctx, id, text, via, files, actor, src)
	if err != nil {
		return nil, nil, err
	}
	if follow != nil {
		// After the ticket's lock: a conversation is locked before a ticket elsewhere.
		if err := follow(ctx); err != nil {
			e.log.Warn("point the requester's conversation at the ticket", "ticket", t.Key, "via", via, "err", err)
		}
	}
	if len(notDelivered) > 0 {
		note := strings.Join(notDelivered, "\n")
		if t2, err := e.svc.AddNote(ctx, t.ID, note, "", actor, src); err != nil {
			e.log.Warn("note the files not delivered", "ticket", t.Key, "err", err)
		} else {
			t = t2
		}
	}
	return t, notDelivered, nil
}

func (e *Engine) replyVia(ctx context.Context, id int64, text, via string, files []tickets.Upload, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, []string, func(context.Context) error, error) {
	defer e.lockTicket(id)()
	text = strings.TrimSpace(text)
	if text == "" && len(files) == 0 {
		return nil, nil, nil, errs.Errorf(errs.EINVALID, "The reply is empty.")
	}
	if actor.Role != tickets.RoleAgent && actor.Role != tickets.RoleAdmin {
		return nil, nil, nil, errs.Errorf(errs.EFORBIDDEN, "Only the desk's agents can reply to the requester.")
	}
	t, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if !t.Erased.IsZero() || t.MergedInto != "" {
		return nil, nil, nil, errs.Errorf(errs.ECONFLICT, "%s is closed for replies.", t.Key)
	}
	k := e.Attachments()
	if err := checkUploads(k, files); err != nil {
		return nil, nil, nil, err
	}
	platform, chat := t.Platform, t.RequesterChat
	var follow func(context.Context) error
	switch via {
	case ViaTicket:
		if t.Status == tickets.StatusInService && t.GroupChat != "" {
			chat = t.GroupChat
		}
	case ViaChat:
		if t.Status != tickets.StatusInService || t.GroupChat == "" {
			return nil, nil, nil, errs.Errorf(errs.ECONFLICT, "%s has no group chat running: answer by DM or mail.", t.Key)
		}
		chat = t.GroupChat
	case ViaDM, t.Platform:
	default:
		accounts, err := e.Accounts(ctx, t.Requester)
		if err != nil {
			return nil, nil, nil, err
		}
		acc, ok := tickets.AccountOn(accounts, via)
		if !ok {
			return nil, nil, nil, errs.Errorf(errs.EINVALID, "%s has no account on %s verified by the same email address.", t.Requester.Name, platformTitle(via))
		}
		p, err := e.platform(via)
		if err != nil {
			return nil, nil, nil, errs.Errorf(errs.EINVALID, "%s is not connected.", platformTitle(via))
		}
		platform = via
		if tc, ok := p.(ticketChats); ok {
			chat, err = tc.TicketChat(ctx, t, acc.ID)
		} else {
			chat, err = p.DirectChat(ctx, acc.ID)
			user, dm, tk := acc.ID, chat, t.Clone()
			follow = func(ctx context.Context) error { return e.followOn(ctx, via, user, dm, tk) }
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("reach %s on %s: %w", t.Requester.Name, via, err)
		}
	}
	p, err := e.platform(platform)
	if err != nil {
		return nil, nil, nil, err
	}
	// The files are kept with the ticket before they are sent: what the
	// platform refuses stays with the ticket, and the agent hears of it.
	out, err := keepUploads(ctx, k, t, actor, files)
	if err != nil {
		return nil, nil, nil, err
	}
	var notDelivered []string
	if len(out) > 0 {
		if fs, ok := p.(FileSender); !ok || !fs.SendsFiles() {
			for _, f := range out {
				notDelivered = append(notDelivered, fmt.Sprintf("%s was kept with %s but not sent: %s does not take files from the Ticket Center.",
					f.Name, t.Key, platformTitle(platform)))
			}
			out = nil
		}
	}
	if text == "" && len(out) == 0 {
		return t, notDelivered, nil, nil // nothing left to send
	}
	var ref MessageRef
	if ps, ok := p.(personSender); ok {
		ref, err = ps.SendAs(ctx, chat, actor.Name, Message{Text: text, Files: out})
	} else {
		msg := fmt.Sprintf("**%s:** %s", actor.Name, text)
		if platform != t.Platform {
			msg = fmt.Sprintf("**%s** (%s · %s): %s", actor.Name, t.Key, Literal(t.Subject), text)
		}
		if text == "" {
			msg = fmt.Sprintf("**%s** sent %s.", actor.Name, fileCount(len(out)))
			if platform != t.Platform {
				msg = fmt.Sprintf("**%s** (%s · %s) sent %s.", actor.Name, t.Key, Literal(t.Subject), fileCount(len(out)))
			}
		}
		ref, err = p.Send(ctx, chat, Message{Text: msg, Files: out})
	}
	var refused FilesRefused
	if errors.As(err, &refused) {
		for _, r := range refused {
			notDelivered = append(notDelivered, fmt.Sprintf("%s was kept with %s but not sent on %s: %s", r.Name, t.Key, platformTitle(platform), r.Reason))
		}
		err = nil
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reply on %s: %w", platform, err)
	}
	pid := ""
	if ref.ID != "" {
		pid = "reply:" + ref.ID
		if platform != t.Platform {
			pid = "reply:" + platform + ":" + ref.ID
		}
	}
	if text == "" {
		return t, notDelivered, follow, nil
	}
	got, err := e.svc.RecordMessage(ctx, t.ID, Sanitize(text, maxMessageLen), pid, actor, src)
	return got, notDelivered, follow, err
}

// followOn points the person's conversation on platform at t, so that what
// they answer in their DM there is added to t (as a waiting requester's
// words are); a conversation in the middle of something else is left.
func (e *Engine) followOn(ctx context.Context, platform, user, chat string, t *tickets.Ticket) error {
	ev := Event{Platform: platform, User: User{ID: user}, Chat: Chat{ID: chat, Kind: ChatDirect}}
	return e.converse(ctx, e.rt.Load(), ev, func(c *conv, _ context.Context) error {
		switch c.st.Step {
		case StepIdle, StepMenu, StepAnswered, StepRating, StepReopen:
		case StepWaiting:
			if c.st.Ticket == t.ID {
				c.unchanged = true
				return nil
			}
			if cur, err := c.e.store.Get(ctx, c.st.Ticket); err == nil && cur.Status.Active() {
				c.unchanged = true // waiting on a ticket of their own there
				return nil
			}
		default:
			c.unchanged = true
			return nil
		}
		c.reset()
		c.st.Step, c.st.Ticket, c.st.Desk, c.st.Chat = StepWaiting, t.ID, t.Desk, chat
		return nil
	})
}

// FromOtherChannel shows what the requester wrote on another channel (via,
// e.g. a mail) where the ticket is worked on: its group chat while in
// service. The channel has recorded it in the transcript already.
func (e *Engine) FromOtherChannel(ctx context.Context, id int64, via, name, text string) error {
	t, err := e.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if t.Platform == via || t.Status != tickets.StatusInService || t.GroupChat == "" {
		return nil
	}
	msg := Message{Text: fmt.Sprintf("**%s** (by %s): %s", Literal(name), via, Literal(Sanitize(text, maxMessageLen)))}
	if _, err := e.sendTo(ctx, t.Platform, t.GroupChat, msg); err != nil {
		return fmt.Errorf("show %s's %s in %s: %w", name, via, t.Key, err)
	}
	return nil
}

// contentEraser is a platform that keeps content of its own about a ticket
// (email: each original mail, attachments and all), erased with the
// ticket's transcript (Delete).
type contentEraser interface {
	EraseTicket(ctx context.Context, t *tickets.Ticket, msgs []tickets.Message) error
}

// eraseChannelContent has every platform that keeps content of t's erase it.
func (e *Engine) eraseChannelContent(ctx context.Context, t *tickets.Ticket) error {
	msgs, err := e.store.Messages(ctx, t.ID)
	if err != nil {
		return err
	}
	e.dispatchMu.Lock()
	var ers []contentEraser
	for _, p := range e.platforms {
		if ce, ok := p.(contentEraser); ok {
			ers = append(ers, ce)
		}
	}
	e.dispatchMu.Unlock()
	for _, ce := range ers {
		if err := ce.EraseTicket(ctx, t, msgs); err != nil {
			return fmt.Errorf("erase what a channel kept of %s: %w", t.Key, err)
		}
	}
	return nil
}
