package mattermost

import (
	"context"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
)

var _ bot.MemberRemover = (*Adapter)(nil)

// RemoveFromGroupChat implements bot.MemberRemover: the member is removed
// from the private channel (DELETE /api/v4/channels/{channel}/members/{user},
// which needs manage_private_channel_members:
// https://docs.mattermost.com/api/reference/remove-user-from-channel).
func (a *Adapter) RemoveFromGroupChat(ctx context.Context, chat, user string) error {
	channel := kit.ParseChat(chat).Chat
	if _, err := a.api.RemoveUserFromChannel(ctx, channel, user); err != nil {
		return a.wrap("remove channel member", err)
	}
	return nil
}
