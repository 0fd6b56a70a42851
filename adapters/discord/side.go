package discord

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

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

var _ bot.ButtonRetirer = (*Adapter)(nil)

// RetireButtons implements bot.ButtonRetirer: the message's buttons and
// selects are shown disabled (disabled: true,
// https://discord.com/developers/docs/components/reference#button), its
// content and embeds stay as they were. A private (ephemeral) message is
// left alone: it cannot be fetched, and it fades by itself. With the
// message as it was shown, it is rendered again from it (no fetch).
func (a *Adapter) RetireButtons(ctx context.Context, ref bot.MessageRef, shown *bot.Message, note string) error {
	if strings.HasPrefix(ref.ID, "e:") {
		return nil
	}
	var m *discordgo.Message
	if shown != nil {
		all := parts(*shown)
		content, embeds, comps := a.render(all[len(all)-1], "")
		m = &discordgo.Message{Content: content, Embeds: embeds, Components: comps}
	} else {
		var err error
		if m, err = a.s.ChannelMessage(ref.Chat, ref.ID); err != nil {
			return fmt.Errorf("discord: read message %s: %w", ref.ID, err)
		}
	}
	comps := make([]discordgo.MessageComponent, 0, len(m.Components))
	for _, c := range m.Components {
		row, ok := c.(*discordgo.ActionsRow)
		if r, isRow := c.(discordgo.ActionsRow); isRow { // as rendered, not as read back
			row, ok = &r, true
		}
		if !ok {
			comps = append(comps, c)
			continue
		}
		out := discordgo.ActionsRow{}
		for _, in := range row.Components {
			switch b := in.(type) { // read back as pointers, rendered as values
			case discordgo.Button:
				in = &b
			case discordgo.SelectMenu:
				in = &b
			}
			switch b := in.(type) {
			case *discordgo.Button:
				if b.Style != discordgo.LinkButton {
					b.Disabled = true
				}
				out.Components = append(out.Components, b)
			case *discordgo.SelectMenu:
				b.Disabled = true
				out.Components = append(out.Components, b)
			default:
				out.Components = append(out.Components, in)
			}
		}
		comps = append(comps, out)
	}
	edit := &discordgo.MessageEdit{Channel: ref.Chat, ID: ref.ID, Components: &comps, AllowedMentions: noMentions()}
	if shown != nil {
		edit.Content, edit.Embeds = &m.Content, &m.Embeds
	}
	if note != "" && len([]rune(m.Content))+len([]rune(note))+4 <= 2000 {
		content := strings.TrimSpace(m.Content + "\n-# " + note)
		edit.Content = &content
	}
	if _, err := a.s.ChannelMessageEditComplex(edit); err != nil {
		return temporary(fmt.Errorf("discord: disable the buttons of %s: %w", ref.ID, err))
	}
	return nil
}
