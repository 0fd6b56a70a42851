package center

import (
	"context"
	"slices"
	"strings"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// SideEngine is what side conversations need of the bot engine: people
// invited into a ticket's group chat or taken out, and private side chats
// without the requester, each a real chat on the ticket's platform.
// *bot.Engine implements it; a Center without the bot refuses these
// actions (there is no chat to invite anyone into).
type SideEngine interface {
	InviteToChat(ctx context.Context, id int64, who string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	RemoveFromChat(ctx context.Context, id int64, chat, who string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	OpenSideChat(ctx context.Context, id int64, who []string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, string, error)
	AddToSideChat(ctx context.Context, id int64, chat, who string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	CloseSideChat(ctx context.Context, id int64, chat string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
	SideChatPost(ctx context.Context, id int64, chat, text string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error)
}

// sideActions are the request actions applySide handles.
var sideActions = []string{"invite", "uninvite", "side", "side-add", "side-remove", "side-post", "side-close"}

// applySide runs a side conversation action (see SideEngine); ok=false if
// req.Action is none of them.
func (c *Center) applySide(ctx context.Context, t *tickets.Ticket, actor tickets.Actor, src tickets.Source, req request) (res result, ok bool, err error) {
	if !slices.Contains(sideActions, req.Action) {
		return result{}, false, nil
	}
	se, has := c.engine.(SideEngine)
	if !has {
		return result{}, true, errs.Errorf(errs.EINVALID, "Side conversations need the bot running: there is no chat to invite anyone into.")
	}
	if actor.Role == tickets.RoleUser {
		return result{}, true, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can invite people or open side conversations on %s.", t.Key)
	}
	who := strings.TrimSpace(textutil.ClipBytes(req.Agent, 100))
	chat := strings.TrimSpace(textutil.ClipBytes(req.Chat, 200))
	var got *tickets.Ticket
	var what string
	switch req.Action {
	case "invite":
		got, err = se.InviteToChat(ctx, t.ID, who, actor, src)
		what = who + " invited into the chat"
	case "uninvite":
		got, err = se.RemoveFromChat(ctx, t.ID, "", who, actor, src)
		what = who + " removed from the chat"
	case "side":
		with := slices.Clone(req.With)
		if who != "" {
			with = append(with, who)
		}
		var opened string
		got, opened, err = se.OpenSideChat(ctx, t.ID, with, actor, src)
		if err == nil {
			what = "side conversation opened with " + got.Side(opened).Names()
		}
	case "side-add":
		got, err = se.AddToSideChat(ctx, t.ID, chat, who, actor, src)
		what = who + " added to the side conversation"
	case "side-remove":
		got, err = se.RemoveFromChat(ctx, t.ID, chat, who, actor, src)
		what = who + " removed from the side conversation"
	case "side-close":
		got, err = se.CloseSideChat(ctx, t.ID, chat, actor, src)
		what = "side conversation closed"
	case "side-post":
		text := textutil.ClipBytes(strings.TrimSpace(req.Text), maxNoteLen)
		if text == "" {
			return result{}, true, errs.Errorf(errs.EINVALID, "The message is empty.")
		}
		got, err = se.SideChatPost(ctx, t.ID, chat, text, actor, src)
		what = "message posted in the side conversation"
	}
	if err != nil {
		if got == nil {
			return result{}, true, err
		}
		// Kept on the ticket, but the platform failed: say so, keep the change.
		c.log.Warn("side conversation", "ticket", t.Key, "action", req.Action, "err", err)
		what += " (" + errs.Message(err) + ")"
	}
	// Side conversations are for the agents: followers are not told.
	return result{ticket: got, what: what, quiet: true}, true, nil
}

// SideView is a side conversation on the ticket page: its members and
// what was written in it (internal notes).
type SideView struct {
	tickets.SideChat
	Open  bool
	Notes []tickets.Message
	// Addable are the agents who may still be added.
	Addable []string
}

// sidePanel splits the side conversations' notes off the ticket's notes
// and lists who can be invited (agents of every desk with an account on
// the ticket's platform, not already in).
func sidePanel(cfg *config.Config, t *tickets.Ticket, d *detailData) {
	var all []string
	for _, desk := range cfg.Desks {
		for _, a := range desk.Agents {
			if a.ID(t.Platform) != "" && !slices.Contains(all, a.Name) {
				all = append(all, a.Name)
			}
		}
	}
	for _, g := range t.Guests {
		d.Guests = append(d.Guests, g.Name)
	}
	for _, n := range all {
		if n != t.Assignee && !slices.Contains(d.Guests, n) {
			d.Invitable = append(d.Invitable, n)
		}
	}
	d.SideWith = slices.DeleteFunc(slices.Clone(all), func(n string) bool { return n == t.Assignee })
	if len(d.SideWith) == 0 {
		d.SideWith = all
	}
	byChat := map[string]int{}
	for _, sc := range t.SideChats {
		v := SideView{SideChat: sc, Open: sc.ClosedAt.IsZero()}
		for _, n := range all {
			if !slices.ContainsFunc(sc.Members, func(m tickets.Person) bool { return m.Name == n }) {
				v.Addable = append(v.Addable, n)
			}
		}
		byChat[sc.Chat] = len(d.Side)
		d.Side = append(d.Side, v)
	}
	notes := d.Notes[:0]
	for _, m := range d.Notes {
		if i, ok := byChat[t.SideChatOf(m)]; ok {
			d.Side[i].Notes = append(d.Side[i].Notes, m)
			continue
		}
		notes = append(notes, m)
	}
	d.Notes = notes
}
