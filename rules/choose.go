package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Strategies for picking among available agents.
const (
	StrategyLeastBusy  = "least_busy"
	StrategyRoundRobin = "round_robin"
)

// Availability is what routing knows about the agents right now.
type Availability struct {
	Loads    map[string]tickets.AgentLoad // by agent name
	Presence map[string]string            // by agent name: "online", "away", "offline"; missing = online
}

// Choice is the routing decision for one ticket.
type Choice struct {
	Agent  *config.Agent // nil: nobody available, ticket stays queued
	Reason string        // why this agent, or why nobody
	Route  Route
}

// Choose picks the agent for t at now. Candidates are the desk's agents that
// have every skill of the route (and are among its agents, if it names any),
// are inside their service hours (their own, else the desk's), are online and
// have fewer than max_open open tickets (max_open 0: no limit). Agents who let
// this ticket time out (t.Declined) are skipped; if that leaves nobody, they
// are offered it again, except the one it just timed out from while anyone
// else is available. The desk's strategy then picks one, deterministically.
func Choose(d *config.Desk, t *tickets.Ticket, av Availability, now time.Time) Choice {
	route := Match(d, t)
	ch := Choice{Route: route}
	if d == nil {
		ch.Reason = "no desk"
		return ch
	}
	group := groupText(route)

	var qualified []*config.Agent
	for _, a := range d.Agents {
		if a != nil && hasSkills(a, route.Skills) && listed(a, route.Agents) {
			qualified = append(qualified, a)
		}
	}
	if len(qualified) == 0 {
		if len(d.Agents) == 0 {
			ch.Reason = "the desk has no agents"
		} else {
			ch.Reason = "no agent of the desk" + group
		}
		return ch
	}

	var avail []*config.Agent
	var outside, away, full int
	var next time.Time
	var nextLoc *time.Location
	for _, a := range qualified {
		h := hoursOf(d, a)
		if !IsOpen(h, now) {
			outside++
			if n, ok := NextOpen(h, now); ok && (next.IsZero() || n.Before(next)) {
				next, nextLoc = n, location(h)
			}
			continue
		}
		if !online(av, a.Name) {
			away++
			continue
		}
		if a.MaxOpen > 0 && av.Loads[a.Name].Open >= a.MaxOpen {
			full++
			continue
		}
		avail = append(avail, a)
	}
	if len(avail) == 0 {
		ch.Reason = nobodyReason(group, outside, away, full, next, nextLoc, now)
		return ch
	}

	pool := slices.DeleteFunc(slices.Clone(avail), func(a *config.Agent) bool {
		return slices.Contains(t.Declined, a.Name)
	})
	var note string
	switch {
	case len(pool) == 0:
		// Everyone available already let it time out: offer it again rather
		// than leave it stuck, but not straight back to the last one.
		last := t.Declined[len(t.Declined)-1]
		pool = slices.DeleteFunc(slices.Clone(avail), func(a *config.Agent) bool { return a.Name == last })
		if len(pool) == 0 {
			pool = avail
		}
		note = "; every available agent had let it time out, offering it again"
	case len(pool) < len(avail):
		var skipped []string
		for _, a := range avail {
			if slices.Contains(t.Declined, a.Name) {
				skipped = append(skipped, a.Name)
			}
		}
		note = "; skipped " + strings.Join(skipped, ", ") + " (let it time out)"
	}

	if d.Strategy == StrategyRoundRobin {
		ch.Agent = pickRoundRobin(pool, av)
		last := av.Loads[ch.Agent.Name].LastAssigned
		when := "never assigned before"
		if !last.IsZero() {
			when = "last assigned " + last.UTC().Format("2006-01-02 15:04 MST")
		}
		ch.Reason = fmt.Sprintf("round robin: next of %s (%s)", countText(len(pool), group), when)
	} else {
		ch.Agent = pickLeastBusy(pool, av)
		open := av.Loads[ch.Agent.Name].Open
		if len(pool) == 1 {
			ch.Reason = fmt.Sprintf("only online agent%s (%d open)", group, open)
		} else {
			ch.Reason = fmt.Sprintf("least busy of %s (%d open)", countText(len(pool), group), open)
		}
	}
	ch.Reason += note
	return ch
}

// NextAvailable returns when the desk can next take a ticket: now if some
// agent is within service hours, else when the first agent's hours (their own,
// else the desk's) open. A desk without agents uses its own hours. It reports
// false if nobody opens within the next 366 days.
func NextAvailable(d *config.Desk, now time.Time) (time.Time, bool) {
	if d == nil {
		return time.Time{}, false
	}
	if len(d.Agents) == 0 {
		return NextOpen(d.Hours, now)
	}
	var best time.Time
	found := false
	for _, a := range d.Agents {
		if a == nil {
			continue
		}
		if n, ok := NextOpen(hoursOf(d, a), now); ok && (!found || n.Before(best)) {
			best, found = n, true
		}
	}
	return best, found
}

func pickLeastBusy(pool []*config.Agent, av Availability) *config.Agent {
	best := pool[0]
	for _, a := range pool[1:] {
		la, lb := av.Loads[a.Name], av.Loads[best.Name]
		if la.Open < lb.Open || (la.Open == lb.Open && la.LastAssigned.Before(lb.LastAssigned)) {
			best = a
		}
	}
	return best
}

func pickRoundRobin(pool []*config.Agent, av Availability) *config.Agent {
	best := pool[0]
	for _, a := range pool[1:] {
		if av.Loads[a.Name].LastAssigned.Before(av.Loads[best.Name].LastAssigned) {
			best = a
		}
	}
	return best
}

func hoursOf(d *config.Desk, a *config.Agent) *config.Hours {
	if a.Hours != nil {
		return a.Hours
	}
	return d.Hours
}

func online(av Availability, name string) bool {
	p, ok := av.Presence[name]
	return !ok || p == "" || strings.EqualFold(p, "online")
}

func hasSkills(a *config.Agent, skills []string) bool {
	for _, s := range skills {
		if !slices.ContainsFunc(a.Skills, func(have string) bool { return strings.EqualFold(have, s) }) {
			return false
		}
	}
	return true
}

func listed(a *config.Agent, names []string) bool {
	return len(names) == 0 || slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, a.Name) })
}

// groupText describes the route's requirements: " with skills [network]".
func groupText(r Route) string {
	var b strings.Builder
	if len(r.Skills) > 0 {
		b.WriteString(" with skills [" + strings.Join(r.Skills, ", ") + "]")
	}
	if len(r.Agents) > 0 {
		b.WriteString(" among [" + strings.Join(r.Agents, ", ") + "]")
	}
	return b.String()
}

func countText(n int, group string) string {
	if n == 1 {
		return "1 online agent" + group
	}
	return fmt.Sprintf("%d online agents%s", n, group)
}

func nobodyReason(group string, outside, away, full int, next time.Time, loc *time.Location, now time.Time) string {
	opening := "; none has service hours in the next year"
	if !next.IsZero() {
		opening = "; next opening " + whenText(next, now, loc)
	}
	switch {
	case away == 0 && full == 0:
		return "no agent" + group + " is within service hours" + opening
	case outside == 0 && full == 0:
		return "no agent" + group + " is online (" + plural(away, "agent is", "agents are") + " away or offline)"
	case outside == 0 && away == 0:
		return "every online agent" + group + " is at max_open (" + plural(full, "agent", "agents") + ")"
	}
	var parts []string
	if outside > 0 {
		parts = append(parts, fmt.Sprintf("%d outside service hours (%s)", outside, strings.TrimPrefix(opening, "; ")))
	}
	if away > 0 {
		parts = append(parts, fmt.Sprintf("%d away or offline", away))
	}
	if full > 0 {
		parts = append(parts, fmt.Sprintf("%d at max_open", full))
	}
	return "no agent" + group + " is available: " + strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// whenText formats an instant for people in loc: "Mon 08:00 Europe/Berlin",
// with the date when it is a week or more away.
func whenText(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	layout := "Mon 15:04"
	if t.Sub(now) >= 6*24*time.Hour {
		layout = "Mon 2 Jan 2006 15:04"
	}
	return t.In(loc).Format(layout) + " " + loc.String()
}
