package center

import (
	"context"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Engine is what the Ticket Center needs of the bot engine: the ticket
// transitions, each of which changes the ticket through tickets.Service
// (which decides who may) and then does what the change means on the chat
// platforms (cards, group chats, DMs, the queue), and a DM for followers.
// The Center calls these for every change, exactly as the bot's buttons,
// commands and timers do. *bot.Engine implements it.
type Engine interface {
	Open(ctx context.Context, t *tickets.Ticket, prefix string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, bool, error)
	Assign(ctx context.Context, id int64, agent, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	Transfer(ctx context.Context, id int64, to, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	Snooze(ctx context.Context, id int64, until time.Time, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	Wake(ctx context.Context, id int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	EndService(ctx context.Context, id int64, note string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	EndServiceWithReason(ctx context.Context, id int64, note, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	Reopen(ctx context.Context, id int64, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	Merge(ctx context.Context, dupID, intoID int64, actor tickets.Actor, src tickets.Source) (dup, into *tickets.Ticket, err error)
	AddNote(ctx context.Context, id int64, text, platformID string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	Follow(ctx context.Context, id int64, p tickets.Person, follow bool, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	Edit(ctx context.Context, id int64, ed tickets.Edit, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	Move(ctx context.Context, id int64, toDesk, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	Delete(ctx context.Context, id int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	SetAgentStatus(ctx context.Context, agent, status string, actor tickets.Actor) error
	Split(ctx context.Context, id, messageID int64, actor tickets.Actor, src tickets.Source) (from, split *tickets.Ticket, err error)
	Notify(ctx context.Context, platform, user, text string) error
	// Reply sends an agent's answer to the requester on the ticket's
	// channel and records it in the transcript.
	Reply(ctx context.Context, id int64, text string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
}

// ChannelReplier is an Engine that answers a requester on the channel an
// agent picks (the ticket's group chat, a DM, a linked account on another
// platform, a mail); *bot.Engine is one. The reply box offers its channels.
type ChannelReplier interface {
	ReplyChannels(ctx context.Context, t *tickets.Ticket) ([]tickets.Channel, error)
	ReplyVia(ctx context.Context, id int64, text, via string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
}

// FileReplier is a ChannelReplier that sends files with a reply (text may
// then be empty): it keeps them with the ticket as the agent's and sends
// them by the reply's channel; notDelivered names each file the channel
// did not take (kept all the same). *bot.Engine is one.
type FileReplier interface {
	ReplyWithFiles(ctx context.Context, id int64, text, via string, files []tickets.Upload, actor tickets.Actor, src tickets.Source) (t *tickets.Ticket, notDelivered []string, err error)
}

// serviceOnly is the Engine of a Center without a bot (Options.Engine nil):
// the changes are made and audited, nothing happens on a chat platform and
// nobody is notified.
type serviceOnly struct {
	svc    *tickets.Service
	config func() *config.Config
}

var _ Engine = serviceOnly{}

func (s serviceOnly) Open(ctx context.Context, t *tickets.Ticket, prefix string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, bool, error) {
	return s.svc.Open(ctx, t, prefix, actor, src)
}

func (s serviceOnly) Assign(ctx context.Context, id int64, agent, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return s.svc.Assign(ctx, id, agent, reason, actor, src)
}

func (s serviceOnly) Transfer(ctx context.Context, id int64, to, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return s.svc.Transfer(ctx, id, to, reason, actor, src)
}

func (s serviceOnly) Snooze(ctx context.Context, id int64, until time.Time, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return s.svc.Snooze(ctx, id, until, actor, src)
}

func (s serviceOnly) Wake(ctx context.Context, id int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return s.svc.Wake(ctx, id, actor, src)
}

func (s serviceOnly) EndService(ctx context.Context, id int64, note string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return s.svc.End(ctx, id, note, actor, src)
}

func (s serviceOnly) EndServiceWithReason(ctx context.Context, id int64, note, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := s.svc.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.svc.EndWithReason(ctx, id, note, reason, s.config().Desk(t.Desk), actor, src)
}

func (s serviceOnly) Reopen(ctx context.Context, id int64, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return s.svc.Reopen(ctx, id, reason, actor, src)
}

func (s serviceOnly) Merge(ctx context.Context, dupID, intoID int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, *tickets.Ticket, error) {
	return s.svc.Merge(ctx, dupID, intoID, actor, src)
}

func (s serviceOnly) AddNote(ctx context.Context, id int64, text, platformID string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return s.svc.AddNote(ctx, id, text, platformID, actor, src)
}

func (s serviceOnly) Follow(ctx context.Context, id int64, p tickets.Person, follow bool, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return s.svc.Follow(ctx, id, p, follow, actor, src)
}

func (s serviceOnly) Edit(ctx context.Context, id int64, ed tickets.Edit, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := s.svc.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.svc.Edit(ctx, id, ed, s.config().Desk(t.Desk), actor, src)
}

// Move without the bot has no routing rules to apply: the priority stays.
func (s serviceOnly) Move(ctx context.Context, id int64, toDesk, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := s.svc.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.svc.Move(ctx, id, s.config().Desk(toDesk), t.Priority, reason, actor, src)
}

func (s serviceOnly) Delete(ctx context.Context, id int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return s.svc.Delete(ctx, id, actor, src)
}

func (s serviceOnly) SetAgentStatus(ctx context.Context, agent, status string, actor tickets.Actor) error {
	return s.svc.SetAgentStatus(ctx, agent, status, actor)
}

func (s serviceOnly) Split(ctx context.Context, id, messageID int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, *tickets.Ticket, error) {
	t, err := s.svc.Store.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	prefix := ""
	if d := s.config().Desk(t.Desk); d != nil {
		prefix = d.Prefix
	}
	return s.svc.Split(ctx, id, messageID, prefix, actor, src)
}

func (serviceOnly) Notify(context.Context, string, string, string) error { return nil }

// Reply without the bot reaches nobody: refused rather than recorded as sent.
func (serviceOnly) Reply(context.Context, int64, string, tickets.Actor, tickets.Source) (*tickets.Ticket, error) {
	return nil, errs.Errorf(errs.EINVALID, "Replies need the bot running: there is no channel to send them on.")
}
