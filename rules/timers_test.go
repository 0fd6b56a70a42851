package rules_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/rules"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

func kinds(ts []rules.Timer) []rules.TimerKind {
	var out []rules.TimerKind
	for _, t := range ts {
		out = append(out, t.Kind)
	}
	return out
}

func TestDueTimers(t *testing.T) {
	t.Parallel()
	office := hours(t, berlin, weekly("mon-fri", "09:00-17:00"))
	b := func(s string) time.Time { return at(t, berlin, s) }
	mon := b("2026-03-30 10:00")
	assignDesk := desk(withAssignTimeout(10 * time.Minute))
	chatDesk := desk(withInactivity(30*time.Minute, time.Hour))
	// First response within 2h of service hours, resolution within 8h, warn 30m before.
	slaDesk := desk(withDeskHours(office), withSLA(2*time.Hour, 8*time.Hour, 30*time.Minute))
	const (
		frWarned   = tickets.FlagFirstResponseWarned
		frBreached = tickets.FlagFirstResponseBreached
		resWarned  = tickets.FlagResolutionWarned
		resBreach  = tickets.FlagResolutionBreached
	)
	late := b("2026-03-30 16:30") // 30m before closing

	tests := []struct {
		name       string
		d          *config.Desk
		t          *tickets.Ticket
		now        time.Time
		want       []rules.TimerKind
		wantFlags  []tickets.Flags
		wantDetail string
	}{
		{"assign timeout not yet", assignDesk, ticket(assignedTo("Ada", mon)), mon.Add(9*time.Minute + 59*time.Second), nil, nil, ""},
		{"assign timeout", assignDesk, ticket(assignedTo("Ada", mon)), mon.Add(10 * time.Minute),
			[]rules.TimerKind{rules.TimerAssignTimeout}, []tickets.Flags{0}, "Ada did not press Start Chat within 10m"},
		{"assign timeout off", desk(), ticket(assignedTo("Ada", mon)), mon.Add(48 * time.Hour), nil, nil, ""},
		{"assign timeout only while assigned", assignDesk, ticket(inService(mon)), mon.Add(time.Hour), nil, nil, ""},

		{"still snoozed", desk(), ticket(snoozedUntil(mon)), mon.Add(-time.Second), nil, nil, ""},
		{"wake", desk(), ticket(snoozedUntil(mon)), mon, []rules.TimerKind{rules.TimerWake}, []tickets.Flags{0}, "snoozed until"},

		{"chat active", chatDesk, ticket(inService(mon)), mon.Add(29 * time.Minute), nil, nil, ""},
		{"inactivity warning", chatDesk, ticket(inService(mon)), mon.Add(30 * time.Minute),
			[]rules.TimerKind{rules.TimerInactivityWarn}, []tickets.Flags{tickets.FlagInactivityWarned}, "no message for 30m; the chat closes after 1h"},
		{"warning fires once", chatDesk, ticket(inService(mon), withFlags(tickets.FlagInactivityWarned)), mon.Add(45 * time.Minute), nil, nil, ""},
		{"close needs the warning first", chatDesk, ticket(inService(mon)), mon.Add(2 * time.Hour),
			[]rules.TimerKind{rules.TimerInactivityWarn}, []tickets.Flags{tickets.FlagInactivityWarned}, ""},
		{"inactivity close", chatDesk, ticket(inService(mon), withFlags(tickets.FlagInactivityWarned)), mon.Add(time.Hour),
			[]rules.TimerKind{rules.TimerInactivityClose}, []tickets.Flags{0}, "no message for 1h"},
		{"a message restarts the count", chatDesk, ticket(inService(mon), withFlags(tickets.FlagInactivityWarned),
			lastActivity(mon.Add(50*time.Minute))), mon.Add(time.Hour), nil, nil, ""},
		{"close without a warning period", desk(withInactivity(0, time.Hour)), ticket(inService(mon)), mon.Add(time.Hour),
			[]rules.TimerKind{rules.TimerInactivityClose}, []tickets.Flags{0}, ""},

		{"first response: fine", slaDesk, ticket(createdAt(mon)), mon.Add(89 * time.Minute), nil, nil, ""},
		{"first response: warn", slaDesk, ticket(createdAt(mon)), mon.Add(90 * time.Minute),
			[]rules.TimerKind{rules.TimerFirstResponseWarn}, []tickets.Flags{frWarned}, "first response due in 30m"},
		{"first response: warn fires once", slaDesk, ticket(createdAt(mon), withFlags(frWarned)), mon.Add(100 * time.Minute), nil, nil, ""},
		{"first response: breach", slaDesk, ticket(createdAt(mon), withFlags(frWarned)), mon.Add(2 * time.Hour),
			[]rules.TimerKind{rules.TimerFirstResponseBreach}, []tickets.Flags{frBreached}, "first response target of 2h"},
		{"first response: breach without the warning first", slaDesk, ticket(createdAt(mon)), mon.Add(3 * time.Hour),
			[]rules.TimerKind{rules.TimerFirstResponseBreach}, []tickets.Flags{frBreached}, ""},
		{"first response: no warning after the breach", slaDesk, ticket(createdAt(mon), withFlags(frBreached)), mon.Add(3 * time.Hour), nil, nil, ""},
		{"first response: answered", slaDesk, ticket(createdAt(mon), firstResponse(mon.Add(time.Minute))), mon.Add(3 * time.Hour), nil, nil, ""},
		{"first response: counts service hours only, not the night", slaDesk, ticket(createdAt(late)),
			b("2026-03-31 09:59"), nil, nil, ""},
		{"first response: warn the next morning", slaDesk, ticket(createdAt(late)), b("2026-03-31 10:00"),
			[]rules.TimerKind{rules.TimerFirstResponseWarn}, []tickets.Flags{frWarned}, ""},
		{"first response: breach the next morning", slaDesk, ticket(createdAt(late), withFlags(frWarned)), b("2026-03-31 10:30"),
			[]rules.TimerKind{rules.TimerFirstResponseBreach}, []tickets.Flags{frBreached}, ""},
		{"SLA not checked while snoozed", slaDesk, ticket(createdAt(mon), snoozedUntil(mon.Add(48*time.Hour))), mon.Add(24 * time.Hour), nil, nil, ""},
		{"SLA off", desk(withDeskHours(office)), ticket(createdAt(mon)), mon.Add(240 * time.Hour), nil, nil, ""},

		{"resolution: warn", slaDesk, ticket(createdAt(b("2026-03-30 09:00")), inService(mon), withFlags(frBreached)),
			b("2026-03-30 16:30"), []rules.TimerKind{rules.TimerResolutionWarn}, []tickets.Flags{resWarned}, "resolution due in 30m"},
		{"resolution: breach at closing time", slaDesk, ticket(createdAt(b("2026-03-30 09:00")), inService(b("2026-03-30 16:55")), withFlags(resWarned)),
			b("2026-03-30 17:00"), []rules.TimerKind{rules.TimerResolutionBreach}, []tickets.Flags{resBreach}, ""},
		{"resolution: fires once", slaDesk, ticket(createdAt(b("2026-03-30 09:00")), inService(b("2026-03-31 16:55")), withFlags(resWarned|resBreach)),
			b("2026-03-31 17:00"), nil, nil, ""},
		{"resolution: not for resolved tickets", slaDesk, ticket(createdAt(mon), withStatus(tickets.StatusResolved)),
			mon.Add(240 * time.Hour), nil, nil, ""},
		{"both SLA clocks at once", slaDesk, ticket(createdAt(b("2026-03-30 09:00"))), b("2026-03-31 09:00"),
			[]rules.TimerKind{rules.TimerFirstResponseBreach, rules.TimerResolutionBreach}, []tickets.Flags{frBreached, resBreach}, ""},
		{"no SLA warning when warn_before is not below the target",
			desk(withDeskHours(office), withSLA(time.Hour, 0, time.Hour)), ticket(createdAt(mon)), mon.Add(59 * time.Minute), nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due := rules.DueTimers(tt.d, tt.t, tt.now)
			if got := kinds(due); !slices.Equal(got, tt.want) {
				t.Fatalf("DueTimers = %v, want %v", got, tt.want)
			}
			for i, tm := range due {
				if tm.Flag != tt.wantFlags[i] {
					t.Errorf("%s flag = %b, want %b", tm.Kind, tm.Flag, tt.wantFlags[i])
				}
				if tm.Detail == "" {
					t.Errorf("%s has no detail", tm.Kind)
				}
			}
			if tt.wantDetail != "" && !strings.Contains(due[0].Detail, tt.wantDetail) {
				t.Errorf("detail %q does not mention %q", due[0].Detail, tt.wantDetail)
			}
		})
	}
}

// TestTimersFireOnce plays the engine: it sleeps until NextDue, applies each
// due timer's flag (and the transitions it implies), and checks that each
// timer fires exactly once and at the expected time.
func TestTimersFireOnce(t *testing.T) {
	t.Parallel()
	office := hours(t, berlin, weekly("mon-fri", "09:00-17:00"))
	d := desk(withDeskHours(office), withSLA(2*time.Hour, 4*time.Hour, 30*time.Minute))
	created := at(t, berlin, "2026-03-27 16:00") // Friday, an hour before closing
	tk := ticket(createdAt(created))

	type fired struct {
		kind rules.TimerKind
		at   time.Time
	}
	var got []fired
	now := created
	for range 20 {
		for _, tm := range rules.DueTimers(d, tk, now) {
			got = append(got, fired{tm.Kind, now})
			tk.Flags |= tm.Flag
		}
		next := rules.NextDue(d, tk, now)
		if next.IsZero() {
			break
		}
		if !next.After(now) {
			t.Fatalf("NextDue(%s) = %s, not in the future", now, next)
		}
		now = next
	}
	b := func(s string) time.Time { return at(t, berlin, s) }
	want := []fired{
		{rules.TimerFirstResponseWarn, b("2026-03-30 09:30")}, // 1h Friday + 30m Monday (after the clock change)
		{rules.TimerFirstResponseBreach, b("2026-03-30 10:00")},
		{rules.TimerResolutionWarn, b("2026-03-30 11:30")},
		{rules.TimerResolutionBreach, b("2026-03-30 12:00")},
	}
	if len(got) != len(want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	for i := range want {
		if got[i].kind != want[i].kind || !got[i].at.Equal(want[i].at) {
			t.Errorf("timer %d: %s at %s, want %s at %s", i, got[i].kind, got[i].at.In(office.Location), want[i].kind, want[i].at.In(office.Location))
		}
	}
}

func TestNextDue(t *testing.T) {
	t.Parallel()
	office := hours(t, berlin, weekly("mon-fri", "09:00-17:00"))
	b := func(s string) time.Time { return at(t, berlin, s) }
	mon := b("2026-03-30 10:00")
	tests := []struct {
		name string
		d    *config.Desk
		t    *tickets.Ticket
		now  time.Time
		want time.Time
	}{
		{"assign timeout", desk(withAssignTimeout(10 * time.Minute)), ticket(assignedTo("Ada", mon)), mon.Add(time.Minute), mon.Add(10 * time.Minute)},
		{"wake", desk(), ticket(snoozedUntil(mon.Add(time.Hour))), mon, mon.Add(time.Hour)},
		{"wake before SLA while snoozed", desk(withDeskHours(office), withSLA(time.Hour, 0, 0)),
			ticket(createdAt(mon), snoozedUntil(mon.Add(3*time.Hour))), mon, mon.Add(3 * time.Hour)},
		{"inactivity warning", desk(withInactivity(30*time.Minute, time.Hour)), ticket(inService(mon)), mon, mon.Add(30 * time.Minute)},
		{"inactivity close after the warning", desk(withInactivity(30*time.Minute, time.Hour)),
			ticket(inService(mon), withFlags(tickets.FlagInactivityWarned)), mon.Add(30 * time.Minute), mon.Add(time.Hour)},
		{"SLA warning the next business morning", desk(withDeskHours(office), withSLA(2*time.Hour, 0, 30*time.Minute)),
			ticket(createdAt(b("2026-03-30 16:30"))), b("2026-03-30 16:45"), b("2026-03-31 10:00")},
		{"SLA breach after the warning", desk(withDeskHours(office), withSLA(2*time.Hour, 0, 30*time.Minute)),
			ticket(createdAt(mon), withFlags(tickets.FlagFirstResponseWarned)), mon.Add(time.Hour), mon.Add(2 * time.Hour)},
		{"earliest of several", desk(withAssignTimeout(time.Hour), withSLA(20*time.Minute, 0, 0)),
			ticket(createdAt(mon), assignedTo("Ada", mon)), mon, mon.Add(20 * time.Minute)},
		{"nothing pending", desk(withSLA(time.Hour, 0, 0)), ticket(createdAt(mon), withStatus(tickets.StatusResolved)), mon, time.Time{}},
		{"already due is not in the future", desk(withAssignTimeout(10 * time.Minute)), ticket(assignedTo("Ada", mon)), mon.Add(time.Hour), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rules.NextDue(tt.d, tt.t, tt.now); !got.Equal(tt.want) {
				t.Errorf("NextDue = %s, want %s", got, tt.want)
			}
		})
	}
}
