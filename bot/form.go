// Escalation: the topic's pre-inquiry form (as a dialog or field by field
// in chat) and then the ticket, opened write-ahead.

package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
	"github.com/helpdesk-chat/helpdesk/rules"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// escalate hands the question to a person: the topic's form first, then a ticket.
func (c *conv) escalate(ctx context.Context) error {
	if t, err := c.e.openTicketOf(ctx, c.ev.Platform, c.ev.User.ID, c.desk.ID); err == nil {
		c.st.Step, c.st.Ticket = StepWaiting, t.ID
		return c.say(c.t(mAlreadyOpen, t.Key))
	}
	key, form := c.formFor()
	c.st.Form, c.st.FormField, c.st.FormAnswers = key, 0, nil
	if form == nil || len(form.Fields) == 0 {
		return c.openTicket()
	}
	c.st.Step = StepForm
	return c.escalateForm(ctx)
}

func (c *conv) formFor() (string, *config.Form) {
	f := c.desk.FormFor(c.st.Category)
	if f == nil {
		return "", nil
	}
	for k, v := range c.desk.Forms {
		if v == f {
			return k, f
		}
	}
	return "", nil
}

func (c *conv) form() *config.Form {
	if c.st.Form == "" {
		return nil
	}
	return c.desk.Forms[c.st.Form]
}

// escalateForm opens the form as a dialog when the platform can, else asks in chat.
func (c *conv) escalateForm(ctx context.Context) error {
	form := c.form()
	if form == nil {
		return c.openTicket()
	}
	inChat := c.fieldMessage(c.t(mFormIntro, form.Title) + "\n\n")
	if c.ev.Trigger == "" || c.st.FormField != 0 {
		return c.sendPrompt(promptForm, 0, inChat)
	}
	c.openForm(toForm(formTicket, form, c.t(mSend)), Message{
		Text: c.t(mFillForm, form.Title),
		Buttons: []Button{
			{ID: actFormOpen, Label: c.t(mOpenFormAgain)},
			{ID: actFormCancel, Label: c.t(mCancel)},
		},
	}, inChat, promptForm)
	return nil
}

func toForm(id string, f *config.Form, submit string) Form {
	out := Form{ID: id, Title: f.Title, Submit: submit}
	for _, fl := range f.Fields {
		out.Fields = append(out.Fields, FormField{
			ID: fl.ID, Label: fl.Label, Type: FormFieldType(fl.Type), Options: fl.Options, Required: fl.Required, MaxLen: fl.MaxLen,
		})
	}
	return out
}

// askField asks the form's current field in chat.
func (c *conv) askField(prefix string) error {
	return c.sendPrompt(promptForm, 0, c.fieldMessage(prefix))
}

func (c *conv) fieldMessage(prefix string) Message { return c.fieldMessagePage(prefix, 0) }

// fieldPageOf tells whether v, chosen on the current field's select, turns
// the page (and to which) rather than answering.
func (c *conv) fieldPageOf(v string) (int, bool) {
	form := c.form()
	if form == nil || c.st.FormField >= len(form.Fields) || !strings.HasPrefix(v, fieldPagePrefix) {
		return 0, false
	}
	if slices.Contains(form.Fields[c.st.FormField].Options, v) {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(v, fieldPagePrefix))
	return n, err == nil
}

// fieldMessagePage asks the current field, its options (if a select) at page.
func (c *conv) fieldMessagePage(prefix string, page int) Message {
	form := c.form()
	fl := form.Fields[c.st.FormField]
	text := fmt.Sprintf("%s**%d/%d** %s", prefix, c.st.FormField+1, len(form.Fields), fl.Label)
	msg := Message{}
	if fl.Type == "select" {
		for _, o := range fl.Options {
			msg.Buttons = append(msg.Buttons, Button{ID: actFormOption, Label: o, Value: o})
		}
		if len(msg.Buttons) > 5 {
			msg.Buttons = nil
			msg.Select = &Select{ID: actFormOption, Placeholder: fl.Label}
			for _, o := range fl.Options {
				msg.Select.Options = append(msg.Select.Options, Option{Label: o, Value: o})
			}
			msg.Select.Options = c.pageOf(msg.Select.Options, page, fieldPage)
		}
	}
	if !fl.Required {
		text += " _(" + c.t(mOptional) + ")_"
		msg.Buttons = append(msg.Buttons, Button{ID: actFormSkip, Label: c.t(mSkip)})
	}
	msg.Buttons = append(msg.Buttons, Button{ID: actFormCancel, Label: c.t(mCancel)})
	msg.Text = text
	return msg
}

// checkField validates one answer; it returns the cleaned value or a problem.
func (c *conv) checkField(fl *config.Field, v string) (string, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		if fl.Required {
			return "", c.t(mRequired)
		}
		return "", ""
	}
	if fl.Type == "select" {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= len(fl.Options) {
			return fl.Options[n-1], ""
		}
		for _, o := range fl.Options {
			if strings.EqualFold(o, v) {
				return o, ""
			}
		}
		return "", c.t(mChooseOneOf, strings.Join(fl.Options, ", "))
	}
	if fl.MaxLen > 0 && len([]rune(v)) > fl.MaxLen {
		return "", c.t(mTooLong, fl.MaxLen)
	}
	return v, ""
}

func (c *conv) formAnswer(ctx context.Context, text string) error {
	form := c.form()
	if form == nil || c.st.FormField >= len(form.Fields) {
		c.reset()
		return c.say(c.t(mFormGone))
	}
	fl := form.Fields[c.st.FormField]
	v, problem := c.checkField(fl, text)
	if problem != "" {
		return c.askField(problem + "\n\n")
	}
	c.st.FormAnswers = append(c.st.FormAnswers, tickets.FormAnswer{ID: fl.ID, Label: fl.Label, Value: v})
	c.st.FormField++
	if c.st.FormField < len(form.Fields) {
		return c.askField("")
	}
	return c.openTicket()
}

// formSubmitted takes a form submitted as a dialog.
func (c *conv) formSubmitted(ctx context.Context) error {
	if c.ev.FormID != formTicket || c.st.Step != StepForm {
		return c.private(c.t(mFormExpired))
	}
	form := c.form()
	if form == nil {
		c.reset()
		return c.say(c.t(mFormGone))
	}
	c.st.FormAnswers = nil
	for i, fl := range form.Fields {
		v, problem := c.checkField(fl, c.ev.Values[fl.ID])
		if problem != "" {
			// Continue in chat from the first field that needs fixing.
			c.st.FormField = i
			return c.askField(fmt.Sprintf("%s: %s\n\n", fl.Label, problem))
		}
		c.st.FormAnswers = append(c.st.FormAnswers, tickets.FormAnswer{ID: fl.ID, Label: fl.Label, Value: Sanitize(v, maxMessageLen)})
	}
	c.st.FormField = len(form.Fields)
	return c.openTicket()
}

// questionAnswerID is the id of the form answer that keeps a question too
// long for the subject (a form field of that id would be an odd choice).
const questionAnswerID = "~question"

// openTicket decides to open the ticket for the conversation. The state is
// saved first (write-ahead, as StepOpening, with the answers and who sent
// them) and the ticket's request key comes from it; the ticket is opened
// when the outbox is flushed. Before that save the conversation is put in
// the index of pending openings (see openings.go), so after a crash at any
// point the engine finishes the opening by itself (Recover, Tick): exactly
// one ticket, and the user is told.
func (c *conv) openTicket() error {
	src := tickets.SourceChat
	if c.ev.Kind == EventForm {
		src = tickets.SourceForm
	}
	c.st.Step = StepOpening
	c.st.Opener = &Opener{Name: c.ev.User.Name, Source: src}
	c.out.add(c.completeOpening)
	return nil
}

// completeOpening opens the ticket of a saved StepOpening state (again, after
// a crash: the request key makes that idempotent), saves the conversation as
// waiting for it and queues telling the user and dispatching the queue.
func (c *conv) completeOpening(ctx context.Context) error {
	d := c.desk
	subject := c.st.Question
	if subject == "" {
		for _, a := range c.st.FormAnswers {
			if a.Value != "" {
				subject = a.Value
				break
			}
		}
	}
	if subject == "" {
		subject = c.t(mHelpRequest)
	}
	requesterChat := c.st.Chat
	if requesterChat == "" || c.ev.Chat.Kind != ChatDirect {
		p, err := c.e.platform(c.ev.Platform)
		if err != nil {
			return err
		}
		if requesterChat, err = p.DirectChat(ctx, c.ev.User.ID); err != nil {
			return fmt.Errorf("open DM with requester: %w", err)
		}
	}
	form := c.st.FormAnswers
	if subject == c.st.Question && len([]rune(subject)) > maxSubjectLen {
		// The subject is shortened for titles and topics; the question
		// stays whole on the ticket, first of its answers.
		form = append([]tickets.FormAnswer{{ID: questionAnswerID, Label: c.t(mQuestionLabel), Value: subject}}, form...)
	}
	t := &tickets.Ticket{
		Desk:          d.ID,
		Platform:      c.ev.Platform,
		RequestKey:    fmt.Sprintf("%s:%s:%d", c.ev.Platform, c.ev.User.ID, c.st.Seq),
		Requester:     tickets.Person{Platform: c.ev.Platform, ID: c.ev.User.ID, Name: c.ev.User.Name},
		RequesterChat: requesterChat,
		Language:      c.st.Lang,
		Category:      c.st.Category,
		Subject:       textutil.ShortenTrim(subject, maxSubjectLen),
		Form:          form,
		Suggested:     c.st.Suggested,
	}
	t.Priority = rules.Match(d, t).Priority
	actor := tickets.Actor{Role: tickets.RoleUser, Platform: c.ev.Platform, ID: c.ev.User.ID, Name: c.ev.User.Name}
	src := tickets.SourceChat
	if c.st.Opener != nil && c.st.Opener.Source != "" {
		src = c.st.Opener.Source
	} else if c.ev.Kind == EventForm {
		src = tickets.SourceForm
	}
	saved, created, err := c.e.svc.Open(ctx, t, d.Prefix, actor, src)
	if err != nil {
		return err
	}
	c.setOutcome(ctx, tickets.OutcomeEscalated, "", saved.ID)
	opening := c.st.Seq
	c.reset()
	c.st.Seq = opening + 1
	c.st.Step, c.st.Ticket = StepWaiting, saved.ID
	for run := 1; ; run++ {
		err := c.save(ctx)
		if err == nil {
			break
		}
		if errs.Code(err) != errs.ECONFLICT || run == maxRuns {
			return err
		}
		// Another writer saved meanwhile. If it finished this opening, it
		// told the user too; else the ticket is ours to report.
		st, version, err := c.e.loadState(ctx, c.key)
		if err != nil {
			return err
		}
		if st.Step != StepOpening || st.Seq != opening {
			*c.st, c.version = *st, version
			return nil
		}
		c.version = version
	}
	if !created {
		c.e.log.Info("ticket open resumed after restart", "ticket", saved.Key)
	}
	c.announceOpened(saved, opening)
	return nil
}

// announceOpened queues telling the user that their ticket is open, then
// taking the conversation out of the index of pending openings (so that a
// crash before the notice is sent leads to it being sent by the recovery),
// then dispatching the desk's queue and, if the ticket is still queued,
// telling the user what happens next.
func (c *conv) announceOpened(t *tickets.Ticket, opening int64) {
	d := c.desk
	c.say(c.t(mTicketOpened, t.Key, Literal(t.Subject)))
	c.out.add(func(ctx context.Context) error {
		return c.e.unmarkOpening(ctx, c.key, opening)
	})
	lang := c.st.Lang
	c.out.add(func(ctx context.Context) error {
		c.e.dispatch(ctx, c.rt, d.ID)
		cur, err := c.e.store.Get(ctx, t.ID)
		if err != nil {
			return err
		}
		if cur.Status == tickets.StatusOpen {
			c.say(c.e.queueNotice(ctx, d, cur, deskLangs(lang, d)))
		}
		return nil
	})
}

// queueNotice tells a user whose ticket is queued what happens next, in the
// first of langs the bot speaks.
func (e *Engine) queueNotice(ctx context.Context, d *config.Desk, t *tickets.Ticket, langs []string) string {
	pos := 0
	if q, err := e.store.Queue(ctx, d.ID); err == nil {
		for i, qt := range q {
			if qt.ID == t.ID {
				pos = i + 1
			}
		}
	}
	now := e.now()
	if next, ok := rules.NextAvailable(d, now); ok && next.After(now.Add(time.Minute)) {
		loc := time.UTC
		if d.Hours != nil && d.Hours.Location != nil {
			loc = d.Hours.Location
		}
		return translate(langs, mQueueClosed, d.Name, when(langs, next.In(loc)), loc.String(), pos)
	}
	return translate(langs, mQueueBusy, pos)
}
