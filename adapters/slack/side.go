package slack

import (
	"context"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
)

var _ bot.MemberRemover = (*Adapter)(nil)

// RemoveFromGroupChat implements bot.MemberRemover: conversations.kick takes
// a guest out of a ticket's private channel or a side conversation
// (https://api.slack.com/methods/conversations.kick). Someone who already
// left (not_in_channel) is out, as asked.
func (a *Adapter) RemoveFromGroupChat(ctx context.Context, chat, user string) error {
	channel := kit.ParseChat(chat).Chat
	err := a.call(ctx, "conversations.kick", func() error {
		return a.api.KickUserFromConversationContext(ctx, channel, user)
	})
	if slackError(err) == "not_in_channel" {
		return nil
	}
	return err
}
