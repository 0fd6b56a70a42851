package bot

import (
	"context"
	"fmt"

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
// ReplyVia picks another channel.
func (e *Engine) Reply(ctx context.Context, id int64, text string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return e.ReplyVia(ctx, id, text, "", actor, src)
}

// Dispatch gives the desk's queued tickets to agents, as the timers do; a
// channel that opens tickets itself (email) calls it after opening one.
func (e *Engine) Dispatch(ctx context.Context, desk string) { e.dispatch(ctx, e.rt.Load(), desk) }
