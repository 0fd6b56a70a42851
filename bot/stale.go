package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// A prompt is a message whose controls have a moment: the form prompt
// while the form is being filled, the rating prompt while its ticket is
// resolved, a room's End Service while the ticket is in service there.
// The engine keeps where each live prompt went and what it showed, and
// when its moment passes it retires it at once, through the delivery queue
// (deliverRetire: a platform failure is retried), without waiting for
// anybody to press it. A press that comes late all the same (a prompt
// whose send was queued, a retire that failed) is refused in private and
// retires the pressed message: the second line of defence.

// Kinds of prompts.
const (
	promptForm    = "form"    // Open the form again / Cancel, and the fields asked in chat
	promptRating  = "rating"  // the stars, and the Reopen left on them after a rating
	promptComment = "comment" // the reasons, Add a comment, Skip / Done
	promptRoom    = "room"    // the End Service of a group chat's summary
)

// Prompt is a message with live controls that the engine retires when
// their moment passes. Form prompts are kept in the conversation's State;
// a ticket's (rating, comment, room) in the ticket's own record of the
// state store (ticketPromptsKey), so that any path that moves the ticket
// on (the Ticket Center, the API, a command) finds them.
type Prompt struct {
	Kind     string     `json:"kind"`
	Ticket   int64      `json:"ticket,omitempty"`
	Platform string     `json:"platform"`
	Ref      MessageRef `json:"ref,omitzero"`
	// Shown is the message as it was last shown, so that the platform can
	// show it again without its controls.
	Shown Message `json:"shown"`
	// Note is the line the retired message gains (in its language).
	Note string `json:"note,omitempty"`
	// Key is the conversation of a form prompt.
	Key string `json:"key,omitempty"`
}

// ButtonRetirer is implemented by a platform that can take the controls off
// a message it posted while keeping its content, adding a short line that
// says why: Discord buttons disabled, Slack's actions block replaced by a
// context line, Mattermost's actions removed from the post, the web chat's
// buttons shown disabled. shown is the message as the engine last showed
// it (render it again without controls); nil when the engine does not know
// it (a press on a message it did not keep), and the platform does what
// it can with the message it has.
type ButtonRetirer interface {
	RetireButtons(ctx context.Context, ref MessageRef, shown *Message, note string) error
}

// retireButtons takes the controls off the message of a stale press, if
// the platform can; a failure is logged (the press was refused anyway).
func (e *Engine) retireButtons(ctx context.Context, ev Event, note string) {
	if ev.Kind != EventAction || ev.Action.Message.ID == "" {
		return
	}
	p, err := e.platform(ev.Platform)
	if err != nil {
		return
	}
	r, ok := p.(ButtonRetirer)
	if !ok {
		return
	}
	ref := ev.Action.Message
	if ref.Chat == "" {
		ref.Chat = ev.Chat.ID
	}
	if err := r.RetireButtons(ctx, ref, nil, note); err != nil {
		e.log.Warn("retire stale buttons", "platform", ev.Platform, "message", ref.ID, "err", err)
	}
}

// inactive refuses a stale press in private and retires its buttons.
func (e *Engine) inactive(ctx context.Context, ev Event) error {
	err := e.private(ctx, ev, "That button is no longer active.")
	e.retireButtons(ctx, ev, "That button is no longer active.")
	return err
}

// retire takes a prompt's controls off, now or, if the platform cannot
// take the call now, from the delivery queue. A refusal is logged: a late
// press on the prompt is refused all the same.
func (e *Engine) retire(ctx context.Context, p Prompt) {
	if _, err := e.platform(p.Platform); err != nil {
		return
	}
	// No ticket on the delivery: a retire that never goes through is not
	// news for the agents.
	q := queued{Chat: p.Ref.Chat, Ref: p.Ref, Msg: p.Shown, Note: p.Note}
	if _, err := e.deliver(ctx, p.Platform, deliverRetire, q, 0); err != nil {
		e.log.Warn("retire a prompt", "platform", p.Platform, "kind", p.Kind, "message", p.Ref.ID, "err", err)
	}
}

// promptSent records a prompt whose send waited in the delivery queue,
// now that it went out.
func (e *Engine) promptSent(ctx context.Context, p Prompt, ref MessageRef) {
	p.Ref = ref
	if p.Kind == promptForm {
		defer e.locks.lock("conv:" + p.Key)()
		e.keepFormPrompt(ctx, p, nil, 0)
		return
	}
	e.keepTicketPrompt(ctx, p)
}

// sendPrompt queues a prompt to the chat of the event; once it is sent,
// its ref is kept (see Prompt). It returns nil, so a step can end with it.
func (c *conv) sendPrompt(kind string, ticket int64, msg Message) error {
	platform, chat, current := c.ev.Platform, c.ev.Chat.ID, c.st.Ticket
	p := Prompt{Kind: kind, Ticket: ticket, Platform: platform, Shown: msg, Note: c.t(mButtonInactive)}
	if kind == promptForm {
		p.Key = c.key
	}
	c.out.add(func(ctx context.Context) error {
		ref, err := c.e.deliver(ctx, platform, deliverSend, queued{Chat: chat, Msg: msg, Prompt: &p}, current)
		if err != nil {
			return fmt.Errorf("reply on %s: %w", platform, err)
		}
		if ref.ID == "" {
			return nil // queued: kept when it is sent
		}
		p.Ref = ref
		if kind == promptForm {
			c.st, c.version = c.e.keepFormPrompt(ctx, p, c.st, c.version)
			return nil
		}
		c.e.keepTicketPrompt(ctx, p)
		return nil
	})
	return nil
}

// keepFormPrompt records a sent form prompt in its conversation (whose
// lock the caller holds; st and version are its state as saved, nil to
// load it) while the form is still being filled, and retires it at once
// when the form was sent or cancelled meanwhile. It returns the state as
// saved.
func (e *Engine) keepFormPrompt(ctx context.Context, p Prompt, st *State, version int64) (*State, int64) {
	for range maxRuns {
		if st == nil {
			loaded, v, err := e.loadState(ctx, p.Key)
			if err != nil {
				e.log.Warn("keep a form prompt", "key", p.Key, "err", err)
				return &State{}, 0
			}
			st, version = loaded, v
		}
		if st.Step != StepForm {
			e.retire(ctx, p)
			return st, version
		}
		st.Prompts = append(st.Prompts, p)
		v, err := e.saveState(ctx, p.Key, st, version)
		if err == nil {
			return st, v
		}
		st.Prompts = st.Prompts[:len(st.Prompts)-1]
		if errs.Code(err) != errs.ECONFLICT {
			e.log.Warn("keep a form prompt", "key", p.Key, "err", err)
			return st, version
		}
		st = nil // another writer saved the conversation: look again
	}
	e.log.Warn("keep a form prompt: the conversation kept changing", "key", p.Key)
	if st == nil {
		st, version, _ = e.loadState(ctx, p.Key)
		if st == nil {
			st = &State{}
		}
	}
	return st, version
}

// retireFormPrompts retires the conversation's form prompts once the form
// is no longer being filled (sent, cancelled, left for something else).
func (c *conv) retireFormPrompts() {
	if c.st.Step == StepForm || len(c.st.Prompts) == 0 {
		return
	}
	var gone []Prompt
	c.st.Prompts = slices.DeleteFunc(c.st.Prompts, func(p Prompt) bool {
		if p.Kind == promptForm {
			gone = append(gone, p)
			return true
		}
		return false
	})
	if len(gone) == 0 {
		return
	}
	c.unchanged = false
	c.out.add(func(ctx context.Context) error {
		for _, p := range gone {
			c.e.retire(ctx, p)
		}
		return nil
	})
}

// ticketPrompts is a ticket's record of its live prompts.
type ticketPrompts struct {
	Prompts []Prompt `json:"prompts,omitempty"`
}

func ticketPromptsKey(id int64) string { return "ticket:" + strconv.FormatInt(id, 10) }

// changeTicketPrompts applies change to a ticket's live prompts and saves
// them, again on a save conflict (two replicas, a press and the Ticket
// Center at once).
func (e *Engine) changeTicketPrompts(ctx context.Context, id int64, change func([]Prompt) []Prompt) error {
	key := ticketPromptsKey(id)
	var err error
	for range maxRuns {
		data, version, gerr := e.states.GetState(ctx, key)
		var tp ticketPrompts
		switch {
		case errs.Code(gerr) == errs.ENOTFOUND:
		case gerr != nil:
			return gerr
		default:
			if jerr := json.Unmarshal(data, &tp); jerr != nil {
				e.log.Warn("unreadable prompts of a ticket reset", "ticket", id, "err", jerr)
				tp = ticketPrompts{}
			}
		}
		before := len(tp.Prompts)
		tp.Prompts = change(tp.Prompts)
		if before == 0 && len(tp.Prompts) == 0 {
			return nil
		}
		if data, err = json.Marshal(tp); err != nil {
			return err
		}
		if _, err = e.states.PutState(ctx, key, data, version); errs.Code(err) != errs.ECONFLICT {
			return err
		}
	}
	return err
}

// promptLive reports whether a ticket's prompt still has its moment: a
// rating or comment prompt while the ticket is resolved, a room's End
// Service while it is in service.
func (e *Engine) promptLive(ctx context.Context, p Prompt) bool {
	t, err := e.store.Get(ctx, p.Ticket)
	if err != nil {
		return errs.Code(err) != errs.ENOTFOUND
	}
	if p.Kind == promptRoom {
		return t.Status == tickets.StatusInService
	}
	return t.Status == tickets.StatusResolved
}

// keepTicketPrompt records a sent prompt of a ticket, or retires it at
// once if the ticket moved on meanwhile.
func (e *Engine) keepTicketPrompt(ctx context.Context, p Prompt) {
	if !e.promptLive(ctx, p) {
		e.retire(ctx, p)
		return
	}
	if err := e.changeTicketPrompts(ctx, p.Ticket, func(ps []Prompt) []Prompt {
		return append(slices.DeleteFunc(ps, func(o Prompt) bool { return o.Ref.ID == p.Ref.ID }), p)
	}); err != nil {
		e.log.Warn("keep a prompt", "ticket", p.Ticket, "kind", p.Kind, "err", err)
	}
}

// reshowTicketPrompt records that a ticket's prompt now shows msg (a
// rating made, a reason chosen); one left without controls is no longer
// kept.
func (e *Engine) reshowTicketPrompt(ctx context.Context, id int64, ref MessageRef, msg Message) {
	live := len(msg.Buttons) > 0 || msg.Select != nil
	if err := e.changeTicketPrompts(ctx, id, func(ps []Prompt) []Prompt {
		for i := range ps {
			if ps[i].Ref.ID == ref.ID {
				if !live {
					return slices.Delete(ps, i, i+1)
				}
				ps[i].Shown = msg
			}
		}
		return ps
	}); err != nil {
		e.log.Warn("keep a prompt", "ticket", id, "err", err)
	}
}

// retireTicketPrompts retires a ticket's live prompts of the kinds given.
func (e *Engine) retireTicketPrompts(ctx context.Context, id int64, kinds ...string) {
	var gone []Prompt
	if err := e.changeTicketPrompts(ctx, id, func(ps []Prompt) []Prompt {
		gone = gone[:0]
		return slices.DeleteFunc(ps, func(p Prompt) bool {
			if slices.Contains(kinds, p.Kind) {
				gone = append(gone, p)
				return true
			}
			return false
		})
	}); err != nil {
		e.log.Warn("retire the prompts of a ticket", "ticket", id, "err", err)
		return
	}
	for _, p := range gone {
		e.retire(ctx, p)
	}
}
