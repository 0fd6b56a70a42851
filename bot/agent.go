package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/rules"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Action ids on ticket cards and in group chats.
const (
	actStart = "start"
	actEnd   = "end"
)

// ticketAction handles the buttons that act on a ticket rather than on the
// presser's own conversation. It reports whether the action was one of them.
func (e *Engine) ticketAction(ctx context.Context, rt *Runtime, ev Event) (bool, error) {
	switch ev.Action.ID {
	case actStart, actEnd:
	default:
		return false, nil
	}
	id, err := strconv.ParseInt(ev.Action.Value, 10, 64)
	if err != nil {
		return true, e.private(ctx, ev, "That button is no longer active.")
	}
	unlock := e.locks.lock(fmt.Sprintf("ticket:%d", id))
	defer unlock()
	t, err := e.store.Get(ctx, id)
	if err != nil {
		return true, e.refuse(ctx, ev, err)
	}
	desk := rt.Config.Desk(t.Desk)
	actor := actorFor(rt, desk, ev.Platform, ev.User)
	if ev.Platform != t.Platform {
		return true, e.private(ctx, ev, fmt.Sprintf("%s lives on %s; please act on it there.", t.Key, t.Platform))
	}
	if ev.Action.ID == actStart {
		return true, e.startChat(ctx, rt, desk, t, actor, ev)
	}
	if t.Requester.ID == ev.User.ID && actor.Role != tickets.RoleAdmin && actor.Name != t.Assignee {
		actor = tickets.Actor{Role: tickets.RoleUser, Platform: ev.Platform, ID: ev.User.ID, Name: ev.User.Name}
	}
	ended, err := e.svc.End(ctx, t.ID, "", actor, tickets.SourceButton)
	if err != nil {
		return true, e.refuse(ctx, ev, err)
	}
	return true, e.afterEnd(ctx, rt, ended, actor)
}

// startChat creates the group chat for an assigned ticket (Start Chat).
func (e *Engine) startChat(ctx context.Context, rt *Runtime, desk *config.Desk, t *tickets.Ticket, actor tickets.Actor, ev Event) error {
	// Permission and status are checked before anything is created on the platform.
	if !(actor.Role == tickets.RoleAdmin || (actor.Role == tickets.RoleAgent && actor.Name == t.Assignee)) {
		return e.private(ctx, ev, fmt.Sprintf("Only the assigned agent (%s) or a desk admin can start the chat for %s.", t.Assignee, t.Key))
	}
	if t.Status != tickets.StatusAssigned {
		return e.private(ctx, ev, fmt.Sprintf("%s is %s; there is no chat to start.", t.Key, statusText(t.Status)))
	}
	p, err := e.platform(t.Platform)
	if err != nil {
		return err
	}
	members := []string{t.Requester.ID}
	if desk != nil {
		if ag := desk.AgentByName(t.Assignee); ag != nil && ag.ID(t.Platform) != "" {
			members = append(members, ag.ID(t.Platform))
		}
	}
	if !slices.Contains(members, ev.User.ID) {
		members = append(members, ev.User.ID)
	}
	chat, err := p.CreateGroupChat(ctx, GroupChat{
		Name:    chatName(t.Key, t.Subject),
		Title:   t.Key + " · " + t.Subject,
		Topic:   fmt.Sprintf("%s for %s", t.Key, t.Requester.Name),
		Members: members,
	})
	if err != nil {
		return fmt.Errorf("start chat for %s: %w", t.Key, err)
	}
	started, err := e.svc.Start(ctx, t.ID, chat, actor, tickets.SourceButton)
	if err != nil {
		if aerr := p.ArchiveGroupChat(ctx, chat); aerr != nil {
			e.log.Warn("archive unused group chat", "ticket", t.Key, "err", aerr)
		}
		return e.refuse(ctx, ev, err)
	}
	summary := Message{
		Title: started.Key + " · " + started.Subject,
		Text: fmt.Sprintf("%s is here to help %s. Everything written here is recorded in the ticket. Press **End Service** when the problem is solved.",
			started.Assignee, started.Requester.Name),
		Fields:  formFields(started),
		Buttons: []Button{{ID: actEnd, Label: "End Service", Value: idValue(started.ID), Style: StyleDanger}},
	}
	if _, err := p.Send(ctx, chat, summary); err != nil {
		return fmt.Errorf("post summary of %s: %w", t.Key, err)
	}
	e.updateCards(ctx, rt, started)
	if _, err := p.Send(ctx, started.RequesterChat, Message{
		Text: tFor(started, desk, mChatOpened, started.Assignee, started.Key),
	}); err != nil {
		e.log.Warn("tell requester about chat", "ticket", t.Key, "err", err)
	}
	return nil
}

func idValue(id int64) string { return strconv.FormatInt(id, 10) }

func formFields(t *tickets.Ticket) []Field {
	var fs []Field
	for _, a := range t.Form {
		if a.Value != "" {
			fs = append(fs, Field{Label: a.Label, Value: a.Value})
		}
	}
	return fs
}

// afterEnd closes the group chat, updates the cards, asks the requester for an
// evaluation and gives the freed agent the next ticket.
func (e *Engine) afterEnd(ctx context.Context, rt *Runtime, t *tickets.Ticket, actor tickets.Actor) error {
	desk := rt.Config.Desk(t.Desk)
	p, err := e.platform(t.Platform)
	if err != nil {
		return err
	}
	if t.GroupChat != "" {
		by := actor.Name
		if actor.Role == tickets.RoleSystem {
			by = "the help desk after a period of inactivity"
		}
		if _, err := p.Send(ctx, t.GroupChat, Message{Text: fmt.Sprintf("**%s** was resolved by %s. This chat is now closed.", t.Key, by)}); err != nil {
			e.log.Warn("post closing note", "ticket", t.Key, "err", err)
		}
		if err := p.ArchiveGroupChat(ctx, t.GroupChat); err != nil {
			e.log.Warn("archive group chat", "ticket", t.Key, "err", err)
		}
	}
	e.updateCards(ctx, rt, t)
	if desk != nil {
		if err := e.askEvaluation(ctx, rt, desk, t); err != nil {
			return err
		}
		e.dispatch(ctx, rt, desk.ID)
	}
	return nil
}

func stars(n, scale int) string {
	if scale > 5 {
		return fmt.Sprintf("%d/%d", n, scale)
	}
	return strings.Repeat("★", n) + strings.Repeat("☆", scale-n)
}

func (e *Engine) askEvaluation(ctx context.Context, rt *Runtime, desk *config.Desk, t *tickets.Ticket) error {
	scale := desk.Evaluation.Scale
	msg := Message{Text: tFor(t, desk, mRatePrompt, t.Key)}
	for n := 1; n <= scale; n++ {
		label := strconv.Itoa(n)
		if scale <= 5 {
			label = stars(n, scale)
		}
		msg.Buttons = append(msg.Buttons, Button{ID: actRate, Label: label, Value: fmt.Sprintf("%d:%d", t.ID, n)})
	}
	if desk.ReopenWindow > 0 {
		reopen := tFor(t, desk, mReopen)
		msg.Text += " " + tFor(t, desk, mReopenHint, reopen)
		msg.Buttons = append(msg.Buttons, Button{ID: actReopen, Label: reopen, Value: idValue(t.ID)})
	}
	if _, err := e.sendTo(ctx, t.Platform, t.RequesterChat, msg); err != nil {
		return fmt.Errorf("ask evaluation of %s: %w", t.Key, err)
	}
	if _, err := e.svc.SetFlag(ctx, t.ID, tickets.FlagEvaluationAsked, "evaluation asked", tickets.System, tickets.SourceRouting); err != nil && errs.Code(err) != errs.ECONFLICT {
		e.log.Warn("mark evaluation asked", "ticket", t.Key, "err", err)
	}
	// The requester's conversation now waits for the rating (unless they are
	// in the middle of something else, e.g. another question).
	key := stateKey(t.Requester.Platform, t.Requester.ID)
	unlock := e.locks.lock("conv:" + key)
	defer unlock()
	st, version, err := e.loadState(ctx, key)
	if err != nil {
		return err
	}
	if st.Step == StepIdle || st.Step == StepWaiting && (st.Ticket == t.ID || st.Ticket == 0) || st.Step == StepAnswered || st.Step == StepMenu {
		seq, chat, greeted, lang := st.Seq, st.Chat, st.Greeted, st.Lang
		*st = State{Seq: seq, Chat: chat, Greeted: greeted, Lang: lang, Desk: t.Desk, Step: StepRating, Ticket: t.ID}
		if _, err := e.saveState(ctx, key, st, version); err != nil && errs.Code(err) != errs.ECONFLICT {
			return err
		}
	}
	return nil
}

func (e *Engine) inReopenWindow(desk *config.Desk, t *tickets.Ticket) bool {
	return desk != nil && t.Status == tickets.StatusResolved && desk.ReopenWindow > 0 &&
		e.now().Sub(t.EndedAt) <= desk.ReopenWindow.D()
}

// openTicketOf returns the user's active ticket on a desk (ENOTFOUND if none).
func (e *Engine) openTicketOf(ctx context.Context, platform, user, desk string) (*tickets.Ticket, error) {
	ts, err := e.store.List(ctx, tickets.Filter{
		Desk:      desk,
		Requester: &tickets.Person{Platform: platform, ID: user},
		Statuses:  []tickets.Status{tickets.StatusOpen, tickets.StatusAssigned, tickets.StatusInService, tickets.StatusSnoozed},
	})
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, errs.Errorf(errs.ENOTFOUND, "no open ticket")
	}
	return ts[len(ts)-1], nil
}

func (c *conv) rate(ctx context.Context, a Action) error {
	idStr, nStr, _ := strings.Cut(a.Value, ":")
	id, _ := strconv.ParseInt(idStr, 10, 64)
	n, _ := strconv.Atoi(nStr)
	t, err := c.e.store.Get(ctx, id)
	if err != nil {
		return c.refuse(ctx, err)
	}
	desk := c.rt.Config.Desk(t.Desk)
	if desk == nil {
		desk = c.desk
	}
	actor := tickets.Actor{Role: tickets.RoleUser, Platform: c.ev.Platform, ID: c.ev.User.ID, Name: c.ev.User.Name}
	rated, err := c.e.svc.Evaluate(ctx, id, tickets.Evaluation{Rating: n, Scale: desk.Evaluation.Scale}, actor, tickets.SourceButton)
	if err != nil {
		return c.refuse(ctx, err)
	}
	if a.Message.ID != "" {
		if p, err := c.e.platform(c.ev.Platform); err == nil {
			if err := p.Update(ctx, a.Message, Message{Text: c.t(mRated, rated.Key, stars(n, desk.Evaluation.Scale))}); err != nil {
				c.e.log.Warn("update evaluation prompt", "ticket", rated.Key, "err", err)
			}
		}
	}
	c.e.updateCards(ctx, c.rt, rated)
	if !desk.Evaluation.Comment && len(desk.Evaluation.Reasons) == 0 {
		c.reset()
		return c.say(ctx, c.t(mThanksFeedback))
	}
	c.reset()
	c.st.Step, c.st.Ticket, c.st.Rating = StepComment, id, n
	msg := Message{Text: c.t(mAnythingToAdd)}
	for i, r := range desk.Evaluation.Reasons {
		msg.Buttons = append(msg.Buttons, Button{ID: actReason, Label: r, Value: fmt.Sprintf("%d:%d", id, i)})
	}
	if desk.Evaluation.Comment {
		msg.Text += " " + c.t(mCommentHint, c.t(mSkip))
		msg.Buttons = append(msg.Buttons, Button{ID: actComment, Label: c.t(mAddComment), Value: idValue(id)})
	}
	msg.Buttons = append(msg.Buttons, Button{ID: actSkipComment, Label: c.t(mSkip)})
	return c.reply(ctx, msg)
}

func (c *conv) amend(ctx context.Context, id int64, reason, comment string) (*tickets.Ticket, error) {
	t, err := c.e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Evaluation == nil {
		return nil, errNoRating
	}
	ev := *t.Evaluation
	ev.Reasons = append([]string(nil), ev.Reasons...)
	if reason != "" && !slices.Contains(ev.Reasons, reason) {
		ev.Reasons = append(ev.Reasons, reason)
	}
	if comment != "" {
		ev.Comment = comment
	}
	actor := tickets.Actor{Role: tickets.RoleUser, Platform: c.ev.Platform, ID: c.ev.User.ID, Name: c.ev.User.Name}
	return c.e.svc.Evaluate(ctx, id, ev, actor, tickets.SourceButton)
}

func (c *conv) reason(ctx context.Context, value string) error {
	idStr, iStr, _ := strings.Cut(value, ":")
	id, _ := strconv.ParseInt(idStr, 10, 64)
	i, _ := strconv.Atoi(iStr)
	t, err := c.e.store.Get(ctx, id)
	if err != nil {
		return c.refuse(ctx, err)
	}
	desk := c.rt.Config.Desk(t.Desk)
	if desk == nil || i < 0 || i >= len(desk.Evaluation.Reasons) {
		return c.e.private(ctx, c.ev, c.t(mButtonInactive))
	}
	if _, err := c.amend(ctx, id, desk.Evaluation.Reasons[i], ""); err != nil {
		return c.refuse(ctx, err)
	}
	return c.e.private(ctx, c.ev, c.t(mNoted, desk.Evaluation.Reasons[i]))
}

func (c *conv) commentButton(ctx context.Context, value string) error {
	id, _ := strconv.ParseInt(value, 10, 64)
	if c.ev.Trigger != "" {
		p, err := c.e.platform(c.ev.Platform)
		if err != nil {
			return err
		}
		err = p.OpenForm(ctx, c.ev.Trigger, Form{
			ID: formComment + value, Title: c.t(mYourFeedback), Submit: c.t(mSend),
			Fields: []FormField{{ID: "comment", Label: c.t(mCommentLabel), Type: FieldParagraph, Required: true, MaxLen: 2000}},
		})
		if err == nil {
			c.st.Step, c.st.Ticket = StepComment, id
			return nil
		}
	}
	c.st.Step, c.st.Ticket = StepComment, id
	return c.say(ctx, c.t(mTypeComment))
}

func (c *conv) comment(ctx context.Context, id int64, text string) error {
	if _, err := c.amend(ctx, id, "", Sanitize(text, 2000)); err != nil {
		return c.refuse(ctx, err)
	}
	c.reset()
	return c.say(ctx, c.t(mThanksFeedback))
}

// commentForm takes the evaluation comment submitted as a dialog.
func (e *Engine) commentForm(ctx context.Context, rt *Runtime, ev Event) error {
	key := stateKey(ev.Platform, ev.User.ID)
	unlock := e.locks.lock("conv:" + key)
	defer unlock()
	st, version, err := e.loadState(ctx, key)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(ev.FormID, formComment), 10, 64)
	c := &conv{e: e, rt: rt, ev: ev, st: st, key: key, version: version}
	if err := c.comment(ctx, id, ev.Values["comment"]); err != nil {
		return err
	}
	return c.save(ctx)
}

// reopen brings a resolved ticket back, with the user's message if any.
func (c *conv) reopen(ctx context.Context, t *tickets.Ticket, text string) error {
	actor := tickets.Actor{Role: tickets.RoleUser, Platform: c.ev.Platform, ID: c.ev.User.ID, Name: c.ev.User.Name}
	r, err := c.e.svc.Reopen(ctx, t.ID, "reopened by the requester", actor, tickets.SourceChat)
	if err != nil {
		return c.refuse(ctx, err)
	}
	if text != "" {
		if _, err := c.e.svc.RecordMessage(ctx, r.ID, text, c.ev.ID, actor, tickets.SourceChat); err != nil && errs.Code(err) != errs.ECONFLICT {
			return err
		}
	}
	c.reset()
	c.st.Step, c.st.Ticket = StepWaiting, r.ID
	if err := c.say(ctx, c.t(mReopened, r.Key)); err != nil {
		return err
	}
	if r.Status == tickets.StatusAssigned {
		c.e.announce(ctx, c.rt, c.rt.Config.Desk(r.Desk), r)
		return nil
	}
	c.e.dispatch(ctx, c.rt, r.Desk)
	return nil
}

// groupChatEvent handles what happens in a ticket's group chat.
func (e *Engine) groupChatEvent(ctx context.Context, rt *Runtime, t *tickets.Ticket, ev Event) error {
	desk := rt.Config.Desk(t.Desk)
	actor := actorFor(rt, desk, ev.Platform, ev.User)
	if t.Requester.ID == ev.User.ID && t.Requester.Platform == ev.Platform && actor.Name != t.Assignee {
		actor = tickets.Actor{Role: tickets.RoleUser, Platform: ev.Platform, ID: ev.User.ID, Name: ev.User.Name}
	}
	if ev.Kind == EventAction {
		if handled, err := e.ticketAction(ctx, rt, ev); handled || err != nil {
			return err
		}
		return e.private(ctx, ev, "That button is no longer active.")
	}
	text := ev.Text
	if ev.Kind == EventMessage && strings.HasPrefix(text, "/helpdesk") {
		text, ev.Kind = strings.TrimSpace(strings.TrimPrefix(text, "/helpdesk")), EventCommand
	}
	if ev.Kind == EventCommand {
		verb, rest, _ := strings.Cut(text, " ")
		switch strings.ToLower(verb) {
		case "faq":
			return e.faqInChat(ctx, rt, desk, t, actor, strings.TrimSpace(rest), ev)
		case "end":
			ended, err := e.svc.End(ctx, t.ID, strings.TrimSpace(rest), actor, tickets.SourceCommand)
			if err != nil {
				return e.refuse(ctx, ev, err)
			}
			return e.afterEnd(ctx, rt, ended, actor)
		}
		return e.private(ctx, ev, "In a ticket chat you can use `/helpdesk faq <words>` and `/helpdesk end`.")
	}
	if ev.Kind != EventMessage || text == "" {
		return nil
	}
	if t.Status != tickets.StatusInService {
		return nil
	}
	_, err := e.svc.RecordMessage(ctx, t.ID, Sanitize(text, maxMessageLen), ev.ID, actor, tickets.SourceChat)
	if errs.Code(err) == errs.ECONFLICT {
		return nil // the same platform message, delivered again
	}
	return err
}

// faqInChat lets an agent pull an FAQ answer into the group chat.
func (e *Engine) faqInChat(ctx context.Context, rt *Runtime, desk *config.Desk, t *tickets.Ticket, actor tickets.Actor, words string, ev Event) error {
	if actor.Role != tickets.RoleAgent && actor.Role != tickets.RoleAdmin {
		return e.private(ctx, ev, "Only agents can post FAQ answers here.")
	}
	if desk == nil || words == "" {
		return e.private(ctx, ev, "Usage: `/helpdesk faq <words>`")
	}
	ix, ok := rt.FAQ.Desk(desk.ID)
	if !ok {
		return e.private(ctx, ev, "This desk has no FAQ.")
	}
	hits, err := ix.Search(ctx, words, t.Language, 1)
	if err != nil {
		return err
	}
	if len(hits) == 0 {
		return e.private(ctx, ev, fmt.Sprintf("No FAQ entry matches %q.", Sanitize(words, 80)))
	}
	text := fmt.Sprintf("**%s**\n\n%s", hits[0].Question, strings.TrimSpace(hits[0].Answer))
	if _, err := e.sendTo(ctx, t.Platform, t.GroupChat, Message{Text: text}); err != nil {
		return err
	}
	_, err = e.svc.RecordMessage(ctx, t.ID, text, "", actor, tickets.SourceCommand)
	return err
}

func statusText(s tickets.Status) string {
	switch s {
	case tickets.StatusOpen:
		return "waiting in the queue"
	case tickets.StatusAssigned:
		return "assigned"
	case tickets.StatusInService:
		return "in service"
	case tickets.StatusSnoozed:
		return "snoozed"
	case tickets.StatusResolved:
		return "resolved"
	}
	return string(s)
}

// card renders a ticket card for agents.
func (e *Engine) card(ctx context.Context, rt *Runtime, t *tickets.Ticket) Message {
	desk := rt.Config.Desk(t.Desk)
	title := t.Key + " · " + t.Subject
	msg := Message{Title: title}
	status := statusText(t.Status)
	switch t.Status {
	case tickets.StatusAssigned:
		status = "Assigned to " + t.Assignee + ". Press **Start Chat** to open a chat with the requester."
		msg.Buttons = []Button{{ID: actStart, Label: "Start Chat", Value: idValue(t.ID), Style: StylePrimary}}
	case tickets.StatusInService:
		status = "In service with " + t.Assignee + "."
		msg.Buttons = []Button{{ID: actEnd, Label: "End Service", Value: idValue(t.ID), Style: StyleDanger}}
	case tickets.StatusResolved:
		status = "Resolved."
		if t.Evaluation != nil {
			status += " Rated " + stars(t.Evaluation.Rating, t.Evaluation.Scale) + "."
		}
	case tickets.StatusOpen:
		status = "Waiting in the queue."
	case tickets.StatusSnoozed:
		status = "Snoozed until " + t.SnoozedUntil.Format("Mon 2 Jan 15:04 MST") + "."
	}
	msg.Text = status
	msg.Fields = append(msg.Fields,
		Field{Label: "Requester", Value: t.Requester.Name},
		Field{Label: "Priority", Value: t.Priority.String()},
	)
	if t.Category != "" {
		cat := t.Category
		if desk != nil {
			if ix, ok := rt.FAQ.Desk(desk.ID); ok {
				if c, ok := ix.Category(t.Category); ok {
					cat = ix.CategoryTitle(c, "")
				}
			}
		}
		msg.Fields = append(msg.Fields, Field{Label: "Topic", Value: cat})
	}
	msg.Fields = append(msg.Fields, formFields(t)...)
	if len(t.Suggested) > 0 && desk != nil {
		var tried []string
		if ix, ok := rt.FAQ.Desk(desk.ID); ok {
			for _, id := range t.Suggested {
				if it, ok := ix.Item(id); ok {
					q, _ := ix.Localize(it, "")
					tried = append(tried, q)
				}
			}
		}
		if len(tried) > 0 {
			msg.Fields = append(msg.Fields, Field{Label: "Bot suggested", Value: strings.Join(tried, "; ")})
		}
	}
	if earlier, err := e.store.List(ctx, tickets.Filter{Desk: t.Desk, Requester: &tickets.Person{Platform: t.Requester.Platform, ID: t.Requester.ID}}); err == nil {
		var keys []string
		for i := len(earlier) - 1; i >= 0 && len(keys) < 3; i-- {
			if earlier[i].ID != t.ID && earlier[i].CreatedAt.Before(t.CreatedAt.Add(1)) {
				keys = append(keys, fmt.Sprintf("%s (%s, %s)", earlier[i].Key, truncate(earlier[i].Subject, 40), statusText(earlier[i].Status)))
			}
		}
		if len(keys) > 0 {
			msg.Fields = append(msg.Fields, Field{Label: "Earlier tickets", Value: strings.Join(keys, "; ")})
		}
	}
	return msg
}

// announce posts the ticket card to its agent (DM) and the desk's agent
// channel, and tells the requester who will help.
func (e *Engine) announce(ctx context.Context, rt *Runtime, desk *config.Desk, t *tickets.Ticket) {
	if desk == nil {
		return
	}
	card := e.card(ctx, rt, t)
	// Cards posted earlier (a previous agent's DM, the agent channel) are
	// updated in place; the new assignee gets a card of their own.
	e.updateCards(ctx, rt, t)
	refs := append([]tickets.CardRef(nil), t.Cards...)
	inChannel := false
	for _, c := range t.Cards {
		if c.Chat == desk.AgentChannel[t.Platform] {
			inChannel = true
		}
	}
	if ag := desk.AgentByName(t.Assignee); ag != nil && ag.ID(t.Platform) != "" {
		ref, err := e.sendDM(ctx, t.Platform, ag.ID(t.Platform), card)
		if err != nil {
			e.log.Warn("send ticket card to agent", "ticket", t.Key, "agent", ag.Name, "err", err)
		} else {
			refs = append(refs, tickets.CardRef{Platform: t.Platform, Chat: ref.Chat, Message: ref.ID})
		}
	}
	if ch := desk.AgentChannel[t.Platform]; ch != "" && !inChannel {
		ref, err := e.sendTo(ctx, t.Platform, ch, card)
		if err != nil {
			e.log.Warn("send ticket card to agent channel", "ticket", t.Key, "err", err)
		} else {
			refs = append(refs, tickets.CardRef{Platform: t.Platform, Chat: ref.Chat, Message: ref.ID})
		}
	}
	if _, err := e.svc.SetCards(ctx, t.ID, refs); err != nil {
		e.log.Warn("record ticket cards", "ticket", t.Key, "err", err)
	}
	if _, err := e.sendTo(ctx, t.Platform, t.RequesterChat, Message{
		Text: tFor(t, desk, mAssigned, t.Assignee, t.Key),
	}); err != nil {
		e.log.Warn("tell requester about assignment", "ticket", t.Key, "err", err)
	}
}

// updateCards re-renders every posted card of the ticket.
func (e *Engine) updateCards(ctx context.Context, rt *Runtime, t *tickets.Ticket) {
	if len(t.Cards) == 0 {
		return
	}
	card := e.card(ctx, rt, t)
	for _, c := range t.Cards {
		p, err := e.platform(c.Platform)
		if err != nil {
			continue
		}
		if err := p.Update(ctx, MessageRef{Chat: c.Chat, ID: c.Message}, card); err != nil {
			e.log.Warn("update ticket card", "ticket", t.Key, "err", err)
		}
	}
}

// dispatch assigns the desk's queued tickets, by priority then age, to the
// agents the rules choose. Errors are logged: the queue is retried on the
// next event or tick.
func (e *Engine) dispatch(ctx context.Context, rt *Runtime, deskID string) {
	desk := rt.Config.Desk(deskID)
	if desk == nil {
		return
	}
	unlock := e.locks.lock("dispatch:" + deskID)
	defer unlock()
	// Other replicas dispatch the same queue: one at a time, each reading the
	// loads the previous one left, so no agent goes over max_open.
	unlockCluster, err := e.clusterLock(ctx, "dispatch:"+deskID)
	if err != nil {
		e.log.Warn("lock queue", "desk", deskID, "err", err)
		return
	}
	defer unlockCluster()
	queue, err := e.store.Queue(ctx, deskID)
	if err != nil || len(queue) == 0 {
		if err != nil {
			e.log.Warn("read queue", "desk", deskID, "err", err)
		}
		return
	}
	loads, err := e.store.Loads(ctx, deskID)
	if err != nil {
		e.log.Warn("read agent loads", "desk", deskID, "err", err)
		return
	}
	presence, err := e.store.Presence(ctx)
	if err != nil {
		e.log.Warn("read presence", "err", err)
		return
	}
	now := e.now()
	for _, t := range queue {
		choice := rules.Choose(platformDesk(desk, t.Platform), t, rules.Availability{Loads: loads, Presence: presence}, now)
		if choice.Agent == nil {
			continue
		}
		assigned, err := e.svc.Assign(ctx, t.ID, choice.Agent.Name, choice.Reason, tickets.System, tickets.SourceRouting)
		if err != nil {
			if errs.Code(err) != errs.ECONFLICT {
				e.log.Warn("assign ticket", "ticket", t.Key, "err", err)
			}
			continue
		}
		l := loads[choice.Agent.Name]
		l.Open++
		l.LastAssigned = now
		if loads == nil {
			loads = map[string]tickets.AgentLoad{}
		}
		loads[choice.Agent.Name] = l
		e.log.Info("ticket assigned", "ticket", assigned.Key, "agent", choice.Agent.Name, "reason", choice.Reason)
		e.announce(ctx, rt, desk, assigned)
	}
}

// platformDesk is the desk with only the agents reachable on a platform.
func platformDesk(d *config.Desk, platform string) *config.Desk {
	cp := *d
	cp.Agents = nil
	for _, a := range d.Agents {
		if a.ID(platform) != "" {
			cp.Agents = append(cp.Agents, a)
		}
	}
	return &cp
}
