package bot

import (
	"context"
	"fmt"
	"strconv"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Action ids on ticket cards and in group chats.
const (
	actStart = "start"
	actEnd   = "end"
)

// ticketAction handles the buttons that act on a ticket rather than on the
// presser's own conversation. It reports whether the action was one of them.
func (e *Engine) ticketAction(ctx context.Context, rt *Runtime, ev Event) (bool, error) {
	switch ev.Action.ID {
	case actStart, actEnd:
	default:
		return false, nil
	}
	id, err := strconv.ParseInt(ev.Action.Value, 10, 64)
	if err != nil {
		return true, e.private(ctx, ev, "That button is no longer active.")
	}
	defer e.lockTicket(id)()
	t, err := e.store.Get(ctx, id)
	if err != nil {
		return true, e.refuse(ctx, ev, err)
	}
	desk := rt.Config.Desk(t.Desk)
	actor := actorFor(rt, desk, ev.Platform, ev.User)
	if ev.Platform != t.Platform {
		return true, e.private(ctx, ev, fmt.Sprintf("%s lives on %s; please act on it there.", t.Key, t.Platform))
	}
	if ev.Action.ID == actStart {
		started, err := e.startChat(ctx, rt, t, actor, tickets.SourceButton)
		if started == nil {
			return true, e.refuse(ctx, ev, err)
		}
		return true, err
	}
	if ev.Chat.Kind == ChatGroup && (ev.Chat.ID != t.GroupChat || t.Status != tickets.StatusInService) {
		// A closed room's End Service (the ticket was reopened since, maybe
		// with a new room) has had its moment: it must not end the ticket.
		return true, e.inactive(ctx, ev)
	}
	if t.Requester.ID == ev.User.ID && actor.Role != tickets.RoleAdmin && actor.Name != t.Assignee {
		actor = tickets.Actor{Role: tickets.RoleUser, Platform: ev.Platform, ID: ev.User.ID, Name: ev.User.Name}
	}
	ended, err := e.endService(ctx, rt, t.ID, "", actor, tickets.SourceButton)
	if ended == nil {
		return true, e.refuse(ctx, ev, err)
	}
	return true, err
}

func idValue(id int64) string { return strconv.FormatInt(id, 10) }
