package rules_test

import (
	"strconv"
	"strings"
	"testing"
	"time"
	// Zone data in the test binary, so the daylight-saving tests run on hosts
	// without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// ---- hours ----

type hoursOpt func(testing.TB, *config.Hours)

// hours builds filled-in service hours the way the config loader does:
// hours(t, "Europe/Berlin", weekly("mon-fri", "09:00-17:00"), holiday("2026-12-25")).
func hours(tb testing.TB, tz string, opts ...hoursOpt) *config.Hours {
	tb.Helper()
	h := &config.Hours{Timezone: tz, Location: mustLoc(tb, tz), Closed: map[string]bool{}}
	for _, o := range opts {
		o(tb, h)
	}
	return h
}

// weekly opens the days ("mon-fri", "sat,sun", "daily") at spans such as
// "09:00-12:00,13:00-17:00". A span ending before it starts runs overnight
// and is split across the two days, as the loader does.
func weekly(days, spans string) hoursOpt {
	return func(tb testing.TB, h *config.Hours) {
		tb.Helper()
		for _, d := range parseDays(tb, days) {
			for _, sp := range strings.Split(spans, ",") {
				a, b, ok := strings.Cut(sp, "-")
				if !ok {
					tb.Fatalf("bad span %q", sp)
				}
				start, end := clock(tb, a), clock(tb, b)
				if end > start {
					h.Windows[d] = append(h.Windows[d], config.Window{Start: start, End: end})
					continue
				}
				next := (d + 1) % 7
				h.Windows[d] = append(h.Windows[d], config.Window{Start: start, End: 24 * 60})
				if end > 0 {
					h.Windows[next] = append(h.Windows[next], config.Window{Start: 0, End: end})
				}
			}
		}
	}
}

func holiday(dates ...string) hoursOpt {
	return func(_ testing.TB, h *config.Hours) {
		for _, d := range dates {
			h.Closed[d] = true
		}
	}
}

func parseDays(tb testing.TB, s string) []time.Weekday {
	tb.Helper()
	names := map[string]time.Weekday{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
	if s == "daily" {
		return []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	}
	var out []time.Weekday
	for _, part := range strings.Split(s, ",") {
		a, b, isRange := strings.Cut(part, "-")
		from, ok := names[a]
		if !ok {
			tb.Fatalf("bad day %q", a)
		}
		if !isRange {
			out = append(out, from)
			continue
		}
		to, ok := names[b]
		if !ok {
			tb.Fatalf("bad day %q", b)
		}
		for d := from; ; d = (d + 1) % 7 {
			out = append(out, d)
			if d == to {
				break
			}
		}
	}
	return out
}

func clock(tb testing.TB, s string) int {
	tb.Helper()
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil {
		tb.Fatalf("bad clock %q", s)
	}
	return hh*60 + mm
}

func mustLoc(tb testing.TB, tz string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		tb.Fatalf("load zone %s: %v", tz, err)
	}
	return loc
}

// at parses "2026-03-30 09:00" (or with seconds) as wall-clock time in tz.
func at(tb testing.TB, tz, s string) time.Time {
	tb.Helper()
	layout := "2006-01-02 15:04"
	if strings.Count(s, ":") == 2 {
		layout = time.DateTime
	}
	t, err := time.ParseInLocation(layout, s, mustLoc(tb, tz))
	if err != nil {
		tb.Fatalf("parse %q: %v", s, err)
	}
	return t
}

// ---- desks and agents ----

type agentOpt func(*config.Agent)

func agent(name string, opts ...agentOpt) *config.Agent {
	a := &config.Agent{Name: name, Web: strings.ToLower(name) + "@example.com"}
	for _, o := range opts {
		o(a)
	}
	return a
}

func withSkills(s ...string) agentOpt    { return func(a *config.Agent) { a.Skills = s } }
func withHours(h *config.Hours) agentOpt { return func(a *config.Agent) { a.Hours = h } }
func withMaxOpen(n int) agentOpt         { return func(a *config.Agent) { a.MaxOpen = n } }

type deskOpt func(*config.Desk)

func desk(opts ...deskOpt) *config.Desk {
	d := &config.Desk{ID: "it", Name: "IT Help Desk"}
	for _, o := range opts {
		o(d)
	}
	return d
}

func withAgents(as ...*config.Agent) deskOpt { return func(d *config.Desk) { d.Agents = as } }
func withRules(rs ...*config.Rule) deskOpt   { return func(d *config.Desk) { d.Rules = rs } }
func withDeskHours(h *config.Hours) deskOpt  { return func(d *config.Desk) { d.Hours = h } }
func withStrategy(s string) deskOpt          { return func(d *config.Desk) { d.Strategy = s } }
func withAssignTimeout(x time.Duration) deskOpt {
	return func(d *config.Desk) { d.AssignTimeout = config.Duration(x) }
}
func withInactivity(warn, closeAfter time.Duration) deskOpt {
	return func(d *config.Desk) {
		d.Inactivity = config.Inactivity{Warn: config.Duration(warn), Close: config.Duration(closeAfter)}
	}
}
func withSLA(firstResponse, resolution, warnBefore time.Duration) deskOpt {
	return func(d *config.Desk) {
		d.SLA = config.SLA{
			FirstResponse: config.Duration(firstResponse),
			Resolution:    config.Duration(resolution),
			WarnBefore:    config.Duration(warnBefore),
		}
	}
}

type ruleOpt func(*config.Rule)

func rule(opts ...ruleOpt) *config.Rule {
	r := &config.Rule{}
	for _, o := range opts {
		o(r)
	}
	return r
}

func whenCategory(c string) ruleOpt { return func(r *config.Rule) { r.When.Category = c } }
func whenPlatform(p string) ruleOpt { return func(r *config.Rule) { r.When.Platform = p } }
func whenKeywords(k ...string) ruleOpt {
	return func(r *config.Rule) { r.When.Keywords = k }
}
func whenForm(id, value string) ruleOpt {
	return func(r *config.Rule) {
		if r.When.Form == nil {
			r.When.Form = map[string]string{}
		}
		r.When.Form[id] = value
	}
}
func assignSkills(s ...string) ruleOpt { return func(r *config.Rule) { r.Assign.Skills = s } }
func assignAgents(n ...string) ruleOpt { return func(r *config.Rule) { r.Assign.Agents = n } }
func priority(p string) ruleOpt        { return func(r *config.Rule) { r.Priority = p } }

// ---- tickets ----

type ticketOpt func(*tickets.Ticket)

func ticket(opts ...ticketOpt) *tickets.Ticket {
	t := &tickets.Ticket{ID: 1, Key: "IT-1", Desk: "it", Platform: "web", Status: tickets.StatusOpen,
		Priority: tickets.PriorityNormal, Subject: "help"}
	for _, o := range opts {
		o(t)
	}
	return t
}

func withID(id int64) ticketOpt                 { return func(t *tickets.Ticket) { t.ID = id } }
func withCategory(c string) ticketOpt           { return func(t *tickets.Ticket) { t.Category = c } }
func withSubject(s string) ticketOpt            { return func(t *tickets.Ticket) { t.Subject = s } }
func withPlatform(p string) ticketOpt           { return func(t *tickets.Ticket) { t.Platform = p } }
func withStatus(s tickets.Status) ticketOpt     { return func(t *tickets.Ticket) { t.Status = s } }
func withPriority(p tickets.Priority) ticketOpt { return func(t *tickets.Ticket) { t.Priority = p } }
func withDeclined(n ...string) ticketOpt        { return func(t *tickets.Ticket) { t.Declined = n } }
func withFlags(f tickets.Flags) ticketOpt       { return func(t *tickets.Ticket) { t.Flags = f } }
func withAnswer(id, value string) ticketOpt {
	return func(t *tickets.Ticket) { t.Form = append(t.Form, tickets.FormAnswer{ID: id, Label: id, Value: value}) }
}
func createdAt(x time.Time) ticketOpt { return func(t *tickets.Ticket) { t.CreatedAt = x } }
func assignedTo(name string, x time.Time) ticketOpt {
	return func(t *tickets.Ticket) { t.Status, t.Assignee, t.AssignedAt = tickets.StatusAssigned, name, x }
}
func inService(x time.Time) ticketOpt {
	return func(t *tickets.Ticket) {
		t.Status, t.Assignee, t.StartedAt, t.FirstResponseAt, t.LastActivityAt = tickets.StatusInService, "Ada", x, x, x
	}
}
func lastActivity(x time.Time) ticketOpt { return func(t *tickets.Ticket) { t.LastActivityAt = x } }
func snoozedUntil(x time.Time) ticketOpt {
	return func(t *tickets.Ticket) { t.PrevStatus, t.Status, t.SnoozedUntil = t.Status, tickets.StatusSnoozed, x }
}
func firstResponse(x time.Time) ticketOpt { return func(t *tickets.Ticket) { t.FirstResponseAt = x } }
