package tickets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
)

// MoveTopic is the topic a ticket keeps when it moves to desk: its own if
// the desk's menu has it, else none.
func MoveTopic(t *Ticket, to *config.Desk) string {
	if t.Category != "" && to.FAQ != nil && to.FAQ.Category(t.Category) != nil {
		return t.Category
	}
	return ""
}

// Move hands a ticket that is not resolved to another desk, as an agent or
// admin of its desk: it goes to the new desk's queue (no agent, no group
// chat, not snoozed) with priority, which the caller has taken from the new
// desk's rules, and keeps its topic only if the new desk has it. Its key
// stays, so links to it keep working.
func (s *Service) Move(ctx context.Context, id int64, to *config.Desk, priority Priority, reason string, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if !staff(actor) {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can move %s.", t.Key)
		}
		if to == nil {
			return nil, errs.Errorf(errs.EINVALID, "Move %s to which desk? There is no such desk.", t.Key)
		}
		if to.ID == t.Desk {
			return nil, errs.Errorf(errs.EINVALID, "%s is already on the %s.", t.Key, to.Name)
		}
		if t.Status == StatusResolved || t.MergedInto != "" {
			return nil, errs.Errorf(errs.ECONFLICT, "%s is %s and cannot be moved.", t.Key, t.Status.Describe())
		}
		from := t.Desk
		t.Desk = to.ID
		t.Category = MoveTopic(t, to)
		t.Priority = priority
		t.Status = StatusOpen
		t.PrevStatus = ""
		t.Assignee, t.AssignReason, t.AssignedAt = "", "", time.Time{}
		t.Declined = nil
		t.GroupChat = ""
		t.SnoozedUntil = time.Time{}
		t.LastActivityAt = s.now()
		detail := fmt.Sprintf("%s -> %s", from, to.ID)
		if reason = strings.TrimSpace(reason); reason != "" {
			detail += ": " + reason
		}
		return s.change("move", actor, src, detail), nil
	})
}

// Delete erases a ticket's content for a privacy request, as an admin of
// its desk: the transcript, the notes, the form answers, the subject, who
// asked (name and platform id), the rating's words and what the bot suggested go, and
// so do the details of its history. What stays is a record without
// content: the key, the desk, the times, and a "delete" event naming who
// erased it. A ticket still in service is ended first by the caller.
func (s *Service) Delete(ctx context.Context, id int64, actor Actor, src Source) (*Ticket, error) {
	t, err := s.erase(ctx, id, actor, src)
	if err != nil {
		return nil, err
	}
	// The store's attachment rows went with the erasure; files kept in a
	// folder go now.
	if err := s.Files.EraseFiles(id); err != nil {
		return t, fmt.Errorf("erase the files of %s: %w", t.Key, err)
	}
	return t, nil
}

func (s *Service) erase(ctx context.Context, id int64, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Erase(ctx, id, func(t *Ticket) (*Change, error) {
		if actor.Role != RoleAdmin {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only an admin of the desk can delete %s.", t.Key)
		}
		if !t.Erased.IsZero() {
			return nil, errs.Errorf(errs.ECONFLICT, "%s was deleted already.", t.Key)
		}
		now := s.now()
		t.Subject = "(deleted)"
		t.Form = nil
		t.Suggested = nil
		t.Requester.Name, t.Requester.ID, t.RequesterChat = "", "", ""
		t.Tags = nil
		t.CloseReason = ""
		if t.Evaluation != nil {
			t.Evaluation.Comment, t.Evaluation.Reasons = "", nil
		}
		t.Followers = nil
		if t.Status != StatusResolved {
			t.Status, t.EndedAt = StatusResolved, now
		}
		t.PrevStatus, t.SnoozedUntil = "", time.Time{}
		t.Erased = now
		return s.change("delete", actor, src, ""), nil
	})
}

// Split makes one message of a ticket's transcript a new ticket of its own,
// as an agent or admin of its desk: same desk, requester, topic and
// priority, the message as its subject and first line, linked both ways
// (SplitFrom, Splits). It is idempotent on (ticket, message). It returns
// the ticket split from and the new one.
func (s *Service) Split(ctx context.Context, id, messageID int64, prefix string, actor Actor, src Source) (from, split *Ticket, err error) {
	orig, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !staff(actor) {
		return nil, nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can split %s.", orig.Key)
	}
	ms, err := s.Store.Messages(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var msg *Message
	for i := range ms {
		if ms[i].ID == messageID && ms[i].Kind == KindTranscript {
			msg = &ms[i]
		}
	}
	if msg == nil || strings.TrimSpace(msg.Text) == "" {
		return nil, nil, errs.Errorf(errs.EINVALID, "%s has no message %d to split off.", orig.Key, messageID)
	}
	nt := &Ticket{Desk: orig.Desk, Platform: orig.Platform, Requester: orig.Requester, RequesterChat: orig.RequesterChat,
		Language: orig.Language, Category: orig.Category, Priority: orig.Priority, SplitFrom: orig.Key,
		Subject:    strings.Join(strings.Fields(msg.Text), " "),
		RequestKey: fmt.Sprintf("split:%d:%d", id, messageID)}
	split, created, err := s.Open(ctx, nt, prefix, actor, src)
	if err != nil {
		return nil, nil, err
	}
	if created {
		if split, err = s.RecordMessage(ctx, split.ID, msg.Text, fmt.Sprintf("split:%d", msg.ID), msg.Author, src); err != nil {
			return nil, nil, err
		}
	}
	from, err = s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if slices.Contains(t.Splits, split.Key) {
			return nil, nil
		}
		t.Splits = append(t.Splits, split.Key)
		return s.change("split", actor, src, "-> "+split.Key), nil
	})
	if err != nil {
		return nil, nil, err
	}
	return from, split, nil
}
