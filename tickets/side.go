package tickets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
)

// SideChat is a private conversation about a ticket among agents and the
// experts they ask (a side conversation): a chat on the ticket's platform
// that the requester is not in. What is said there is kept on the ticket as
// internal notes whose PlatformID starts with SideNotePrefix.
type SideChat struct {
	Platform string    `json:"platform"`
	Chat     string    `json:"chat"`
	Title    string    `json:"title"`
	Members  []Person  `json:"members"`
	OpenedBy string    `json:"opened_by"`
	OpenedAt time.Time `json:"opened_at"`
	ClosedAt time.Time `json:"closed_at,omitzero"`
}

// SideChatKey is the StateStore key under which a side chat's ticket id is
// kept, so the engine and the adapters know the chat after a restart.
func SideChatKey(platform, chat string) string { return "side:" + platform + ":" + chat }

// SideNotePrefix starts the PlatformID of a note written in a side chat:
// "side:<chat>:<platform message id>".
const SideNotePrefix = "side:"

// SideNoteID is the PlatformID of a note from a side chat.
func SideNoteID(chat, platformID string) string { return SideNotePrefix + chat + ":" + platformID }

// SideChatOf reports in which of the ticket's side chats a note was
// written ("" if none). Chat and message ids may hold colons, so the note's
// PlatformID is matched against the ticket's side chats.
func (t *Ticket) SideChatOf(m Message) string {
	for _, sc := range t.SideChats {
		if strings.HasPrefix(m.PlatformID, SideNotePrefix+sc.Chat+":") {
			return sc.Chat
		}
	}
	return ""
}

// Side returns the ticket's side chat with the chat id, or nil.
func (t *Ticket) Side(chat string) *SideChat {
	for i := range t.SideChats {
		if t.SideChats[i].Chat == chat {
			return &t.SideChats[i]
		}
	}
	return nil
}

// IsMember reports whether p (platform and id) is in the side chat.
func (sc *SideChat) IsMember(platform, id string) bool {
	return slices.ContainsFunc(sc.Members, func(m Person) bool { return m.Platform == platform && m.ID == id })
}

// Names lists the members' names.
func (sc *SideChat) Names() string {
	var ns []string
	for _, m := range sc.Members {
		ns = append(ns, m.Name)
	}
	return strings.Join(ns, ", ")
}

// uniqueID names a note that has no platform message (the clock may stand
// still in tests and two changes share a time).
func uniqueID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func samePerson(a, b Person) bool { return a.Platform == b.Platform && a.ID == b.ID }

// AddGuest records that actor invited p into the ticket's group chat, with a
// note saying so. Only the desk's agents and admins invite; p must not be the
// requester (who is in the chat already). Inviting a guest again changes nothing.
func (s *Service) AddGuest(ctx context.Context, id int64, p Person, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if !staff(actor) {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can invite people into %s.", t.Key)
		}
		if t.GroupChat == "" || (t.Status != StatusInService) {
			return nil, errs.Errorf(errs.ECONFLICT, "%s has no open group chat (it is %s); start the chat first or open a side conversation.", t.Key, t.Status.Describe())
		}
		if samePerson(p, t.Requester) {
			return nil, errs.Errorf(errs.EINVALID, "%s is the requester of %s and in its chat already.", p.Name, t.Key)
		}
		if slices.ContainsFunc(t.Guests, func(g Person) bool { return samePerson(g, p) }) {
			return nil, nil
		}
		t.Guests = append(t.Guests, p)
		c := s.change("invite", actor, src, p.Name)
		c.Message = &Message{Kind: KindNote, Author: actor, At: s.now(),
			Text: fmt.Sprintf("%s invited %s into the group chat.", actor.Name, p.Name)}
		return c, nil
	})
}

// RemoveGuest takes a guest out of the ticket's group chat (the record of
// who was there; the caller removes them on the platform), with a note.
// errs.ENOTFOUND if p is not a guest: the requester and the assignee are
// not removed this way.
func (s *Service) RemoveGuest(ctx context.Context, id int64, p Person, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if !staff(actor) {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can remove people from %s.", t.Key)
		}
		i := slices.IndexFunc(t.Guests, func(g Person) bool { return samePerson(g, p) })
		if i < 0 {
			return nil, errs.Errorf(errs.ENOTFOUND, "%s was not invited into the chat of %s.", p.Name, t.Key)
		}
		p = t.Guests[i]
		t.Guests = slices.Delete(t.Guests, i, i+1)
		c := s.change("uninvite", actor, src, p.Name)
		c.Message = &Message{Kind: KindNote, Author: actor, At: s.now(),
			Text: fmt.Sprintf("%s removed %s from the group chat.", actor.Name, p.Name)}
		return c, nil
	})
}

// OpenSideChat records a side chat created on the platform, with a note.
// Only the desk's agents and admins open one; the requester may not be a member.
func (s *Service) OpenSideChat(ctx context.Context, id int64, sc SideChat, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if !staff(actor) {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can open a side conversation on %s.", t.Key)
		}
		if sc.Chat == "" {
			return nil, errs.Errorf(errs.EINVALID, "A side conversation needs its chat.")
		}
		if t.Side(sc.Chat) != nil {
			return nil, nil
		}
		for _, m := range sc.Members {
			if samePerson(m, t.Requester) {
				return nil, errs.Errorf(errs.EINVALID, "The requester of %s cannot be in its side conversation.", t.Key)
			}
		}
		sc.OpenedBy, sc.OpenedAt = actor.Name, s.now()
		t.SideChats = append(t.SideChats, sc)
		c := s.change("side", actor, src, "opened with "+sc.Names())
		c.Message = &Message{Kind: KindNote, Author: actor, At: s.now(), PlatformID: SideNoteID(sc.Chat, "open"),
			Text: fmt.Sprintf("%s opened a side conversation with %s.", actor.Name, sc.Names())}
		return c, nil
	})
}

// SideMember adds (add=true) or removes p from a side chat, with a note.
// Only the desk's agents and admins, or a member of the side chat, do this.
func (s *Service) SideMember(ctx context.Context, id int64, chat string, p Person, add bool, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		sc := t.Side(chat)
		if sc == nil {
			return nil, errs.Errorf(errs.ENOTFOUND, "%s has no side conversation %s.", t.Key, chat)
		}
		if !staff(actor) && !sc.IsMember(actor.Platform, actor.ID) {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk and the side conversation's members can change who is in it.")
		}
		if !sc.ClosedAt.IsZero() {
			return nil, errs.Errorf(errs.ECONFLICT, "The side conversation on %s is closed.", t.Key)
		}
		i := slices.IndexFunc(sc.Members, func(m Person) bool { return samePerson(m, p) })
		var text string
		switch {
		case add && i >= 0:
			return nil, nil
		case add:
			if samePerson(p, t.Requester) {
				return nil, errs.Errorf(errs.EINVALID, "The requester of %s cannot be in its side conversation.", t.Key)
			}
			sc.Members = append(sc.Members, p)
			text = fmt.Sprintf("%s added %s to the side conversation.", actor.Name, p.Name)
		case i < 0:
			return nil, errs.Errorf(errs.ENOTFOUND, "%s is not in the side conversation on %s.", p.Name, t.Key)
		default:
			p = sc.Members[i]
			sc.Members = slices.Delete(sc.Members, i, i+1)
			text = fmt.Sprintf("%s removed %s from the side conversation.", actor.Name, p.Name)
		}
		c := s.change("side", actor, src, text)
		c.Message = &Message{Kind: KindNote, Author: actor, At: s.now(), Text: text,
			PlatformID: SideNoteID(chat, "member-"+uniqueID())}
		return c, nil
	})
}

// CloseSideChat marks a side chat closed (the caller archives it).
func (s *Service) CloseSideChat(ctx context.Context, id int64, chat string, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		sc := t.Side(chat)
		if sc == nil {
			return nil, errs.Errorf(errs.ENOTFOUND, "%s has no side conversation %s.", t.Key, chat)
		}
		if !staff(actor) && !sc.IsMember(actor.Platform, actor.ID) {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk and the side conversation's members can close it.")
		}
		if !sc.ClosedAt.IsZero() {
			return nil, nil
		}
		sc.ClosedAt = s.now()
		c := s.change("side", actor, src, "closed")
		c.Message = &Message{Kind: KindNote, Author: actor, At: s.now(), PlatformID: SideNoteID(chat, "close"),
			Text: fmt.Sprintf("%s closed the side conversation.", actor.Name)}
		return c, nil
	})
}

// SideNote records what someone wrote in a side chat as an internal note.
// The writer must be a member of the open side chat or the desk's staff;
// platformID de-duplicates a redelivered message (errs.ECONFLICT).
func (s *Service) SideNote(ctx context.Context, id int64, chat, text, platformID string, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		sc := t.Side(chat)
		if sc == nil {
			return nil, errs.Errorf(errs.ENOTFOUND, "%s has no side conversation %s.", t.Key, chat)
		}
		if !staff(actor) && !sc.IsMember(actor.Platform, actor.ID) {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only the side conversation's members can write in it.")
		}
		if !sc.ClosedAt.IsZero() {
			return nil, errs.Errorf(errs.ECONFLICT, "The side conversation on %s is closed.", t.Key)
		}
		c := s.change("note", actor, src, "side conversation")
		c.Message = &Message{Kind: KindNote, PlatformID: SideNoteID(chat, platformID), Author: actor, Text: text, At: s.now()}
		return c, nil
	})
}
