package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/helpdesk-chat/helpdesk/bot"
)

// Response states of an interaction.
const (
	stPending       = iota // nothing sent yet: a modal can still be the answer
	stDeferred             // type 5: "thinking…", @original to be edited
	stDeferredQuiet        // type 6: acknowledged without a visible change
	stResponded            // type 4, 7 or 9
)

// pending is an interaction being handled. Discord wants an answer within
// 3 s; the first answer must be the modal if there is one, so the answer is
// held until the engine shows a form, replies, or the ack deadline comes.
type pending struct {
	a         *Adapter
	i         *discordgo.Interaction
	user      string
	ephemeral bool // replies to its channel are shown to the presser only

	mu       sync.Mutex
	state    int
	original bool // @original shows a message already
	modal    bool // answered with a modal: no follow-ups possible
	timer    *time.Timer
}

type ctxKey struct{}

func withPending(ctx context.Context, p *pending) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

func pendingFrom(ctx context.Context) *pending {
	p, _ := ctx.Value(ctxKey{}).(*pending)
	return p
}

// onInteractionCreate decodes an interaction and queues its handling.
func (a *Adapter) onInteractionCreate(raw json.RawMessage) {
	var i discordgo.Interaction
	if err := json.Unmarshal(raw, &i); err != nil {
		a.log.Warn("undecodable INTERACTION_CREATE ignored", "err", err)
		return
	}
	var u *discordgo.User
	var member *discordgo.Member
	if i.Member != nil && i.Member.User != nil {
		u, member = i.Member.User, i.Member
	} else {
		u = i.User
	}
	valid := i.ID != "" && i.Token != "" && u != nil && u.ID != ""
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		_, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
		valid = valid && ok
	case discordgo.InteractionMessageComponent:
		_, ok := i.Data.(discordgo.MessageComponentInteractionData)
		valid = valid && ok
	case discordgo.InteractionModalSubmit:
		_, ok := i.Data.(discordgo.ModalSubmitInteractionData)
		valid = valid && ok
	default:
		valid = false
	}
	if !valid {
		a.log.Warn("undecodable INTERACTION_CREATE ignored", "interaction", i.ID, "type", int(i.Type))
		return
	}
	user := userOf(u, member, string(i.Locale))
	chat := a.chatOf(i.GuildID, i.ChannelID)
	p := &pending{a: a, i: &i, user: u.ID, ephemeral: chat.Kind == bot.ChatChannel}
	a.mu.Lock()
	a.live[i.ID] = p
	a.mu.Unlock()
	if a.opts.AckAfter < 0 {
		p.timer = time.AfterFunc(time.Hour, func() {})
		p.deferNow()
	} else {
		p.timer = time.AfterFunc(a.opts.AckAfter, p.deferNow)
	}
	a.enqueue(i.ChannelID, func(ctx context.Context) {
		defer func() {
			if r := recover(); r != nil {
				a.log.Error("panic handling an interaction", "interaction", i.ID, "panic", fmt.Sprint(r))
			}
			p.finish()
			a.mu.Lock()
			delete(a.live, i.ID)
			a.mu.Unlock()
		}()
		a.onInteraction(withPending(ctx, p), p, user, chat)
	})
}

func (a *Adapter) onInteraction(ctx context.Context, p *pending, user bot.User, chat bot.Chat) {
	i := p.i
	ev := bot.Event{ID: i.ID, Platform: Name, User: user, Chat: chat, Trigger: i.ID}
	switch d := i.Data.(type) {
	case discordgo.ApplicationCommandInteractionData:
		if len(d.Options) == 0 {
			ev.Kind, ev.Text = bot.EventCommand, "help"
			break
		}
		sub := d.Options[0]
		if sub.Name == "panel" {
			a.panelCommand(ctx, p, sub)
			return
		}
		ev.Kind, ev.Text = bot.EventCommand, sub.Name
		if sub.Name == "ask" {
			for _, o := range sub.Options {
				if o.Name == "question" {
					ev.Text = o.StringValue()
				}
			}
		}
	case discordgo.MessageComponentInteractionData:
		if strings.HasPrefix(d.CustomID, formPrefix) {
			a.formComponent(ctx, p, user, chat, d)
			return
		}
		desk, id, value, ok := a.decodeID(d.CustomID)
		if !ok {
			p.private(Message("That button is no longer active."))
			return
		}
		if len(d.Values) > 0 {
			value = a.unkeep(d.Values[0])
		}
		if id == engineFormCancel {
			// The form is given up: its saved steps go with it.
			if err := a.dropForm(ctx, user.ID, ""); err != nil {
				a.log.Warn("clear form progress", "user", user.ID, "err", err)
			}
		}
		ev.Kind, ev.Desk = bot.EventAction, desk
		ev.Action = bot.Action{ID: id, Value: value}
		if i.Message != nil {
			ev.Action.Message = bot.MessageRef{Chat: i.ChannelID, ID: i.Message.ID}
		}
	case discordgo.ModalSubmitInteractionData:
		a.formSubmit(ctx, p, user, chat, d)
		return
	}
	a.deliver(ctx, ev)
}

// engineFormCancel is the id of the engine's Cancel button under a form
// being filled (bot's actFormCancel).
const engineFormCancel = "form.cancel"

// Message is a plain text message (a helper for the adapter's own replies).
func Message(text string) bot.Message { return bot.Message{Text: text} }

func (p *pending) respond(resp *discordgo.InteractionResponse) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != stPending {
		return errors.New("interaction already acknowledged")
	}
	if err := p.a.s.InteractionRespond(p.i, resp); err != nil {
		return fmt.Errorf("respond to interaction: %w", err)
	}
	p.state = stResponded
	if resp.Type == discordgo.InteractionResponseChannelMessageWithSource {
		p.original = true
	}
	p.a.remember(p.i)
	return nil
}

// fromComponent: the interaction has a message whose components it came from.
func (p *pending) fromComponent() bool {
	return p.i.Type == discordgo.InteractionMessageComponent || (p.i.Type == discordgo.InteractionModalSubmit && p.i.Message != nil)
}

// deferNow acknowledges the interaction if nothing was sent yet: type 6
// for presses (no visible change), type 5 for commands.
func (p *pending) deferNow() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != stPending {
		return
	}
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	next := stDeferredQuiet
	if !p.fromComponent() {
		resp = &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
		if p.ephemeral {
			resp.Data = &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}
		}
		next = stDeferred
	}
	if err := p.a.s.InteractionRespond(p.i, resp); err != nil {
		p.a.log.Warn("defer interaction", "interaction", p.i.ID, "err", err)
		return
	}
	p.state = next
	p.a.remember(p.i)
}

// finish makes sure the interaction was answered once handling is over.
func (p *pending) finish() {
	p.timer.Stop()
	p.mu.Lock()
	state, original := p.state, p.original
	p.mu.Unlock()
	switch {
	case state == stPending && p.fromComponent():
		p.deferNow()
	case state == stPending:
		if err := p.respond(p.a.messageResponse(discordgo.InteractionResponseChannelMessageWithSource, Message("Done."), true)); err != nil {
			p.a.log.Warn("answer interaction", "interaction", p.i.ID, "err", err)
		}
	case state == stDeferred && !original:
		content := "Done."
		if _, err := p.a.s.InteractionResponseEdit(p.i, &discordgo.WebhookEdit{Content: &content, AllowedMentions: noMentions()}); err != nil {
			p.a.log.Warn("edit @original", "interaction", p.i.ID, "err", err)
		}
	}
}

func (a *Adapter) messageResponse(typ discordgo.InteractionResponseType, msg bot.Message, ephemeral bool) *discordgo.InteractionResponse {
	content, embeds, comps := a.render(msg, "")
	d := &discordgo.InteractionResponseData{Content: content, Embeds: embeds, Components: comps, AllowedMentions: noMentions()}
	if ephemeral {
		d.Flags = discordgo.MessageFlagsEphemeral
	}
	return &discordgo.InteractionResponse{Type: typ, Data: d}
}

// reply shows a message in the interaction's channel, as several when its
// text is longer than Discord's 2,000 characters of content (the last one
// carries the controls and is the ref).
func (p *pending) reply(msg bot.Message, ephemeral bool) (bot.MessageRef, error) {
	var ref bot.MessageRef
	for _, part := range parts(msg) {
		var err error
		if ref, err = p.reply1(part, ephemeral); err != nil {
			return ref, err
		}
	}
	return ref, nil
}

// reply1 shows one message in the interaction's channel: as the response while
// nothing was sent, as @original after a type 5 deferral, else a follow-up.
func (p *pending) reply1(msg bot.Message, ephemeral bool) (bot.MessageRef, error) {
	a := p.a
	p.mu.Lock()
	defer p.mu.Unlock()
	content, embeds, comps := a.render(msg, "")
	ref := bot.MessageRef{Chat: p.i.ChannelID}
	switch {
	case p.state == stPending:
		resp := a.messageResponse(discordgo.InteractionResponseChannelMessageWithSource, msg, ephemeral)
		if err := a.s.InteractionRespond(p.i, resp); err != nil {
			return ref, fmt.Errorf("respond to interaction: %w", err)
		}
		p.state, p.original = stResponded, true
		ref.ID = ephemeralRef(p.i.ID, "@original")
	case p.state == stDeferred && !p.original:
		if _, err := a.s.InteractionResponseEdit(p.i, &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, Components: &comps, AllowedMentions: noMentions()}); err != nil {
			return ref, fmt.Errorf("edit @original: %w", err)
		}
		p.original = true
		ref.ID = ephemeralRef(p.i.ID, "@original")
	default:
		params := &discordgo.WebhookParams{Content: content, Embeds: embeds, Components: comps, AllowedMentions: noMentions()}
		if ephemeral {
			params.Flags = discordgo.MessageFlagsEphemeral
		}
		m, err := a.s.FollowupMessageCreate(p.i, true, params)
		if err != nil {
			return ref, fmt.Errorf("follow-up: %w", err)
		}
		ref.ID = ephemeralRef(p.i.ID, m.ID)
	}
	a.remember(p.i)
	return ref, nil
}

// private shows a message to the presser only (flags 64).
func (p *pending) private(msg bot.Message) {
	if _, err := p.reply(msg, true); err != nil {
		p.a.log.Warn("private reply", "interaction", p.i.ID, "err", err)
	}
}

// ephemeralRef names a message that only an interaction token can edit.
func ephemeralRef(interaction, msg string) string { return "e:" + interaction + ":" + msg }

// remember keeps an interaction's token for later edits (Discord keeps it 15 minutes).
func (a *Adapter) remember(i *discordgo.Interaction) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	for id, at := range a.tokenAt {
		if now.Sub(at) > 15*time.Minute {
			delete(a.tokenAt, id)
			delete(a.tokens, id)
		}
	}
	a.tokens[i.ID], a.tokenAt[i.ID] = i, now
}
