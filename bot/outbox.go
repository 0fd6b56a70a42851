package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-chat/helpdesk/errs"
)

// A conversation decides first and acts after saving. One run of the state
// machine changes the state and collects what it means to do (replies,
// private notices, forms, message updates, the ticket opening, dispatch) in
// its outbox; the state is saved with its version, and only then is the
// outbox flushed. When the save meets a conflict (another replica, or a web
// tab and a chat at once, changed the conversation meanwhile) the outbox is
// thrown away and the run starts again on the other writer's state, so
// nobody sees a message twice.

// maxRuns is how often a conversation is run again after a save conflict.
const maxRuns = 3

// outbox is what one run of a conversation does once its state is saved.
type outbox struct {
	effects []func(ctx context.Context) error
}

// add queues an effect. Effects run in order; one added while the outbox is
// flushed runs after the others.
func (o *outbox) add(f func(ctx context.Context) error) { o.effects = append(o.effects, f) }

// flush runs the effects and empties the outbox; it stops at the first error.
func (o *outbox) flush(ctx context.Context) error {
	for i := 0; i < len(o.effects); i++ {
		if err := o.effects[i](ctx); err != nil {
			o.effects = nil
			return err
		}
	}
	o.effects = nil
	return nil
}

// send queues a message to a chat.
func (c *conv) send(platform, chat string, msg Message) {
	ticket := c.st.Ticket
	c.out.add(func(ctx context.Context) error {
		// Queued, and sent again later, if the platform cannot take it now.
		if _, err := c.e.deliver(ctx, platform, deliverSend, queued{Chat: chat, Msg: msg}, ticket); err != nil {
			return fmt.Errorf("reply on %s: %w", platform, err)
		}
		return nil
	})
}

// reply queues a message to the chat of the event. It returns nil, so that
// a step can end with it.
func (c *conv) reply(msg Message) error {
	c.send(c.ev.Platform, c.ev.Chat.ID, msg)
	return nil
}

func (c *conv) say(text string) error { return c.reply(Message{Text: text}) }

// private queues a message only the event's user sees.
func (c *conv) private(text string) error {
	ev := c.ev
	ticket := c.st.Ticket
	c.out.add(func(ctx context.Context) error {
		q := queued{Chat: ev.Chat.ID, User: ev.User.ID, Msg: Message{Text: text}}
		if _, err := c.e.deliver(ctx, ev.Platform, deliverPrivate, q, ticket); err != nil {
			return fmt.Errorf("private reply on %s: %w", ev.Platform, err)
		}
		return nil
	})
	return nil
}

// update queues the update of a message shown earlier; a failure is logged
// as logMsg with logArgs.
func (c *conv) update(ref MessageRef, msg Message, logMsg string, logArgs ...any) {
	platform, ticket := c.ev.Platform, c.st.Ticket
	c.out.add(func(ctx context.Context) error {
		if _, err := c.e.platform(platform); err != nil {
			return nil
		}
		if _, err := c.e.deliver(ctx, platform, deliverUpdate, queued{Chat: ref.Chat, Ref: ref, Msg: msg}, ticket); err != nil {
			c.e.log.Warn(logMsg, append(logArgs, "err", err)...)
		}
		return nil
	})
}

// openForm queues opening a form as a dialog: opened is then said in the
// chat (if it has text), else, where the platform has no dialogs or opening
// fails, fallback. The state is the same either way. With a prompt kind,
// what is said is a prompt of that kind (see stale.go).
func (c *conv) openForm(form Form, opened, fallback Message, kind string) {
	ev := c.ev
	c.out.add(func(ctx context.Context) error {
		p, err := c.e.platform(ev.Platform)
		if err != nil {
			return err
		}
		say := func(m Message) {
			if kind != "" {
				_ = c.sendPrompt(kind, 0, m)
				return
			}
			c.send(ev.Platform, ev.Chat.ID, m)
		}
		err = p.OpenForm(ctx, ev.Trigger, form)
		if err == nil {
			if opened.Text != "" {
				say(opened)
			}
			return nil
		}
		if !errors.Is(err, ErrFormsUnsupported) {
			c.e.log.Warn("open form failed; asking in chat", "platform", ev.Platform, "err", err)
		}
		say(fallback)
		return nil
	})
}

// converse runs step on a user's conversation under its lock: it loads the
// state, lets step decide, saves the state and then flushes the outbox. On
// a save conflict it starts again (up to maxRuns times) with a fresh state
// and an empty outbox.
func (e *Engine) converse(ctx context.Context, rt *Runtime, ev Event, step func(*conv, context.Context) error) error {
	key := stateKey(ev.Platform, ev.User.ID)
	unlock := e.locks.lock("conv:" + key)
	defer unlock()
	var err error
	for range maxRuns {
		st, version, lerr := e.loadState(ctx, key)
		if lerr != nil {
			return lerr
		}
		c := &conv{e: e, rt: rt, ev: ev, st: st, key: key, version: version}
		if err = step(c, ctx); err != nil {
			return err
		}
		c.retireFormPrompts()
		if !c.unchanged {
			if c.st.Step == StepOpening {
				// Write-ahead: indexed before the state that needs finishing is saved.
				if err := e.markOpening(ctx, key, ev.Platform, ev.User.ID, c.st.Seq); err != nil {
					return err
				}
			}
			err = c.save(ctx)
		}
		if err == nil {
			return c.out.flush(ctx)
		}
		if errs.Code(err) != errs.ECONFLICT {
			return err
		}
		// Another writer changed this conversation meanwhile: decide again on its state.
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
