package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Side conversations: an agent invites another agent or an expert (an agent
// of any desk) into a ticket's group chat, or opens a private side chat
// with them that the requester is not in. A side chat is a real chat on the
// ticket's platform (CreateGroupChat without the requester: a Slack private
// channel, a Discord private thread, a Mattermost private channel, a web
// chat room); what is written there is kept on the ticket as internal
// notes. Which ticket a side chat belongs to is kept in the store under
// sideKey, so every replica and a restart find it.

// MemberRemover is implemented by a platform that can take a member out of
// a group chat (conversations.kick, a thread member removed, a channel
// member removed). Without it the engine refuses to remove people.
type MemberRemover interface {
	RemoveFromGroupChat(ctx context.Context, chat, user string) error
}

// chatless says why a ticket's platform cannot hold a side conversation or
// take guests ("" if it can). An email ticket's "group chat" is the
// requester's own thread: anything posted there reaches the requester.
func chatless(t *tickets.Ticket) error {
	if t.Platform == "email" {
		return errs.Errorf(errs.EINVALID, "%s came by email: its only thread is the requester's, so there is no chat to invite anyone into or to hold a side conversation in. Use internal notes (@Name notifies an agent).", t.Key)
	}
	return nil
}

// sideKey is the store key that maps a side chat to its ticket.
func sideKey(platform, chat string) string { return tickets.SideChatKey(platform, chat) }

// mention matches a platform mention typed in a command: Slack <@U123> or
// <@U123|name>, Discord <@123> or <@!123>.
var mention = regexp.MustCompile(`^<@!?([A-Za-z0-9._-]+)(?:\|[^>]*)?>$`)

// person resolves who is meant by a name typed in a command or picked in
// the Ticket Center: an agent of any desk by name (who has an account on
// the ticket's platform), or a platform mention of anyone.
func (e *Engine) person(rt *Runtime, t *tickets.Ticket, who string) (tickets.Person, error) {
	who = strings.TrimSpace(who)
	if m := mention.FindStringSubmatch(who); m != nil {
		for _, d := range rt.Config.Desks {
			if a := d.Agent(t.Platform, m[1]); a != nil {
				return tickets.Person{Platform: t.Platform, ID: m[1], Name: a.Name}, nil
			}
		}
		return tickets.Person{Platform: t.Platform, ID: m[1], Name: m[1]}, nil
	}
	name := strings.TrimPrefix(who, "@")
	for _, d := range rt.Config.Desks {
		for _, a := range d.Agents {
			if strings.EqualFold(a.Name, name) || (a.ID(t.Platform) != "" && a.ID(t.Platform) == name) {
				if a.ID(t.Platform) == "" {
					return tickets.Person{}, errs.Errorf(errs.EINVALID, "%s has no account on %s, where %s is.", a.Name, t.Platform, t.Key)
				}
				return tickets.Person{Platform: t.Platform, ID: a.ID(t.Platform), Name: a.Name}, nil
			}
		}
	}
	if name == "" {
		return tickets.Person{}, errs.Errorf(errs.EINVALID, "Whom? Name an agent (of any desk) or mention them.")
	}
	return tickets.Person{}, errs.Errorf(errs.EINVALID, "%s is not an agent of any desk: name an agent or mention them.", Literal(Sanitize(name, 40)))
}

// actorMember is the actor as a member of a side chat on the ticket's
// platform: their own account there, or their agent entry's.
func actorMember(rt *Runtime, t *tickets.Ticket, actor tickets.Actor) (tickets.Person, bool) {
	if actor.Platform == t.Platform && actor.ID != "" {
		return tickets.Person{Platform: t.Platform, ID: actor.ID, Name: actor.Name}, true
	}
	for _, d := range rt.Config.Desks {
		if a := d.AgentByName(actor.Name); a != nil && a.ID(t.Platform) != "" {
			return tickets.Person{Platform: t.Platform, ID: a.ID(t.Platform), Name: a.Name}, true
		}
	}
	return tickets.Person{}, false
}

// InviteToChat brings who (an agent of any desk, or a mentioned person)
// into the ticket's group chat, with a note on the ticket and a line in the
// chat. The invitation is recorded first (the service decides who may);
// if the platform then refuses, the record is taken back.
func (e *Engine) InviteToChat(ctx context.Context, id int64, who string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	rt := e.rt.Load()
	t, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := chatless(t); err != nil {
		return nil, err
	}
	p, err := e.person(rt, t, who)
	if err != nil {
		return nil, err
	}
	pl, err := e.platform(t.Platform)
	if err != nil {
		return nil, err
	}
	got, err := e.svc.AddGuest(ctx, id, p, actor, src)
	if err != nil {
		return nil, err
	}
	if err := pl.InviteToGroupChat(ctx, t.GroupChat, p.ID); err != nil {
		if _, uerr := e.svc.RemoveGuest(ctx, id, p, tickets.System, src); uerr != nil {
			e.log.Warn("take back a failed invitation", "ticket", t.Key, "err", uerr)
		}
		return nil, fmt.Errorf("invite %s into the chat of %s: %w", p.Name, t.Key, err)
	}
	if _, err := pl.Send(ctx, t.GroupChat, Message{Text: fmt.Sprintf("%s joined the chat to help (invited by %s).", Literal(p.Name), Literal(actor.Name))}); err != nil {
		e.log.Warn("announce a guest", "ticket", t.Key, "err", err)
	}
	return got, nil
}

// RemoveFromChat takes who out of a chat of the ticket: its group chat
// (chat "" or the group chat; only guests) or one of its side chats. The
// platform removes them first, so the record never says someone left who
// is still there.
func (e *Engine) RemoveFromChat(ctx context.Context, id int64, chat, who string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	rt := e.rt.Load()
	t, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if actor.Role == tickets.RoleUser && (chat == "" || chat == t.GroupChat || t.Side(chat) == nil || !t.Side(chat).IsMember(actor.Platform, actor.ID)) {
		return nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can remove people from %s.", t.Key)
	}
	p, err := e.person(rt, t, who)
	if err != nil {
		return nil, err
	}
	group := chat == "" || chat == t.GroupChat
	if group {
		chat = t.GroupChat
		if !containsPerson(t.Guests, p) {
			return nil, errs.Errorf(errs.ENOTFOUND, "%s was not invited into the chat of %s.", p.Name, t.Key)
		}
	} else if sc := t.Side(chat); sc == nil {
		return nil, errs.Errorf(errs.ENOTFOUND, "%s has no side conversation %s.", t.Key, Literal(Sanitize(chat, 60)))
	} else if !sc.IsMember(p.Platform, p.ID) {
		return nil, errs.Errorf(errs.ENOTFOUND, "%s is not in the side conversation on %s.", p.Name, t.Key)
	}
	pl, err := e.platform(t.Platform)
	if err != nil {
		return nil, err
	}
	rm, ok := pl.(MemberRemover)
	if !ok {
		return nil, errs.Errorf(errs.EINVALID, "People cannot be removed from a chat on %s.", t.Platform)
	}
	if err := rm.RemoveFromGroupChat(ctx, chat, p.ID); err != nil {
		return nil, fmt.Errorf("remove %s from a chat of %s: %w", p.Name, t.Key, err)
	}
	var got *tickets.Ticket
	if group {
		got, err = e.svc.RemoveGuest(ctx, id, p, actor, src)
	} else {
		got, err = e.svc.SideMember(ctx, id, chat, p, false, actor, src)
	}
	if err != nil {
		return nil, err
	}
	if _, err := pl.Send(ctx, chat, Message{Text: fmt.Sprintf("%s removed %s from this chat.", Literal(actor.Name), Literal(p.Name))}); err != nil {
		e.log.Warn("announce a removal", "ticket", t.Key, "err", err)
	}
	return got, nil
}

func containsPerson(ps []tickets.Person, p tickets.Person) bool {
	for _, q := range ps {
		if q.Platform == p.Platform && q.ID == p.ID {
			return true
		}
	}
	return false
}

// OpenSideChat opens a private side conversation about the ticket with the
// people named (and the actor), on the ticket's platform, without the
// requester. It returns the ticket and the side chat's id.
func (e *Engine) OpenSideChat(ctx context.Context, id int64, who []string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, string, error) {
	defer e.lockTicket(id)()
	rt := e.rt.Load()
	t, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if actor.Role != tickets.RoleAgent && actor.Role != tickets.RoleAdmin && actor.Role != tickets.RoleSystem {
		return nil, "", errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can open a side conversation on %s.", t.Key)
	}
	if err := chatless(t); err != nil {
		return nil, "", err
	}
	var members []tickets.Person
	me, withMe := actorMember(rt, t, actor)
	if withMe {
		members = append(members, me)
	}
	for _, w := range who {
		if strings.TrimSpace(w) == "" {
			continue
		}
		p, err := e.person(rt, t, w)
		if err != nil {
			return nil, "", err
		}
		if p.Platform == t.Requester.Platform && p.ID == t.Requester.ID {
			return nil, "", errs.Errorf(errs.EINVALID, "The requester of %s cannot be in its side conversation.", t.Key)
		}
		if !containsPerson(members, p) {
			members = append(members, p)
		}
	}
	if others := len(members) - btoi(withMe); others < 1 {
		return nil, "", errs.Errorf(errs.EINVALID, "With whom? Name the agents or experts to talk to about %s.", t.Key)
	}
	pl, err := e.platform(t.Platform)
	if err != nil {
		return nil, "", err
	}
	ids := make([]string, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	n := len(t.SideChats) + 1
	title := fmt.Sprintf("%s · side conversation %d", t.Key, n)
	chat, err := pl.CreateGroupChat(ctx, GroupChat{
		Name:    chatName(t.Key, "side "+strconv.Itoa(n)),
		Title:   title,
		Topic:   fmt.Sprintf("About %s, without the requester", t.Key),
		Members: ids,
	})
	if err != nil {
		return nil, "", fmt.Errorf("open a side conversation on %s: %w", t.Key, err)
	}
	if _, err := e.store.PutState(ctx, sideKey(t.Platform, chat), []byte(strconv.FormatInt(t.ID, 10)), 0); err != nil {
		if aerr := pl.ArchiveGroupChat(ctx, chat); aerr != nil {
			e.log.Warn("archive unused side chat", "ticket", t.Key, "err", aerr)
		}
		return nil, "", fmt.Errorf("keep the side conversation of %s: %w", t.Key, err)
	}
	got, err := e.svc.OpenSideChat(ctx, id, tickets.SideChat{Platform: t.Platform, Chat: chat, Title: title, Members: members}, actor, src)
	if err != nil {
		if aerr := pl.ArchiveGroupChat(ctx, chat); aerr != nil {
			e.log.Warn("archive unused side chat", "ticket", t.Key, "err", aerr)
		}
		return nil, "", err
	}
	intro := Message{
		Title: title,
		Text: fmt.Sprintf("A side conversation about **%s** (%s), opened by %s. %s, the requester, is not in this chat. "+
			"What you write here is kept on the ticket as internal notes. `/helpdesk invite <name>` adds someone, "+
			"`/helpdesk remove <name>` takes them out, `/helpdesk close` closes this conversation.",
			t.Key, Literal(t.Subject), Literal(actor.Name), Literal(t.Requester.Name)),
	}
	if _, err := pl.Send(ctx, chat, intro); err != nil {
		e.log.Warn("post side conversation intro", "ticket", t.Key, "err", err)
	}
	return got, chat, nil
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// AddToSideChat adds who to an open side chat of the ticket.
func (e *Engine) AddToSideChat(ctx context.Context, id int64, chat, who string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	rt := e.rt.Load()
	t, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	sc := t.Side(chat)
	if sc == nil {
		return nil, errs.Errorf(errs.ENOTFOUND, "%s has no side conversation %s.", t.Key, Literal(Sanitize(chat, 60)))
	}
	p, err := e.person(rt, t, who)
	if err != nil {
		return nil, err
	}
	if sc.IsMember(p.Platform, p.ID) {
		return t, nil
	}
	pl, err := e.platform(t.Platform)
	if err != nil {
		return nil, err
	}
	got, err := e.svc.SideMember(ctx, id, chat, p, true, actor, src)
	if err != nil {
		return nil, err
	}
	if err := pl.InviteToGroupChat(ctx, chat, p.ID); err != nil {
		if _, uerr := e.svc.SideMember(ctx, id, chat, p, false, tickets.System, src); uerr != nil {
			e.log.Warn("take back a failed invitation", "ticket", t.Key, "err", uerr)
		}
		return nil, fmt.Errorf("add %s to the side conversation of %s: %w", p.Name, t.Key, err)
	}
	if _, err := pl.Send(ctx, chat, Message{Text: fmt.Sprintf("%s joined (added by %s).", Literal(p.Name), Literal(actor.Name))}); err != nil {
		e.log.Warn("announce a side member", "ticket", t.Key, "err", err)
	}
	return got, nil
}

// CloseSideChat closes a side chat of the ticket: recorded, then archived.
func (e *Engine) CloseSideChat(ctx context.Context, id int64, chat string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	got, err := e.svc.CloseSideChat(ctx, id, chat, actor, src)
	if err != nil {
		return nil, err
	}
	pl, err := e.platform(got.Platform)
	if err != nil {
		return got, err
	}
	if _, err := pl.Send(ctx, chat, Message{Text: fmt.Sprintf("%s closed this side conversation. It is kept on %s as internal notes.", Literal(actor.Name), got.Key)}); err != nil {
		e.log.Warn("post side conversation close", "ticket", got.Key, "err", err)
	}
	if err := pl.ArchiveGroupChat(ctx, chat); err != nil {
		e.log.Warn("archive side chat", "ticket", got.Key, "err", err)
	}
	return got, nil
}

// SideChatPost writes text into a side chat from the Ticket Center or the
// API: kept as a note, then posted in the chat under the writer's name.
func (e *Engine) SideChatPost(ctx context.Context, id int64, chat, text string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	text = Sanitize(text, maxMessageLen)
	if text == "" {
		return nil, errs.Errorf(errs.EINVALID, "The message is empty.")
	}
	got, err := e.svc.SideNote(ctx, id, chat, text, string(src)+"-"+randomID(), actor, src)
	if err != nil {
		return nil, err
	}
	pl, err := e.platform(got.Platform)
	if err != nil {
		return got, err
	}
	if _, err := pl.Send(ctx, chat, Message{Text: fmt.Sprintf("**%s** (Ticket Center): %s", Literal(actor.Name), Literal(text))}); err != nil {
		return got, fmt.Errorf("the message is kept on %s, but posting it in the side conversation failed: %w", got.Key, err)
	}
	return got, nil
}

// sideChatTicket finds the ticket a side chat belongs to (ok=false if the
// chat is none).
func (e *Engine) sideChatTicket(ctx context.Context, platform, chat string) (*tickets.Ticket, bool, error) {
	if chat == "" {
		return nil, false, nil
	}
	data, _, err := e.store.GetState(ctx, sideKey(platform, chat))
	if errs.Code(err) == errs.ENOTFOUND {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	id, err := strconv.ParseInt(string(data), 10, 64)
	if err != nil {
		return nil, false, fmt.Errorf("side chat %s: bad ticket id %q", chat, data)
	}
	t, err := e.store.Get(ctx, id)
	if errs.Code(err) == errs.ENOTFOUND {
		return nil, false, nil
	}
	return t, err == nil, err
}

const sideHelp = "In a side conversation: `/helpdesk invite <name>` adds an agent or expert, `/helpdesk remove <name>` takes them out, " +
	"`/helpdesk close` closes it. Everything else you write is kept on the ticket as an internal note."

// sideChatEvent handles what happens in a side chat: messages become
// internal notes of the ticket; commands manage who is in it.
func (e *Engine) sideChatEvent(ctx context.Context, rt *Runtime, t *tickets.Ticket, ev Event) error {
	sc := t.Side(ev.Chat.ID)
	if sc == nil {
		return nil
	}
	desk := rt.Config.Desk(t.Desk)
	actor := actorFor(rt, desk, ev.Platform, ev.User)
	if actor.Role == tickets.RoleUser && actor.Name == "" {
		actor.Name = memberName(sc, ev.Platform, ev.User.ID)
	}
	if ev.Kind == EventAction {
		return e.private(ctx, ev, "That button is no longer active.")
	}
	text := ev.Text
	if ev.Kind == EventMessage && strings.HasPrefix(text, "/helpdesk") {
		text, ev.Kind = strings.TrimSpace(strings.TrimPrefix(text, "/helpdesk")), EventCommand
	}
	if ev.Kind == EventCommand {
		verb, rest, _ := strings.Cut(text, " ")
		rest = strings.TrimSpace(rest)
		var err error
		switch strings.ToLower(verb) {
		case "invite", "add":
			_, err = e.AddToSideChat(ctx, t.ID, sc.Chat, rest, actor, tickets.SourceCommand)
		case "remove", "kick":
			_, err = e.RemoveFromChat(ctx, t.ID, sc.Chat, rest, actor, tickets.SourceCommand)
		case "close", "end":
			_, err = e.CloseSideChat(ctx, t.ID, sc.Chat, actor, tickets.SourceCommand)
		default:
			return e.private(ctx, ev, sideHelp)
		}
		if err != nil {
			return e.refuse(ctx, ev, err)
		}
		return nil
	}
	if ev.Kind != EventMessage || text == "" {
		return nil
	}
	if !sc.ClosedAt.IsZero() {
		return e.private(ctx, ev, fmt.Sprintf("This side conversation on %s is closed; what you write here is no longer kept.", t.Key))
	}
	pid := ev.ID
	if pid == "" {
		pid = "m-" + randomID()
	}
	_, err := e.svc.SideNote(ctx, t.ID, sc.Chat, Sanitize(text, maxMessageLen), pid, actor, tickets.SourceChat)
	switch errs.Code(err) {
	case "":
		return nil
	case errs.ECONFLICT:
		return nil // the same platform message, delivered again
	case errs.EFORBIDDEN:
		return e.refuse(ctx, ev, err)
	}
	return err
}

func memberName(sc *tickets.SideChat, platform, id string) string {
	for _, m := range sc.Members {
		if m.Platform == platform && m.ID == id {
			return m.Name
		}
	}
	return ""
}

// sideCommand handles the agents' side conversation commands in a ticket's
// group chat (invite, remove, side) and, with a ticket key, anywhere else.
func (e *Engine) sideCommand(ctx context.Context, rt *Runtime, t *tickets.Ticket, actor tickets.Actor, verb, args string, ev Event) error {
	var err error
	switch verb {
	case "invite":
		_, err = e.InviteToChat(ctx, t.ID, args, actor, tickets.SourceCommand)
		if err == nil {
			return nil
		}
	case "remove":
		_, err = e.RemoveFromChat(ctx, t.ID, "", args, actor, tickets.SourceCommand)
		if err == nil {
			return e.private(ctx, ev, fmt.Sprintf("%s is no longer in the chat of %s.", Literal(Sanitize(args, 60)), t.Key))
		}
	case "side":
		var chat string
		_, chat, err = e.OpenSideChat(ctx, t.ID, strings.Fields(args), actor, tickets.SourceCommand)
		if err == nil {
			return e.private(ctx, ev, fmt.Sprintf("Side conversation on %s opened (the requester is not in it): %s", t.Key, chatLabel(chat)))
		}
	}
	return e.refuse(ctx, ev, err)
}

// chatLabel names a chat in a reply; platforms link <#id> themselves
// where they can, so the id is given as it is.
func chatLabel(chat string) string { return "`" + strings.ReplaceAll(chat, "`", "") + "`" }

// sideCommandWithKey is `/helpdesk invite|remove|side <ticket> <names>`
// typed outside the ticket's chats (a DM, the agent channel).
func (e *Engine) sideCommandWithKey(ctx context.Context, rt *Runtime, ev Event, verb, args string) error {
	key, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	if key == "" || strings.TrimSpace(rest) == "" {
		return e.private(ctx, ev, fmt.Sprintf("Usage: `/helpdesk %s <ticket> <name>`", verb))
	}
	t, _, actor, err := e.ticketFor(ctx, rt, ev, key)
	if err != nil {
		return e.refuse(ctx, ev, err)
	}
	err = e.sideCommand(ctx, rt, t, actor, verb, strings.TrimSpace(rest), ev)
	if err == nil && verb == "invite" {
		return e.private(ctx, ev, fmt.Sprintf("%s is invited into the chat of %s.", Literal(Sanitize(rest, 60)), t.Key))
	}
	return err
}
