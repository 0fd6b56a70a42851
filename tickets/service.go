package tickets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
)

// Service holds one function per ticket transition. Buttons, commands, the
// web, timers and routing all reach these (through the bot engine, which
// adds the platform effects), passing who acted and from where; each writes
// the ticket and its audit event in one transaction. Who may do what, and
// what a valid change is, is decided here and nowhere else.
type Service struct {
	Store Store
	Now   func() time.Time
	// Files, when set, keeps attachments in a folder: Delete erases the
	// ticket's files there too.
	Files *Attachments
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) change(kind string, actor Actor, src Source, detail string) *Change {
	return &Change{Event: Event{At: s.now(), Kind: kind, Actor: actor, Source: src, Detail: detail}}
}

// MaxSubjectLen is the longest subject a ticket keeps, in characters;
// Open shortens longer ones (with an ellipsis). It is the chat's limit, where
// the subject is the question typed: a card title and a group chat topic
// stay readable, and the Ticket Center and the API keep to it as well.
const MaxSubjectLen = 120

// Open creates a ticket in the queue. It is idempotent on t.RequestKey.
func (s *Service) Open(ctx context.Context, t *Ticket, prefix string, actor Actor, src Source) (*Ticket, bool, error) {
	if t.Desk == "" {
		return nil, false, errs.Errorf(errs.EINVALID, "ticket has no desk")
	}
	t.Subject = textutil.ShortenTrim(t.Subject, MaxSubjectLen)
	now := s.now()
	t.Status = StatusOpen
	t.CreatedAt, t.UpdatedAt, t.LastActivityAt = now, now, now
	ev := Event{At: now, Kind: "open", Actor: actor, Source: src, Detail: t.Subject}
	saved, created, err := s.Store.Create(ctx, t, prefix, ev)
	if err != nil {
		return nil, false, fmt.Errorf("open ticket on desk %s: %w", t.Desk, err)
	}
	return saved, created, nil
}

// mayAct reports whether actor may run agent actions on t: its assignee or an admin.
func mayAct(t *Ticket, actor Actor) bool {
	return actor.Role == RoleAdmin || actor.Role == RoleSystem ||
		(actor.Role == RoleAgent && actor.Name != "" && actor.Name == t.Assignee)
}

func forbidden(t *Ticket, what string) error {
	return errs.Errorf(errs.EFORBIDDEN, "Only the assigned agent (%s) or a desk admin can %s %s.", orNobody(t.Assignee), what, t.Key)
}

func orNobody(s string) string {
	if s == "" {
		return "nobody yet"
	}
	return s
}

// staff reports whether actor acts as an agent or admin of the ticket's desk,
// or as the help desk itself (routing, timers). Callers resolve the role
// against the ticket's desk, so an agent of another desk is a user here.
func staff(actor Actor) bool {
	return actor.Role == RoleAgent || actor.Role == RoleAdmin || actor.Role == RoleSystem
}

// Describe says in words where a ticket with this status is ("waiting in
// the queue", "in service"), for messages to people.
func (st Status) Describe() string {
	switch st {
	case StatusOpen:
		return "waiting in the queue"
	case StatusAssigned:
		return "assigned"
	case StatusInService:
		return "in service"
	case StatusSnoozed:
		return "snoozed"
	case StatusResolved:
		return "resolved"
	}
	return string(st)
}

// Assign gives an open (or snoozed-open, or timed-out) ticket to agent.
// Routing assigns as System; agents and admins of the desk may assign by
// hand (the Ticket Center, the API); a requester may not.
func (s *Service) Assign(ctx context.Context, id int64, agent, reason string, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if !staff(actor) {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can assign %s.", t.Key)
		}
		if agent == "" {
			return nil, errs.Errorf(errs.EINVALID, "Assign %s to whom? No agent given.", t.Key)
		}
		if t.Status != StatusOpen {
			return nil, errs.Errorf(errs.ECONFLICT, "%s is %s, not queued", t.Key, t.Status)
		}
		t.Status = StatusAssigned
		t.Assignee = agent
		t.AssignReason = reason
		t.AssignedAt = s.now()
		return s.change("assign", actor, src, agent+": "+reason), nil
	})
}

// Requeue takes the ticket back from an agent who did not Start Chat in time;
// the agent is remembered so routing offers it to the next candidate.
func (s *Service) Requeue(ctx context.Context, id int64, reason string, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if t.Status != StatusAssigned {
			return nil, errs.Errorf(errs.ECONFLICT, "%s is %s, not waiting for Start Chat", t.Key, t.Status)
		}
		prev := t.Assignee
		if prev != "" && !slices.Contains(t.Declined, prev) {
			t.Declined = append(t.Declined, prev)
		}
		t.Status = StatusOpen
		t.Assignee = ""
		t.AssignReason = ""
		t.AssignedAt = time.Time{}
		return s.change("requeue", actor, src, prev+": "+reason), nil
	})
}

// Transfer hands an assigned or in-service ticket to another agent.
func (s *Service) Transfer(ctx context.Context, id int64, to, reason string, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if t.Status != StatusAssigned && t.Status != StatusInService && t.Status != StatusOpen {
			return nil, errs.Errorf(errs.ECONFLICT, "%s is %s and cannot be transferred", t.Key, t.Status)
		}
		// Staff may claim a queued ticket; a requester may not steer it.
		if (t.Status != StatusOpen || actor.Role == RoleUser) && !mayAct(t, actor) {
			return nil, forbidden(t, "transfer")
		}
		if to == "" {
			return nil, errs.Errorf(errs.EINVALID, "Transfer %s to whom? No agent given.", t.Key)
		}
		if to == t.Assignee {
			return nil, errs.Errorf(errs.EINVALID, "%s is already with %s", t.Key, to)
		}
		from := t.Assignee
		t.Assignee = to
		t.AssignReason = reason
		t.AssignedAt = s.now()
		if t.Status == StatusOpen {
			t.Status = StatusAssigned
		}
		return s.change("transfer", actor, src, fmt.Sprintf("%s -> %s: %s", orNobody(from), to, reason)), nil
	})
}

// MayStart reports why actor may not Start Chat on t as it is now (nil: they
// may): only its assignee or an admin, and only while it is assigned. Start
// checks it again in its transaction; callers ask first so that nothing is
// created on a platform for a chat that would be refused.
func MayStart(t *Ticket, actor Actor) error {
	if !mayAct(t, actor) {
		return forbidden(t, "start the chat for")
	}
	if t.Status != StatusAssigned {
		return errs.Errorf(errs.ECONFLICT, "%s is %s; there is no chat to start.", t.Key, t.Status.Describe())
	}
	return nil
}

// Start records Start Chat: the group chat is running.
func (s *Service) Start(ctx context.Context, id int64, groupChat string, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if err := MayStart(t, actor); err != nil {
			return nil, err
		}
		now := s.now()
		t.Status = StatusInService
		t.GroupChat = groupChat
		t.StartedAt = now
		t.LastActivityAt = now
		if t.FirstResponseAt.IsZero() {
			t.FirstResponseAt = now
		}
		return s.change("start", actor, src, groupChat), nil
	})
}

func isRequester(t *Ticket, actor Actor) bool {
	return actor.Role == RoleUser && actor.Platform == t.Requester.Platform && actor.ID == t.Requester.ID
}

// MayEnd reports why actor may not End Service on t as it is now (nil: they
// may): its assignee, an admin, its requester or a timer, while it is not
// resolved. The Ticket Center asks it to show the button.
func MayEnd(t *Ticket, actor Actor) error {
	if !mayAct(t, actor) && !isRequester(t, actor) {
		return forbidden(t, "end the service for")
	}
	if t.Status == StatusResolved {
		return errs.Errorf(errs.ECONFLICT, "%s is already resolved", t.Key)
	}
	return nil
}

// End records End Service, by the assignee, an admin, the requester or a timer.
func (s *Service) End(ctx context.Context, id int64, note string, actor Actor, src Source) (*Ticket, error) {
	return s.EndWithReason(ctx, id, note, "", nil, actor, src)
}

// MaxCloseReasonLen is the longest close reason, in characters.
const MaxCloseReasonLen = 100

// EndWithReason is End with a close reason: one of the desk's close_reasons
// (matched in any case, kept as the config spells it) or the agent's own
// words, at most MaxCloseReasonLen characters; "" gives none. desk may be
// nil (no list). The reason is kept on the ticket and in the end event.
func (s *Service) EndWithReason(ctx context.Context, id int64, note, reason string, desk *config.Desk, actor Actor, src Source) (*Ticket, error) {
	reason = strings.Join(strings.Fields(reason), " ")
	if n := utf8.RuneCountInString(reason); n > MaxCloseReasonLen {
		return nil, errs.Errorf(errs.EINVALID, "The close reason has %d characters; at most %d fit.", n, MaxCloseReasonLen)
	}
	if desk != nil {
		if i := slices.IndexFunc(desk.CloseReasons, func(r string) bool { return strings.EqualFold(r, reason) }); i >= 0 {
			reason = desk.CloseReasons[i]
		}
	}
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if err := MayEnd(t, actor); err != nil {
			return nil, err
		}
		if reason != "" && actor.Role == RoleUser {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk give a close reason for %s.", t.Key)
		}
		t.Status = StatusResolved
		t.EndedAt = s.now()
		t.SnoozedUntil = time.Time{}
		t.CloseReason = reason
		detail := note
		if reason != "" {
			detail = "reason: " + reason
			if note != "" {
				detail += "; " + note
			}
		}
		return s.change("end", actor, src, detail), nil
	})
}

// MayReopen reports why actor may not reopen t as it is now (nil: they
// may): its requester, its agent or an admin, once it is resolved, unless it
// was merged into another ticket (the work continues there). The Ticket
// Center asks it to show the button.
func MayReopen(t *Ticket, actor Actor) error {
	if t.Status != StatusResolved {
		return errs.Errorf(errs.ECONFLICT, "%s is %s, not resolved", t.Key, t.Status)
	}
	if !mayAct(t, actor) && !isRequester(t, actor) {
		return errs.Errorf(errs.EFORBIDDEN, "Only the requester, the agent or an admin can reopen %s.", t.Key)
	}
	if t.MergedInto != "" {
		return errs.Errorf(errs.ECONFLICT, "%s was merged into %s; it continues there.", t.Key, t.MergedInto)
	}
	return nil
}

// Reopen brings a resolved ticket back to its agent (or the queue if it had none).
func (s *Service) Reopen(ctx context.Context, id int64, reason string, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if err := MayReopen(t, actor); err != nil {
			return nil, err
		}
		now := s.now()
		t.EndedAt = time.Time{}
		t.CloseReason = ""
		// The rating of the service that ended stays in the ticket's
		// history and the statistics; the next service gets its own.
		if t.Evaluation != nil {
			t.EarlierRatings = append(t.EarlierRatings, *t.Evaluation)
		}
		t.Evaluation = nil
		t.Flags &^= FlagEvaluationAsked | FlagInactivityWarned
		t.LastActivityAt = now
		if t.Assignee != "" {
			t.Status = StatusAssigned
			t.AssignedAt = now
		} else {
			t.Status = StatusOpen
		}
		t.GroupChat = ""
		return s.change("reopen", actor, src, reason), nil
	})
}

// Snooze parks a ticket until a time; Wake brings it back.
func (s *Service) Snooze(ctx context.Context, id int64, until time.Time, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if !mayAct(t, actor) {
			return nil, forbidden(t, "snooze")
		}
		if t.Status == StatusResolved || t.Status == StatusSnoozed {
			return nil, errs.Errorf(errs.ECONFLICT, "%s is %s and cannot be snoozed", t.Key, t.Status)
		}
		if !until.After(s.now()) {
			return nil, errs.Errorf(errs.EINVALID, "snooze time %s is not in the future", until.Format(time.RFC3339))
		}
		t.PrevStatus = t.Status
		t.Status = StatusSnoozed
		t.SnoozedUntil = until.UTC()
		return s.change("snooze", actor, src, until.UTC().Format(time.RFC3339)), nil
	})
}

// Wake returns a snoozed ticket to the status it had: the timer does at
// the snooze's end, agents and admins of the desk may earlier; a requester
// may not.
func (s *Service) Wake(ctx context.Context, id int64, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if !staff(actor) {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can wake %s.", t.Key)
		}
		if t.Status != StatusSnoozed {
			return nil, errs.Errorf(errs.ECONFLICT, "%s is %s, not snoozed", t.Key, t.Status)
		}
		t.Status = t.PrevStatus
		if t.Status == "" {
			t.Status = StatusOpen
		}
		t.PrevStatus = ""
		t.SnoozedUntil = time.Time{}
		t.LastActivityAt = s.now()
		return s.change("wake", actor, src, string(t.Status)), nil
	})
}

// Evaluate records the requester's rating of a resolved ticket. The rating
// cannot change once given; a later call with the same rating amends the
// reasons and comment.
func (s *Service) Evaluate(ctx context.Context, id int64, ev Evaluation, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if actor.Role != RoleUser || actor.Platform != t.Requester.Platform || actor.ID != t.Requester.ID {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only the requester can rate %s.", t.Key)
		}
		if t.Status != StatusResolved {
			return nil, errs.Errorf(errs.ECONFLICT, "%s is %s; it can be rated once resolved", t.Key, t.Status)
		}
		if ev.Scale <= 0 || ev.Rating < 1 || ev.Rating > ev.Scale {
			return nil, errs.Errorf(errs.EINVALID, "rating %d is not on the scale 1..%d", ev.Rating, ev.Scale)
		}
		// The rating is given once; reasons and a comment may follow it.
		if t.Evaluation != nil && (ev.Rating != t.Evaluation.Rating || ev.Scale != t.Evaluation.Scale) {
			return nil, errs.Errorf(errs.ECONFLICT, "%s was already rated", t.Key)
		}
		ev.At = s.now()
		t.Evaluation = &ev
		detail := fmt.Sprintf("%d/%d", ev.Rating, ev.Scale)
		if len(ev.Reasons) > 0 {
			detail += " " + strings.Join(ev.Reasons, ", ")
		}
		return s.change("evaluate", actor, src, detail), nil
	})
}

// AddNote records an internal note, never shown to the requester.
func (s *Service) AddNote(ctx context.Context, id int64, text, platformID string, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if actor.Role == RoleUser {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can add notes to %s.", t.Key)
		}
		c := s.change("note", actor, src, "")
		c.Message = &Message{Kind: KindNote, PlatformID: platformID, Author: actor, Text: text, At: s.now()}
		return c, nil
	})
}

// RecordMessage adds a line to the transcript. The first message of the
// assignee (or an admin) counts as the first response; the requester's, the
// bot's and other agents' do not.
func (s *Service) RecordMessage(ctx context.Context, id int64, text, platformID string, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		now := s.now()
		t.LastActivityAt = now
		t.Flags &^= FlagInactivityWarned
		if actor.Role != RoleSystem && mayAct(t, actor) && t.FirstResponseAt.IsZero() {
			t.FirstResponseAt = now
		}
		c := s.change("message", actor, src, "")
		c.Message = &Message{Kind: KindTranscript, PlatformID: platformID, Author: actor, Text: text, At: now}
		return c, nil
	})
}

// SetFlag marks a one-shot timer as fired. It reports errs.ECONFLICT if it already was,
// so a timer fires once even when two callers race.
func (s *Service) SetFlag(ctx context.Context, id int64, f Flags, detail string, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if t.Flags&f != 0 {
			return nil, errs.Errorf(errs.ECONFLICT, "%s: timer already fired", t.Key)
		}
		t.Flags |= f
		return s.change("flag", actor, src, detail), nil
	})
}

// SetCards records where the ticket's cards were posted.
func (s *Service) SetCards(ctx context.Context, id int64, cards []CardRef) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		t.Cards = cards
		return s.change("cards", System, SourceRouting, ""), nil
	})
}
