package bot

import "context"

// ButtonRetirer is implemented by a platform that can take the controls off
// a message it posted while keeping its content, adding a short line that
// says why: Discord buttons disabled, Slack's actions block replaced by a
// context line, Mattermost's actions removed from the post. The engine asks
// for it when someone presses a button whose moment has passed (a form
// prompt after the form was sent, a rating prompt after a reopen, the End
// Service of a closed room), so the stale controls do not stay live.
type ButtonRetirer interface {
	RetireButtons(ctx context.Context, ref MessageRef, note string) error
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
	if err := r.RetireButtons(ctx, ref, note); err != nil {
		e.log.Warn("retire stale buttons", "platform", ev.Platform, "message", ref.ID, "err", err)
	}
}

// inactive refuses a stale press in private and retires its buttons.
func (e *Engine) inactive(ctx context.Context, ev Event) error {
	err := e.private(ctx, ev, "That button is no longer active.")
	e.retireButtons(ctx, ev, "That button is no longer active.")
	return err
}
