package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Notify sends text to a user's DM on a platform: the Ticket Center uses it
// for the followers of a ticket. The Ticket Center's changes themselves go
// through the transition methods (transitions.go), as the engine's own do.
func (e *Engine) Notify(ctx context.Context, platform, user, text string) error {
	if _, err := e.sendDM(ctx, platform, user, Message{Text: text}); err != nil {
		return fmt.Errorf("notify %s on %s: %w", user, platform, err)
	}
	return nil
}

// personSender is a platform that marks what a person wrote apart from what
// the bot writes (email: no Auto-Submitted, and it reaches senders that get
// no automatic answers).
type personSender interface {
	SendAs(ctx context.Context, chat, author string, msg Message) (MessageRef, error)
}

// Reply sends an agent's answer to the ticket's requester on the ticket's
// channel (its group chat while in service, else the requester's chat) and
// records it in the transcript. Only the desk's agents and admins may.
func (e *Engine) Reply(ctx context.Context, id int64, text string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, errs.Errorf(errs.EINVALID, "The reply is empty.")
	}
	if actor.Role != tickets.RoleAgent && actor.Role != tickets.RoleAdmin {
		return nil, errs.Errorf(errs.EFORBIDDEN, "Only the desk's agents can reply to the requester.")
	}
	t, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !t.Erased.IsZero() || t.MergedInto != "" {
		return nil, errs.Errorf(errs.ECONFLICT, "%s is closed for replies.", t.Key)
	}
	p, err := e.platform(t.Platform)
	if err != nil {
		return nil, err
	}
	chat := t.RequesterChat
	if t.Status == tickets.StatusInService && t.GroupChat != "" {
		chat = t.GroupChat
	}
	var ref MessageRef
	if ps, ok := p.(personSender); ok {
		ref, err = ps.SendAs(ctx, chat, actor.Name, Message{Text: text})
	} else {
		ref, err = p.Send(ctx, chat, Message{Text: fmt.Sprintf("**%s:** %s", actor.Name, text)})
	}
	if err != nil {
		return nil, fmt.Errorf("reply on %s: %w", t.Platform, err)
	}
	pid := ""
	if ref.ID != "" {
		pid = "reply:" + ref.ID
	}
	return e.svc.RecordMessage(ctx, t.ID, Sanitize(text, maxMessageLen), pid, actor, src)
}

// Dispatch gives the desk's queued tickets to agents, as the timers do; a
// channel that opens tickets itself (email) calls it after opening one.
func (e *Engine) Dispatch(ctx context.Context, desk string) { e.dispatch(ctx, e.rt.Load(), desk) }
