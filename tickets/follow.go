package tickets

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
)

// Merge closes the duplicate dup as merged into the ticket into: dup is
// resolved with MergedInto set, and into records the merge as a note, so its
// agent sees where the duplicate went, followed by a copy of the
// duplicate's conversation and notes (each with its author and time), so
// everything is on the ticket that continues; dup gets a note saying where
// it went. The tickets may be of different desks: into keeps its desk (the
// caller checks that the actor is staff of both). Only agents and admins
// merge. It returns both tickets as changed.
//
// The writes are separate transactions: if a later one fails, dup is
// merged and the error says what is missing on into; a retry of the copy
// is idempotent (each copied message has the PlatformID merge:<dup>:<id>).
func (s *Service) Merge(ctx context.Context, dupID, intoID int64, actor Actor, src Source) (dup, into *Ticket, err error) {
	if actor.Role != RoleAgent && actor.Role != RoleAdmin && actor.Role != RoleSystem {
		return nil, nil, errs.Errorf(errs.EFORBIDDEN, "Only agents can merge tickets.")
	}
	if dupID == intoID {
		return nil, nil, errs.Errorf(errs.EINVALID, "A ticket cannot be merged into itself.")
	}
	target, err := s.Store.Get(ctx, intoID)
	if err != nil {
		return nil, nil, err
	}
	if target.MergedInto != "" {
		return nil, nil, errs.Errorf(errs.ECONFLICT, "%s was itself merged into %s; merge into that one.", target.Key, target.MergedInto)
	}
	dup, err = s.Store.Update(ctx, dupID, func(t *Ticket) (*Change, error) {
		if t.MergedInto != "" {
			return nil, errs.Errorf(errs.ECONFLICT, "%s is already merged into %s.", t.Key, t.MergedInto)
		}
		t.MergedInto = target.Key
		if t.Status != StatusResolved {
			t.Status = StatusResolved
			t.EndedAt = s.now()
		}
		t.PrevStatus = ""
		t.SnoozedUntil = time.Time{}
		return s.change("merge", actor, src, "into "+target.Key), nil
	})
	if err != nil {
		return nil, nil, err
	}
	ms, err := s.Store.Messages(ctx, dupID)
	if err != nil {
		return dup, nil, fmt.Errorf("%s is merged, but reading its conversation to copy to %s failed: %w", dup.Key, target.Key, err)
	}
	from := ""
	if dup.Desk != target.Desk {
		from = " of the " + dup.Desk + " desk"
	}
	into, err = s.Store.Update(ctx, intoID, func(t *Ticket) (*Change, error) {
		c := s.change("merged", actor, src, dup.Key+" merged in")
		c.Message = &Message{Kind: KindNote, Author: actor, At: s.now(), PlatformID: "merge:" + dup.Key,
			Text: fmt.Sprintf("%s%s (%s, from %s) was merged into this ticket as a duplicate; its %d messages and notes follow.",
				dup.Key, from, dup.Subject, dup.Requester.Name, len(ms))}
		return c, nil
	})
	if errs.Code(err) == errs.ECONFLICT {
		into, err = s.Store.Get(ctx, intoID) // merged in before: the copy is resumed
	}
	if err != nil {
		return dup, nil, fmt.Errorf("%s is merged, but noting it on %s failed: %w", dup.Key, target.Key, err)
	}
	for _, m := range ms {
		if m.Kind != KindTranscript && m.Kind != KindNote {
			continue
		}
		got, err := s.Store.Update(ctx, intoID, func(t *Ticket) (*Change, error) {
			c := s.change("merged message", actor, src, fmt.Sprintf("from %s", dup.Key))
			c.Message = &Message{Kind: m.Kind, Author: m.Author, At: m.At, Text: dup.Key + " · " + m.Text,
				PlatformID: fmt.Sprintf("merge:%s:%d", dup.Key, m.ID)}
			return c, nil
		})
		switch errs.Code(err) {
		case "":
			into = got
		case errs.ECONFLICT: // copied by an earlier try
		default:
			return dup, into, fmt.Errorf("%s is merged into %s, but copying its message %d failed: %w", dup.Key, target.Key, m.ID, err)
		}
	}
	noted, err := s.Store.Update(ctx, dupID, func(t *Ticket) (*Change, error) {
		c := s.change("note", actor, src, "")
		c.Message = &Message{Kind: KindNote, Author: actor, At: s.now(), PlatformID: "merged-into:" + target.Key,
			Text: fmt.Sprintf("Merged into %s; this ticket's conversation and notes were copied there.", target.Key)}
		return c, nil
	})
	switch errs.Code(err) {
	case "":
		dup = noted
	case errs.ECONFLICT:
	default:
		return dup, into, fmt.Errorf("%s is merged into %s, but noting it on %s failed: %w", dup.Key, target.Key, dup.Key, err)
	}
	return dup, into, nil
}

// Follow adds (follow=true) or removes p from the ticket's followers, who are
// told about its changes. Who may see the ticket is the caller's decision.
func (s *Service) Follow(ctx context.Context, id int64, p Person, follow bool, actor Actor, src Source) (*Ticket, error) {
	if p.Platform == "" || p.ID == "" {
		return nil, errs.Errorf(errs.EINVALID, "A follower needs a platform and a user id.")
	}
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		i := slices.IndexFunc(t.Followers, func(f Person) bool { return f.Platform == p.Platform && f.ID == p.ID })
		switch {
		case follow && i >= 0:
			return nil, errs.Errorf(errs.ECONFLICT, "You already follow %s.", t.Key)
		case !follow && i < 0:
			return nil, errs.Errorf(errs.ECONFLICT, "You do not follow %s.", t.Key)
		case follow:
			t.Followers = append(t.Followers, p)
			return s.change("follow", actor, src, p.Name), nil
		default:
			t.Followers = slices.Delete(t.Followers, i, i+1)
			if len(t.Followers) == 0 {
				t.Followers = nil
			}
			return s.change("unfollow", actor, src, p.Name), nil
		}
	})
}
