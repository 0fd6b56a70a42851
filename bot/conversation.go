package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/rules"
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
}

// conversation runs the user's state machine for a DM (or mention) event.
func (e *Engine) conversation(ctx context.Context, rt *Runtime, ev Event) error {
	key := stateKey(ev.Platform, ev.User.ID)
	unlock := e.locks.lock("conv:" + key)
	defer unlock()
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		st, version, lerr := e.loadState(ctx, key)
		if lerr != nil {
			return lerr
		}
		c := &conv{e: e, rt: rt, ev: ev, st: st, key: key, version: version}
		if err = c.run(ctx); err != nil {
			return err
		}
		if err = c.save(ctx); errs.Code(err) != errs.ECONFLICT {
			return err
		}
		// Another replica changed this conversation meanwhile: run again on its state.
	}
	return err
}

func (c *conv) save(ctx context.Context) error {
	v, err := c.e.saveState(ctx, c.key, c.st, c.version)
	if err != nil {
		return err
	}
	c.version = v
	return nil
}

func (c *conv) reply(ctx context.Context, msg Message) error { return c.e.reply(ctx, c.ev, msg) }

func (c *conv) say(ctx context.Context, text string) error {
	return c.reply(ctx, Message{Text: text})
}

func (c *conv) run(ctx context.Context) error {
	ev := c.ev
	if ev.Chat.Kind == ChatDirect {
		c.st.Chat = ev.Chat.ID
	}
	// Finish a ticket whose opening was cut short (crash after the write-ahead save).
	if c.st.Step == StepOpening {
		if d := c.rt.Config.Desk(c.st.Desk); d != nil {
			c.desk = d
			if err := c.openTicket(ctx); err != nil {
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
		return c.say(ctx, c.offlineMessage(c.desk, ev.Text))
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
	seq, chat, greeted, desk, lang := c.st.Seq, c.st.Chat, c.st.Greeted, c.st.Desk, c.st.Lang
	*c.st = State{Seq: seq, Chat: chat, Greeted: greeted, Desk: desk, Lang: lang}
}

// availableDesks lists the desks this user may use.
func (c *conv) availableDesks() []*config.Desk {
	var ds []*config.Desk
	for _, d := range c.rt.Config.Desks {
		if d.Available(c.ev.Platform, c.ev.User.ID) {
			ds = append(ds, d)
		}
	}
	return ds
}

func (c *conv) resolveDesk() *config.Desk {
	if c.ev.Desk != "" {
		if d := c.rt.Config.Desk(c.ev.Desk); d != nil && d.Available(c.ev.Platform, c.ev.User.ID) {
			if c.st.Desk != d.ID {
				c.reset()
				c.st.Desk, c.st.Lang = d.ID, ""
			}
			return d
		}
	}
	if c.st.Desk != "" {
		if d := c.rt.Config.Desk(c.st.Desk); d != nil && d.Available(c.ev.Platform, c.ev.User.ID) {
			return d
		}
	}
	ds := c.availableDesks()
	if len(ds) == 1 {
		c.st.Desk = ds[0].ID
		return ds[0]
	}
	return nil
}

func (c *conv) askDesk(ctx context.Context) error {
	ds := c.availableDesks()
	if len(ds) == 0 {
		return c.say(ctx, translate([]string{c.pickerLanguage(nil)}, mNoDesk))
	}
	if c.ev.Kind == EventMessage || c.ev.Kind == EventCommand {
		if q := Sanitize(c.ev.Text, maxQuestionLen); !isGreeting(q) {
			c.st.Question = q
		}
	}
	c.st.Step = StepChooseDesk
	msg := Message{Text: translate([]string{c.pickerLanguage(ds)}, mWhichDesk)}
	for _, d := range ds {
		label := d.Name
		msg.Buttons = append(msg.Buttons, Button{ID: actDesk, Label: label, Value: d.ID})
		if d.Description != "" {
			msg.Text += fmt.Sprintf("\n• **%s**: %s", d.Name, d.Description)
		}
	}
	return c.reply(ctx, msg)
}

func (c *conv) chooseDesk(ctx context.Context, id string) error {
	d := c.rt.Config.Desk(id)
	if d == nil || !d.Available(c.ev.Platform, c.ev.User.ID) {
		return c.say(ctx, translate([]string{c.pickerLanguage(c.availableDesks())}, mDeskUnavailable))
	}
	pending := c.st.Question
	c.reset()
	c.st.Desk, c.st.Lang, c.desk = d.ID, "", d
	if c.e.deskOffline(ctx, d) {
		return c.say(ctx, c.offlineMessage(d, pending))
	}
	c.st.Lang = c.e.language(d, c.ev.User.Locale, pending)
	if err := c.greet(ctx); err != nil {
		return err
	}
	if pending != "" {
		return c.ask(ctx, pending)
	}
	return nil
}

// language picks the FAQ language: the platform locale when the desk has it,
// else detected from the text, else the desk default.
func (e *Engine) language(d *config.Desk, locale, text string) string {
	if locale != "" {
		l := strings.ToLower(locale)
		if i := strings.IndexAny(l, "-_"); i > 0 {
			l = l[:i]
		}
		for _, dl := range d.Languages {
			if dl == l {
				return l
			}
		}
	}
	if len(d.Languages) > 1 && strings.TrimSpace(text) != "" && !isGreeting(text) {
		return faq.DetectLanguage(text, d.Languages)
	}
	return d.DefaultLanguage()
}

func (e *Engine) deskOffline(ctx context.Context, d *config.Desk) bool {
	if d.Offline {
		return true
	}
	pr, err := e.store.DeskPresence(ctx)
	if err != nil {
		e.log.Warn("read desk presence", "err", err)
		return false
	}
	return pr[d.ID] == "offline"
}

func (c *conv) index() *faq.Index {
	if ix, ok := c.rt.FAQ.Desk(c.desk.ID); ok {
		return ix
	}
	return nil
}

func (c *conv) greet(ctx context.Context) error {
	c.st.Greeted = true
	text := c.desk.Greeting
	if text == "" {
		if name := firstName(c.ev.User.Name); name != "" {
			text = c.t(mGreeting, name, c.desk.Name)
		} else {
			text = c.t(mGreetingAnon, c.desk.Name)
		}
		if c.desk.Description != "" {
			text += " " + c.desk.Description + "."
		}
		text += " " + c.t(mGreetingAsk)
	}
	msg := c.menuMessage("")
	msg.Text = text
	return c.reply(ctx, msg)
}

func firstName(n string) string {
	if f := strings.Fields(n); len(f) > 0 {
		return f[0]
	}
	return ""
}

func (c *conv) message(ctx context.Context) error {
	text := Sanitize(c.ev.Text, maxQuestionLen)
	switch c.st.Step {
	case StepForm:
		return c.formAnswer(ctx, text)
	case StepComment:
		if text != "" {
			return c.comment(ctx, c.st.Ticket, text)
		}
	case StepRating:
		if t, err := c.e.store.Get(ctx, c.st.Ticket); err == nil && c.e.inReopenWindow(c.desk, t) && !isGreeting(text) {
			return c.reopen(ctx, t, text)
		}
		c.reset()
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
		return c.say(ctx, c.t(mAddedInService, t.Key, t.Assignee))
	case tickets.StatusAssigned:
		return c.say(ctx, c.t(mAddedAssigned, t.Key, t.Assignee))
	default:
		return c.say(ctx, c.t(mAddedQueued, t.Key))
	}
}

// ask answers a question from the FAQ, or offers choices, or says it does not know.
func (c *conv) ask(ctx context.Context, q string) error {
	c.st.Question, c.st.Suggested, c.st.Category, c.st.QuestionID = q, nil, "", 0
	c.st.Step = StepIdle
	if q == "" {
		return c.greet(ctx)
	}
	ix := c.index()
	var hits []faq.Hit
	if ix != nil {
		var err error
		if hits, err = ix.Search(ctx, q, c.st.Lang, 3); err != nil {
			return fmt.Errorf("search FAQ of %s: %w", c.desk.ID, err)
		}
	}
	decision := faq.DecideNone
	if ix != nil {
		decision = ix.Decide(hits)
	}
	c.logQuestion(ctx, q, hits, decision)
	switch decision {
	case faq.DecideAnswer:
		return c.answer(ctx, hits[0].ItemID, hits[0].CategoryID, hits[0].Question, hits[0].Answer)
	case faq.DecideSuggest:
		msg := Message{Text: c.t(mDidYouMean)}
		for _, h := range hits {
			if len(msg.Buttons) == 3 || ix.Decide([]faq.Hit{h}) == faq.DecideNone {
				break
			}
			c.st.Suggested = append(c.st.Suggested, h.ItemID)
			msg.Buttons = append(msg.Buttons, Button{ID: actPick, Label: truncate(h.Question, 75), Value: h.ItemID})
		}
		if c.st.Category == "" && len(hits) > 0 {
			c.st.Category = hits[0].CategoryID
		}
		msg.Buttons = append(msg.Buttons, Button{ID: actNone, Label: c.t(mNoneOfThese)})
		c.st.Step = StepSuggested
		return c.reply(ctx, msg)
	default:
		return c.reply(ctx, Message{
			Text: c.t(mDontKnow),
			Buttons: []Button{
				{ID: actMenu, Label: c.t(mBrowseTopics)},
				{ID: actAgent, Label: c.t(mTalkToAgent), Style: StylePrimary},
			},
		})
	}
}

func (c *conv) answer(ctx context.Context, itemID, category, question, answer string) error {
	if !slices.Contains(c.st.Suggested, itemID) {
		c.st.Suggested = append(c.st.Suggested, itemID)
	}
	c.st.Category = category
	c.st.Step = StepAnswered
	return c.reply(ctx, Message{
		Text: fmt.Sprintf("**%s**\n\n%s\n\n%s", question, strings.TrimSpace(answer), c.t(mDidThisHelp)),
		Buttons: []Button{
			{ID: actHelpful, Label: c.t(mYes), Value: "yes:" + itemID, Style: StylePrimary},
			{ID: actHelpful, Label: c.t(mNo), Value: "no:" + itemID},
		},
	})
}

func (c *conv) answerItem(ctx context.Context, id string) error {
	ix := c.index()
	if ix == nil {
		return c.say(ctx, c.t(mAnswerGone))
	}
	it, ok := ix.Item(id)
	if !ok {
		return c.say(ctx, c.t(mAnswerGoneAsk))
	}
	q, a := ix.Localize(it, c.st.Lang)
	return c.answer(ctx, id, ix.CategoryOf(id), q, a)
}

// menuMessage renders one level of the question menu.
func (c *conv) menuMessage(category string) Message {
	ix := c.index()
	msg := Message{Text: c.t(mPickTopic)}
	if ix == nil {
		msg.Buttons = []Button{{ID: actAgent, Label: c.t(mTalkToAgent), Style: StylePrimary}}
		return msg
	}
	sel := &Select{ID: actMenu, Placeholder: c.t(mChooseTopic)}
	for _, cat := range ix.Categories(category) {
		sel.Options = append(sel.Options, Option{Label: truncate(ix.CategoryTitle(cat, c.st.Lang), 75), Value: "cat:" + cat.ID})
	}
	if category != "" {
		if cat, ok := ix.Category(category); ok {
			msg.Text = c.t(mCategoryPick, ix.CategoryTitle(cat, c.st.Lang))
		}
		for _, it := range ix.Items(category) {
			q, _ := ix.Localize(it, c.st.Lang)
			sel.Options = append(sel.Options, Option{Label: truncate(q, 75), Value: "item:" + it.ID})
		}
		msg.Buttons = append(msg.Buttons, Button{ID: actMenu, Label: c.t(mBack), Value: c.parentOf(category)})
	}
	if len(sel.Options) > 25 { // the smallest platform limit (Discord)
		sel.Options = sel.Options[:25]
	}
	if len(sel.Options) > 0 {
		msg.Select = sel
	}
	msg.Buttons = append(msg.Buttons, Button{ID: actAgent, Label: c.t(mTalkToAgent), Style: StylePrimary})
	return msg
}

func (c *conv) parentOf(category string) string {
	ix := c.index()
	var walk func(parent string) (string, bool)
	walk = func(parent string) (string, bool) {
		for _, cat := range ix.Categories(parent) {
			if cat.ID == category {
				if parent == "" {
					return "", true
				}
				return "cat:" + parent, true
			}
			if p, ok := walk(cat.ID); ok {
				return p, true
			}
		}
		return "", false
	}
	p, _ := walk("")
	return p
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
			return c.reply(ctx, c.menuMessage(id))
		default:
			c.st.Step, c.st.Category = StepMenu, ""
			return c.reply(ctx, c.menuMessage(""))
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
			return c.say(ctx, c.t(mGlad))
		}
		c.st.Step = StepIdle
		return c.reply(ctx, Message{
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
		return c.reply(ctx, Message{
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
			return c.say(ctx, c.t(mCancelled))
		}
	case actRate:
		return c.rate(ctx, a)
	case actReason:
		return c.reason(ctx, a.Value)
	case actComment:
		return c.commentButton(ctx, a.Value)
	case actSkipComment:
		c.reset()
		return c.say(ctx, c.t(mThanksFeedback))
	case actReopen:
		id, _ := strconv.ParseInt(a.Value, 10, 64)
		t, err := c.e.store.Get(ctx, id)
		if err != nil {
			return c.refuse(ctx, err)
		}
		if !c.e.inReopenWindow(c.desk, t) {
			return c.e.private(ctx, c.ev, c.t(mNoReopen, t.Key))
		}
		return c.reopen(ctx, t, "")
	}
	return c.e.private(ctx, c.ev, c.t(mButtonInactive))
}

// escalate hands the question to a person: the topic's form first, then a ticket.
func (c *conv) escalate(ctx context.Context) error {
	if t, err := c.e.openTicketOf(ctx, c.ev.Platform, c.ev.User.ID, c.desk.ID); err == nil {
		c.st.Step, c.st.Ticket = StepWaiting, t.ID
		return c.say(ctx, c.t(mAlreadyOpen, t.Key))
	}
	key, form := c.formFor()
	c.st.Form, c.st.FormField, c.st.FormAnswers = key, 0, nil
	if form == nil || len(form.Fields) == 0 {
		return c.openTicket(ctx)
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
		return c.openTicket(ctx)
	}
	if c.ev.Trigger != "" && c.st.FormField == 0 {
		p, err := c.e.platform(c.ev.Platform)
		if err != nil {
			return err
		}
		err = p.OpenForm(ctx, c.ev.Trigger, toForm(formTicket, form, c.t(mSend)))
		if err == nil {
			return c.reply(ctx, Message{
				Text: c.t(mFillForm, form.Title),
				Buttons: []Button{
					{ID: actFormOpen, Label: c.t(mOpenFormAgain)},
					{ID: actFormCancel, Label: c.t(mCancel)},
				},
			})
		}
		if !errors.Is(err, ErrFormsUnsupported) {
			c.e.log.Warn("open form failed; asking in chat", "platform", c.ev.Platform, "err", err)
		}
	}
	return c.askField(ctx, c.t(mFormIntro, form.Title)+"\n\n")
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

func (c *conv) askField(ctx context.Context, prefix string) error {
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
		}
	}
	if !fl.Required {
		text += " _(" + c.t(mOptional) + ")_"
		msg.Buttons = append(msg.Buttons, Button{ID: actFormSkip, Label: c.t(mSkip)})
	}
	msg.Buttons = append(msg.Buttons, Button{ID: actFormCancel, Label: c.t(mCancel)})
	msg.Text = text
	return c.reply(ctx, msg)
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
		return c.say(ctx, c.t(mFormGone))
	}
	fl := form.Fields[c.st.FormField]
	v, problem := c.checkField(fl, text)
	if problem != "" {
		return c.askField(ctx, problem+"\n\n")
	}
	c.st.FormAnswers = append(c.st.FormAnswers, tickets.FormAnswer{ID: fl.ID, Label: fl.Label, Value: v})
	c.st.FormField++
	if c.st.FormField < len(form.Fields) {
		return c.askField(ctx, "")
	}
	return c.openTicket(ctx)
}

// formSubmitted takes a form submitted as a dialog.
func (c *conv) formSubmitted(ctx context.Context) error {
	if c.ev.FormID != formTicket || c.st.Step != StepForm {
		return c.e.private(ctx, c.ev, c.t(mFormExpired))
	}
	form := c.form()
	if form == nil {
		c.reset()
		return c.say(ctx, c.t(mFormGone))
	}
	c.st.FormAnswers = nil
	for i, fl := range form.Fields {
		v, problem := c.checkField(fl, c.ev.Values[fl.ID])
		if problem != "" {
			// Continue in chat from the first field that needs fixing.
			c.st.FormField = i
			return c.askField(ctx, fmt.Sprintf("%s: %s\n\n", fl.Label, problem))
		}
		c.st.FormAnswers = append(c.st.FormAnswers, tickets.FormAnswer{ID: fl.ID, Label: fl.Label, Value: Sanitize(v, maxMessageLen)})
	}
	c.st.FormField = len(form.Fields)
	return c.openTicket(ctx)
}

// openTicket opens the ticket for the conversation. The state is saved first
// (write-ahead) and the ticket's request key comes from it, so a crash at any
// point leads to exactly one ticket once the user writes again.
func (c *conv) openTicket(ctx context.Context) error {
	if c.st.Step != StepOpening {
		c.st.Step = StepOpening
		if err := c.save(ctx); err != nil {
			return err
		}
	}
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
	t := &tickets.Ticket{
		Desk:          d.ID,
		Platform:      c.ev.Platform,
		RequestKey:    fmt.Sprintf("%s:%s:%d", c.ev.Platform, c.ev.User.ID, c.st.Seq),
		Requester:     tickets.Person{Platform: c.ev.Platform, ID: c.ev.User.ID, Name: c.ev.User.Name},
		RequesterChat: requesterChat,
		Language:      c.st.Lang,
		Category:      c.st.Category,
		Subject:       truncate(subject, maxSubjectLen),
		Form:          c.st.FormAnswers,
		Suggested:     c.st.Suggested,
	}
	t.Priority = rules.Match(d, t).Priority
	actor := tickets.Actor{Role: tickets.RoleUser, Platform: c.ev.Platform, ID: c.ev.User.ID, Name: c.ev.User.Name}
	src := tickets.SourceChat
	if c.ev.Kind == EventForm {
		src = tickets.SourceForm
	}
	saved, created, err := c.e.svc.Open(ctx, t, d.Prefix, actor, src)
	if err != nil {
		return err
	}
	c.setOutcome(ctx, tickets.OutcomeEscalated, "", saved.ID)
	seq := c.st.Seq + 1
	c.reset()
	c.st.Seq = seq
	c.st.Step, c.st.Ticket = StepWaiting, saved.ID
	if err := c.save(ctx); err != nil {
		return err
	}
	if !created {
		c.e.log.Info("ticket open resumed after restart", "ticket", saved.Key)
	}
	if err := c.say(ctx, c.t(mTicketOpened, saved.Key, saved.Subject)); err != nil {
		return err
	}
	c.e.dispatch(ctx, c.rt, d.ID)
	cur, err := c.e.store.Get(ctx, saved.ID)
	if err != nil {
		return err
	}
	if cur.Status == tickets.StatusOpen {
		return c.say(ctx, c.e.queueNotice(ctx, d, cur, deskLangs(c.st.Lang, d)))
	}
	return nil
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

// logQuestion records the question and what the bot did with it.
func (c *conv) logQuestion(ctx context.Context, q string, hits []faq.Hit, d faq.Decision) {
	rec := &tickets.Question{Desk: c.desk.ID, Platform: c.ev.Platform, UserID: c.ev.User.ID, Text: q,
		Language: c.st.Lang, At: c.e.now()}
	if len(hits) > 0 {
		rec.ItemID, rec.Confidence = hits[0].ItemID, hits[0].Confidence
	}
	switch d {
	case faq.DecideAnswer:
		rec.Outcome = tickets.OutcomeAnswered
	case faq.DecideSuggest:
		rec.Outcome = tickets.OutcomeSuggested
	default:
		rec.Outcome = tickets.OutcomeUnanswered
	}
	id, err := c.e.store.RecordQuestion(ctx, rec)
	if err != nil {
		c.e.log.Warn("record question", "desk", c.desk.ID, "err", err)
		return
	}
	c.st.QuestionID, c.st.Picked = id, false
}

// setOutcome updates the logged outcome of the conversation's question.
func (c *conv) setOutcome(ctx context.Context, o tickets.Outcome, item string, ticket int64) {
	if c.st.QuestionID == 0 {
		return
	}
	if err := c.e.store.SetQuestionOutcome(ctx, c.st.QuestionID, o, item, ticket); err != nil {
		c.e.log.Warn("record question outcome", "question", c.st.QuestionID, "err", err)
	}
}
