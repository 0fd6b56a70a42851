package bot

import (
	"context"
	"strings"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// groupChatEvent handles what happens in a ticket's group chat.
func (e *Engine) groupChatEvent(ctx context.Context, rt *Runtime, t *tickets.Ticket, ev Event) error {
	desk := rt.Config.Desk(t.Desk)
	actor := actorFor(rt, desk, ev.Platform, ev.User)
	if t.Requester.ID == ev.User.ID && t.Requester.Platform == ev.Platform && actor.Name != t.Assignee {
		actor = tickets.Actor{Role: tickets.RoleUser, Platform: ev.Platform, ID: ev.User.ID, Name: ev.User.Name}
	}
	if ev.Kind == EventAction {
		if handled, err := e.ticketAction(ctx, rt, ev); handled || err != nil {
			return err
		}
		return e.inactive(ctx, ev)
	}
	text := ev.Text
	if ev.Kind == EventMessage && strings.HasPrefix(text, "/helpdesk") {
		text, ev.Kind = strings.TrimSpace(strings.TrimPrefix(text, "/helpdesk")), EventCommand
	}
	if ev.Kind == EventCommand {
		verb, rest, _ := strings.Cut(text, " ")
		switch strings.ToLower(verb) {
		case "faq":
			return e.faqInChat(ctx, rt, desk, t, actor, strings.TrimSpace(rest), ev)
		case "invite", "remove", "side":
			if actor.Role != tickets.RoleAgent && actor.Role != tickets.RoleAdmin {
				return e.private(ctx, ev, "Only agents of the desk can invite people or open a side conversation.")
			}
			return e.sideCommand(ctx, rt, t, actor, strings.ToLower(verb), strings.TrimSpace(rest), ev)
		case "end":
			defer e.lockTicket(t.ID)()
			ended, err := e.endService(ctx, rt, t.ID, strings.TrimSpace(rest), actor, tickets.SourceCommand)
			if ended == nil {
				return e.refuse(ctx, ev, err)
			}
			return err
		}
		return e.private(ctx, ev, "In a ticket chat you can use `/helpdesk faq <words>`, `/helpdesk end`, and for agents `/helpdesk invite <name>`, `/helpdesk remove <name>` and `/helpdesk side <name> [<name>…]` (a private side conversation without the requester).")
	}
	if ev.Kind == EventMessage && len(ev.Files) > 0 {
		if err := e.keepFiles(ctx, rt, t, actor, ev); err != nil {
			return err
		}
	}
	if ev.Kind != EventMessage || text == "" {
		return nil
	}
	if t.Status != tickets.StatusInService {
		return nil
	}
	_, err := e.svc.RecordMessage(ctx, t.ID, Sanitize(text, maxMessageLen), ev.ID, actor, tickets.SourceChat)
	if errs.Code(err) == errs.ECONFLICT {
		return nil // the same platform message, delivered again
	}
	return err
}

// faqInChat lets an agent search the FAQ (`faq <words>`: a private list of
// the matching entries) and post one into the group chat (`faq post <id>`).
func (e *Engine) faqInChat(ctx context.Context, rt *Runtime, desk *config.Desk, t *tickets.Ticket, actor tickets.Actor, words string, ev Event) error {
	if actor.Role != tickets.RoleAgent && actor.Role != tickets.RoleAdmin {
		return e.private(ctx, ev, "Only agents can post FAQ answers here.")
	}
	if desk == nil || words == "" {
		return e.private(ctx, ev, "Usage: `/helpdesk faq <words>` lists the FAQ entries that match; `/helpdesk faq post <id>` posts one here.")
	}
	if desk.FAQ == nil {
		return e.private(ctx, ev, "This desk has no FAQ.")
	}
	if verb, id, _ := strings.Cut(words, " "); strings.EqualFold(verb, "post") && strings.TrimSpace(id) != "" {
		return e.faqPost(ctx, rt, desk, t, actor, strings.TrimSpace(id), ev)
	}
	return e.faqList(ctx, desk, words, ev)
}
