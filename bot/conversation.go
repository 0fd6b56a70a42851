package bot

import (
	"context"
	"strconv"
	"strings"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Action ids of the user's side of the conversation.
const (
	actDesk        = "desk"
	actMenu        = "menu"
	actHelpful     = "helpful"
	actPick        = "pick"
	actNone        = "none"
	actAgent       = "agent"
	actFormOption  = "form.option"
	actFormSkip    = "form.skip"
	actFormOpen    = "form.open"
	actFormCancel  = "form.cancel"
	actRate        = "rate"
	actReason      = "reason"
	actComment     = "comment"
	actSkipComment = "comment.skip"
	actReopen      = "reopen"
	actNewQuestion = "reopen.new"
	formTicket     = "ticket"
	formComment    = "comment:"
)

// conv is one event being applied to one user's conversation.
type conv struct {
	e       *Engine
	rt      *Runtime
	ev      Event
	st      *State
	key     string
	version int64
	desk    *config.Desk
	out     outbox
	// unchanged: the run changed nothing, so the state is not saved.
	unchanged bool
}

// conversation runs the user's state machine for a DM (or mention) event.
func (e *Engine) conversation(ctx context.Context, rt *Runtime, ev Event) error {
	return e.converse(ctx, rt, ev, (*conv).run)
}

func (c *conv) run(ctx context.Context) error {
	ev := c.ev
	if ev.Chat.Kind == ChatDirect {
		c.st.Chat = ev.Chat.ID
	}
	// Finish a ticket whose opening was cut short (crash after the write-ahead save).
	if c.st.Step == StepOpening {
		if d := c.rt.Config.Desk(c.st.Desk); d != nil {
			// The opening was decided and saved before: finish it now.
			c.desk = d
			if err := c.completeOpening(ctx); err != nil {
				return err
			}
			if err := c.out.flush(ctx); err != nil {
				return err
			}
		} else {
			c.reset()
		}
	}
	if ev.Kind == EventAction && ev.Action.ID == actDesk {
		return c.chooseDesk(ctx, ev.Action.Value)
	}
	if c.desk = c.resolveDesk(); c.desk == nil {
		return c.askDesk(ctx)
	}
	if c.e.deskOffline(ctx, c.desk) {
		return c.say(c.offlineMessage(c.desk, ev.Text))
	}
	if c.st.Lang == "" {
		c.st.Lang = c.e.language(c.desk, ev.User.Locale, ev.Text)
	}
	switch ev.Kind {
	case EventAction:
		return c.action(ctx)
	case EventForm:
		return c.formSubmitted(ctx)
	default:
		return c.message(ctx)
	}
}

func (c *conv) reset() {
	seq, chat, greeted, desk, lang, asked, prompts := c.st.Seq, c.st.Chat, c.st.Greeted, c.st.Desk, c.st.Lang, c.st.asked, c.st.Prompts
	*c.st = State{Seq: seq, Chat: chat, Greeted: greeted, Desk: desk, Lang: lang, asked: asked, Prompts: prompts}
}

func (c *conv) message(ctx context.Context) error {
	text := Sanitize(c.ev.Text, maxQuestionLen)
	switch c.st.Step {
	case StepForm:
		// A form answer is checked against its field's max_length, which
		// may allow more than a question: it is not cut here.
		return c.formAnswer(ctx, Sanitize(c.ev.Text, maxMessageLen))
	case StepComment:
		if text != "" {
			return c.comment(ctx, c.st.Ticket, text)
		}
	case StepReopen:
		// The offer was left for a new message: it is a new question.
		c.reset()
		if !isGreeting(text) && !isThanks(text) {
			return c.ask(ctx, text)
		}
	case StepWaiting:
		t, err := c.e.store.Get(ctx, c.st.Ticket)
		if err != nil && errs.Code(err) != errs.ENOTFOUND {
			return err
		}
		if err == nil && t.Status.Active() && !isGreeting(text) {
			return c.addToTicket(ctx, t, text)
		}
		if err != nil || !t.Status.Active() {
			c.reset()
		}
	}
	switch c.st.Step {
	case StepIdle, StepMenu, StepAnswered, StepRating:
		// A reply soon after a ticket ended may be the same problem coming
		// back: offer to reopen it (one press). Thanks never reopens.
		if t, err := c.recentlyResolved(ctx); err != nil {
			return err
		} else if t != nil && isThanks(text) {
			return c.say(c.t(mWelcome))
		} else if t != nil && !isGreeting(text) {
			return c.offerReopen(t, text)
		}
		if c.st.Step == StepRating {
			c.reset()
		}
	}
	if !c.st.Greeted || isGreeting(text) {
		if err := c.greet(ctx); err != nil || isGreeting(text) {
			return err
		}
	}
	return c.ask(ctx, text)
}

// addToTicket records what a waiting user writes in their DM on the ticket.
func (c *conv) addToTicket(ctx context.Context, t *tickets.Ticket, text string) error {
	actor := tickets.Actor{Role: tickets.RoleUser, Platform: c.ev.Platform, ID: c.ev.User.ID, Name: c.ev.User.Name}
	if _, err := c.e.svc.RecordMessage(ctx, t.ID, text, c.ev.ID, actor, tickets.SourceChat); err != nil && errs.Code(err) != errs.ECONFLICT {
		return err
	}
	switch t.Status {
	case tickets.StatusInService:
		return c.say(c.t(mAddedInService, t.Key, t.Assignee))
	case tickets.StatusAssigned:
		return c.say(c.t(mAddedAssigned, t.Key, t.Assignee))
	default:
		return c.say(c.t(mAddedQueued, t.Key))
	}
}

func (c *conv) action(ctx context.Context) error {
	a := c.ev.Action
	switch a.ID {
	case actMenu:
		switch {
		case strings.HasPrefix(a.Value, "item:"):
			return c.answerItem(ctx, strings.TrimPrefix(a.Value, "item:"))
		case strings.HasPrefix(a.Value, "cat:"):
			id := strings.TrimPrefix(a.Value, "cat:")
			c.st.Step, c.st.Category = StepMenu, id
			return c.reply(c.menuMessage(id))
		case strings.HasPrefix(a.Value, "page:"):
			id, page, _ := parseMenuPage(a.Value)
			c.st.Step, c.st.Category = StepMenu, id
			return c.reply(c.menuPage(id, page))
		default:
			c.st.Step, c.st.Category = StepMenu, ""
			return c.reply(c.menuMessage(""))
		}
	case actHelpful:
		verdict, item, _ := strings.Cut(a.Value, ":")
		switch {
		case verdict == "yes" && c.st.Picked:
			c.setOutcome(ctx, tickets.OutcomePickedHelpful, item, 0)
		case verdict == "yes":
			c.setOutcome(ctx, tickets.OutcomeHelpful, item, 0)
		default:
			c.setOutcome(ctx, tickets.OutcomeNotHelpful, item, 0)
		}
		if verdict == "yes" {
			c.st.Step = StepIdle
			c.st.Question, c.st.Suggested = "", nil
			return c.say(c.t(mGlad))
		}
		c.st.Step = StepIdle
		return c.reply(Message{
			Text: c.t(mNotHelpful),
			Buttons: []Button{
				{ID: actAgent, Label: c.t(mTalkToAgent), Style: StylePrimary},
				{ID: actMenu, Label: c.t(mBrowseTopics)},
			},
		})
	case actPick:
		c.setOutcome(ctx, tickets.OutcomePicked, a.Value, 0)
		c.st.Picked = true
		return c.answerItem(ctx, a.Value)
	case actNone:
		c.st.Step = StepIdle
		return c.reply(Message{
			Text: c.t(mNotFound),
			Buttons: []Button{
				{ID: actAgent, Label: c.t(mTalkToAgent), Style: StylePrimary},
				{ID: actMenu, Label: c.t(mBrowseTopics)},
			},
		})
	case actAgent:
		return c.escalate(ctx)
	case actFormOption:
		if c.st.Step == StepForm {
			if page, ok := c.fieldPageOf(a.Value); ok {
				return c.sendPrompt(promptForm, 0, c.fieldMessagePage("", page))
			}
			return c.formAnswer(ctx, a.Value)
		}
	case actFormSkip:
		if c.st.Step == StepForm {
			return c.formAnswer(ctx, "")
		}
	case actFormOpen:
		if c.st.Step == StepForm {
			return c.escalateForm(ctx)
		}
	case actFormCancel:
		if c.st.Step == StepForm {
			c.reset()
			return c.say(c.t(mCancelled))
		}
	case actRate:
		return c.rate(ctx, a)
	case actReason:
		return c.reason(ctx, a)
	case actComment:
		return c.commentButton(a.Value)
	case actSkipComment:
		return c.finishComment(ctx, a)
	case actReopen:
		id, _ := strconv.ParseInt(a.Value, 10, 64)
		t, err := c.e.store.Get(ctx, id)
		if err != nil {
			return c.refuse(err)
		}
		if !c.e.inReopenWindow(c.desk, t) {
			return c.private(c.t(mNoReopen, t.Key))
		}
		text := ""
		if c.st.Step == StepReopen && c.st.Ticket == id {
			text = c.st.Question // the reply that brought the offer goes on the ticket
		}
		if a.Message.ID != "" && c.st.Step == StepReopen {
			c.update(a.Message, Message{Text: c.t(mReopened, t.Key)}, "update reopen offer", "ticket", t.Key)
		}
		return c.reopen(ctx, t, text)
	case actNewQuestion:
		if c.st.Step != StepReopen {
			break
		}
		text := c.st.Question
		if a.Message.ID != "" {
			c.update(a.Message, Message{Text: c.t(mNewQuestion) + ": " + Literal(text)}, "update reopen offer")
		}
		c.reset()
		return c.ask(ctx, text)
	}
	// The refusal first (a Discord interaction waits for its answer), then
	// the stale controls go.
	_ = c.private(c.t(mButtonInactive))
	ev, note := c.ev, c.t(mButtonInactive)
	c.out.add(func(ctx context.Context) error {
		c.e.retireButtons(ctx, ev, note)
		return nil
	})
	return nil
}
