package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

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
	// The prompt goes through the requester's conversation: it now waits
	// for the rating (unless they are in the middle of something else, e.g.
	// another question), and the prompt is sent once that is saved.
	requester := Event{Platform: t.Requester.Platform, User: User{ID: t.Requester.ID, Name: t.Requester.Name}}
	err := e.converse(ctx, rt, requester, func(c *conv, _ context.Context) error {
		c.out.add(func(ctx context.Context) error {
			// The new prompt is the only live one of the ticket.
			e.retireTicketPrompts(ctx, t.ID, promptRating, promptComment)
			ref, err := e.sendTo(ctx, t.Platform, t.RequesterChat, msg)
			if err != nil {
				return fmt.Errorf("ask evaluation of %s: %w", t.Key, err)
			}
			e.keepTicketPrompt(ctx, Prompt{Kind: promptRating, Ticket: t.ID, Platform: t.Platform, Ref: ref,
				Shown: msg, Note: tFor(t, desk, mButtonInactive)})
			return nil
		})
		st := c.st
		if st.Step == StepIdle || st.Step == StepWaiting && (st.Ticket == t.ID || st.Ticket == 0) || st.Step == StepAnswered || st.Step == StepMenu {
			seq, chat, greeted, lang, prompts := st.Seq, st.Chat, st.Greeted, st.Lang, st.Prompts
			*st = State{Seq: seq, Chat: chat, Greeted: greeted, Lang: lang, Desk: t.Desk, Step: StepRating, Ticket: t.ID, Prompts: prompts}
		} else {
			c.unchanged = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	if _, err := e.svc.SetFlag(ctx, t.ID, tickets.FlagEvaluationAsked, "evaluation asked", tickets.System, tickets.SourceRouting); err != nil && errs.Code(err) != errs.ECONFLICT {
		e.log.Warn("mark evaluation asked", "ticket", t.Key, "err", err)
	}
	return nil
}

func (e *Engine) inReopenWindow(desk *config.Desk, t *tickets.Ticket) bool {
	return desk != nil && t.Status == tickets.StatusResolved && desk.ReopenWindow > 0 &&
		e.now().Sub(t.EndedAt) <= desk.ReopenWindow.D()
}

func (c *conv) rate(ctx context.Context, a Action) error {
	idStr, nStr, _ := strings.Cut(a.Value, ":")
	id, _ := strconv.ParseInt(idStr, 10, 64)
	n, _ := strconv.Atoi(nStr)
	t, err := c.e.store.Get(ctx, id)
	if err != nil {
		return c.refuse(err)
	}
	desk := c.rt.Config.Desk(t.Desk)
	if desk == nil {
		desk = c.desk
	}
	actor := tickets.Actor{Role: tickets.RoleUser, Platform: c.ev.Platform, ID: c.ev.User.ID, Name: c.ev.User.Name}
	rated, err := c.e.Evaluate(ctx, id, tickets.Evaluation{Rating: n, Scale: desk.Evaluation.Scale}, actor, tickets.SourceButton)
	if err != nil {
		return c.refuse(err)
	}
	if a.Message.ID != "" {
		done := Message{Text: c.t(mRated, rated.Key, stars(n, desk.Evaluation.Scale))}
		if c.e.inReopenWindow(desk, rated) {
			// Rating does not close the way back.
			done.Buttons = []Button{{ID: actReopen, Label: c.t(mReopen), Value: idValue(rated.ID)}}
		}
		c.update(a.Message, done, "update evaluation prompt", "ticket", rated.Key)
		c.reshow(id, a.Message, done)
	}
	if !desk.Evaluation.Comment && len(desk.Evaluation.Reasons) == 0 {
		c.reset()
		return c.say(c.t(mThanksFeedback))
	}
	c.reset()
	c.st.Step, c.st.Ticket, c.st.Rating = StepComment, id, n
	return c.sendPrompt(promptComment, id, c.commentPrompt(desk, id, nil))
}

// commentPrompt asks for reasons and a comment after a rating. Reasons are
// toggles: several can be chosen (each press adds or removes one, shown
// with a check mark), then Done (Skip while none is chosen) or a comment.
func (c *conv) commentPrompt(desk *config.Desk, id int64, chosen []string) Message {
	msg := Message{Text: c.t(mAnythingToAdd)}
	for i, r := range desk.Evaluation.Reasons {
		b := Button{ID: actReason, Label: r, Value: fmt.Sprintf("%d:%d", id, i)}
		if slices.Contains(chosen, r) {
			b.Label, b.Style = "✓ "+r, StylePrimary
		}
		msg.Buttons = append(msg.Buttons, b)
	}
	finish := c.t(mSkip)
	if len(chosen) > 0 {
		finish = c.t(mDone)
	}
	if desk.Evaluation.Comment {
		msg.Text += " " + c.t(mCommentHint, finish)
		msg.Buttons = append(msg.Buttons, Button{ID: actComment, Label: c.t(mAddComment), Value: idValue(id)})
	}
	msg.Buttons = append(msg.Buttons, Button{ID: actSkipComment, Label: finish, Value: idValue(id)})
	return msg
}

// finishComment ends the feedback: the prompt keeps what was chosen and
// loses its buttons, which have done their part.
func (c *conv) finishComment(ctx context.Context, a Action) error {
	if a.Message.ID != "" {
		text := c.t(mAnythingToAdd)
		id, err := strconv.ParseInt(a.Value, 10, 64)
		if err == nil && id > 0 {
			if t, err := c.e.store.Get(ctx, id); err == nil && t.Evaluation != nil && len(t.Evaluation.Reasons) > 0 {
				text += " " + c.t(mNoted, strings.Join(t.Evaluation.Reasons, ", "))
			}
		}
		c.update(a.Message, Message{Text: text}, "update comment prompt")
		c.reshow(id, a.Message, Message{Text: text})
	}
	c.reset()
	return c.say(c.t(mThanksFeedback))
}

func (c *conv) amend(ctx context.Context, id int64, reason, comment string) (*tickets.Ticket, error) {
	return c.amendWith(ctx, id, func(ev *tickets.Evaluation) {
		if reason != "" && !slices.Contains(ev.Reasons, reason) {
			ev.Reasons = append(ev.Reasons, reason)
		}
		if comment != "" {
			ev.Comment = comment
		}
	})
}

func (c *conv) amendWith(ctx context.Context, id int64, change func(*tickets.Evaluation)) (*tickets.Ticket, error) {
	t, err := c.e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Evaluation == nil {
		return nil, errNoRating
	}
	ev := *t.Evaluation
	ev.Reasons = append([]string(nil), ev.Reasons...)
	change(&ev)
	actor := tickets.Actor{Role: tickets.RoleUser, Platform: c.ev.Platform, ID: c.ev.User.ID, Name: c.ev.User.Name}
	return c.e.Evaluate(ctx, id, ev, actor, tickets.SourceButton)
}

// reason toggles one reason of the rating and shows the prompt again with
// the reasons chosen so far, so several can be picked.
func (c *conv) reason(ctx context.Context, a Action) error {
	idStr, iStr, _ := strings.Cut(a.Value, ":")
	id, _ := strconv.ParseInt(idStr, 10, 64)
	i, _ := strconv.Atoi(iStr)
	t, err := c.e.store.Get(ctx, id)
	if err != nil {
		return c.refuse(err)
	}
	desk := c.rt.Config.Desk(t.Desk)
	if desk == nil || i < 0 || i >= len(desk.Evaluation.Reasons) {
		return c.private(c.t(mButtonInactive))
	}
	reason := desk.Evaluation.Reasons[i]
	rated, err := c.amendWith(ctx, id, func(ev *tickets.Evaluation) {
		if j := slices.Index(ev.Reasons, reason); j >= 0 {
			ev.Reasons = slices.Delete(ev.Reasons, j, j+1)
		} else {
			ev.Reasons = append(ev.Reasons, reason)
		}
	})
	if err != nil {
		return c.refuse(err)
	}
	if a.Message.ID == "" {
		return c.private(c.t(mNoted, strings.Join(rated.Evaluation.Reasons, ", ")))
	}
	shown := c.commentPrompt(desk, id, rated.Evaluation.Reasons)
	c.update(a.Message, shown, "update comment prompt", "ticket", rated.Key)
	c.reshow(id, a.Message, shown)
	return nil
}

// reshow records, once the update is made, what a ticket's prompt now shows.
func (c *conv) reshow(id int64, ref MessageRef, msg Message) {
	if id <= 0 {
		return
	}
	c.out.add(func(ctx context.Context) error {
		c.e.reshowTicketPrompt(ctx, id, ref, msg)
		return nil
	})
}

func (c *conv) commentButton(value string) error {
	id, _ := strconv.ParseInt(value, 10, 64)
	c.st.Step, c.st.Ticket = StepComment, id
	typeIt := Message{Text: c.t(mTypeComment)}
	if c.ev.Trigger == "" {
		return c.reply(typeIt)
	}
	c.openForm(Form{
		ID: formComment + value, Title: c.t(mYourFeedback), Submit: c.t(mSend),
		Fields: []FormField{{ID: "comment", Label: c.t(mCommentLabel), Type: FieldParagraph, Required: true, MaxLen: 2000}},
	}, Message{}, typeIt, "")
	return nil
}

func (c *conv) comment(ctx context.Context, id int64, text string) error {
	if _, err := c.amend(ctx, id, "", Sanitize(text, 2000)); err != nil {
		return c.refuse(err)
	}
	// The comment is in: the prompt's reasons and Skip are done with.
	c.out.add(func(ctx context.Context) error {
		c.e.retireTicketPrompts(ctx, id, promptComment)
		return nil
	})
	c.reset()
	return c.say(c.t(mThanksFeedback))
}

// commentForm takes the evaluation comment submitted as a dialog.
func (e *Engine) commentForm(ctx context.Context, rt *Runtime, ev Event) error {
	id, _ := strconv.ParseInt(strings.TrimPrefix(ev.FormID, formComment), 10, 64)
	return e.converse(ctx, rt, ev, func(c *conv, ctx context.Context) error {
		return c.comment(ctx, id, ev.Values["comment"])
	})
}

// reopen brings a resolved ticket back, with the user's message if any.
func (c *conv) reopen(ctx context.Context, t *tickets.Ticket, text string) error {
	actor := tickets.Actor{Role: tickets.RoleUser, Platform: c.ev.Platform, ID: c.ev.User.ID, Name: c.ev.User.Name}
	r, err := c.e.svc.Reopen(ctx, t.ID, "reopened by the requester", actor, tickets.SourceChat)
	if err != nil {
		return c.refuse(err)
	}
	if text != "" {
		if _, err := c.e.svc.RecordMessage(ctx, r.ID, text, c.ev.ID, actor, tickets.SourceChat); err != nil && errs.Code(err) != errs.ECONFLICT {
			return err
		}
	}
	c.reset()
	c.st.Step, c.st.Ticket = StepWaiting, r.ID
	c.say(c.t(mReopened, r.Key))
	c.out.add(func(ctx context.Context) error {
		c.e.afterReopen(ctx, c.rt, r)
		return nil
	})
	return nil
}

// recentlyResolved returns the user's ticket on this desk that ended last,
// if it is still inside the reopen window (nil otherwise).
func (c *conv) recentlyResolved(ctx context.Context) (*tickets.Ticket, error) {
	if c.desk == nil || c.desk.ReopenWindow <= 0 {
		return nil, nil
	}
	if c.st.Step == StepRating && c.st.Ticket != 0 {
		if t, err := c.e.store.Get(ctx, c.st.Ticket); err == nil && c.e.inReopenWindow(c.desk, t) {
			return t, nil
		}
	}
	ts, err := c.e.store.List(ctx, tickets.Filter{
		Desk: c.desk.ID, Statuses: []tickets.Status{tickets.StatusResolved},
		Requester: &tickets.Person{Platform: c.ev.Platform, ID: c.ev.User.ID},
	})
	if err != nil {
		return nil, fmt.Errorf("recent tickets of %s: %w", c.ev.User.ID, err)
	}
	var last *tickets.Ticket
	for _, t := range ts {
		if c.e.inReopenWindow(c.desk, t) && (last == nil || t.EndedAt.After(last.EndedAt)) {
			last = t
		}
	}
	return last, nil
}

// offerReopen answers a reply after a ticket ended: one press reopens it
// with the reply (so the agent sees it), the other asks it as a new question.
func (c *conv) offerReopen(t *tickets.Ticket, text string) error {
	c.reset()
	c.st.Step, c.st.Ticket, c.st.Question = StepReopen, t.ID, text
	reopen, fresh := c.t(mReopen), c.t(mNewQuestion)
	return c.reply(Message{
		Text: c.t(mReopenOffer, t.Key, reopen, fresh),
		Buttons: []Button{
			{ID: actReopen, Label: reopen, Value: idValue(t.ID), Style: StylePrimary},
			{ID: actNewQuestion, Label: fresh},
		},
	})
}

var thanks = map[string]bool{
	"thanks": true, "thank you": true, "thx": true, "ty": true, "thanks a lot": true, "thank you very much": true,
	"many thanks": true, "cheers": true, "ok": true, "okay": true, "ok thanks": true, "great": true, "perfect": true,
	"great thanks": true, "awesome": true, "cool": true, "works now": true, "it works": true, "solved": true,
	"danke": true, "vielen dank": true, "danke schön": true, "merci": true, "merci beaucoup": true,
	"gracias": true, "muchas gracias": true, "grazie": true, "grazie mille": true, "bedankt": true,
	"dank je": true, "dank u": true, "obrigado": true, "obrigada": true, "👍": true, "🙏": true,
}

// isThanks reports whether text is only a thanks or an acknowledgement,
// which never reopens a ticket by itself.
func isThanks(text string) bool {
	t := strings.Trim(strings.ToLower(strings.TrimSpace(text)), "!.,?:) ")
	t = strings.Join(strings.Fields(strings.ReplaceAll(t, ",", " ")), " ")
	return thanks[t]
}
