package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// TimerKind names a timer that can come due for a ticket.
type TimerKind string

const (
	TimerAssignTimeout       TimerKind = "assign_timeout"            // assigned, no Start Chat within desk.AssignTimeout
	TimerWake                TimerKind = "wake"                      // snoozed, SnoozedUntil reached
	TimerInactivityWarn      TimerKind = "inactivity_warn"           // in service, no message for Inactivity.Warn
	TimerInactivityClose     TimerKind = "inactivity_close"          // in service, warned, no message for Inactivity.Close
	TimerFirstResponseWarn   TimerKind = "sla_first_response_warn"   // first response target nearly used up
	TimerFirstResponseBreach TimerKind = "sla_first_response_breach" // first response target used up
	TimerResolutionWarn      TimerKind = "sla_resolution_warn"       // resolution target nearly used up
	TimerResolutionBreach    TimerKind = "sla_resolution_breach"     // resolution target used up
)

// Timer is one thing due for a ticket. The engine applies it through one
// ticket transition and, when Flag is set, sets that flag so it fires once.
type Timer struct {
	Kind   TimerKind
	Flag   tickets.Flags // 0 when not a one-shot flag
	Detail string
}

// DueTimers returns what is due for t at now, in a fixed order: assign
// timeout, wake, inactivity, first-response SLA, resolution SLA.
//
// SLA clocks count the desk's business hours since CreatedAt; a zero target
// is off, a snoozed ticket's SLA is not checked while snoozed, and a warning
// is off when warn_before is zero or not below the target. A warning is never
// returned once the breach is due or flagged, so each SLA says one thing at a
// time and each fires once.
func DueTimers(d *config.Desk, t *tickets.Ticket, now time.Time) []Timer {
	if d == nil || t == nil {
		return nil
	}
	var due []Timer
	switch t.Status {
	case tickets.StatusAssigned:
		if at, ok := assignDeadline(d, t); ok && !now.Before(at) {
			due = append(due, Timer{Kind: TimerAssignTimeout, Detail: fmt.Sprintf(
				"%s did not press Start Chat within %s", orSomeone(t.Assignee), durText(d.AssignTimeout.D()))})
		}
	case tickets.StatusSnoozed:
		if !t.SnoozedUntil.IsZero() && !now.Before(t.SnoozedUntil) {
			due = append(due, Timer{Kind: TimerWake, Detail: "snoozed until " + t.SnoozedUntil.UTC().Format(time.RFC3339)})
		}
	case tickets.StatusInService:
		if at, kind, ok := inactivityDeadline(d, t); ok && !now.Before(at) {
			quiet := durText(now.Sub(t.LastActivityAt))
			if kind == TimerInactivityWarn {
				detail := "no message for " + quiet
				if c := d.Inactivity.Close.D(); c > 0 {
					detail += "; the chat closes after " + durText(c) + " without one"
				}
				due = append(due, Timer{Kind: kind, Flag: tickets.FlagInactivityWarned, Detail: detail})
			} else {
				due = append(due, Timer{Kind: kind, Detail: "no message for " + quiet + "; closing the chat"})
			}
		}
	}
	clocks := slaClocks(d, t)
	var elapsed time.Duration
	if len(clocks) > 0 {
		elapsed = BusinessElapsed(d.Hours, t.CreatedAt, now)
	}
	for _, c := range clocks {
		switch {
		case elapsed >= c.target && t.Flags&c.breachFlag == 0:
			due = append(due, Timer{Kind: c.breach, Flag: c.breachFlag, Detail: fmt.Sprintf(
				"%s target of %s (service hours) missed", c.name, durText(c.target))})
		case c.warnAt > 0 && elapsed >= c.warnAt && elapsed < c.target && t.Flags&(c.warnFlag|c.breachFlag) == 0:
			due = append(due, Timer{Kind: c.warn, Flag: c.warnFlag, Detail: fmt.Sprintf(
				"%s due in %s of service hours (target %s)", c.name, durText(c.target-elapsed), durText(c.target))})
		}
	}
	return due
}

// NextDue returns the earliest instant after now at which DueTimers could
// return something it does not return at now (zero if nothing is pending), so
// the engine can sleep until then. Timers already due at now are not repeated
// here: the engine applies them from DueTimers.
func NextDue(d *config.Desk, t *tickets.Ticket, now time.Time) time.Time {
	if d == nil || t == nil {
		return time.Time{}
	}
	var next time.Time
	consider := func(at time.Time) {
		if at.After(now) && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	switch t.Status {
	case tickets.StatusAssigned:
		if at, ok := assignDeadline(d, t); ok {
			consider(at)
		}
	case tickets.StatusSnoozed:
		// SLA checks resume when the ticket wakes, so the wake-up covers them.
		if !t.SnoozedUntil.IsZero() {
			consider(t.SnoozedUntil)
		}
	case tickets.StatusInService:
		if at, _, ok := inactivityDeadline(d, t); ok {
			consider(at)
		}
	}
	for _, c := range slaClocks(d, t) {
		if c.warnAt > 0 && t.Flags&(c.warnFlag|c.breachFlag) == 0 {
			if at, ok := AddBusiness(d.Hours, t.CreatedAt, c.warnAt); ok {
				consider(at)
			}
		}
		if t.Flags&c.breachFlag == 0 {
			if at, ok := AddBusiness(d.Hours, t.CreatedAt, c.target); ok {
				consider(at)
			}
		}
	}
	return next
}

func assignDeadline(d *config.Desk, t *tickets.Ticket) (time.Time, bool) {
	if d.AssignTimeout <= 0 || t.AssignedAt.IsZero() {
		return time.Time{}, false
	}
	return t.AssignedAt.Add(d.AssignTimeout.D()), true
}

// inactivityDeadline returns the next inactivity timer of an in-service
// ticket and when it comes due. Without a warning period the close needs no
// warning first.
func inactivityDeadline(d *config.Desk, t *tickets.Ticket) (time.Time, TimerKind, bool) {
	warn, closeAfter := d.Inactivity.Warn.D(), d.Inactivity.Close.D()
	if t.LastActivityAt.IsZero() {
		return time.Time{}, "", false
	}
	if warn > 0 && t.Flags&tickets.FlagInactivityWarned == 0 {
		return t.LastActivityAt.Add(warn), TimerInactivityWarn, true
	}
	if closeAfter > 0 {
		return t.LastActivityAt.Add(closeAfter), TimerInactivityClose, true
	}
	return time.Time{}, "", false
}

// slaClock is one SLA target that applies to a ticket right now.
type slaClock struct {
	name                 string
	target, warnAt       time.Duration // warnAt 0: no warning
	warn, breach         TimerKind
	warnFlag, breachFlag tickets.Flags
}

func slaClocks(d *config.Desk, t *tickets.Ticket) []slaClock {
	if !t.Status.Active() || t.Status == tickets.StatusSnoozed || t.CreatedAt.IsZero() {
		return nil
	}
	var cs []slaClock
	before := d.SLA.WarnBefore.D()
	warnAt := func(target time.Duration) time.Duration {
		if before <= 0 || before >= target {
			return 0
		}
		return target - before
	}
	if target := d.SLA.FirstResponse.D(); target > 0 && t.FirstResponseAt.IsZero() {
		cs = append(cs, slaClock{
			name: "first response", target: target, warnAt: warnAt(target),
			warn: TimerFirstResponseWarn, breach: TimerFirstResponseBreach,
			warnFlag: tickets.FlagFirstResponseWarned, breachFlag: tickets.FlagFirstResponseBreached,
		})
	}
	if target := d.SLA.Resolution.D(); target > 0 {
		cs = append(cs, slaClock{
			name: "resolution", target: target, warnAt: warnAt(target),
			warn: TimerResolutionWarn, breach: TimerResolutionBreach,
			warnFlag: tickets.FlagResolutionWarned, breachFlag: tickets.FlagResolutionBreached,
		})
	}
	return cs
}

func orSomeone(name string) string {
	if name == "" {
		return "the assigned agent"
	}
	return name
}

// durText formats a duration the way admins write it: "15m", "1h30m", "2h".
func durText(d time.Duration) string {
	d = d.Round(time.Second)
	if d < time.Minute {
		return d.String()
	}
	d = d.Round(time.Minute)
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
