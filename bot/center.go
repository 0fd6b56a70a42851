package bot

import (
	"context"
	"fmt"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Notify sends text to a user's DM on a platform: the Ticket Center uses it
// for @mentions in notes and for followers.
func (e *Engine) Notify(ctx context.Context, platform, user, text string) error {
	if _, err := e.sendDM(ctx, platform, user, Message{Text: text}); err != nil {
		return fmt.Errorf("notify %s on %s: %w", user, platform, err)
	}
	return nil
}

// AfterChange does on the chat platforms what a transition made elsewhere
// (the Ticket Center, the API) implies, as the engine does for its own:
// kind is the transition ("open", "assign", "transfer", "end", "merge",
// "reopen", "snooze", "wake", ...) and t the ticket as it now is. Failures
// are logged; the transition itself is already stored.
func (e *Engine) AfterChange(ctx context.Context, t *tickets.Ticket, kind string, actor tickets.Actor) {
	rt := e.rt.Load()
	desk := rt.Config.Desk(t.Desk)
	unlock := e.locks.lock(fmt.Sprintf("ticket:%d", t.ID))
	defer unlock()
	switch kind {
	case "open":
		if desk != nil && t.Status == tickets.StatusOpen {
			e.dispatch(ctx, rt, desk.ID)
		}
	case "assign", "transfer":
		if t.Status == tickets.StatusInService && t.GroupChat != "" && desk != nil {
			if p, err := e.platform(t.Platform); err == nil {
				if ag := desk.AgentByName(t.Assignee); ag != nil && ag.ID(t.Platform) != "" {
					if err := p.InviteToGroupChat(ctx, t.GroupChat, ag.ID(t.Platform)); err != nil {
						e.log.Warn("invite new agent to group chat", "ticket", t.Key, "err", err)
					}
				}
				if _, err := p.Send(ctx, t.GroupChat, Message{Text: fmt.Sprintf("%s has taken over **%s**.", t.Assignee, t.Key)}); err != nil {
					e.log.Warn("announce transfer", "ticket", t.Key, "err", err)
				}
			}
		}
		e.announce(ctx, rt, desk, t)
	case "end":
		if err := e.afterEnd(ctx, rt, t, actor); err != nil {
			e.log.Warn("after End Service from the Ticket Center", "ticket", t.Key, "err", err)
		}
	case "merge":
		if p, err := e.platform(t.Platform); err == nil {
			if t.GroupChat != "" {
				if _, err := p.Send(ctx, t.GroupChat, Message{Text: fmt.Sprintf("**%s** was merged into **%s**. This chat is now closed.", t.Key, t.MergedInto)}); err != nil {
					e.log.Warn("post merge note", "ticket", t.Key, "err", err)
				}
				if err := p.ArchiveGroupChat(ctx, t.GroupChat); err != nil {
					e.log.Warn("archive group chat", "ticket", t.Key, "err", err)
				}
			}
			if t.RequesterChat != "" {
				if _, err := p.Send(ctx, t.RequesterChat, Message{Text: fmt.Sprintf("Your request **%s** is the same as **%s**; we'll continue there.", t.Key, t.MergedInto)}); err != nil {
					e.log.Warn("tell requester about merge", "ticket", t.Key, "err", err)
				}
			}
		}
		e.updateCards(ctx, rt, t)
		if desk != nil {
			e.dispatch(ctx, rt, desk.ID)
		}
	case "reopen":
		e.updateCards(ctx, rt, t)
		if desk != nil && t.Status == tickets.StatusOpen {
			e.dispatch(ctx, rt, desk.ID)
		} else if t.Status == tickets.StatusAssigned {
			e.announce(ctx, rt, desk, t)
		}
	default:
		e.updateCards(ctx, rt, t)
	}
}
