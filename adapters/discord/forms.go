package discord

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// formPrefix starts the custom ids of the adapter's own form controls.
const formPrefix = "f|"

// A Discord modal holds at most 5 text inputs and no select menu, so a form
// is asked in steps: each select field as a select menu message, then the
// text fields in modals of up to 5. The answers are collected here and
// reach the engine as one EventForm.
type formSession struct {
	id     string
	user   string
	form   bot.Form
	steps  [][]bot.FormField // a select step holds one field
	step   int
	values map[string]string
	at     time.Time
	// version of the saved progress (Options.FormState), 0: not saved yet.
	version int64
}

// FormState keeps the progress of stepped forms, so that a restart between
// two steps loses nothing (tickets.Store satisfies it). Keys are
// "discord:form:<user id>"; cleared progress is saved as empty data.
type FormState interface {
	// GetState returns the saved data and its version; a tickets ENOTFOUND
	// error if none was saved.
	GetState(ctx context.Context, key string) (data []byte, version int64, err error)
	// PutState saves data if the stored version is still version (0: never
	// saved) and returns the new version; a tickets ECONFLICT error if not.
	PutState(ctx context.Context, key string, data []byte, version int64) (int64, error)
}

var _ FormState = tickets.Store(nil)

// savedForm is a stepped form's progress as kept in Options.FormState.
type savedForm struct {
	ID     string            `json:"id"`
	Form   bot.Form          `json:"form"`
	Step   int               `json:"step"`
	Values map[string]string `json:"values"`
	At     time.Time         `json:"at"`
}

func formKey(user string) string { return "discord:form:" + user }

// errFormGone: the progress was replaced (a new form) or cleared meanwhile.
var errFormGone = errors.New("the form was closed or replaced")

// readForm returns the saved progress of a user's form (nil if none) and
// the version it was read at, whatever its age.
func (a *Adapter) readForm(ctx context.Context, user string) (*savedForm, int64, error) {
	data, version, err := a.opts.FormState.GetState(ctx, formKey(user))
	if errs.Code(err) == errs.ENOTFOUND {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("discord: read form progress of %s: %w", user, err)
	}
	if len(data) == 0 {
		return nil, version, nil
	}
	var sf savedForm
	if err := json.Unmarshal(data, &sf); err != nil || len(sf.Form.Fields) == 0 {
		// Unreadable progress is as good as none: the user opens the form again.
		a.log.Warn("unreadable form progress ignored", "user", user, "err", err)
		return nil, version, nil
	}
	return &sf, version, nil
}

// loadForm returns the user's form in progress, nil if none or expired.
func (a *Adapter) loadForm(ctx context.Context, user string) (*formSession, error) {
	if a.opts.FormState == nil {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.forms[user], nil
	}
	sf, version, err := a.readForm(ctx, user)
	if err != nil || sf == nil || a.opts.Now().Sub(sf.At) > a.opts.FormTTL {
		return nil, err
	}
	f := &formSession{id: sf.ID, user: user, form: sf.Form, steps: stepsOf(sf.Form), step: sf.Step,
		values: sf.Values, at: sf.At, version: version}
	if f.values == nil {
		f.values = map[string]string{}
	}
	if f.step < 0 || f.step >= len(f.steps) {
		return nil, nil
	}
	return f, nil
}

// saveForm keeps a form's progress. A fresh form replaces whatever the
// user had; a step is saved only over the step before it of the same form
// (else errFormGone: it was submitted, cancelled or reopened meanwhile).
func (a *Adapter) saveForm(ctx context.Context, f *formSession, fresh bool) error {
	f.at = a.opts.Now()
	if a.opts.FormState == nil {
		a.mu.Lock()
		defer a.mu.Unlock()
		if fresh {
			for u, old := range a.forms {
				if f.at.Sub(old.at) > 15*time.Minute {
					delete(a.forms, u)
				}
			}
		}
		a.forms[f.user] = f
		return nil
	}
	data, err := json.Marshal(savedForm{ID: f.id, Form: f.form, Step: f.step, Values: f.values, At: f.at})
	if err != nil {
		return fmt.Errorf("discord: encode form progress: %w", err)
	}
	for range 5 {
		v, err := a.opts.FormState.PutState(ctx, formKey(f.user), data, f.version)
		if err == nil {
			f.version = v
			return nil
		}
		if errs.Code(err) != errs.ECONFLICT {
			return fmt.Errorf("discord: save form progress of %s: %w", f.user, err)
		}
		cur, version, err := a.readForm(ctx, f.user)
		if err != nil {
			return err
		}
		if !fresh && (cur == nil || cur.ID != f.id || cur.Step != f.step-1) {
			return errFormGone
		}
		f.version = version
	}
	return fmt.Errorf("discord: save form progress of %s: it keeps changing", f.user)
}

// dropForm clears the user's form in progress: the one with that id, or
// any if id is "".
func (a *Adapter) dropForm(ctx context.Context, user, id string) error {
	if a.opts.FormState == nil {
		a.mu.Lock()
		defer a.mu.Unlock()
		if f := a.forms[user]; f != nil && (id == "" || f.id == id) {
			delete(a.forms, user)
		}
		return nil
	}
	for range 5 {
		cur, version, err := a.readForm(ctx, user)
		if err != nil || cur == nil || (id != "" && cur.ID != id) {
			return err
		}
		_, err = a.opts.FormState.PutState(ctx, formKey(user), nil, version)
		if err == nil {
			return nil
		}
		if errs.Code(err) != errs.ECONFLICT {
			return fmt.Errorf("discord: clear form progress of %s: %w", user, err)
		}
	}
	return fmt.Errorf("discord: clear form progress of %s: it keeps changing", user)
}

func (f *formSession) isSelect(step int) bool {
	return len(f.steps[step]) == 1 && f.steps[step][0].Type == bot.FieldSelect
}

func stepsOf(form bot.Form) [][]bot.FormField {
	var steps [][]bot.FormField
	var texts []bot.FormField
	for _, fl := range form.Fields {
		if fl.Type == bot.FieldSelect {
			steps = append(steps, []bot.FormField{fl})
		} else {
			texts = append(texts, fl)
		}
	}
	for len(texts) > 0 {
		n := min(len(texts), maxModalInputs)
		steps = append(steps, texts[:n])
		texts = texts[n:]
	}
	return steps
}

// OpenForm shows a form in reply to the interaction with that id; once the
// interaction was acknowledged otherwise, it returns bot.ErrFormsUnsupported
// and the engine asks field by field in chat.
func (a *Adapter) OpenForm(ctx context.Context, trigger string, form bot.Form) error {
	a.mu.Lock()
	p := a.live[trigger]
	a.mu.Unlock()
	if p == nil || len(form.Fields) == 0 {
		return bot.ErrFormsUnsupported
	}
	p.mu.Lock()
	open := p.state == stPending
	p.mu.Unlock()
	if !open {
		return bot.ErrFormsUnsupported
	}
	// The id tells this form's controls from those of an earlier form,
	// also one opened before a restart.
	f := &formSession{id: rand.Text()[:10], user: p.user, form: form, steps: stepsOf(form), values: map[string]string{}}
	if err := a.saveForm(ctx, f, true); err != nil {
		return err
	}
	if err := a.showStep(p, f, discordgo.InteractionResponseChannelMessageWithSource); err != nil {
		if err == errAcked {
			return bot.ErrFormsUnsupported
		}
		return err
	}
	return nil
}

var errAcked = fmt.Errorf("interaction already acknowledged")

// showStep answers the interaction with the session's current step: a
// modal, or a select menu message (msgType 4 for a new one, 7 to replace the
// message the last choice was made on).
func (a *Adapter) showStep(p *pending, f *formSession, msgType discordgo.InteractionResponseType) error {
	return a.showStepPage(p, f, msgType, 0)
}

// showStepPage is showStep with a select step's options at page: a select
// holds 25 options (https://discord.com/developers/docs/components/reference#string-select),
// so a longer list is shown 25 at a time with "‹ Previous" and "More…"
// buttons; every option is on some page, its value its index in the field.
func (a *Adapter) showStepPage(p *pending, f *formSession, msgType discordgo.InteractionResponseType, page int) error {
	var resp *discordgo.InteractionResponse
	cid := formPrefix + f.id + "|" + strconv.Itoa(f.step)
	if f.isSelect(f.step) {
		fl := f.steps[f.step][0]
		text := fmt.Sprintf("**%s**: %s", f.form.Title, fl.Label)
		if n := len(f.steps); n > 1 {
			text = fmt.Sprintf("**%s** (step %d of %d): %s", f.form.Title, f.step+1, n, fl.Label)
		}
		zero, one := 1, 1
		if !fl.Required {
			zero = 0
		}
		sel := discordgo.SelectMenu{MenuType: discordgo.StringSelectMenu, CustomID: cid, Placeholder: textutil.Shorten(fl.Label, maxPlaceholder), MinValues: &zero, MaxValues: one}
		pages := max(1, (len(fl.Options)+maxOptions-1)/maxOptions)
		page = min(max(page, 0), pages-1)
		lo, hi := page*maxOptions, min(len(fl.Options), (page+1)*maxOptions)
		for i := lo; i < hi; i++ {
			sel.Options = append(sel.Options, discordgo.SelectMenuOption{Label: textutil.Shorten(fl.Options[i], maxOptionText), Value: strconv.Itoa(i)})
		}
		if pages > 1 {
			text += fmt.Sprintf(" (options %d–%d of %d)", lo+1, hi, len(fl.Options))
		}
		comps := []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{sel}}}
		var btns []discordgo.MessageComponent
		if page > 0 {
			btns = append(btns, discordgo.Button{Label: fmt.Sprintf("‹ Previous (%d–%d)", lo-maxOptions+1, lo), Style: discordgo.SecondaryButton, CustomID: cid + "|p" + strconv.Itoa(page-1)})
		}
		if hi < len(fl.Options) {
			btns = append(btns, discordgo.Button{Label: fmt.Sprintf("More… (%d–%d of %d)", hi+1, min(len(fl.Options), hi+maxOptions), len(fl.Options)), Style: discordgo.SecondaryButton, CustomID: cid + "|p" + strconv.Itoa(page+1)})
		}
		if !fl.Required {
			btns = append(btns, discordgo.Button{Label: "Skip", Style: discordgo.SecondaryButton, CustomID: cid + "|skip"})
		}
		if len(btns) > 0 {
			comps = append(comps, discordgo.ActionsRow{Components: btns})
		}
		resp = &discordgo.InteractionResponse{Type: msgType, Data: &discordgo.InteractionResponseData{
			Content: text, Components: comps, AllowedMentions: noMentions()}}
		if p.ephemeral && msgType == discordgo.InteractionResponseChannelMessageWithSource {
			resp.Data.Flags = discordgo.MessageFlagsEphemeral
		}
	} else {
		// A modal title is at most 45 characters
		// (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal):
		// the form's title is shortened, never the step counter.
		title := textutil.Shorten(f.form.Title, maxModalTitle)
		if n := len(f.steps); n > 1 {
			counter := fmt.Sprintf(" (%d/%d)", f.step+1, n)
			title = textutil.Shorten(f.form.Title, maxModalTitle-utf8.RuneCountInString(counter)) + counter
		}
		var rows []discordgo.MessageComponent
		for _, fl := range f.steps[f.step] {
			in := discordgo.TextInput{CustomID: textutil.Shorten(fl.ID, maxCustomID), Label: textutil.Shorten(fl.Label, maxInputLabel), Style: discordgo.TextInputShort, Required: fl.Required}
			if fl.Type == bot.FieldParagraph {
				in.Style = discordgo.TextInputParagraph
			}
			if fl.MaxLen > 0 {
				in.MaxLength = min(fl.MaxLen, maxInputValue)
			}
			if v := f.values[fl.ID]; v != "" {
				in.Value = v
			}
			rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{in}})
		}
		resp = &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
			CustomID: cid, Title: textutil.Shorten(title, maxModalTitle), Components: rows}}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != stPending {
		return errAcked
	}
	if err := a.s.InteractionRespond(p.i, resp); err != nil {
		return fmt.Errorf("discord: show form %s: %w", f.form.ID, err)
	}
	p.state = stResponded
	p.modal = resp.Type == discordgo.InteractionResponseModal
	a.remember(p.i)
	return nil
}

// session finds the presser's form session from a control's custom id.
func (a *Adapter) session(ctx context.Context, user, cid string) (*formSession, int, string) {
	parts := strings.Split(strings.TrimPrefix(cid, formPrefix), "|")
	if len(parts) < 2 {
		return nil, 0, ""
	}
	step, err := strconv.Atoi(parts[1])
	extra := ""
	if len(parts) > 2 {
		extra = parts[2]
	}
	f, lerr := a.loadForm(ctx, user)
	if lerr != nil {
		a.log.Warn("load form progress", "user", user, "err", lerr)
	}
	// Only the person the form was opened for may answer it.
	if err != nil || f == nil || f.id != parts[0] || step != f.step || f.user != user {
		return nil, 0, ""
	}
	return f, step, extra
}

// formComponent: a select chosen, Skip or Continue pressed in a form step.
func (a *Adapter) formComponent(ctx context.Context, p *pending, user bot.User, chat bot.Chat, d discordgo.MessageComponentInteractionData) {
	f, step, extra := a.session(ctx, user.ID, d.CustomID)
	if f == nil {
		p.private(Message("This form has expired. Press **Open the form again** to start over."))
		return
	}
	if page, ok := strings.CutPrefix(extra, "p"); ok && f.isSelect(step) { // a page of the options
		n, _ := strconv.Atoi(page)
		if err := a.showStepPage(p, f, discordgo.InteractionResponseUpdateMessage, n); err != nil {
			a.log.Warn("show form options page", "err", err)
		}
		return
	}
	if extra == "next" { // Continue: the next modal
		if err := a.showStep(p, f, discordgo.InteractionResponseChannelMessageWithSource); err != nil {
			a.log.Warn("show next form step", "err", err)
		}
		return
	}
	if !f.isSelect(step) {
		p.private(Message("This form has expired. Press **Open the form again** to start over."))
		return
	}
	fl := f.steps[step][0]
	if extra != "skip" && len(d.Values) > 0 {
		if n, err := strconv.Atoi(d.Values[0]); err == nil && n >= 0 && n < len(fl.Options) {
			f.values[fl.ID] = fl.Options[n]
		}
	}
	a.advance(ctx, p, f, user, chat, discordgo.InteractionResponseUpdateMessage)
}

// formSubmit: a modal submitted.
func (a *Adapter) formSubmit(ctx context.Context, p *pending, user bot.User, chat bot.Chat, d discordgo.ModalSubmitInteractionData) {
	f, step, _ := a.session(ctx, user.ID, d.CustomID)
	if f == nil || f.isSelect(step) {
		p.private(Message("This form has expired. Press **Open the form again** to start over."))
		return
	}
	for _, row := range d.Components {
		r, ok := row.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, c := range r.Components {
			if in, ok := c.(*discordgo.TextInput); ok {
				f.values[in.CustomID] = in.Value
			}
		}
	}
	a.advance(ctx, p, f, user, chat, discordgo.InteractionResponseChannelMessageWithSource)
}

// advance shows the next step, or hands the whole form to the engine.
func (a *Adapter) advance(ctx context.Context, p *pending, f *formSession, user bot.User, chat bot.Chat, msgType discordgo.InteractionResponseType) {
	f.step++
	if f.step < len(f.steps) {
		if err := a.saveForm(ctx, f, false); err != nil {
			if errors.Is(err, errFormGone) {
				p.private(Message("This form has expired. Press **Open the form again** to start over."))
				return
			}
			a.log.Error("save form progress", "user", f.user, "err", err)
			p.private(Message("Sorry, I could not save your answers just now. Please try again in a moment."))
			return
		}
		if !f.isSelect(f.step) && p.i.Type == discordgo.InteractionModalSubmit {
			// A modal cannot answer a modal: offer a button that opens the next one.
			cid := formPrefix + f.id + "|" + strconv.Itoa(f.step) + "|next"
			msg := bot.Message{Text: fmt.Sprintf("**%s**: part %d of %d saved. Press **Continue** for the rest.", f.form.Title, f.step, len(f.steps))}
			resp := a.messageResponse(discordgo.InteractionResponseChannelMessageWithSource, msg, p.ephemeral)
			resp.Data.Components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.Button{Label: "Continue", Style: discordgo.PrimaryButton, CustomID: cid}}}}
			if err := p.respond(resp); err != nil {
				a.log.Warn("offer next form step", "err", err)
			}
			return
		}
		if err := a.showStep(p, f, msgType); err != nil {
			a.log.Warn("show next form step", "err", err)
		}
		return
	}
	if err := a.dropForm(ctx, f.user, f.id); err != nil {
		// Left behind, it expires after Options.FormTTL.
		a.log.Warn("clear form progress", "user", f.user, "err", err)
	}
	if p.i.Type == discordgo.InteractionMessageComponent {
		// The last step was a select: show what was chosen in place.
		var b strings.Builder
		fmt.Fprintf(&b, "**%s**: thanks, sent.", f.form.Title)
		for _, fl := range f.form.Fields {
			if fl.Type == bot.FieldSelect && f.values[fl.ID] != "" {
				fmt.Fprintf(&b, "\n%s: %s", fl.Label, f.values[fl.ID])
			}
		}
		if err := p.respond(a.messageResponse(discordgo.InteractionResponseUpdateMessage, Message(b.String()), false)); err != nil {
			a.log.Warn("confirm form", "err", err)
		}
	}
	a.deliver(ctx, bot.Event{ID: p.i.ID, Platform: Name, Kind: bot.EventForm, User: user, Chat: chat, FormID: f.form.ID, Values: f.values})
}
