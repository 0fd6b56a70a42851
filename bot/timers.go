package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/rules"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

var activeStatuses = []tickets.Status{tickets.StatusOpen, tickets.StatusAssigned, tickets.StatusInService, tickets.StatusSnoozed}

// Tick fires every timer that is due at the engine's clock: agents who did
// not Start Chat lose the ticket, snoozed tickets wake, silent chats are
// warned and closed, SLA warnings go out, and queues are dispatched (an agent
// may have come on shift). Timers are derived from persisted ticket fields
// and flags, so they survive restarts and fire once.
func (e *Engine) Tick(ctx context.Context) error {
	if err := e.finishOpenings(ctx); err != nil {
		e.log.Warn("pending ticket openings", "err", err)
	}
	rt := e.rt.Load()
	for _, d := range rt.Config.Desks {
		if err := e.fireDue(ctx, rt, d); err != nil {
			return err
		}
		e.dispatch(ctx, rt, d.ID)
	}
	e.pruneEvents(ctx)
	if err := e.retryDeliveries(ctx); err != nil {
		e.log.Warn("undelivered replies", "err", err)
	}
	return nil
}

// Handled event ids are kept this long (platforms redeliver within minutes)
// and pruned this often.
const (
	keepEvents = 7 * 24 * time.Hour
	pruneEvery = 24 * time.Hour
)

// pruneEvents forgets old handled event ids once a day, so the table that
// de-duplicates events does not grow forever.
func (e *Engine) pruneEvents(ctx context.Context) {
	now := e.now()
	last := e.prunedAt.Load()
	if last != 0 && now.Sub(time.Unix(0, last)) < pruneEvery {
		return
	}
	e.prunedAt.Store(now.UnixNano())
	n, err := e.store.PruneEvents(ctx, now.Add(-keepEvents))
	if err != nil {
		e.log.Warn("prune handled events", "err", err)
		return
	}
	if n > 0 {
		e.log.Info("pruned handled events", "count", n)
	}
}

// fireDue fires the desk's due timers. Replicas take turns (a cluster lock),
// so each reads the tickets as the previous one left them and a timer fires
// once: a timed-out assignment is requeued once, not again after another
// replica has given the ticket to the next agent.
func (e *Engine) fireDue(ctx context.Context, rt *Runtime, d *config.Desk) error {
	unlock, err := e.clusterLock(ctx, "timers:"+d.ID)
	if err != nil {
		return fmt.Errorf("lock timers of %s: %w", d.ID, err)
	}
	defer unlock()
	ts, err := e.store.List(ctx, tickets.Filter{Desk: d.ID, Statuses: activeStatuses})
	if err != nil {
		return fmt.Errorf("list active tickets of %s: %w", d.ID, err)
	}
	now := e.now()
	for _, t := range ts {
		for _, tm := range rules.DueTimers(d, t, now) {
			if err := e.fire(ctx, rt, d, t, tm); err != nil && errs.Code(err) != errs.ECONFLICT {
				e.log.Warn("timer failed", "ticket", t.Key, "timer", tm.Kind, "err", err)
			}
		}
	}
	return nil
}

// Run calls Tick every interval until ctx is done.
func (e *Engine) Run(ctx context.Context, interval time.Duration) {
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			if err := e.Tick(ctx); err != nil {
				e.log.Warn("timers", "err", err)
			}
		}
	}
}

func (e *Engine) fire(ctx context.Context, rt *Runtime, d *config.Desk, t *tickets.Ticket, tm rules.Timer) error {
	defer e.lockTicket(t.ID)()
	switch tm.Kind {
	case rules.TimerAssignTimeout:
		return e.requeue(ctx, rt, d, t)
	case rules.TimerWake:
		_, err := e.wake(ctx, rt, t.ID, tickets.System, tickets.SourceTimer)
		return err
	case rules.TimerInactivityWarn:
		w, err := e.svc.SetFlag(ctx, t.ID, tm.Flag, string(tm.Kind), tickets.System, tickets.SourceTimer)
		if err != nil {
			return err
		}
		if w.GroupChat != "" {
			_, err = e.sendTo(ctx, w.Platform, w.GroupChat, Message{Text: fmt.Sprintf(
				"No one has written here for %s. This chat will close by itself in %s unless someone writes.",
				d.Inactivity.Warn.D(), (d.Inactivity.Close.D() - d.Inactivity.Warn.D()))})
		}
		return err
	case rules.TimerInactivityClose:
		_, err := e.endService(ctx, rt, t.ID, "closed after inactivity", tickets.System, tickets.SourceTimer)
		return err
	case rules.TimerFirstResponseWarn, rules.TimerFirstResponseBreach, rules.TimerResolutionWarn, rules.TimerResolutionBreach:
		w, err := e.svc.SetFlag(ctx, t.ID, tm.Flag, string(tm.Kind)+": "+tm.Detail, tickets.System, tickets.SourceTimer)
		if err != nil {
			return err
		}
		text := fmt.Sprintf("⚠️ **%s** (%s): %s", w.Key, Literal(w.Subject), tm.Detail)
		if ch := d.AgentChannel[w.Platform]; ch != "" {
			_, err = e.sendTo(ctx, w.Platform, ch, Message{Text: text})
		} else if ag := d.AgentByName(w.Assignee); ag != nil && ag.ID(w.Platform) != "" {
			_, err = e.sendDM(ctx, w.Platform, ag.ID(w.Platform), Message{Text: text})
		}
		return err
	}
	return nil
}

// Recover finishes what a crash may have cut short: submitted forms get
// their tickets and their users are told (see openings.go), assigned
// tickets whose cards were never posted get them now, and every queue is
// dispatched.
func (e *Engine) Recover(ctx context.Context) error {
	if err := e.finishOpenings(ctx); err != nil {
		return fmt.Errorf("recover pending ticket openings: %w", err)
	}
	rt := e.rt.Load()
	for _, d := range rt.Config.Desks {
		ts, err := e.store.List(ctx, tickets.Filter{Desk: d.ID, Statuses: []tickets.Status{tickets.StatusAssigned}})
		if err != nil {
			return fmt.Errorf("recover desk %s: %w", d.ID, err)
		}
		for _, t := range ts {
			if len(t.Cards) == 0 {
				e.announce(ctx, rt, d, t)
			}
		}
		e.dispatch(ctx, rt, d.ID)
	}
	e.pruneEvents(ctx)
	// Replies queued before the restart go out from the next Tick; until
	// then, replies to their chats queue behind them.
	if n, err := e.store.CountDeliveries(ctx); err != nil {
		return fmt.Errorf("recover undelivered replies: %w", err)
	} else if n > 0 {
		e.deliveriesWaiting.Store(n)
		e.log.Info("undelivered replies wait to be sent again", "count", n)
	}
	return nil
}
