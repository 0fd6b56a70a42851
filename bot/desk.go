// Which desk a conversation is with: the desks a user may use, the desk
// picker, the conversation's language and whether a desk is offline.

package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
)

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
		return c.say(translate([]string{c.pickerLanguage(nil)}, mNoDesk))
	}
	if c.ev.Kind == EventMessage || c.ev.Kind == EventCommand {
		if q := Sanitize(c.ev.Text, maxQuestionLen); !isGreeting(q) {
			c.st.Question = q
		}
	}
	c.st.Step = StepIdle
	msg := Message{Text: translate([]string{c.pickerLanguage(ds)}, mWhichDesk)}
	for _, d := range ds {
		label := d.Name
		msg.Buttons = append(msg.Buttons, Button{ID: actDesk, Label: label, Value: d.ID})
		if d.Description != "" {
			msg.Text += fmt.Sprintf("\n• **%s**: %s", d.Name, d.Description)
		}
	}
	return c.reply(msg)
}

func (c *conv) chooseDesk(ctx context.Context, id string) error {
	d := c.rt.Config.Desk(id)
	if d == nil || !d.Available(c.ev.Platform, c.ev.User.ID) {
		return c.say(translate([]string{c.pickerLanguage(c.availableDesks())}, mDeskUnavailable))
	}
	pending := c.st.Question
	c.reset()
	c.st.Desk, c.st.Lang, c.desk = d.ID, "", d
	if c.e.deskOffline(ctx, d) {
		return c.say(c.offlineMessage(d, pending))
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
