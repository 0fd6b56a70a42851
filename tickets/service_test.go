package tickets_test

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/internal/clocktest"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

var ctx = context.Background()

var (
	requester   = tickets.Person{Platform: "slack", ID: "U-alice", Name: "Alice"}
	asRequester = tickets.Actor{Role: tickets.RoleUser, Platform: "slack", ID: "U-alice", Name: "Alice"}
	asOtherUser = tickets.Actor{Role: tickets.RoleUser, Platform: "slack", ID: "U-mallory", Name: "Mallory"}
	// The requester's id on another platform is someone else.
	asLookalike = tickets.Actor{Role: tickets.RoleUser, Platform: "discord", ID: "U-alice", Name: "Alice"}
	asAda       = tickets.Actor{Role: tickets.RoleAgent, Platform: "slack", ID: "U-ada", Name: "Ada"}
	asBob       = tickets.Actor{Role: tickets.RoleAgent, Platform: "slack", ID: "U-bob", Name: "Bob"}
	asAdmin     = tickets.Actor{Role: tickets.RoleAdmin, Platform: "slack", ID: "U-root", Name: "Root"}
	asSystem    = tickets.System
)

type fixture struct {
	store tickets.Store
	svc   *tickets.Service
	clock *clocktest.Clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := clocktest.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	return &fixture{store: s, svc: &tickets.Service{Store: s, Now: c.Now}, clock: c}
}

// given returns a new ticket in the named state, built through the service.
func (f *fixture) given(t *testing.T, state string) *tickets.Ticket {
	t.Helper()
	step := func(tk *tickets.Ticket, err error) *tickets.Ticket {
		t.Helper()
		if err != nil {
			t.Fatalf("given %s: %v", state, err)
		}
		f.clock.Advance(time.Minute)
		return tk
	}
	tk, _, err := f.svc.Open(ctx, &tickets.Ticket{Desk: "it", Platform: "slack", Requester: requester, Subject: "VPN down"},
		"IT", asRequester, tickets.SourceForm)
	tk = step(tk, err)
	id := tk.ID
	assign := func() { tk = step(f.svc.Assign(ctx, id, "Ada", "skills", asSystem, tickets.SourceRouting)) }
	start := func() { tk = step(f.svc.Start(ctx, id, "C-1", asAda, tickets.SourceButton)) }
	end := func(a tickets.Actor) { tk = step(f.svc.End(ctx, id, "done", a, tickets.SourceButton)) }
	snooze := func(a tickets.Actor) {
		tk = step(f.svc.Snooze(ctx, id, f.clock.Now().Add(2*time.Hour), a, tickets.SourceCommand))
	}
	switch state {
	case "open":
	case "assigned":
		assign()
	case "in_service":
		assign()
		start()
	case "resolved":
		assign()
		start()
		end(asAda)
	case "evaluated":
		assign()
		start()
		end(asAda)
		tk = step(f.svc.SetFlag(ctx, id, tickets.FlagEvaluationAsked, "asked", asSystem, tickets.SourceTimer))
		tk = step(f.svc.Evaluate(ctx, id, tickets.Evaluation{Rating: 4, Scale: 5, Reasons: []string{"fast"}}, asRequester, tickets.SourceButton))
	case "resolved_unassigned":
		end(asAdmin)
	case "snoozed_open":
		snooze(asSystem)
	case "snoozed_assigned":
		assign()
		snooze(asAda)
	case "snoozed_in_service":
		assign()
		start()
		snooze(asAda)
	case "flagged":
		tk = step(f.svc.SetFlag(ctx, id, tickets.FlagFirstResponseWarned, "warned", asSystem, tickets.SourceTimer))
	case "warned_in_service":
		assign()
		start()
		tk = step(f.svc.SetFlag(ctx, id, tickets.FlagInactivityWarned, "idle", asSystem, tickets.SourceTimer))
	default:
		t.Fatalf("unknown state %q", state)
	}
	return tk
}

type op func(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error)

type transition struct {
	name   string
	given  string
	actor  tickets.Actor
	src    tickets.Source // SourceButton if empty
	do     op
	code   string // expected error code; "" for success
	kind   string // audit event kind on success
	detail string // text the event detail must contain
	// check looks at the ticket after a successful transition; now is the clock's time.
	check func(t *testing.T, before, after *tickets.Ticket, now time.Time)
}

// run applies each transition to a fresh ticket and checks what a user would
// see: the error code, the stored ticket, and the audit trail.
func run(t *testing.T, cases []transition) {
	f := newFixture(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk := f.given(t, c.given)
			before, err := f.store.Get(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			evsBefore, _ := f.store.Events(ctx, tk.ID)
			src := c.src
			if src == "" {
				src = tickets.SourceButton
			}
			f.clock.Advance(time.Minute)
			now := f.clock.Now()

			got, err := c.do(f, tk.ID, c.actor, src)
			if code := errs.Code(err); code != c.code {
				t.Fatalf("error %v (code %q), want code %q", err, code, c.code)
			}
			after, err2 := f.store.Get(ctx, tk.ID)
			if err2 != nil {
				t.Fatal(err2)
			}
			evs, _ := f.store.Events(ctx, tk.ID)
			if c.code != "" {
				if errs.Message(err) == "Internal error." {
					t.Errorf("refusal %v has no message for the user", err)
				}
				if !reflect.DeepEqual(after, before) {
					t.Errorf("a refused transition changed the ticket:\n got %+v\nwant %+v", after, before)
				}
				if len(evs) != len(evsBefore) {
					t.Errorf("a refused transition wrote an event: %+v", evs[len(evs)-1])
				}
				return
			}
			if !reflect.DeepEqual(got, after) {
				t.Errorf("returned ticket differs from the stored one:\n got %+v\nstored %+v", got, after)
			}
			if len(evs) != len(evsBefore)+1 {
				t.Fatalf("%d new events, want 1", len(evs)-len(evsBefore))
			}
			ev := evs[len(evs)-1]
			if ev.Kind != c.kind || ev.Actor != c.actor || ev.Source != src || !ev.At.Equal(now) {
				t.Errorf("audit event = %+v, want kind %s by %+v from %s at %s", ev, c.kind, c.actor, src, now)
			}
			if !strings.Contains(ev.Detail, c.detail) {
				t.Errorf("event detail %q does not mention %q", ev.Detail, c.detail)
			}
			if c.check != nil {
				c.check(t, before, after, now)
			}
		})
	}
}

func wantStatus(t *testing.T, tk *tickets.Ticket, s tickets.Status) {
	t.Helper()
	if tk.Status != s {
		t.Errorf("status %s, want %s", tk.Status, s)
	}
}

func wantTime(t *testing.T, name string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", name, got, want)
	}
}

func assignTo(agent string) op {
	return func(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
		return f.svc.Assign(ctx, id, agent, "skills", a, src)
	}
}

func TestAssign(t *testing.T) {
	run(t, []transition{
		{name: "open ticket", given: "open", actor: asSystem, src: tickets.SourceRouting, do: assignTo("Ada"),
			kind: "assign", detail: "Ada",
			check: func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
				wantStatus(t, after, tickets.StatusAssigned)
				if after.Assignee != "Ada" || after.AssignReason != "skills" {
					t.Errorf("assignee %q reason %q", after.Assignee, after.AssignReason)
				}
				wantTime(t, "AssignedAt", after.AssignedAt, now)
			}},
		{name: "already assigned", given: "assigned", actor: asSystem, do: assignTo("Bob"), code: errs.ECONFLICT},
		{name: "in service", given: "in_service", actor: asSystem, do: assignTo("Bob"), code: errs.ECONFLICT},
		{name: "resolved", given: "resolved", actor: asSystem, do: assignTo("Bob"), code: errs.ECONFLICT},
		{name: "snoozed", given: "snoozed_open", actor: asSystem, do: assignTo("Bob"), code: errs.ECONFLICT},
		{name: "by an agent by hand", given: "open", actor: asBob, src: tickets.SourceWeb, do: assignTo("Ada"),
			kind: "assign", detail: "Ada", check: func(t *testing.T, _, after *tickets.Ticket, _ time.Time) {
				if after.Assignee != "Ada" {
					t.Errorf("assignee %q, want Ada", after.Assignee)
				}
			}},
		{name: "by an admin by hand", given: "open", actor: asAdmin, src: tickets.SourceAPI, do: assignTo("Bob"), kind: "assign", detail: "Bob"},
		{name: "by the requester", given: "open", actor: asRequester, do: assignTo("Ada"), code: errs.EFORBIDDEN},
		{name: "by another user", given: "open", actor: asOtherUser, do: assignTo("Ada"), code: errs.EFORBIDDEN},
		{name: "to nobody", given: "open", actor: asSystem, do: assignTo(""), code: errs.EINVALID},
	})
}

func requeue(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return f.svc.Requeue(ctx, id, "no Start Chat in 5m", a, src)
}

func TestRequeue(t *testing.T) {
	run(t, []transition{
		{name: "assigned ticket", given: "assigned", actor: asSystem, src: tickets.SourceTimer, do: requeue,
			kind: "requeue", detail: "Ada",
			check: func(t *testing.T, _, after *tickets.Ticket, _ time.Time) {
				wantStatus(t, after, tickets.StatusOpen)
				if after.Assignee != "" || after.AssignReason != "" || !after.AssignedAt.IsZero() {
					t.Errorf("still assigned: %q %q %s", after.Assignee, after.AssignReason, after.AssignedAt)
				}
				if !slices.Equal(after.Declined, []string{"Ada"}) {
					t.Errorf("declined = %v, want [Ada]", after.Declined)
				}
			}},
		{name: "open", given: "open", actor: asSystem, do: requeue, code: errs.ECONFLICT},
		{name: "chat started", given: "in_service", actor: asSystem, do: requeue, code: errs.ECONFLICT},
	})
}

func TestRequeueRemembersEachAgentOnce(t *testing.T) {
	f := newFixture(t)
	tk := f.given(t, "assigned")
	for _, agent := range []string{"Bob", "Ada"} {
		if _, err := f.svc.Requeue(ctx, tk.ID, "timeout", asSystem, tickets.SourceTimer); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Assign(ctx, tk.ID, agent, "next", asSystem, tickets.SourceRouting); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.svc.Requeue(ctx, tk.ID, "timeout", asSystem, tickets.SourceTimer)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Declined, []string{"Ada", "Bob"}) {
		t.Errorf("declined = %v, want [Ada Bob]", got.Declined)
	}
}

func transferTo(agent string) op {
	return func(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
		return f.svc.Transfer(ctx, id, agent, "needs SAP", a, src)
	}
}

func TestTransfer(t *testing.T) {
	toBob := func(status tickets.Status) func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
		return func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
			wantStatus(t, after, status)
			if after.Assignee != "Bob" || after.AssignReason != "needs SAP" {
				t.Errorf("assignee %q reason %q, want Bob", after.Assignee, after.AssignReason)
			}
			wantTime(t, "AssignedAt", after.AssignedAt, now)
		}
	}
	run(t, []transition{
		{name: "by the assignee", given: "assigned", actor: asAda, do: transferTo("Bob"), kind: "transfer", detail: "Ada -> Bob",
			check: toBob(tickets.StatusAssigned)},
		{name: "in service by an admin", given: "in_service", actor: asAdmin, do: transferTo("Bob"), kind: "transfer",
			check: toBob(tickets.StatusInService)},
		{name: "agent claims a queued ticket", given: "open", actor: asBob, do: transferTo("Bob"), kind: "transfer",
			detail: "nobody yet -> Bob", check: toBob(tickets.StatusAssigned)},
		{name: "by another agent", given: "assigned", actor: asBob, do: transferTo("Bob"), code: errs.EFORBIDDEN},
		{name: "by the requester", given: "assigned", actor: asRequester, do: transferTo("Bob"), code: errs.EFORBIDDEN},
		{name: "queued ticket by the requester", given: "open", actor: asRequester, do: transferTo("Bob"), code: errs.EFORBIDDEN},
		{name: "resolved", given: "resolved", actor: asAdmin, do: transferTo("Bob"), code: errs.ECONFLICT},
		{name: "snoozed", given: "snoozed_assigned", actor: asAdmin, do: transferTo("Bob"), code: errs.ECONFLICT},
		{name: "to the same agent", given: "assigned", actor: asAda, do: transferTo("Ada"), code: errs.EINVALID},
		{name: "to nobody", given: "assigned", actor: asAdmin, do: transferTo(""), code: errs.EINVALID},
	})
}

func startChat(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return f.svc.Start(ctx, id, "C-it-1-vpn", a, src)
}

func TestStart(t *testing.T) {
	started := func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
		wantStatus(t, after, tickets.StatusInService)
		if after.GroupChat != "C-it-1-vpn" {
			t.Errorf("group chat %q", after.GroupChat)
		}
		wantTime(t, "StartedAt", after.StartedAt, now)
		wantTime(t, "FirstResponseAt", after.FirstResponseAt, now)
		wantTime(t, "LastActivityAt", after.LastActivityAt, now)
	}
	run(t, []transition{
		{name: "by the assignee", given: "assigned", actor: asAda, do: startChat, kind: "start", detail: "C-it-1-vpn", check: started},
		{name: "by an admin", given: "assigned", actor: asAdmin, do: startChat, kind: "start", check: started},
		{name: "by another agent", given: "assigned", actor: asBob, do: startChat, code: errs.EFORBIDDEN},
		{name: "by the requester", given: "assigned", actor: asRequester, do: startChat, code: errs.EFORBIDDEN},
		{name: "queued ticket", given: "open", actor: asAdmin, do: startChat, code: errs.ECONFLICT},
		{name: "already started", given: "in_service", actor: asAda, do: startChat, code: errs.ECONFLICT},
		{name: "resolved", given: "resolved", actor: asAda, do: startChat, code: errs.ECONFLICT},
		{name: "snoozed", given: "snoozed_assigned", actor: asAda, do: startChat, code: errs.ECONFLICT},
	})
}

func TestStartKeepsEarlierFirstResponse(t *testing.T) {
	f := newFixture(t)
	tk := f.given(t, "assigned")
	replied, err := f.svc.RecordMessage(ctx, tk.ID, "On it", "m1", asAda, tickets.SourceChat)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	started, err := f.svc.Start(ctx, tk.ID, "C-1", asAda, tickets.SourceButton)
	if err != nil {
		t.Fatal(err)
	}
	wantTime(t, "FirstResponseAt", started.FirstResponseAt, replied.FirstResponseAt)
}

func endService(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return f.svc.End(ctx, id, "fixed", a, src)
}

func TestEnd(t *testing.T) {
	resolved := func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
		wantStatus(t, after, tickets.StatusResolved)
		wantTime(t, "EndedAt", after.EndedAt, now)
		if !after.SnoozedUntil.IsZero() {
			t.Errorf("SnoozedUntil %s left on a resolved ticket", after.SnoozedUntil)
		}
	}
	run(t, []transition{
		{name: "by the assignee", given: "in_service", actor: asAda, do: endService, kind: "end", detail: "fixed", check: resolved},
		{name: "by the requester", given: "in_service", actor: asRequester, do: endService, kind: "end", check: resolved},
		{name: "assigned by an admin", given: "assigned", actor: asAdmin, do: endService, kind: "end", check: resolved},
		{name: "snoozed by a timer", given: "snoozed_in_service", actor: asSystem, src: tickets.SourceTimer, do: endService,
			kind: "end", check: resolved},
		{name: "by another user", given: "in_service", actor: asOtherUser, do: endService, code: errs.EFORBIDDEN},
		{name: "by the requester's id on another platform", given: "in_service", actor: asLookalike, do: endService, code: errs.EFORBIDDEN},
		{name: "by another agent", given: "in_service", actor: asBob, do: endService, code: errs.EFORBIDDEN},
		{name: "already resolved", given: "resolved", actor: asAdmin, do: endService, code: errs.ECONFLICT},
	})
}

func reopen(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return f.svc.Reopen(ctx, id, "still broken", a, src)
}

func TestReopen(t *testing.T) {
	run(t, []transition{
		{name: "back to the agent", given: "evaluated", actor: asRequester, do: reopen, kind: "reopen", detail: "still broken",
			check: func(t *testing.T, before, after *tickets.Ticket, now time.Time) {
				wantStatus(t, after, tickets.StatusAssigned)
				if after.Assignee != "Ada" {
					t.Errorf("assignee %q, want Ada", after.Assignee)
				}
				if after.GroupChat != "" || after.Evaluation != nil || !after.EndedAt.IsZero() {
					t.Errorf("old chat %q, evaluation %+v or end %s kept", after.GroupChat, after.Evaluation, after.EndedAt)
				}
				if after.Flags&tickets.FlagEvaluationAsked != 0 {
					t.Error("evaluation flag kept: the requester would not be asked again")
				}
				// The rating given is kept, for the history and the statistics.
				if before.Evaluation == nil || len(after.EarlierRatings) != 1 || after.EarlierRatings[0].Rating != before.Evaluation.Rating {
					t.Errorf("earlier ratings %+v, want the one given (%+v)", after.EarlierRatings, before.Evaluation)
				}
				wantTime(t, "AssignedAt", after.AssignedAt, now)
				wantTime(t, "LastActivityAt", after.LastActivityAt, now)
				wantTime(t, "FirstResponseAt", after.FirstResponseAt, before.FirstResponseAt)
			}},
		{name: "back to the queue", given: "resolved_unassigned", actor: asRequester, do: reopen, kind: "reopen",
			check: func(t *testing.T, _, after *tickets.Ticket, _ time.Time) { wantStatus(t, after, tickets.StatusOpen) }},
		{name: "by the agent", given: "resolved", actor: asAda, do: reopen, kind: "reopen",
			check: func(t *testing.T, _, after *tickets.Ticket, _ time.Time) {
				wantStatus(t, after, tickets.StatusAssigned)
			}},
		{name: "by another user", given: "resolved", actor: asOtherUser, do: reopen, code: errs.EFORBIDDEN},
		{name: "by another agent", given: "resolved", actor: asBob, do: reopen, code: errs.EFORBIDDEN},
		{name: "not resolved", given: "in_service", actor: asRequester, do: reopen, code: errs.ECONFLICT},
	})
}

func snoozeFor(d time.Duration) op {
	return func(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
		return f.svc.Snooze(ctx, id, f.clock.Now().Add(d), a, src)
	}
}

func TestSnooze(t *testing.T) {
	snoozed := func(prev tickets.Status) func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
		return func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
			wantStatus(t, after, tickets.StatusSnoozed)
			if after.PrevStatus != prev {
				t.Errorf("PrevStatus %q, want %q", after.PrevStatus, prev)
			}
			wantTime(t, "SnoozedUntil", after.SnoozedUntil, now.Add(3*time.Hour))
		}
	}
	run(t, []transition{
		{name: "assigned by the assignee", given: "assigned", actor: asAda, src: tickets.SourceCommand, do: snoozeFor(3 * time.Hour),
			kind: "snooze", detail: "T", check: snoozed(tickets.StatusAssigned)},
		{name: "in service by an admin", given: "in_service", actor: asAdmin, do: snoozeFor(3 * time.Hour),
			kind: "snooze", check: snoozed(tickets.StatusInService)},
		{name: "by another agent", given: "assigned", actor: asBob, do: snoozeFor(time.Hour), code: errs.EFORBIDDEN},
		{name: "by the requester", given: "assigned", actor: asRequester, do: snoozeFor(time.Hour), code: errs.EFORBIDDEN},
		{name: "already snoozed", given: "snoozed_assigned", actor: asAda, do: snoozeFor(time.Hour), code: errs.ECONFLICT},
		{name: "resolved", given: "resolved", actor: asAda, do: snoozeFor(time.Hour), code: errs.ECONFLICT},
		{name: "until now", given: "assigned", actor: asAda, do: snoozeFor(0), code: errs.EINVALID},
		{name: "until the past", given: "assigned", actor: asAda, do: snoozeFor(-time.Minute), code: errs.EINVALID},
	})
}

func wake(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return f.svc.Wake(ctx, id, a, src)
}

func TestWake(t *testing.T) {
	woken := func(status tickets.Status) func(t *testing.T, before, after *tickets.Ticket, now time.Time) {
		return func(t *testing.T, before, after *tickets.Ticket, now time.Time) {
			wantStatus(t, after, status)
			if after.PrevStatus != "" || !after.SnoozedUntil.IsZero() {
				t.Errorf("snooze left behind: prev %q until %s", after.PrevStatus, after.SnoozedUntil)
			}
			if after.Assignee != before.Assignee || after.GroupChat != before.GroupChat {
				t.Errorf("wake changed assignee %q→%q or chat %q→%q", before.Assignee, after.Assignee, before.GroupChat, after.GroupChat)
			}
			wantTime(t, "LastActivityAt", after.LastActivityAt, now)
		}
	}
	run(t, []transition{
		{name: "back to assigned", given: "snoozed_assigned", actor: asSystem, src: tickets.SourceTimer, do: wake,
			kind: "wake", detail: "assigned", check: woken(tickets.StatusAssigned)},
		{name: "back to in service", given: "snoozed_in_service", actor: asSystem, src: tickets.SourceTimer, do: wake,
			kind: "wake", detail: "in_service", check: woken(tickets.StatusInService)},
		{name: "back to the queue", given: "snoozed_open", actor: asAda, do: wake, kind: "wake", check: woken(tickets.StatusOpen)},
		{name: "not snoozed", given: "assigned", actor: asSystem, do: wake, code: errs.ECONFLICT},
		{name: "by an admin", given: "snoozed_assigned", actor: asAdmin, src: tickets.SourceWeb, do: wake,
			kind: "wake", check: woken(tickets.StatusAssigned)},
		{name: "by the requester", given: "snoozed_assigned", actor: asRequester, do: wake, code: errs.EFORBIDDEN},
		{name: "by another user", given: "snoozed_open", actor: asOtherUser, do: wake, code: errs.EFORBIDDEN},
	})
}

// TestMayStart is the rule the engine asks before it creates a group chat;
// Start applies the same rule in its transaction.
func TestMayStart(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		given string
		actor tickets.Actor
		code  string
		text  string
	}{
		{"assigned", asAda, "", ""},
		{"assigned", asAdmin, "", ""},
		{"assigned", asBob, errs.EFORBIDDEN, "Only the assigned agent (Ada) or a desk admin can start the chat for IT-"},
		{"assigned", asRequester, errs.EFORBIDDEN, "Only the assigned agent (Ada)"},
		{"in_service", asAda, errs.ECONFLICT, "is in service; there is no chat to start."},
		{"open", asAdmin, errs.ECONFLICT, "is waiting in the queue; there is no chat to start."},
	} {
		tk := f.given(t, c.given)
		err := tickets.MayStart(tk, c.actor)
		if errs.Code(err) != c.code || !strings.Contains(errs.Message(err), c.text) {
			t.Errorf("%s by %s: %v, want code %q with %q", c.given, c.actor.Name, err, c.code, c.text)
		}
		if c.code == "" {
			continue
		}
		before, _ := f.store.Get(ctx, tk.ID)
		_, serr := f.svc.Start(ctx, tk.ID, "C-9", c.actor, tickets.SourceButton)
		if errs.Code(serr) != c.code || errs.Message(serr) != errs.Message(err) {
			t.Errorf("%s by %s: Start said %v, MayStart %v", c.given, c.actor.Name, serr, err)
		}
		if after, _ := f.store.Get(ctx, tk.ID); !reflect.DeepEqual(after, before) {
			t.Errorf("a refused Start changed the ticket")
		}
	}
}

// TestSubjectLimit: one limit for every way a ticket is opened.
func TestSubjectLimit(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ subject, want string }{
		{strings.Repeat("é", tickets.MaxSubjectLen), strings.Repeat("é", tickets.MaxSubjectLen)},
		{strings.Repeat("a", 200), strings.Repeat("a", tickets.MaxSubjectLen-1) + "…"},
		{strings.Repeat("word ", 60), strings.TrimSpace(strings.Repeat("word ", 60)[:tickets.MaxSubjectLen-1]) + "…"},
	} {
		tk, _, err := f.svc.Open(ctx, &tickets.Ticket{Desk: "it", Platform: "slack", Requester: requester, Subject: c.subject},
			"IT", asRequester, tickets.SourceAPI)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Subject != c.want {
			t.Errorf("subject of %d characters kept as %q, want %q", len([]rune(c.subject)), tk.Subject, c.want)
		}
		// Shortened once, a subject is not shortened again.
		again, _, err := f.svc.Open(ctx, &tickets.Ticket{Desk: "it", Platform: "slack", Requester: requester, Subject: tk.Subject},
			"IT", asRequester, tickets.SourceAPI)
		if err != nil {
			t.Fatal(err)
		}
		if again.Subject != tk.Subject {
			t.Errorf("shortened twice: %q then %q", tk.Subject, again.Subject)
		}
	}
}

func rate(ev tickets.Evaluation) op {
	return func(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
		return f.svc.Evaluate(ctx, id, ev, a, src)
	}
}

func TestEvaluate(t *testing.T) {
	good := tickets.Evaluation{Rating: 5, Scale: 5, Reasons: []string{"friendly", "fast"}}
	run(t, []transition{
		{name: "by the requester", given: "resolved", actor: asRequester, do: rate(good), kind: "evaluate", detail: "5/5 friendly, fast",
			check: func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
				e := after.Evaluation
				if e == nil || e.Rating != 5 || e.Scale != 5 || !slices.Equal(e.Reasons, good.Reasons) {
					t.Fatalf("evaluation = %+v", e)
				}
				wantTime(t, "Evaluation.At", e.At, now)
			}},
		{name: "same rating amends reasons and comment", given: "evaluated", actor: asRequester,
			do: rate(tickets.Evaluation{Rating: 4, Scale: 5, Reasons: []string{"fast", "clear"}, Comment: "thanks"}), kind: "evaluate",
			detail: "4/5 fast, clear",
			check: func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
				e := after.Evaluation
				if e == nil || e.Rating != 4 || e.Comment != "thanks" || !slices.Equal(e.Reasons, []string{"fast", "clear"}) {
					t.Errorf("evaluation = %+v, want 4/5 with the new reasons and comment", e)
				}
			}},
		{name: "another rating", given: "evaluated", actor: asRequester, do: rate(good), code: errs.ECONFLICT},
		{name: "same rating on another scale", given: "evaluated", actor: asRequester,
			do: rate(tickets.Evaluation{Rating: 4, Scale: 10}), code: errs.ECONFLICT},
		{name: "comment with another rating", given: "evaluated", actor: asRequester,
			do: rate(tickets.Evaluation{Rating: 1, Scale: 5, Comment: "changed my mind"}), code: errs.ECONFLICT},
		{name: "by another user", given: "resolved", actor: asOtherUser, do: rate(good), code: errs.EFORBIDDEN},
		{name: "by the requester's id on another platform", given: "resolved", actor: asLookalike, do: rate(good), code: errs.EFORBIDDEN},
		{name: "by the agent", given: "resolved", actor: asAda, do: rate(good), code: errs.EFORBIDDEN},
		{name: "not resolved", given: "in_service", actor: asRequester, do: rate(good), code: errs.ECONFLICT},
		{name: "rating zero", given: "resolved", actor: asRequester, do: rate(tickets.Evaluation{Rating: 0, Scale: 5}), code: errs.EINVALID},
		{name: "rating above the scale", given: "resolved", actor: asRequester, do: rate(tickets.Evaluation{Rating: 6, Scale: 5}), code: errs.EINVALID},
		{name: "no scale", given: "resolved", actor: asRequester, do: rate(tickets.Evaluation{Rating: 1, Scale: 0}), code: errs.EINVALID},
		{name: "top of a 3 scale", given: "resolved", actor: asRequester, do: rate(tickets.Evaluation{Rating: 3, Scale: 3}), kind: "evaluate", detail: "3/3"},
	})
}

// lastMessage checks the newest transcript line or note.
func lastMessage(f *fixture, kind tickets.MessageKind, text string, author tickets.Actor) func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
	return func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
		ms, err := f.store.Messages(ctx, after.ID)
		if err != nil || len(ms) == 0 {
			t.Fatalf("messages: %v, %v", ms, err)
		}
		m := ms[len(ms)-1]
		if m.Kind != kind || m.Text != text || m.Author != author || !m.At.Equal(now) {
			t.Errorf("message = %+v, want %s %q by %+v at %s", m, kind, text, author, now)
		}
	}
}

func note(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	return f.svc.AddNote(ctx, id, "user is on the old client", "n1", a, src)
}

func say(text string) op {
	return func(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
		return f.svc.RecordMessage(ctx, id, text, "", a, src)
	}
}

func TestMessagesAndNotes(t *testing.T) {
	firstResponse := func(want bool) func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
		return func(t *testing.T, _, after *tickets.Ticket, now time.Time) {
			wantTime(t, "LastActivityAt", after.LastActivityAt, now)
			if want {
				wantTime(t, "FirstResponseAt", after.FirstResponseAt, now)
			} else if !after.FirstResponseAt.IsZero() {
				t.Errorf("FirstResponseAt = %s, want none yet", after.FirstResponseAt)
			}
		}
	}
	run(t, []transition{
		{name: "note by another agent", given: "assigned", actor: asBob, src: tickets.SourceChat, do: note, kind: "note",
			check: func(t *testing.T, _, after *tickets.Ticket, _ time.Time) {
				if !after.FirstResponseAt.IsZero() {
					t.Error("an internal note counted as the first response")
				}
			}},
		{name: "note by the requester", given: "assigned", actor: asRequester, do: note, code: errs.EFORBIDDEN},
		{name: "assignee's first message is the first response", given: "assigned", actor: asAda, src: tickets.SourceChat,
			do: say("On it"), kind: "message", check: firstResponse(true)},
		{name: "requester's message is not", given: "assigned", actor: asRequester, src: tickets.SourceChat,
			do: say("hello?"), kind: "message", check: firstResponse(false)},
		{name: "bot's message is not", given: "assigned", actor: asSystem, src: tickets.SourceChat,
			do: say("Ada will be with you"), kind: "message", check: firstResponse(false)},
		{name: "another agent's message is not", given: "assigned", actor: asBob, src: tickets.SourceChat,
			do: say("not mine"), kind: "message", check: firstResponse(false)},
		{name: "activity clears the inactivity warning", given: "warned_in_service", actor: asRequester, src: tickets.SourceChat,
			do: say("still there"), kind: "message",
			check: func(t *testing.T, before, after *tickets.Ticket, _ time.Time) {
				if after.Flags&tickets.FlagInactivityWarned != 0 {
					t.Error("inactivity warning kept after a message")
				}
				wantTime(t, "FirstResponseAt", after.FirstResponseAt, before.FirstResponseAt)
			}},
	})
}

func TestTranscriptAndNotesAreStored(t *testing.T) {
	f := newFixture(t)
	tk := f.given(t, "in_service")
	f.clock.Advance(time.Minute)
	if _, err := f.svc.RecordMessage(ctx, tk.ID, "VPN says error 809", "m1", asRequester, tickets.SourceChat); err != nil {
		t.Fatal(err)
	}
	lastMessage(f, tickets.KindTranscript, "VPN says error 809", asRequester)(t, nil, tk, f.clock.Now())
	f.clock.Advance(time.Minute)
	if _, err := note(f, tk.ID, asBob, tickets.SourceChat); err != nil {
		t.Fatal(err)
	}
	lastMessage(f, tickets.KindNote, "user is on the old client", asBob)(t, nil, tk, f.clock.Now())
}

func setFlag(fl tickets.Flags) op {
	return func(f *fixture, id int64, a tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
		return f.svc.SetFlag(ctx, id, fl, "first response due", a, src)
	}
}

func TestSetFlag(t *testing.T) {
	run(t, []transition{
		{name: "first time", given: "open", actor: asSystem, src: tickets.SourceTimer, do: setFlag(tickets.FlagFirstResponseWarned),
			kind: "flag", detail: "first response due",
			check: func(t *testing.T, _, after *tickets.Ticket, _ time.Time) {
				if after.Flags&tickets.FlagFirstResponseWarned == 0 {
					t.Error("flag not set")
				}
			}},
		{name: "second time", given: "flagged", actor: asSystem, src: tickets.SourceTimer, do: setFlag(tickets.FlagFirstResponseWarned),
			code: errs.ECONFLICT},
		{name: "another flag", given: "flagged", actor: asSystem, src: tickets.SourceTimer, do: setFlag(tickets.FlagFirstResponseBreached),
			kind: "flag",
			check: func(t *testing.T, _, after *tickets.Ticket, _ time.Time) {
				if after.Flags != tickets.FlagFirstResponseWarned|tickets.FlagFirstResponseBreached {
					t.Errorf("flags = %b", after.Flags)
				}
			}},
	})
}

func TestSetCards(t *testing.T) {
	cards := []tickets.CardRef{{Platform: "slack", Chat: "D-ada", Message: "1.1"}, {Platform: "slack", Chat: "C-agents", Message: "1.2"}}
	run(t, []transition{
		{name: "records the cards", given: "assigned", actor: asSystem, src: tickets.SourceRouting,
			do: func(f *fixture, id int64, _ tickets.Actor, _ tickets.Source) (*tickets.Ticket, error) {
				return f.svc.SetCards(ctx, id, cards)
			},
			kind: "cards",
			check: func(t *testing.T, _, after *tickets.Ticket, _ time.Time) {
				if !reflect.DeepEqual(after.Cards, cards) {
					t.Errorf("cards = %+v", after.Cards)
				}
			}},
	})
}

func TestOpen(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	in := &tickets.Ticket{Desk: "it", Platform: "slack", Requester: requester, Subject: "VPN down", Status: tickets.StatusResolved, RequestKey: "slack:Ev1"}
	tk, created, err := f.svc.Open(ctx, in, "IT", asRequester, tickets.SourceForm)
	if err != nil || !created {
		t.Fatalf("Open: created=%v err=%v", created, err)
	}
	if tk.Key != "IT-1" || tk.Status != tickets.StatusOpen {
		t.Errorf("opened %s as %s, want IT-1 open", tk.Key, tk.Status)
	}
	wantTime(t, "CreatedAt", tk.CreatedAt, now)
	wantTime(t, "LastActivityAt", tk.LastActivityAt, now)
	evs, err := f.store.Events(ctx, tk.ID)
	if err != nil || len(evs) != 1 {
		t.Fatalf("events %+v, %v", evs, err)
	}
	if ev := evs[0]; ev.Kind != "open" || ev.Actor != asRequester || ev.Source != tickets.SourceForm || ev.Detail != "VPN down" || !ev.At.Equal(now) {
		t.Errorf("open event = %+v", ev)
	}

	f.clock.Advance(time.Minute)
	again, created, err := f.svc.Open(ctx, &tickets.Ticket{Desk: "it", Requester: requester, Subject: "VPN down", RequestKey: "slack:Ev1"}, "IT", asRequester, tickets.SourceForm)
	if err != nil || created || again.ID != tk.ID {
		t.Errorf("replayed Open = #%d created=%v err=%v, want #%d not created", again.ID, created, err, tk.ID)
	}

	_, _, err = f.svc.Open(ctx, &tickets.Ticket{Subject: "no desk"}, "IT", asRequester, tickets.SourceForm)
	if errs.Code(err) != errs.EINVALID {
		t.Errorf("Open without a desk: %v, want invalid", err)
	}
}

// TestMergedDuplicateStaysClosed: the work goes on in the ticket merged
// into, so the duplicate cannot be reopened, by anyone.
func TestMergedDuplicateStaysClosed(t *testing.T) {
	f := newFixture(t)
	orig := f.given(t, "assigned")
	dup := f.given(t, "in_service")
	if _, _, err := f.svc.Merge(ctx, dup.ID, orig.ID, asAda, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	merged, err := f.store.Get(ctx, dup.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []tickets.Actor{asRequester, asAda, asAdmin} {
		if err := tickets.MayReopen(merged, a); errs.Code(err) != errs.ECONFLICT || !strings.Contains(errs.Message(err), "was merged into "+orig.Key) {
			t.Errorf("MayReopen by %s: %v, want a conflict naming %s", a.Name, err, orig.Key)
		}
		if _, err := f.svc.Reopen(ctx, dup.ID, "again", a, tickets.SourceWeb); errs.Code(err) != errs.ECONFLICT {
			t.Errorf("Reopen by %s: %v, want a conflict", a.Name, err)
		}
	}
	if err := tickets.MayEnd(merged, asAdmin); errs.Code(err) != errs.ECONFLICT {
		t.Errorf("MayEnd of a merged (resolved) ticket: %v, want a conflict", err)
	}
	if err := tickets.MayEnd(orig, asRequester); err != nil {
		t.Errorf("the requester may end their own ticket: %v", err)
	}
	if err := tickets.MayEnd(orig, asOtherUser); errs.Code(err) != errs.EFORBIDDEN {
		t.Errorf("MayEnd by another user: %v, want forbidden", err)
	}
}
