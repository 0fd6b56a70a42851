package bot

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/rules"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// This file holds one engine method per ticket transition. Each calls
// tickets.Service, which alone decides who may do what and what a valid
// change is, and then does what the change means on the chat platforms: the
// cards, the group chat, DMs, the queue and the rating prompt. Buttons,
// commands, timers, the Ticket Center and the API all come through here, so
// each transition's effects are written once.
//
// The exported methods whose effects touch the ticket's cards or chat take
// the ticket's lock, so the effects of two changes to one ticket go out in
// the order of the changes (Open, AddNote and Follow need none; Evaluate
// cannot take it, see there). The engine's own handlers, which hold the
// lock already, call the lower-case cores. Once the change is stored it
// stands: the exported methods log a failed effect rather than report the
// change as failed; the cores return it, so a platform event that failed
// half-way is seen as failed.

func (e *Engine) lockTicket(id int64) (unlock func()) {
	return e.locks.lock(fmt.Sprintf("ticket:%d", id))
}

// logEffect logs the failure of an effect of a stored change.
func (e *Engine) logEffect(what string, t *tickets.Ticket, err error) {
	if err != nil {
		e.log.Warn("after "+what, "ticket", t.Key, "err", err)
	}
}

// Open opens a ticket made elsewhere (the Ticket Center, the API) and
// dispatches its desk's queue. It returns the ticket as opened (the queue
// may since have given it to an agent) and whether it is new: a repeated
// request key returns the first ticket and does nothing more.
func (e *Engine) Open(ctx context.Context, t *tickets.Ticket, prefix string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, bool, error) {
	saved, created, err := e.svc.Open(ctx, t, prefix, actor, src)
	if err != nil || !created {
		return saved, created, err
	}
	rt := e.rt.Load()
	if rt.Config.Desk(saved.Desk) != nil && saved.Status == tickets.StatusOpen {
		e.dispatch(ctx, rt, saved.Desk)
	}
	return saved, true, nil
}

// Assign gives a queued ticket to an agent by hand; see assign.
func (e *Engine) Assign(ctx context.Context, id int64, agent, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	return e.assign(ctx, e.rt.Load(), id, agent, reason, actor, src)
}

// assign gives a queued ticket to an agent and announces it: the agent's
// card, the agent channel's card, the requester's notice. Routing
// (dispatch) and the Ticket Center both come here.
func (e *Engine) assign(ctx context.Context, rt *Runtime, id int64, agent, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Assign(ctx, id, agent, reason, actor, src)
	if err != nil {
		return nil, err
	}
	e.announce(ctx, rt, rt.Config.Desk(t.Desk), t)
	return t, nil
}

// Transfer hands a ticket to another agent; see transfer.
func (e *Engine) Transfer(ctx context.Context, id int64, to, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	return e.transfer(ctx, e.rt.Load(), id, to, reason, actor, src)
}

// transfer hands a ticket to another agent. A running group chat gets the
// new agent and a line saying so; every card is updated and the new agent
// gets one; the requester is told who helps now.
func (e *Engine) transfer(ctx context.Context, rt *Runtime, id int64, to, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Transfer(ctx, id, to, reason, actor, src)
	if err != nil {
		return nil, err
	}
	desk := rt.Config.Desk(t.Desk)
	if t.Status == tickets.StatusInService && t.GroupChat != "" && desk != nil {
		if p, err := e.platform(t.Platform); err == nil {
			if ag := desk.AgentByName(t.Assignee); ag != nil && ag.ID(t.Platform) != "" {
				if err := p.InviteToGroupChat(ctx, t.GroupChat, ag.ID(t.Platform)); err != nil {
					e.log.Warn("invite new agent to group chat", "ticket", t.Key, "err", err)
				}
			}
			if _, err := p.Send(ctx, t.GroupChat, Message{Text: tFor(t, desk, mTakenOver, t.Assignee, t.Key)}); err != nil {
				e.log.Warn("announce transfer", "ticket", t.Key, "err", err)
			}
		}
	}
	e.announce(ctx, rt, desk, t)
	return t, nil
}

// StartChat opens the group chat of an assigned ticket; see startChat.
func (e *Engine) StartChat(ctx context.Context, id int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	t, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.startChat(ctx, e.rt.Load(), t, actor, src)
}

// startChat creates the group chat of an assigned ticket with the
// requester, the agent and whoever started it (an admin may, for the
// agent), records Start Chat, posts the summary, updates the cards and
// tells the requester. The service's rule is asked first, so nothing is
// created on the platform for a chat that would be refused.
func (e *Engine) startChat(ctx context.Context, rt *Runtime, t *tickets.Ticket, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	if err := tickets.MayStart(t, actor); err != nil {
		return nil, err
	}
	p, err := e.platform(t.Platform)
	if err != nil {
		return nil, err
	}
	desk := rt.Config.Desk(t.Desk)
	members := []string{t.Requester.ID}
	if desk != nil {
		if ag := desk.AgentByName(t.Assignee); ag != nil && ag.ID(t.Platform) != "" {
			members = append(members, ag.ID(t.Platform))
		}
	}
	if actor.Platform == t.Platform && actor.ID != "" && !slices.Contains(members, actor.ID) {
		members = append(members, actor.ID)
	}
	chat, err := p.CreateGroupChat(ctx, GroupChat{
		Name:    chatName(t.Key, t.Subject),
		Title:   t.Key + " · " + t.Subject,
		Topic:   tFor(t, desk, mChatTopic, t.Key, t.Requester.Name),
		Members: members,
	})
	if err != nil {
		return nil, fmt.Errorf("start chat for %s: %w", t.Key, err)
	}
	started, err := e.svc.Start(ctx, t.ID, chat, actor, src)
	if err != nil {
		if aerr := p.ArchiveGroupChat(ctx, chat); aerr != nil {
			e.log.Warn("archive unused group chat", "ticket", t.Key, "err", aerr)
		}
		return nil, err
	}
	summary := Message{
		Title: started.Key + " · " + started.Subject,
		Text: tFor(started, desk, mChatWelcome, started.Assignee, Literal(started.Requester.Name),
			tFor(started, desk, mEndService)),
		Fields:  formFields(started),
		Buttons: []Button{{ID: actEnd, Label: tFor(started, desk, mEndService), Value: idValue(started.ID), Style: StyleDanger}},
	}
	ref, err := p.Send(ctx, chat, summary)
	if err != nil {
		return started, fmt.Errorf("post summary of %s: %w", t.Key, err)
	}
	e.keepTicketPrompt(ctx, Prompt{Kind: promptRoom, Ticket: started.ID, Platform: started.Platform, Ref: ref,
		Shown: summary, Note: "That button is no longer active."})
	e.updateCards(ctx, rt, started)
	if _, err := p.Send(ctx, started.RequesterChat, Message{
		Text: tFor(started, desk, mChatOpened, started.Assignee, started.Key),
	}); err != nil {
		e.log.Warn("tell requester about chat", "ticket", t.Key, "err", err)
		e.requesterMissed(ctx, desk, started, chat, "the notice that this chat is open", err)
	}
	return started, nil
}

// EndService resolves a ticket; see endService.
func (e *Engine) EndService(ctx context.Context, id int64, note string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	t, err := e.endService(ctx, e.rt.Load(), id, note, actor, src)
	if t != nil {
		e.logEffect("End Service", t, err)
		return t, nil
	}
	return nil, err
}

// EndServiceWithReason resolves a ticket with a close reason (one of its
// desk's close_reasons or the agent's own words); the effects are
// EndService's.
func (e *Engine) EndServiceWithReason(ctx context.Context, id int64, note, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	rt := e.rt.Load()
	before, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err := e.svc.EndWithReason(ctx, id, note, reason, rt.Config.Desk(before.Desk), actor, src)
	if err != nil {
		return nil, err
	}
	e.logEffect("End Service", t, e.afterEnd(ctx, rt, t, actor))
	return t, nil
}

// endService records End Service and then closes and archives the group
// chat, updates the cards, asks the requester for a rating and gives the
// freed agent the next ticket. A nil ticket means the change was refused or
// failed; a ticket with an error, that an effect failed after it.
func (e *Engine) endService(ctx context.Context, rt *Runtime, id int64, note string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.End(ctx, id, note, actor, src)
	if err != nil {
		return nil, err
	}
	return t, e.afterEnd(ctx, rt, t, actor)
}

func (e *Engine) afterEnd(ctx context.Context, rt *Runtime, t *tickets.Ticket, actor tickets.Actor) error {
	desk := rt.Config.Desk(t.Desk)
	closing := tFor(t, desk, mResolvedBy, t.Key, Literal(actor.Name))
	if actor.Role == tickets.RoleSystem {
		closing = tFor(t, desk, mResolvedIdle, t.Key)
	}
	e.closeGroupChat(ctx, t, closing)
	e.updateCards(ctx, rt, t)
	if desk != nil {
		err := e.askEvaluation(ctx, rt, desk, t)
		if err != nil {
			// The agents learn it; the freed agent still gets the next ticket.
			e.requesterMissed(ctx, desk, t, "", "the rating prompt", err)
		}
		e.dispatch(ctx, rt, desk.ID)
		return err
	}
	return nil
}

// Reopen brings a resolved ticket back; see afterReopen.
func (e *Engine) Reopen(ctx context.Context, id int64, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	t, err := e.svc.Reopen(ctx, id, reason, actor, src)
	if err != nil {
		return nil, err
	}
	e.afterReopen(ctx, e.rt.Load(), t)
	return t, nil
}

// afterReopen gives a reopened ticket back to its agent (a new card, the
// requester told who helps) or, without one, to the queue. The requester's
// own reopen in chat calls it after its reply.
func (e *Engine) afterReopen(ctx context.Context, rt *Runtime, t *tickets.Ticket) {
	// The rating prompt (and the End Service of a room left open) had
	// their moment; a later End Service asks again.
	e.retireTicketPrompts(ctx, t.ID, promptRating, promptComment, promptRoom)
	desk := rt.Config.Desk(t.Desk)
	switch t.Status {
	case tickets.StatusAssigned:
		e.announce(ctx, rt, desk, t)
	case tickets.StatusOpen:
		e.updateCards(ctx, rt, t)
		if desk != nil {
			e.dispatch(ctx, rt, desk.ID)
		}
	}
}

// Snooze parks a ticket until a time and shows it on its cards.
func (e *Engine) Snooze(ctx context.Context, id int64, until time.Time, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	t, err := e.svc.Snooze(ctx, id, until, actor, src)
	if err != nil {
		return nil, err
	}
	e.updateCards(ctx, e.rt.Load(), t)
	return t, nil
}

// Wake brings a snoozed ticket back early; see wake.
func (e *Engine) Wake(ctx context.Context, id int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	t, err := e.wake(ctx, e.rt.Load(), id, actor, src)
	if t != nil {
		e.logEffect("wake", t, err)
		return t, nil
	}
	return nil, err
}

// wake returns a snoozed ticket to its status, updates its cards and tells
// its agent in a DM that it is back, unless they woke it themselves. A
// ticket with an error means the DM failed after the change.
func (e *Engine) wake(ctx context.Context, rt *Runtime, id int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Wake(ctx, id, actor, src)
	if err != nil {
		return nil, err
	}
	e.updateCards(ctx, rt, t)
	desk := rt.Config.Desk(t.Desk)
	if desk == nil || t.Status == tickets.StatusOpen || actor.Name == t.Assignee {
		return t, nil
	}
	if ag := desk.AgentByName(t.Assignee); ag != nil && ag.ID(t.Platform) != "" {
		if _, err := e.sendDM(ctx, t.Platform, ag.ID(t.Platform), Message{Text: fmt.Sprintf("**%s** is back from snooze.", t.Key)}); err != nil {
			return t, err
		}
	}
	return t, nil
}

// requeue takes an assigned ticket back from an agent who did not Start
// Chat in time, updates its cards and tells the agent why. The timers call
// it; dispatch then offers the ticket to the next agent.
func (e *Engine) requeue(ctx context.Context, rt *Runtime, d *config.Desk, t *tickets.Ticket) error {
	prev := t.Assignee
	r, err := e.svc.Requeue(ctx, t.ID, "did not start the chat within "+d.AssignTimeout.D().String(), tickets.System, tickets.SourceTimer)
	if err != nil {
		return err
	}
	e.updateCards(ctx, rt, r)
	if ag := d.AgentByName(prev); ag != nil && ag.ID(t.Platform) != "" {
		if _, err := e.sendDM(ctx, t.Platform, ag.ID(t.Platform), Message{
			Text: fmt.Sprintf("**%s** was passed on to the next agent: the chat was not started within %s.", t.Key, d.AssignTimeout.D()),
		}); err != nil {
			e.log.Warn("tell agent about timeout", "ticket", t.Key, "err", err)
		}
	}
	return nil
}

// Merge closes the duplicate dup as merged into the ticket into. The
// duplicate's group chat gets a closing line and is archived, its requester
// is told where it continues, both tickets' cards are updated, and the
// desk's queue moves on (the duplicate's agent is freed).
func (e *Engine) Merge(ctx context.Context, dupID, intoID int64, actor tickets.Actor, src tickets.Source) (dup, into *tickets.Ticket, err error) {
	// Both tickets change: lock them in one order, so two merges never wait
	// on each other.
	first, second := min(dupID, intoID), max(dupID, intoID)
	defer e.lockTicket(first)()
	if second != first {
		defer e.lockTicket(second)()
	}
	rt := e.rt.Load()
	dup, into, err = e.svc.Merge(ctx, dupID, intoID, actor, src)
	if dup == nil {
		return nil, nil, err
	}
	e.closeGroupChat(ctx, dup, fmt.Sprintf("**%s** was merged into **%s**. This chat is now closed.", dup.Key, dup.MergedInto))
	if dup.RequesterChat != "" {
		if _, serr := e.sendTo(ctx, dup.Platform, dup.RequesterChat, Message{
			Text: fmt.Sprintf("Your request **%s** is the same as **%s**; we'll continue there.", dup.Key, dup.MergedInto),
		}); serr != nil {
			e.log.Warn("tell requester about merge", "ticket", dup.Key, "err", serr)
		}
	}
	e.updateCards(ctx, rt, dup)
	if into != nil {
		e.updateCards(ctx, rt, into)
	}
	if rt.Config.Desk(dup.Desk) != nil {
		e.dispatch(ctx, rt, dup.Desk)
	}
	return dup, into, err
}

// Edit changes a ticket's subject, topic, priority, tags or form answers
// under the rules of its desk (tickets.Service.Edit), updates its cards,
// and tells a running group chat what the requester would notice: a new
// subject, topic, priority or answers (tags are the agents' own).
func (e *Engine) Edit(ctx context.Context, id int64, ed tickets.Edit, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	rt := e.rt.Load()
	before, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err := e.svc.Edit(ctx, id, ed, rt.Config.Desk(before.Desk), actor, src)
	if err != nil {
		return nil, err
	}
	what := tickets.Edited(before, t)
	if len(what) == 0 {
		return t, nil
	}
	e.updateCards(ctx, rt, t)
	told := slices.DeleteFunc(slices.Clone(what), func(w string) bool { return w == "tags" })
	if t.Status == tickets.StatusInService && t.GroupChat != "" && len(told) > 0 {
		text := fmt.Sprintf("%s updated **%s** (%s).", Literal(actor.Name), t.Key, strings.Join(told, ", "))
		if slices.Contains(told, "subject") {
			text += " Subject: " + Literal(t.Subject)
		}
		if _, err := e.sendTo(ctx, t.Platform, t.GroupChat, Message{Text: text}); err != nil {
			e.log.Warn("announce edit", "ticket", t.Key, "err", err)
		}
	}
	return t, nil
}

// Move hands a ticket to another desk: its priority comes from the new
// desk's rules, a running group chat is told and closed, the old cards say
// it is queued, the requester hears where it went, and the new desk's queue
// gives it to one of its agents (who gets the card).
func (e *Engine) Move(ctx context.Context, id int64, toDesk, reason string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	rt := e.rt.Load()
	before, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	to := rt.Config.Desk(toDesk)
	prio := before.Priority
	if to != nil {
		moved := before.Clone()
		moved.Desk, moved.Category = to.ID, tickets.MoveTopic(before, to)
		prio = rules.Match(to, moved).Priority
	}
	t, err := e.svc.Move(ctx, id, to, prio, reason, actor, src)
	if err != nil {
		return nil, err
	}
	if before.Status == tickets.StatusInService {
		e.closeGroupChat(ctx, before, fmt.Sprintf("**%s** was passed on to the %s. This chat is now closed; you will hear from them.", t.Key, to.Name))
	}
	e.updateCards(ctx, rt, t)
	if t.RequesterChat != "" {
		if _, err := e.sendTo(ctx, t.Platform, t.RequesterChat, Message{
			Text: fmt.Sprintf("Your request **%s** was passed on to the %s.", t.Key, to.Name),
		}); err != nil {
			e.log.Warn("tell requester about move", "ticket", t.Key, "err", err)
		}
	}
	e.dispatch(ctx, rt, before.Desk) // the agent who had it is free
	e.dispatch(ctx, rt, to.ID)
	return t, nil
}

// Delete erases a ticket's content for a privacy request (desk admins
// only, tickets.Service.Delete). A running group chat is closed; the cards
// are rewritten without the content; the freed agent gets the next ticket.
func (e *Engine) Delete(ctx context.Context, id int64, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer e.lockTicket(id)()
	rt := e.rt.Load()
	before, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if actor.Role == tickets.RoleAdmin && before.Erased.IsZero() {
		// What a channel keeps of its own (the original mails) goes first:
		// after the erase nothing would say which of it was the ticket's.
		if err := e.eraseChannelContent(ctx, before); err != nil {
			return nil, err
		}
	}
	t, err := e.svc.Delete(ctx, id, actor, src)
	if err != nil {
		return nil, err
	}
	if before.Status == tickets.StatusInService {
		e.closeGroupChat(ctx, before, tFor(before, rt.Config.Desk(before.Desk), mTicketClosed, t.Key))
	}
	e.updateCards(ctx, rt, t)
	if rt.Config.Desk(t.Desk) != nil {
		e.dispatch(ctx, rt, t.Desk)
	}
	return t, nil
}

// SetAgentStatus records an agent's status (tickets.Service.SetAgentStatus);
// an agent who comes online gets the waiting tickets of their desks.
func (e *Engine) SetAgentStatus(ctx context.Context, agent, status string, actor tickets.Actor) error {
	if err := e.svc.SetAgentStatus(ctx, agent, status, actor); err != nil {
		return err
	}
	if status == PresenceOnline {
		rt := e.rt.Load()
		for _, d := range rt.Config.Desks {
			if d.AgentByName(agent) != nil {
				e.dispatch(ctx, rt, d.ID)
			}
		}
	}
	return nil
}

// Split makes a message of a ticket's transcript a new linked ticket
// (tickets.Service.Split): the new one joins its desk's queue and goes to
// an agent like any other, and the first ticket's cards show the link.
func (e *Engine) Split(ctx context.Context, id, messageID int64, actor tickets.Actor, src tickets.Source) (from, split *tickets.Ticket, err error) {
	defer e.lockTicket(id)()
	rt := e.rt.Load()
	orig, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	prefix := ""
	if d := rt.Config.Desk(orig.Desk); d != nil {
		prefix = d.Prefix
	}
	from, split, err = e.svc.Split(ctx, id, messageID, prefix, actor, src)
	if err != nil {
		return nil, nil, err
	}
	e.updateCards(ctx, rt, from)
	if split.Status == tickets.StatusOpen && rt.Config.Desk(split.Desk) != nil {
		e.dispatch(ctx, rt, split.Desk)
	}
	return from, split, nil
}

// Evaluate records the requester's rating (or amends its reasons and
// comment) and shows it on the cards. It takes no ticket lock: it runs in
// the requester's conversation, whose lock is taken after a ticket's
// elsewhere (End Service asks for the rating under the ticket's lock).
func (e *Engine) Evaluate(ctx context.Context, id int64, ev tickets.Evaluation, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.Evaluate(ctx, id, ev, actor, src)
	if err != nil {
		return nil, err
	}
	e.updateCards(ctx, e.rt.Load(), t)
	return t, nil
}

// AddNote records an internal note; each agent of the desk named as @Name
// in it is told in a DM (see notifyMentions). The caller sanitises text
// typed in chat; platformID de-duplicates a note redelivered by a platform.
func (e *Engine) AddNote(ctx context.Context, id int64, text, platformID string, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	t, err := e.svc.AddNote(ctx, id, text, platformID, actor, src)
	if err != nil {
		return nil, err
	}
	e.notifyMentions(ctx, e.rt.Load(), t, actor, text, src)
	return t, nil
}

// Follow adds or removes a follower. It has no effect on the platforms:
// the Ticket Center tells followers about later changes.
func (e *Engine) Follow(ctx context.Context, id int64, p tickets.Person, follow bool, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return e.svc.Follow(ctx, id, p, follow, actor, src)
}

// closeGroupChat posts a last line in the ticket's group chat, if it has
// one, and archives it.
func (e *Engine) closeGroupChat(ctx context.Context, t *tickets.Ticket, text string) {
	if t.GroupChat == "" {
		return
	}
	// Its End Service goes first: an archived chat's messages cannot be changed.
	e.retireTicketPrompts(ctx, t.ID, promptRoom)
	p, err := e.platform(t.Platform)
	if err != nil {
		e.log.Warn("close group chat", "ticket", t.Key, "err", err)
		return
	}
	if _, err := p.Send(ctx, t.GroupChat, Message{Text: text}); err != nil {
		e.log.Warn("post closing note", "ticket", t.Key, "err", err)
	}
	if err := p.ArchiveGroupChat(ctx, t.GroupChat); err != nil {
		e.log.Warn("archive group chat", "ticket", t.Key, "err", err)
	}
}

// mentionPlatforms is where an agent without an account on the ticket's
// platform is told about a note written in the Ticket Center, in this order.
var mentionPlatforms = []string{"slack", "discord", "mattermost", "web"}

// notifyMentions tells each agent of the desk named as @Name in a note
// (any case, not inside a longer word), except its author, in a DM. A note
// typed in chat reaches agents on the ticket's platform; one written in the
// Ticket Center or through the API names the ticket's subject, links to its
// page and reaches an agent on another platform when they have no account
// on the ticket's. Failures are logged: the note is stored.
func (e *Engine) notifyMentions(ctx context.Context, rt *Runtime, t *tickets.Ticket, actor tickets.Actor, text string, src tickets.Source) {
	desk := rt.Config.Desk(t.Desk)
	if desk == nil {
		return
	}
	web := src == tickets.SourceWeb || src == tickets.SourceAPI
	for _, a := range mentioned(desk, text) {
		if a.Name == actor.Name {
			continue
		}
		platform, id := t.Platform, a.ID(t.Platform)
		if id == "" && web {
			if i := slices.IndexFunc(mentionPlatforms, func(p string) bool { return a.ID(p) != "" }); i >= 0 {
				platform, id = mentionPlatforms[i], a.ID(mentionPlatforms[i])
			}
		}
		if id == "" {
			continue
		}
		msg := fmt.Sprintf("%s mentioned you in a note on **%s**: %s", Literal(actor.Name), t.Key, Literal(text))
		if web {
			msg = fmt.Sprintf("%s mentioned you in a note on %s (%s): %s", Literal(actor.Name), t.Key, Literal(t.Subject), Literal(text))
			if rt.Config.BaseURL != "" {
				msg += "\n" + strings.TrimRight(rt.Config.BaseURL, "/") + "/center/tickets/" + t.Key
			}
		}
		if _, err := e.sendDM(ctx, platform, id, Message{Text: msg}); err != nil {
			e.log.Warn("notify mentioned agent", "ticket", t.Key, "agent", a.Name, "err", err)
		}
	}
}

// mentioned returns the desk's agents named as @Name in text, in config order.
func mentioned(desk *config.Desk, text string) []*config.Agent {
	var out []*config.Agent
	for _, a := range desk.Agents {
		re := regexp.MustCompile(`(?i)(^|[^\w@])@` + regexp.QuoteMeta(a.Name) + `\b`)
		if re.MatchString(text) {
			out = append(out, a)
		}
	}
	return out
}
