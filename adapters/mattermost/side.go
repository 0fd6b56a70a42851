package mattermost

import (
	"context"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

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

var _ bot.ButtonRetirer = (*Adapter)(nil)

// RetireButtons implements bot.ButtonRetirer: the post keeps its text and
// attachments, without their actions (buttons and menus), and the note is
// added under the text (GET /posts/{id}, then PUT /posts/{id}/patch). With
// the message as it was shown, the post is rendered again from it without
// its controls (no GET).
func (a *Adapter) RetireButtons(ctx context.Context, ref bot.MessageRef, shown *bot.Message, note string) error {
	if shown != nil {
		m := *shown
		m.Buttons, m.Select = nil, nil
		if note != "" {
			m.Text = strings.TrimSpace(m.Text + "\n\n_" + note + "_")
		}
		return a.Update(ctx, ref, m)
	}
	post, _, err := a.api.GetPost(ctx, ref.ID, "")
	if err != nil {
		return a.wrap("read post", err)
	}
	atts := post.Attachments()
	for _, at := range atts {
		at.Actions = nil
	}
	props := model.StringInterface{model.PostPropsAttachments: atts}
	message := post.Message
	if note != "" {
		message = strings.TrimSpace(message + "\n\n_" + note + "_")
	}
	patch := &model.PostPatch{Message: &message, Props: &props}
	if err := a.retry(ctx, "retire buttons", func() (*model.Response, error) {
		_, resp, err := a.api.PatchPost(ctx, ref.ID, patch)
		return resp, err
	}); err != nil {
		return a.wrap("retire buttons", err)
	}
	return nil
}
