package bot

import (
	"context"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/rules"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// dispatch assigns the desk's queued tickets, by priority then age, to the
// agents the rules choose. Errors are logged: the queue is retried on the
// next event or tick.
func (e *Engine) dispatch(ctx context.Context, rt *Runtime, deskID string) {
	desk := rt.Config.Desk(deskID)
	if desk == nil {
		return
	}
	unlock := e.locks.lock("dispatch:" + deskID)
	defer unlock()
	// Other replicas dispatch the same queue: one at a time, each reading the
	// loads the previous one left, so no agent goes over max_open.
	unlockCluster, err := e.clusterLock(ctx, "dispatch:"+deskID)
	if err != nil {
		e.log.Warn("lock queue", "desk", deskID, "err", err)
		return
	}
	defer unlockCluster()
	queue, err := e.store.Queue(ctx, deskID)
	if err != nil || len(queue) == 0 {
		if err != nil {
			e.log.Warn("read queue", "desk", deskID, "err", err)
		}
		return
	}
	loads, err := e.store.Loads(ctx, deskID)
	if err != nil {
		e.log.Warn("read agent loads", "desk", deskID, "err", err)
		return
	}
	presence, err := e.store.Presence(ctx)
	if err != nil {
		e.log.Warn("read presence", "err", err)
		return
	}
	now := e.now()
	for _, t := range queue {
		choice := rules.Choose(platformDesk(desk, t.Platform), t, rules.Availability{Loads: loads, Presence: presence}, now)
		if choice.Agent == nil {
			continue
		}
		// No ticket lock: dispatch runs inside changes that hold one (a
		// reopen holds this very ticket's); a race with another change is
		// settled by the service as a conflict.
		assigned, err := e.assign(ctx, rt, t.ID, choice.Agent.Name, choice.Reason, tickets.System, tickets.SourceRouting)
		if err != nil {
			if errs.Code(err) != errs.ECONFLICT {
				e.log.Warn("assign ticket", "ticket", t.Key, "err", err)
			}
			continue
		}
		l := loads[choice.Agent.Name]
		l.Open++
		l.LastAssigned = now
		if loads == nil {
			loads = map[string]tickets.AgentLoad{}
		}
		loads[choice.Agent.Name] = l
		e.log.Info("ticket assigned", "ticket", assigned.Key, "agent", choice.Agent.Name, "reason", choice.Reason)
	}
}

// platformDesk is the desk with only the agents reachable on a platform.
func platformDesk(d *config.Desk, platform string) *config.Desk {
	cp := *d
	cp.Agents = nil
	for _, a := range d.Agents {
		if a.ID(platform) != "" {
			cp.Agents = append(cp.Agents, a)
		}
	}
	return &cp
}

// openTicketOf returns the user's active ticket on a desk (ENOTFOUND if none).
func (e *Engine) openTicketOf(ctx context.Context, platform, user, desk string) (*tickets.Ticket, error) {
	ts, err := e.store.List(ctx, tickets.Filter{
		Desk:      desk,
		Requester: &tickets.Person{Platform: platform, ID: user},
		Statuses:  []tickets.Status{tickets.StatusOpen, tickets.StatusAssigned, tickets.StatusInService, tickets.StatusSnoozed},
	})
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, errs.Errorf(errs.ENOTFOUND, "no open ticket")
	}
	return ts[len(ts)-1], nil
}
