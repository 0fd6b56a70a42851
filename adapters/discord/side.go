package discord

import (
	"context"
	"fmt"

	"github.com/helpdesk-chat/helpdesk/bot"
)

var _ bot.MemberRemover = (*Adapter)(nil)

// RemoveFromGroupChat implements bot.MemberRemover: a member leaves the
// ticket's private thread (Remove Thread Member, DELETE
// /channels/{thread}/thread-members/{user}, which needs Manage Threads and
// a thread that is not archived:
// https://discord.com/developers/docs/resources/channel#remove-thread-member),
// or with private channels loses the member overwrite that let them in.
func (a *Adapter) RemoveFromGroupChat(ctx context.Context, chat, user string) error {
	if a.opts.PrivateChannels {
		if err := a.s.ChannelPermissionDelete(chat, user); err != nil {
			return fmt.Errorf("discord: take %s out of %s: %w", user, chat, err)
		}
		return nil
	}
	if err := a.s.ThreadMemberRemove(chat, user); err != nil {
		return fmt.Errorf("discord: remove %s from thread %s: %w", user, chat, err)
	}
	return nil
}
