package discord

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
)

// Permissions the bot gives people in a private group channel.
const (
	memberAllow = discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionReadMessageHistory
	botAllow    = memberAllow | discordgo.PermissionEmbedLinks | discordgo.PermissionManageChannels
)

// Send posts a message. Inside an interaction from a server channel (a
// /helpdesk command, a panel button), replies to that channel are shown to
// the person who asked only; but what goes to a desk's agent channel (ticket
// cards, warnings) is always a real post that every agent sees and that
// stays, even when it is sent while an agent's command or click there is
// being handled (/helpdesk online dispatching the queue).
func (a *Adapter) Send(ctx context.Context, chat string, msg bot.Message) (bot.MessageRef, error) {
	if p := pendingFrom(ctx); p != nil && p.i.ChannelID == chat && p.ephemeral && !a.isAgentChannel(chat) {
		p.mu.Lock()
		modal := p.modal
		p.mu.Unlock()
		if !modal {
			ref, err := p.reply(msg, true)
			if err != nil {
				// Not temporary (%v keeps no chain): sent again later from the
				// outbox it would be a public post in the channel.
				return ref, fmt.Errorf("discord: private reply to the interaction: %v", err)
			}
			return ref, nil
		}
		// A modal answered the interaction: no follow-up is possible, so
		// the person's DM carries the message.
		dm, err := a.DirectChat(ctx, p.user)
		if err != nil {
			return bot.MessageRef{}, err
		}
		chat = dm
	}
	return a.post(chat, msg)
}

// isAgentChannel reports whether chat is a desk's agent channel.
func (a *Adapter) isAgentChannel(chat string) bool {
	if a.opts.Runtime == nil {
		return false
	}
	rt := a.opts.Runtime()
	if rt == nil || rt.Config == nil {
		return false
	}
	for _, d := range rt.Config.Desks {
		if d.AgentChannel[Name] == chat {
			return true
		}
	}
	return false
}

// post posts msg to chat, as several messages when it is longer than
// Discord takes in one (see parts); the ref is the last one's, which
// carries the controls.
func (a *Adapter) post(chat string, msg bot.Message) (bot.MessageRef, error) {
	var ref bot.MessageRef
	all := parts(msg)
	for i, part := range all {
		var err error
		if ref, err = a.post1(chat, part); err != nil {
			return ref, bot.Unsent(err, all[i:]) // when retried, the posts that went out are not posted again
		}
	}
	return ref, nil
}

func (a *Adapter) post1(chat string, msg bot.Message) (bot.MessageRef, error) {
	content, embeds, comps := a.render(msg, "")
	m, err := a.s.ChannelMessageSendComplex(chat, &discordgo.MessageSend{
		Content: content, Embeds: embeds, Components: comps, AllowedMentions: noMentions(),
	})
	if err != nil {
		var re *discordgo.RESTError
		if errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeCannotSendMessagesToThisUser {
			// 50007: the user's DMs are closed to the bot; the engine tells the agents.
			return bot.MessageRef{}, fmt.Errorf("discord: post to %s: %w: %w", chat, bot.ErrUnreachable, err)
		}
		return bot.MessageRef{}, temporary(fmt.Errorf("discord: post to %s: %w", chat, err))
	}
	if len(embeds) > 0 {
		a.mu.Lock()
		if len(a.posted) > 50000 {
			a.posted = map[string]bool{}
		}
		a.posted[m.ID] = true
		a.mu.Unlock()
	}
	return bot.MessageRef{Chat: chat, ID: m.ID}, nil
}

// Update edits a message in place; the message a button was pressed on is
// updated as the interaction's response (type 7).
//
// A card posted as several messages (see parts) is updated in its last
// one, which holds its status and controls.
func (a *Adapter) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	all := parts(msg)
	msg = all[len(all)-1]
	content, embeds, comps := a.render(msg, "")
	if p := pendingFrom(ctx); p != nil && p.i.Message != nil && p.i.Message.ID == ref.ID && p.i.Type == discordgo.InteractionMessageComponent {
		err := p.respond(a.messageResponse(discordgo.InteractionResponseUpdateMessage, msg, false))
		if err == nil {
			return nil
		}
	}
	if rest, ok := strings.CutPrefix(ref.ID, "e:"); ok {
		iid, mid, _ := strings.Cut(rest, ":")
		a.mu.Lock()
		i := a.tokens[iid]
		a.mu.Unlock()
		if i == nil {
			return fmt.Errorf("discord: update %s: the interaction expired", ref.ID)
		}
		edit := &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, Components: &comps, AllowedMentions: noMentions()}
		var err error
		if mid == "@original" {
			_, err = a.s.InteractionResponseEdit(i, edit)
		} else {
			_, err = a.s.FollowupMessageEdit(i, mid, edit)
		}
		if err != nil {
			return temporary(fmt.Errorf("discord: update private message: %w", err))
		}
		return nil
	}
	edit := &discordgo.MessageEdit{Channel: ref.Chat, ID: ref.ID, Content: &content, Embeds: &embeds, Components: &comps, AllowedMentions: noMentions()}
	if _, err := a.s.ChannelMessageEditComplex(edit); err != nil {
		return temporary(fmt.Errorf("discord: update message %s: %w", ref.ID, err))
	}
	return nil
}

// SendPrivate shows a message to one user: an ephemeral reply (flags 64)
// when they are pressing or typing a command right now, else a DM.
func (a *Adapter) SendPrivate(ctx context.Context, chat, user string, msg bot.Message) error {
	if p := pendingFrom(ctx); p != nil && p.user == user {
		p.mu.Lock()
		modal := p.modal
		p.mu.Unlock()
		if !modal {
			_, err := p.reply(msg, true)
			return err
		}
	}
	dm, err := a.DirectChat(ctx, user)
	if err != nil {
		return err
	}
	_, err = a.post(dm, msg)
	return err
}

// DirectChat opens (or finds) the DM channel with a user.
func (a *Adapter) DirectChat(ctx context.Context, user string) (string, error) {
	a.mu.Lock()
	id := a.dms[user]
	a.mu.Unlock()
	if id != "" {
		return id, nil
	}
	ch, err := a.s.UserChannelCreate(user)
	if err != nil {
		return "", temporary(fmt.Errorf("discord: open DM with %s: %w", user, err))
	}
	a.mu.Lock()
	a.dms[user] = ch.ID
	a.mu.Unlock()
	return ch.ID, nil
}

// CreateGroupChat creates a private thread in the support channel (members
// cannot invite others) and adds the members; with private_channels, a
// private text channel next to the support channel instead.
func (a *Adapter) CreateGroupChat(ctx context.Context, gc bot.GroupChat) (string, error) {
	if a.opts.SupportChannel == "" {
		return "", errors.New("discord: no support_channel configured for group chats")
	}
	name := textutil.Shorten(gc.Name, 100)
	var id string
	if a.opts.PrivateChannels {
		me := a.self()
		ows := []*discordgo.PermissionOverwrite{
			{ID: a.opts.Guild, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionViewChannel},
			{ID: me, Type: discordgo.PermissionOverwriteTypeMember, Allow: botAllow},
		}
		for _, m := range gc.Members {
			ows = append(ows, &discordgo.PermissionOverwrite{ID: m, Type: discordgo.PermissionOverwriteTypeMember, Allow: memberAllow})
		}
		parent := ""
		if sc, err := a.channel(a.opts.SupportChannel); err == nil {
			parent = sc.ParentID
			if sc.Type == discordgo.ChannelTypeGuildCategory {
				parent = sc.ID
			}
		}
		if err := a.makeRoom(parent); err != nil {
			return "", err
		}
		ch, err := a.s.GuildChannelCreateComplex(a.opts.Guild, discordgo.GuildChannelCreateData{
			Name: name, Type: discordgo.ChannelTypeGuildText, Topic: textutil.Shorten(gc.Topic, 1024), ParentID: parent, PermissionOverwrites: ows,
		})
		if err != nil {
			return "", fmt.Errorf("discord: create private channel %s: %w", name, err)
		}
		id = ch.ID
		a.remember2(ch)
	} else {
		ch, err := a.s.ThreadStartComplex(a.opts.SupportChannel, &discordgo.ThreadStart{
			Name: name, AutoArchiveDuration: 10080, Type: discordgo.ChannelTypeGuildPrivateThread, Invitable: false,
		})
		if err != nil {
			return "", fmt.Errorf("discord: create private thread %s: %w", name, err)
		}
		id = ch.ID
		a.remember2(ch)
		for _, m := range gc.Members {
			if err := a.s.ThreadMemberAdd(id, m); err != nil {
				return id, fmt.Errorf("discord: add %s to thread %s: %w", m, name, err)
			}
		}
	}
	return id, nil
}

// Discord's channel limits: 50 in a category ("each parent category can
// contain up to 50 channels",
// https://discord.com/developers/docs/resources/channel#channel-object),
// 500 in a guild (error 30013).
const (
	maxInCategory = 50
	maxInGuild    = 500
)

// makeRoom deletes the oldest closed ticket channels (private_channels) of
// the category, and of the guild, when a new channel would not fit: a
// closed ticket channel stays readable until its room is needed. The
// transcript is in the ticket store. When only open chats fill the
// category, it says so.
func (a *Adapter) makeRoom(parent string) error {
	chs, err := a.s.GuildChannels(a.opts.Guild)
	if err != nil {
		return fmt.Errorf("discord: list the server's channels: %w", err)
	}
	inParent := 0
	var closed []*discordgo.Channel
	for _, c := range chs {
		if c.ParentID == parent {
			if parent != "" {
				inParent++
			}
			if a.closedTicketChannel(c) {
				closed = append(closed, c)
			}
		}
	}
	need := max(0, len(chs)-(maxInGuild-1))
	if parent != "" {
		need = max(need, inParent-(maxInCategory-1))
	}
	if need == 0 {
		return nil
	}
	sort.Slice(closed, func(i, j int) bool {
		x, y := closed[i].ID, closed[j].ID
		return len(x) < len(y) || len(x) == len(y) && x < y
	})
	if need > len(closed) {
		return fmt.Errorf("discord: no room for another ticket channel: the category holds %d of %d channels (the server %d of %d) and only %d are closed ticket channels",
			inParent, maxInCategory, len(chs), maxInGuild, len(closed))
	}
	for _, c := range closed[:need] {
		if _, err := a.s.ChannelDelete(c.ID); err != nil {
			return fmt.Errorf("discord: delete closed ticket channel %s to make room: %w", c.Name, err)
		}
		a.mu.Lock()
		delete(a.groups, c.ID)
		delete(a.chans, c.ID)
		a.mu.Unlock()
		a.log.Info("deleted a closed ticket channel to make room", "channel", c.Name)
	}
	return nil
}

// closedTicketChannel reports whether c is a private ticket channel this
// bot made and ArchiveGroupChat closed: hidden from @everyone, the bot
// allowed to manage it, and its members no longer allowed to write.
func (a *Adapter) closedTicketChannel(c *discordgo.Channel) bool {
	if c.Type != discordgo.ChannelTypeGuildText {
		return false
	}
	me := a.self()
	hidden, mine, locked := false, false, false
	for _, o := range c.PermissionOverwrites {
		switch {
		case o.ID == a.opts.Guild && o.Type == discordgo.PermissionOverwriteTypeRole:
			hidden = o.Deny&discordgo.PermissionViewChannel != 0
		case o.ID == me:
			mine = o.Allow&discordgo.PermissionManageChannels != 0
		case o.Type == discordgo.PermissionOverwriteTypeMember:
			locked = locked || o.Deny&discordgo.PermissionSendMessages != 0
		}
	}
	return hidden && mine && locked
}

func (a *Adapter) remember2(ch *discordgo.Channel) {
	a.mu.Lock()
	a.groups[ch.ID] = true
	a.chans[ch.ID] = ch
	a.mu.Unlock()
}

// InviteToGroupChat adds a user to a group chat (after a transfer).
func (a *Adapter) InviteToGroupChat(ctx context.Context, chat, user string) error {
	if a.opts.PrivateChannels {
		if err := a.s.ChannelPermissionSet(chat, user, discordgo.PermissionOverwriteTypeMember, memberAllow, 0); err != nil {
			return fmt.Errorf("discord: let %s into %s: %w", user, chat, err)
		}
		return nil
	}
	if err := a.s.ThreadMemberAdd(chat, user); err != nil {
		return fmt.Errorf("discord: add %s to thread %s: %w", user, chat, err)
	}
	return nil
}

// ArchiveGroupChat archives and locks the thread, or takes the right to
// write away from everyone in a private channel (it stays readable).
func (a *Adapter) ArchiveGroupChat(ctx context.Context, chat string) error {
	if a.opts.PrivateChannels {
		ch, err := a.channel(chat)
		if err != nil {
			return fmt.Errorf("discord: archive %s: %w", chat, err)
		}
		me := a.self()
		for _, o := range ch.PermissionOverwrites {
			if o.Type != discordgo.PermissionOverwriteTypeMember || o.ID == me {
				continue
			}
			if err := a.s.ChannelPermissionSet(chat, o.ID, discordgo.PermissionOverwriteTypeMember,
				discordgo.PermissionViewChannel|discordgo.PermissionReadMessageHistory, discordgo.PermissionSendMessages); err != nil {
				return fmt.Errorf("discord: lock %s: %w", chat, err)
			}
		}
		return nil
	}
	yes := true
	if _, err := a.s.ChannelEditComplex(chat, &discordgo.ChannelEdit{Archived: &yes, Locked: &yes}); err != nil {
		return fmt.Errorf("discord: archive thread %s: %w", chat, err)
	}
	return nil
}

// PostPanel posts the desk's menu as buttons in a channel: pressing one
// starts a private conversation with that desk for the presser.
func (a *Adapter) PostPanel(ctx context.Context, channel, desk string) (bot.MessageRef, error) {
	msg, err := a.panel(desk)
	if err != nil {
		return bot.MessageRef{}, err
	}
	content, embeds, comps := a.render(msg, desk)
	m, err := a.s.ChannelMessageSendComplex(channel, &discordgo.MessageSend{Content: content, Embeds: embeds, Components: comps, AllowedMentions: noMentions()})
	if err != nil {
		return bot.MessageRef{}, fmt.Errorf("discord: post panel in %s: %w", channel, err)
	}
	return bot.MessageRef{Chat: channel, ID: m.ID}, nil
}

func (a *Adapter) panel(deskID string) (bot.Message, error) {
	if a.opts.Runtime == nil {
		return bot.Message{}, errors.New("discord: the panel needs Options.Runtime")
	}
	rt := a.opts.Runtime()
	if rt == nil || rt.Config == nil || len(rt.Config.Desks) == 0 {
		return bot.Message{}, errors.New("discord: no desk is configured")
	}
	d := rt.Config.Desks[0]
	if deskID != "" {
		if d = rt.Config.Desk(deskID); d == nil {
			return bot.Message{}, fmt.Errorf("discord: no desk %q", deskID)
		}
	}
	msg := bot.Message{Title: d.Name, Text: strings.TrimSpace(d.Description + "\n\nPick a topic, or talk to an agent. Only you will see the answers.")}
	if rt.FAQ != nil {
		if ix, ok := rt.FAQ.Desk(d.ID); ok {
			cats := ix.Categories("")
			room := (maxRows - 1) * maxButtonsInRow
			for i, c := range cats {
				if len(cats) > room && i == room-1 {
					// No topic is left out: the rest are in the (paged) menu.
					msg.Buttons = append(msg.Buttons, bot.Button{ID: "menu", Label: "More topics…", Value: ""})
					break
				}
				msg.Buttons = append(msg.Buttons, bot.Button{ID: "menu", Label: ix.CategoryTitle(c, ""), Value: "cat:" + c.ID})
			}
		}
	}
	msg.Buttons = append(msg.Buttons, bot.Button{ID: "agent", Label: "Talk to an agent", Style: bot.StylePrimary})
	return msg, nil
}

// panelCommand: /helpdesk panel, for members whom Discord says may manage the server.
func (a *Adapter) panelCommand(ctx context.Context, p *pending, sub *discordgo.ApplicationCommandInteractionDataOption) {
	m := p.i.Member
	if m == nil || m.Permissions&(discordgo.PermissionManageGuild|discordgo.PermissionAdministrator) == 0 {
		p.private(Message("Only server managers can post the help desk panel."))
		return
	}
	desk := ""
	for _, o := range sub.Options {
		if o.Name == "desk" {
			desk = o.StringValue()
		}
	}
	if _, err := a.PostPanel(ctx, p.i.ChannelID, desk); err != nil {
		a.log.Warn("post panel", "err", err)
		p.private(Message("I could not post the panel: " + err.Error()))
		return
	}
	p.private(Message("Panel posted."))
}
