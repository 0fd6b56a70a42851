package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Presence values agents set with /helpdesk online|away|offline.
const (
	PresenceOnline  = "online"
	PresenceAway    = "away"
	PresenceOffline = "offline"
)

const commandHelp = "Commands: `/helpdesk <question>`, `/helpdesk menu`, `/helpdesk web` (a sign-in link for the Ticket Center), and for agents " +
	"`/helpdesk online|away|offline`, `/helpdesk queue`, `/helpdesk transfer <ticket> <agent>`, " +
	"`/helpdesk snooze <ticket> <duration>`, `/helpdesk note <ticket> <text>`, `/helpdesk end <ticket>`, `/helpdesk reopen <ticket> [<reason>]`, " +
	"`/helpdesk invite <ticket> <name>` (into the group chat), `/helpdesk remove <ticket> <name>`, " +
	"`/helpdesk side <ticket> <name>…` (a private side conversation without the requester), " +
	"and for admins `/helpdesk desk <desk> online|offline`."

// command handles /helpdesk sub-commands (also typed in a DM as text). It
// reports false for anything that is a question for the conversation.
func (e *Engine) command(ctx context.Context, rt *Runtime, ev Event) (bool, error) {
	verb, rest, _ := strings.Cut(strings.TrimSpace(ev.Text), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(verb) {
	case "online", "away", "offline":
		return true, e.setPresence(ctx, rt, ev, strings.ToLower(verb))
	case "queue":
		return true, e.showQueue(ctx, rt, ev)
	case "transfer":
		return true, e.transferCommand(ctx, rt, ev, rest)
	case "snooze":
		return true, e.snoozeCommand(ctx, rt, ev, rest)
	case "note":
		return true, e.noteCommand(ctx, rt, ev, rest)
	case "end":
		return true, e.endCommand(ctx, rt, ev, rest)
	case "reopen":
		return true, e.reopenCommand(ctx, rt, ev, rest)
	case "desk":
		return true, e.deskCommand(ctx, rt, ev, rest)
	case "invite", "remove", "side":
		return true, e.sideCommandWithKey(ctx, rt, ev, strings.ToLower(verb), rest)
	case "help":
		return true, e.private(ctx, ev, commandHelp)
	case "web":
		return true, e.webLink(ctx, ev)
	}
	return false, nil
}

// agentDesks lists the desks where the user is an agent, with their agent entry.
func agentDesks(rt *Runtime, platform, user string) ([]*config.Desk, *config.Agent) {
	var ds []*config.Desk
	var agent *config.Agent
	for _, d := range rt.Config.Desks {
		if a := d.Agent(platform, user); a != nil {
			ds = append(ds, d)
			agent = a
		}
	}
	return ds, agent
}

func (e *Engine) setPresence(ctx context.Context, rt *Runtime, ev Event, status string) error {
	ds, agent := agentDesks(rt, ev.Platform, ev.User.ID)
	if agent == nil {
		return e.private(ctx, ev, "Only agents can set their status.")
	}
	if err := e.store.SetPresence(ctx, agent.Name, status, e.now()); err != nil {
		return err
	}
	if err := e.private(ctx, ev, fmt.Sprintf("You are now %s.", status)); err != nil {
		return err
	}
	if status == PresenceOnline {
		for _, d := range ds {
			e.dispatch(ctx, rt, d.ID)
		}
	}
	return nil
}

func (e *Engine) showQueue(ctx context.Context, rt *Runtime, ev Event) error {
	ds, agent := agentDesks(rt, ev.Platform, ev.User.ID)
	if agent == nil {
		return e.private(ctx, ev, "Only agents can see the queue.")
	}
	var b strings.Builder
	for _, d := range ds {
		q, err := e.store.Queue(ctx, d.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "**%s**: %d waiting\n", d.Name, len(q))
		for _, t := range q {
			fmt.Fprintf(&b, "• %s (%s) %s, since %s\n", t.Key, t.Priority, Literal(t.Subject), t.CreatedAt.Format("Mon 15:04 MST"))
		}
	}
	return e.private(ctx, ev, strings.TrimSpace(b.String()))
}

// ticketFor resolves a ticket key typed in a command and who acts on it.
// The ticket commands are for the desk's agents: anyone else learns nothing
// about the ticket (not even who has it, as the service's refusals would
// say). What an agent may then do to it, the service decides.
func (e *Engine) ticketFor(ctx context.Context, rt *Runtime, ev Event, key string) (*tickets.Ticket, *config.Desk, tickets.Actor, error) {
	t, err := e.store.GetByKey(ctx, strings.ToUpper(strings.TrimSpace(key)))
	if err != nil {
		return nil, nil, tickets.Actor{}, err
	}
	desk := rt.Config.Desk(t.Desk)
	actor := actorFor(rt, desk, ev.Platform, ev.User)
	if actor.Role == tickets.RoleUser {
		return nil, nil, actor, errs.Errorf(errs.EFORBIDDEN, "Only agents of the %s desk can do that.", t.Desk)
	}
	return t, desk, actor, nil
}

func (e *Engine) transferCommand(ctx context.Context, rt *Runtime, ev Event, args string) error {
	key, to, _ := strings.Cut(args, " ")
	to = strings.TrimSpace(to)
	if key == "" || to == "" {
		return e.private(ctx, ev, "Usage: `/helpdesk transfer <ticket> <agent name>`")
	}
	t, desk, actor, err := e.ticketFor(ctx, rt, ev, key)
	if err != nil {
		return e.refuse(ctx, ev, err)
	}
	var target *config.Agent
	for _, a := range desk.Agents {
		if strings.EqualFold(a.Name, to) {
			target = a
		}
	}
	if target == nil || target.ID(t.Platform) == "" {
		return e.private(ctx, ev, fmt.Sprintf("%s is not an agent of the %s on %s.", Literal(Sanitize(to, 40)), desk.Name, t.Platform))
	}
	moved, err := e.Transfer(ctx, t.ID, target.Name, "transferred by "+actor.Name, actor, tickets.SourceCommand)
	if err != nil {
		return e.refuse(ctx, ev, err)
	}
	return e.private(ctx, ev, fmt.Sprintf("%s is now with %s.", moved.Key, target.Name))
}

func (e *Engine) snoozeCommand(ctx context.Context, rt *Runtime, ev Event, args string) error {
	key, dur, _ := strings.Cut(args, " ")
	d, err := config.ParseDuration(dur)
	if err != nil || d <= 0 {
		return e.private(ctx, ev, "Usage: `/helpdesk snooze <ticket> <duration>`, e.g. `/helpdesk snooze IT-12 2h`")
	}
	t, _, actor, err := e.ticketFor(ctx, rt, ev, key)
	if err != nil {
		return e.refuse(ctx, ev, err)
	}
	s, err := e.Snooze(ctx, t.ID, e.now().Add(d), actor, tickets.SourceCommand)
	if err != nil {
		return e.refuse(ctx, ev, err)
	}
	return e.private(ctx, ev, fmt.Sprintf("%s is snoozed until %s.", s.Key, s.SnoozedUntil.Format("Mon 2 Jan 15:04 MST")))
}

func (e *Engine) noteCommand(ctx context.Context, rt *Runtime, ev Event, args string) error {
	key, text, _ := strings.Cut(args, " ")
	if key == "" || strings.TrimSpace(text) == "" {
		return e.private(ctx, ev, "Usage: `/helpdesk note <ticket> <text>`")
	}
	t, _, actor, err := e.ticketFor(ctx, rt, ev, key)
	if err != nil {
		return e.refuse(ctx, ev, err)
	}
	if _, err := e.AddNote(ctx, t.ID, Sanitize(text, maxMessageLen), ev.ID, actor, tickets.SourceCommand); err != nil {
		return e.refuse(ctx, ev, err)
	}
	return e.private(ctx, ev, fmt.Sprintf("Note added to %s.", t.Key))
}

// cardThreadNote turns a reply in a ticket card's thread into an internal note.
func (e *Engine) cardThreadNote(ctx context.Context, rt *Runtime, t *tickets.Ticket, ev Event) error {
	desk := rt.Config.Desk(t.Desk)
	actor := actorFor(rt, desk, ev.Platform, ev.User)
	if actor.Role != tickets.RoleAgent && actor.Role != tickets.RoleAdmin {
		return nil // not an agent of the desk: not a note
	}
	_, err := e.AddNote(ctx, t.ID, Sanitize(ev.Text, maxMessageLen), ev.ID, actor, tickets.SourceChat)
	if errs.Code(err) == errs.ECONFLICT {
		return nil // the same reply, delivered again
	}
	return err
}

func (e *Engine) endCommand(ctx context.Context, rt *Runtime, ev Event, args string) error {
	t, _, actor, err := e.ticketFor(ctx, rt, ev, args)
	if err != nil {
		return e.refuse(ctx, ev, err)
	}
	defer e.lockTicket(t.ID)()
	ended, err := e.endService(ctx, rt, t.ID, "", actor, tickets.SourceCommand)
	if ended == nil {
		return e.refuse(ctx, ev, err)
	}
	return err
}

// reopenCommand brings a resolved ticket back, as the Ticket Center's Reopen does.
func (e *Engine) reopenCommand(ctx context.Context, rt *Runtime, ev Event, args string) error {
	key, reason, _ := strings.Cut(args, " ")
	if key == "" {
		return e.private(ctx, ev, "Usage: `/helpdesk reopen <ticket> [<reason>]`")
	}
	t, _, actor, err := e.ticketFor(ctx, rt, ev, key)
	if err != nil {
		return e.refuse(ctx, ev, err)
	}
	if reason = Sanitize(reason, 500); reason == "" {
		reason = "reopened by " + actor.Name
	}
	r, err := e.Reopen(ctx, t.ID, reason, actor, tickets.SourceCommand)
	if err != nil {
		return e.refuse(ctx, ev, err)
	}
	return e.private(ctx, ev, fmt.Sprintf("%s is reopened (%s).", r.Key, r.Status.Describe()))
}

func (e *Engine) deskCommand(ctx context.Context, rt *Runtime, ev Event, args string) error {
	id, state, _ := strings.Cut(args, " ")
	state = strings.ToLower(strings.TrimSpace(state))
	d := rt.Config.Desk(strings.TrimSpace(id))
	if d == nil || (state != "online" && state != "offline") {
		return e.private(ctx, ev, "Usage: `/helpdesk desk <desk id> online|offline`")
	}
	if !d.IsAdmin(ev.Platform, ev.User.ID, rt.Config.Admins) {
		return e.private(ctx, ev, fmt.Sprintf("Only admins of the %s can switch it %s.", d.Name, state))
	}
	if err := e.store.SetDeskPresence(ctx, d.ID, state, e.now()); err != nil {
		return err
	}
	return e.private(ctx, ev, fmt.Sprintf("The %s is now %s.", d.Name, state))
}

// webLink sends the user a one-time sign-in link for the web, in a DM: the
// link signs in whoever holds it, so it never goes to a shared channel.
func (e *Engine) webLink(ctx context.Context, ev Event) error {
	if e.signIn == nil {
		return e.private(ctx, ev, "The web Ticket Center is not enabled on this help desk.")
	}
	link, err := e.signIn(ctx, ev.Platform, ev.User.ID, ev.User.Name)
	if err != nil {
		return fmt.Errorf("make sign-in link: %w", err)
	}
	if _, err := e.sendDM(ctx, ev.Platform, ev.User.ID, Message{
		Text:    "Here is your sign-in link for the Ticket Center. It works once, for a few minutes:",
		Buttons: []Button{{ID: "signin", Label: "Open the Ticket Center", URL: link}},
	}); err != nil {
		return err
	}
	if ev.Chat.Kind != ChatDirect {
		return e.private(ctx, ev, "I've sent you a sign-in link in a direct message.")
	}
	return nil
}
