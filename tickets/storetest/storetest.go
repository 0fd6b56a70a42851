package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/internal/clocktest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// OpenFunc opens the store that keeps its data set under dir. The suite passes
// a fresh t.TempDir() for every sub-test, and passes the same dir again after
// closing a store to check that its data survived. A store that keeps no files
// (PostgreSQL) uses dir only as the name of a data set, for example to pick a
// schema: a new dir must give an empty store, a dir seen before the same data.
// The suite closes every store it opens.
type OpenFunc func(t *testing.T, dir string) tickets.Store

// base is the suite's start time. Times are whole microseconds: a store must
// keep at least that precision and give times back in UTC.
var base = time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)

// Run runs the contract suite against the store that open returns.
func Run(t *testing.T, open OpenFunc) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open OpenFunc)
	}{
		{"CreateNumbersPerDesk", testCreateNumbersPerDesk},
		{"CreateIdempotentOnRequestKey", testCreateIdempotent},
		{"NotFound", testNotFound},
		{"RoundTrip", testRoundTrip},
		{"UpdateWritesEventAndMessage", testUpdateWritesEventAndMessage},
		{"UpdateErrorChangesNothing", testUpdateErrorChangesNothing},
		{"DuplicateMessageConflicts", testDuplicateMessage},
		{"ListFilters", testListFilters},
		{"QueueOrder", testQueueOrder},
		{"Loads", testLoads},
		{"State", testState},
		{"StateAsked", testStateAsked},
		{"ClaimFinishDuplicate", testClaimFinishDuplicate},
		{"ClaimBusyWhileLeased", testClaimBusyWhileLeased},
		{"ClaimTakeOverAfterLease", testClaimTakeOver},
		{"ClaimRelease", testClaimRelease},
		{"ConcurrentClaimsOneWinner", testConcurrentClaims},
		{"PruneEvents", testPruneEvents},
		{"Presence", testPresence},
		{"DeskPresence", testDeskPresence},
		{"Checkpoints", testCheckpoints},
		{"QuestionLog", testQuestionLog},
		{"FindByCard", testFindByCard},
		{"ConcurrentCreate", testConcurrentCreate},
		{"ConcurrentMessages", testConcurrentMessages},
		{"ConcurrentSetFlagFiresOnce", testConcurrentSetFlag},
		{"DataSurvivesReopen", testReopen},
		{"MergeAndFollow", testMergeAndFollow},
		{"Tags", testTags},
		{"Erase", testErase},
		{"Attachments", testAttachments},
		{"ChangeFeed", testChangeFeed},
		{"Identities", testIdentities},
		{"DeliveriesInOrderPerChat", testDeliveriesInOrderPerChat},
		{"DeliveryLeaseAndRetry", testDeliveryLeaseAndRetry},
		{"ConcurrentDeliveryClaims", testConcurrentDeliveryClaims},
		{"DeliveriesSurviveReopen", testDeliveriesSurviveReopen},
	}
	// Each sub-test has its own data set (dir), so they run in parallel.
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

// env is one sub-test's store, service and clock.
type env struct {
	store tickets.Store
	svc   *tickets.Service
	clock *clocktest.Clock
	dir   string
}

func newEnv(t *testing.T, open OpenFunc) *env {
	t.Helper()
	dir := t.TempDir()
	s := open(t, dir)
	t.Cleanup(func() { s.Close() })
	c := clocktest.New(base)
	return &env{store: s, svc: &tickets.Service{Store: s, Now: c.Now}, clock: c, dir: dir}
}

var (
	ctx   = context.Background()
	alice = tickets.Person{Platform: "slack", ID: "U-alice", Name: "Alice"}
	bob   = tickets.Person{Platform: "slack", ID: "U-bob", Name: "Bob"}
	carol = tickets.Person{Platform: "discord", ID: "D-carol", Name: "Carol"}
	ada   = tickets.Actor{Role: tickets.RoleAgent, Platform: "slack", ID: "U-ada", Name: "Ada"}
	admin = tickets.Actor{Role: tickets.RoleAdmin, Platform: "slack", ID: "U-root", Name: "Root"}
)

func userActor(p tickets.Person) tickets.Actor {
	return tickets.Actor{Role: tickets.RoleUser, Platform: p.Platform, ID: p.ID, Name: p.Name}
}

// open opens a ticket through the service; opts adjust the ticket first.
func (e *env) open(t *testing.T, desk string, who tickets.Person, subject string, opts ...func(*tickets.Ticket)) *tickets.Ticket {
	t.Helper()
	tk := &tickets.Ticket{Desk: desk, Platform: who.Platform, Requester: who, Subject: subject, Priority: tickets.PriorityNormal}
	for _, o := range opts {
		o(tk)
	}
	saved, created, err := e.svc.Open(ctx, tk, prefixOf(desk), userActor(who), tickets.SourceForm)
	if err != nil || !created {
		t.Fatalf("open ticket %q on %s: created=%v err=%v", subject, desk, created, err)
	}
	return saved
}

func prefixOf(desk string) string {
	switch desk {
	case "it":
		return "IT"
	case "hr":
		return "HR"
	}
	return "FIN"
}

// must(f())(t) fails the test if f returned an error, and returns f's value.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := errs.Code(err); got != code {
		t.Errorf("%s: error %v has code %q, want %q", what, err, got, code)
	}
}

func keys(ts []*tickets.Ticket) []string {
	out := make([]string, len(ts))
	for i, tk := range ts {
		out[i] = tk.Key
	}
	return out
}

func testCreateNumbersPerDesk(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	it1 := e.open(t, "it", alice, "VPN down")
	it2 := e.open(t, "it", bob, "Laptop broken")
	hr1 := e.open(t, "hr", alice, "Payslip")
	for _, c := range []struct {
		tk     *tickets.Ticket
		key    string
		number int64
	}{{it1, "IT-1", 1}, {it2, "IT-2", 2}, {hr1, "HR-1", 1}} {
		if c.tk.Key != c.key || c.tk.Number != c.number || c.tk.ID == 0 {
			t.Errorf("ticket %q: key %q number %d id %d, want %s, %d and an id", c.tk.Subject, c.tk.Key, c.tk.Number, c.tk.ID, c.key, c.number)
		}
		got := must(e.store.GetByKey(ctx, c.key))(t)
		if got.ID != c.tk.ID || got.Subject != c.tk.Subject {
			t.Errorf("GetByKey(%s) = #%d %q, want #%d %q", c.key, got.ID, got.Subject, c.tk.ID, c.tk.Subject)
		}
		evs := must(e.store.Events(ctx, c.tk.ID))(t)
		if len(evs) != 1 || evs[0].Kind != "open" || evs[0].TicketID != c.tk.ID || evs[0].ID == 0 {
			t.Errorf("%s events = %+v, want one open event", c.key, evs)
		}
	}
	if it1.ID == it2.ID || it1.ID == hr1.ID || it2.ID == hr1.ID {
		t.Errorf("ids not distinct: %d %d %d", it1.ID, it2.ID, hr1.ID)
	}
}

func testCreateIdempotent(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	first := e.open(t, "it", alice, "VPN down", func(tk *tickets.Ticket) { tk.RequestKey = "slack:Ev1" })
	e.clock.Advance(time.Minute)
	replay := &tickets.Ticket{Desk: "it", Platform: "slack", Requester: alice, Subject: "VPN down (retry)", RequestKey: "slack:Ev1"}
	got, created, err := e.svc.Open(ctx, replay, "IT", userActor(alice), tickets.SourceForm)
	if err != nil {
		t.Fatal(err)
	}
	if created {
		t.Error("second Create with the same request key reported created=true")
	}
	if got.ID != first.ID || got.Key != "IT-1" || got.Subject != "VPN down" {
		t.Errorf("replay returned #%d %s %q, want the first ticket #%d IT-1 %q", got.ID, got.Key, got.Subject, first.ID, "VPN down")
	}
	all := must(e.store.List(ctx, tickets.Filter{}))(t)
	if len(all) != 1 {
		t.Errorf("%d tickets after a replayed Create, want 1", len(all))
	}
	if evs := must(e.store.Events(ctx, first.ID))(t); len(evs) != 1 {
		t.Errorf("%d events after a replayed Create, want 1", len(evs))
	}
	// The replay did not use up a number.
	if next := e.open(t, "it", bob, "Printer"); next.Key != "IT-2" {
		t.Errorf("next ticket after a replay is %s, want IT-2", next.Key)
	}
}

func testNotFound(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	tk := e.open(t, "it", alice, "VPN down")
	_, err := e.store.Get(ctx, tk.ID+1000)
	wantCode(t, "Get", err, errs.ENOTFOUND)
	_, err = e.store.GetByKey(ctx, "IT-99")
	wantCode(t, "GetByKey", err, errs.ENOTFOUND)
	_, err = e.store.GetByKey(ctx, "HR-1")
	wantCode(t, "GetByKey other desk", err, errs.ENOTFOUND)
	_, err = e.store.FindByGroupChat(ctx, "slack", "C-none")
	wantCode(t, "FindByGroupChat", err, errs.ENOTFOUND)
	_, err = e.store.Update(ctx, tk.ID+1000, func(t *tickets.Ticket) (*tickets.Change, error) {
		return &tickets.Change{Event: tickets.Event{Kind: "note"}}, nil
	})
	wantCode(t, "Update", err, errs.ENOTFOUND)
	_, _, err = e.store.GetState(ctx, "slack:U-alice:it")
	wantCode(t, "GetState", err, errs.ENOTFOUND)
}

// fullTicket has every field set to a value that is not its zero value.
func fullTicket() *tickets.Ticket {
	cet := time.FixedZone("CET", 3600)
	at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	return &tickets.Ticket{
		ID: 99, Key: "XX-99", Number: 99, // the store replaces these
		Desk:           "it",
		Platform:       "slack",
		RequestKey:     "slack:Ev-full",
		Requester:      alice,
		RequesterChat:  "D-alice",
		Language:       "de",
		Category:       "network",
		Subject:        "VPN: \"quotes\", ümlauts & emoji 🔒",
		Form:           []tickets.FormAnswer{{ID: "system", Label: "Which system?", Value: "VPN"}, {ID: "details", Label: "What happened?", Value: "line 1\nline 2"}},
		Suggested:      []string{"vpn-connect", "vpn-reset"},
		Status:         tickets.StatusSnoozed,
		PrevStatus:     tickets.StatusInService,
		Priority:       tickets.PriorityUrgent,
		Assignee:       "Ada",
		AssignReason:   "skills network",
		Declined:       []string{"Bob", "Carl"},
		GroupChat:      "C-it-1-vpn",
		Cards:          []tickets.CardRef{{Platform: "slack", Chat: "D-ada", Message: "171.1"}, {Platform: "slack", Chat: "C-agents", Message: "171.2"}},
		Flags:          tickets.FlagFirstResponseWarned | tickets.FlagEvaluationAsked,
		Evaluation:     &tickets.Evaluation{Rating: 4, Scale: 5, Reasons: []string{"fast", "friendly"}, Comment: "thanks", At: at(9).In(cet)},
		EarlierRatings: []tickets.Evaluation{{Rating: 2, Scale: 5, Reasons: []string{"slow"}, Comment: "first try", At: at(8)}},
		MergedInto:     "IT-7",
		Followers:      []tickets.Person{bob, carol},
		Tags:           []string{"vip", "vpn"},
		CloseReason:    "Solved by the FAQ",
		Erased:         base.Add(8 * time.Minute),
		SplitFrom:      "IT-3",
		Splits:         []string{"IT-9"},
		Guests:         []tickets.Person{carol},
		SideChats: []tickets.SideChat{{Platform: "slack", Chat: "C-it-1-side-1", Title: "IT-1 · side conversation 1",
			Members: []tickets.Person{bob, carol}, OpenedBy: "Bob", OpenedAt: at(7), ClosedAt: at(8)}},
		CreatedAt:       at(0),
		UpdatedAt:       at(1),
		AssignedAt:      at(2),
		FirstResponseAt: at(3),
		StartedAt:       at(4),
		EndedAt:         at(5),
		SnoozedUntil:    at(6),
		LastActivityAt:  at(7).Add(987 * time.Microsecond),
	}
}

// zeroFields lists the fields of v (recursively) that hold their zero value,
// so the round trip fixture fails when someone adds a field to Ticket.
func zeroFields(prefix string, v reflect.Value) []string {
	var out []string
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return []string{prefix}
		}
		return zeroFields(prefix, v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.Interface().(time.Time).IsZero() {
				out = append(out, prefix)
			}
			return out
		}
		for i := range v.NumField() {
			out = append(out, zeroFields(prefix+"."+v.Type().Field(i).Name, v.Field(i))...)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			return []string{prefix}
		}
		for i := range v.Len() {
			out = append(out, zeroFields(fmt.Sprintf("%s[%d]", prefix, i), v.Index(i))...)
		}
	default:
		if v.IsZero() {
			out = append(out, prefix)
		}
	}
	return out
}

func testRoundTrip(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	in := fullTicket()
	ev := tickets.Event{At: base, Kind: "open", Actor: userActor(alice), Source: tickets.SourceForm, Detail: in.Subject}
	saved, created, err := e.store.Create(ctx, in, "IT", ev)
	if err != nil || !created {
		t.Fatalf("Create: created=%v err=%v", created, err)
	}
	if z := zeroFields("Ticket", reflect.ValueOf(saved)); len(z) > 0 {
		t.Fatalf("fixture leaves fields zero: %v", z)
	}
	want := fullTicket()
	want.ID, want.Key, want.Number = saved.ID, "IT-1", 1
	want.Evaluation.At = want.Evaluation.At.UTC()
	check := func(how string, got *tickets.Ticket) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", how, got, want)
			if got.Evaluation != nil {
				t.Errorf("evaluation: got %+v want %+v", *got.Evaluation, *want.Evaluation)
			}
		}
	}
	check("Create", saved)
	check("Get", must(e.store.Get(ctx, saved.ID))(t))
	check("GetByKey", must(e.store.GetByKey(ctx, "IT-1"))(t))
	check("FindByGroupChat", must(e.store.FindByGroupChat(ctx, "slack", "C-it-1-vpn"))(t))
	list := must(e.store.List(ctx, tickets.Filter{}))(t)
	if len(list) != 1 {
		t.Fatalf("List: %d tickets, want 1", len(list))
	}
	check("List", list[0])
	_, err = e.store.FindByGroupChat(ctx, "discord", "C-it-1-vpn")
	wantCode(t, "FindByGroupChat on another platform", err, errs.ENOTFOUND)

	// What Update returns is what is stored.
	updated, err := e.store.Update(ctx, saved.ID, func(tk *tickets.Ticket) (*tickets.Change, error) {
		tk.Form = append(tk.Form, tickets.FormAnswer{ID: "extra", Label: "Extra", Value: "x"})
		tk.Evaluation.Reasons = []string{"slow"}
		tk.Declined = nil
		return &tickets.Change{Event: tickets.Event{At: base.Add(time.Hour), Kind: "note", Actor: admin, Source: tickets.SourceWeb}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := must(e.store.Get(ctx, saved.ID))(t)
	if !reflect.DeepEqual(got, updated) {
		t.Errorf("after Update:\n Get %+v\nUpdate returned %+v", got, updated)
	}
	if len(got.Form) != 3 || got.Evaluation.Reasons[0] != "slow" || len(got.Declined) != 0 {
		t.Errorf("Update did not persist the change: %+v", got)
	}
}

func testUpdateWritesEventAndMessage(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	tk := e.open(t, "it", alice, "VPN down")
	at := base.Add(90 * time.Second)
	ev := tickets.Event{At: at, Kind: "message", Actor: ada, Source: tickets.SourceChat, Detail: "detail"}
	msg := tickets.Message{Kind: tickets.KindNote, PlatformID: "171.5", Author: ada, Text: "checked the logs", At: at}
	got, err := e.store.Update(ctx, tk.ID, func(t *tickets.Ticket) (*tickets.Change, error) {
		t.Category = "network"
		return &tickets.Change{Event: ev, Message: &msg}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Category != "network" || must(e.store.Get(ctx, tk.ID))(t).Category != "network" {
		t.Errorf("the ticket change was not written")
	}
	evs := must(e.store.Events(ctx, tk.ID))(t)
	if len(evs) != 2 {
		t.Fatalf("events = %+v, want open and message", evs)
	}
	gotEv := evs[1]
	if gotEv.ID == 0 || gotEv.ID == evs[0].ID {
		t.Errorf("event id %d not assigned", gotEv.ID)
	}
	ev.ID, ev.TicketID = gotEv.ID, tk.ID
	if !reflect.DeepEqual(gotEv, ev) {
		t.Errorf("event:\n got %+v\nwant %+v", gotEv, ev)
	}
	ms := must(e.store.Messages(ctx, tk.ID))(t)
	if len(ms) != 1 {
		t.Fatalf("messages = %+v, want 1", ms)
	}
	msg.ID, msg.TicketID = ms[0].ID, tk.ID
	if ms[0].ID == 0 || !reflect.DeepEqual(ms[0], msg) {
		t.Errorf("message:\n got %+v\nwant %+v", ms[0], msg)
	}
	// Another ticket's history is its own.
	other := e.open(t, "it", bob, "Printer")
	if evs := must(e.store.Events(ctx, other.ID))(t); len(evs) != 1 {
		t.Errorf("other ticket has %d events, want 1", len(evs))
	}
	if ms := must(e.store.Messages(ctx, other.ID))(t); len(ms) != 0 {
		t.Errorf("other ticket has messages %+v", ms)
	}
}

func testUpdateErrorChangesNothing(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	tk := e.open(t, "it", alice, "VPN down")
	before := must(e.store.Get(ctx, tk.ID))(t)
	errBoom := errors.New("boom")
	coded := errs.Errorf(errs.EFORBIDDEN, "no")
	for _, want := range []error{errBoom, coded} {
		_, err := e.store.Update(ctx, tk.ID, func(t *tickets.Ticket) (*tickets.Change, error) {
			t.Subject = "changed"
			t.Status = tickets.StatusResolved
			return &tickets.Change{Event: tickets.Event{Kind: "end"}, Message: &tickets.Message{Kind: tickets.KindTranscript, Text: "x"}}, want
		})
		if !errors.Is(err, want) {
			t.Errorf("Update returned %v, want fn's error %v", err, want)
		}
		if errs.Code(err) != errs.Code(want) {
			t.Errorf("Update error code %q, want %q", errs.Code(err), errs.Code(want))
		}
	}
	if after := must(e.store.Get(ctx, tk.ID))(t); !reflect.DeepEqual(after, before) {
		t.Errorf("a failed Update changed the ticket:\n got %+v\nwant %+v", after, before)
	}
	if evs := must(e.store.Events(ctx, tk.ID))(t); len(evs) != 1 {
		t.Errorf("a failed Update wrote events: %+v", evs)
	}
	if ms := must(e.store.Messages(ctx, tk.ID))(t); len(ms) != 0 {
		t.Errorf("a failed Update wrote messages: %+v", ms)
	}
}

func testDuplicateMessage(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	tk := e.open(t, "it", alice, "VPN down")
	other := e.open(t, "it", bob, "Printer")
	e.clock.Advance(time.Minute)
	first := must(e.svc.RecordMessage(ctx, tk.ID, "hello", "171.1", userActor(alice), tickets.SourceChat))(t)
	e.clock.Advance(time.Minute)
	_, err := e.svc.RecordMessage(ctx, tk.ID, "hello again", "171.1", userActor(alice), tickets.SourceChat)
	wantCode(t, "repeated platform message", err, errs.ECONFLICT)
	if got := must(e.store.Get(ctx, tk.ID))(t); !reflect.DeepEqual(got, first) {
		t.Errorf("a repeated message changed the ticket:\n got %+v\nwant %+v", got, first)
	}
	if ms := must(e.store.Messages(ctx, tk.ID))(t); len(ms) != 1 || ms[0].Text != "hello" {
		t.Errorf("messages after a repeat = %+v, want just the first", ms)
	}
	if evs := must(e.store.Events(ctx, tk.ID))(t); len(evs) != 2 {
		t.Errorf("%d events after a repeat, want 2 (open, message)", len(evs))
	}
	// The same platform id on another ticket, and messages without an id, are distinct.
	must(e.svc.RecordMessage(ctx, other.ID, "hello", "171.1", userActor(bob), tickets.SourceChat))(t)
	must(e.svc.RecordMessage(ctx, tk.ID, "web 1", "", userActor(alice), tickets.SourceWeb))(t)
	must(e.svc.RecordMessage(ctx, tk.ID, "web 2", "", userActor(alice), tickets.SourceWeb))(t)
	if ms := must(e.store.Messages(ctx, tk.ID))(t); len(ms) != 3 {
		t.Errorf("%d messages, want 3", len(ms))
	}
	if ms := must(e.store.Messages(ctx, other.ID))(t); len(ms) != 1 {
		t.Errorf("other ticket: %d messages, want 1", len(ms))
	}
}

func testListFilters(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	e.open(t, "it", alice, "a") // IT-1 at base, open
	e.clock.Advance(time.Hour)
	it2 := e.open(t, "it", bob, "b") // IT-2 at +1h, assigned to Ada
	must(e.svc.Assign(ctx, it2.ID, "Ada", "test", tickets.System, tickets.SourceRouting))(t)
	e.clock.Advance(time.Hour)
	hr1 := e.open(t, "hr", alice, "c") // HR-1 at +2h, resolved by Ada
	must(e.svc.Assign(ctx, hr1.ID, "Ada", "test", tickets.System, tickets.SourceRouting))(t)
	must(e.svc.End(ctx, hr1.ID, "done", ada, tickets.SourceButton))(t)
	e.clock.Advance(time.Hour)
	e.open(t, "fin", carol, "d") // FIN-1 at +3h, open
	e.clock.Advance(time.Hour)
	e.open(t, "it", carol, "e") // IT-3 at +4h, open
	// FIN-2 is written last but dated +30m (say, imported): List orders by age, not id.
	late := &tickets.Ticket{Desk: "fin", Status: tickets.StatusResolved, Requester: bob, CreatedAt: base.Add(30 * time.Minute)}
	if _, _, err := e.store.Create(ctx, late, "FIN", tickets.Event{At: base, Kind: "open", Actor: tickets.System}); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		f    tickets.Filter
		want []string
	}{
		{"all oldest first", tickets.Filter{}, []string{"IT-1", "FIN-2", "IT-2", "HR-1", "FIN-1", "IT-3"}},
		{"desk", tickets.Filter{Desk: "it"}, []string{"IT-1", "IT-2", "IT-3"}},
		{"desks", tickets.Filter{Desks: []string{"hr", "fin"}}, []string{"FIN-2", "HR-1", "FIN-1"}},
		{"unknown desk", tickets.Filter{Desk: "legal"}, nil},
		{"status", tickets.Filter{Statuses: []tickets.Status{tickets.StatusOpen}}, []string{"IT-1", "FIN-1", "IT-3"}},
		{"statuses", tickets.Filter{Statuses: []tickets.Status{tickets.StatusAssigned, tickets.StatusResolved}}, []string{"FIN-2", "IT-2", "HR-1"}},
		{"assignee", tickets.Filter{Assignee: "Ada"}, []string{"IT-2", "HR-1"}},
		{"assignee and desk", tickets.Filter{Assignee: "Ada", Desk: "hr"}, []string{"HR-1"}},
		{"requester", tickets.Filter{Requester: &alice}, []string{"IT-1", "HR-1"}},
		{"requester id on another platform", tickets.Filter{Requester: &tickets.Person{Platform: "discord", ID: alice.ID}}, nil},
		{"since inclusive", tickets.Filter{Since: base.Add(2 * time.Hour)}, []string{"HR-1", "FIN-1", "IT-3"}},
		{"until exclusive", tickets.Filter{Until: base.Add(2 * time.Hour)}, []string{"IT-1", "FIN-2", "IT-2"}},
		{"since and until", tickets.Filter{Since: base.Add(time.Hour), Until: base.Add(3*time.Hour + time.Second)}, []string{"IT-2", "HR-1", "FIN-1"}},
		{"limit", tickets.Filter{Limit: 2}, []string{"IT-1", "FIN-2"}},
		{"limit with desk", tickets.Filter{Desk: "it", Statuses: []tickets.Status{tickets.StatusOpen}, Limit: 1}, []string{"IT-1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := keys(must(e.store.List(ctx, c.f))(t))
			if !slices.Equal(got, c.want) {
				t.Errorf("List(%+v) = %v, want %v", c.f, got, c.want)
			}
		})
	}
}

func testQueueOrder(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	prio := func(p tickets.Priority) func(*tickets.Ticket) { return func(tk *tickets.Ticket) { tk.Priority = p } }
	e.open(t, "it", alice, "normal old", prio(tickets.PriorityNormal)) // IT-1
	e.clock.Advance(time.Minute)
	e.open(t, "it", alice, "high old", prio(tickets.PriorityHigh))     // IT-2
	e.open(t, "it", bob, "high same time", prio(tickets.PriorityHigh)) // IT-3, same created_at: id decides
	e.clock.Advance(time.Minute)
	e.open(t, "it", alice, "low", prio(tickets.PriorityLow)) // IT-4
	e.clock.Advance(time.Minute)
	e.open(t, "it", alice, "normal new", prio(tickets.PriorityNormal)) // IT-5
	e.clock.Advance(time.Minute)
	urgent := e.open(t, "it", bob, "urgent", prio(tickets.PriorityUrgent)) // IT-6, but assigned
	must(e.svc.Assign(ctx, urgent.ID, "Ada", "test", tickets.System, tickets.SourceRouting))(t)
	e.clock.Advance(time.Minute)
	e.open(t, "it", carol, "urgent new", prio(tickets.PriorityUrgent)) // IT-7
	e.open(t, "hr", carol, "other desk", prio(tickets.PriorityUrgent)) // HR-1
	// IT-8 is written last but is the oldest (say, imported): age, not id, orders the queue.
	old := &tickets.Ticket{Desk: "it", Status: tickets.StatusOpen, Priority: tickets.PriorityNormal, CreatedAt: base.Add(-time.Hour)}
	if _, _, err := e.store.Create(ctx, old, "IT", tickets.Event{At: base, Kind: "open", Actor: tickets.System}); err != nil {
		t.Fatal(err)
	}

	got := keys(must(e.store.Queue(ctx, "it"))(t))
	want := []string{"IT-7", "IT-2", "IT-3", "IT-8", "IT-1", "IT-5", "IT-4"}
	if !slices.Equal(got, want) {
		t.Errorf("Queue(it) = %v, want %v", got, want)
	}
	if got := keys(must(e.store.Queue(ctx, "legal"))(t)); len(got) != 0 {
		t.Errorf("Queue(legal) = %v, want empty", got)
	}
}

func testLoads(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	assign := func(desk, agent string) *tickets.Ticket {
		t.Helper()
		tk := e.open(t, desk, alice, "work for "+agent)
		e.clock.Advance(time.Minute)
		return must(e.svc.Assign(ctx, tk.ID, agent, "test", tickets.System, tickets.SourceRouting))(t)
	}
	asAgent := func(name string) tickets.Actor { return tickets.Actor{Role: tickets.RoleAgent, Name: name} }

	assign("it", "Ada")            // assigned
	started := assign("it", "Ada") // in service
	must(e.svc.Start(ctx, started.ID, "C-1", asAgent("Ada"), tickets.SourceButton))(t)
	resolved := assign("it", "Ada") // resolved: not open, but the latest assignment
	adaLast := resolved.AssignedAt
	must(e.svc.End(ctx, resolved.ID, "", asAgent("Ada"), tickets.SourceButton))(t)
	snoozed := assign("it", "Bob") // snoozed while assigned: still Bob's work
	bobLast := snoozed.AssignedAt
	must(e.svc.Snooze(ctx, snoozed.ID, e.clock.Now().Add(time.Hour), asAgent("Bob"), tickets.SourceCommand))(t)
	requeued := assign("it", "Carl") // requeued: no longer Carl's
	must(e.svc.Requeue(ctx, requeued.ID, "timeout", tickets.System, tickets.SourceTimer))(t)
	e.open(t, "it", bob, "queued") // open: nobody's
	assign("hr", "Ada")            // another desk
	dora := assign("hr", "Dora")

	got := must(e.store.Loads(ctx, "it"))(t)
	want := map[string]tickets.AgentLoad{
		"Ada": {Open: 2, LastAssigned: adaLast},
		"Bob": {Open: 1, LastAssigned: bobLast},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Loads(it) = %+v, want %+v", got, want)
	}
	gotHR := must(e.store.Loads(ctx, "hr"))(t)
	if gotHR["Dora"].Open != 1 || !gotHR["Dora"].LastAssigned.Equal(dora.AssignedAt) || gotHR["Ada"].Open != 1 || len(gotHR) != 2 {
		t.Errorf("Loads(hr) = %+v", gotHR)
	}
	if got := must(e.store.Loads(ctx, "legal"))(t); len(got) != 0 {
		t.Errorf("Loads(legal) = %+v, want empty", got)
	}
}

func testState(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	const key = "it/slack/U-alice"
	v1, err := e.store.PutState(ctx, key, []byte(`{"step":"menu"}`), 0)
	if err != nil || v1 <= 0 {
		t.Fatalf("first PutState = %d, %v; want a positive version", v1, err)
	}
	_, err = e.store.PutState(ctx, key, []byte(`{"step":"form"}`), 0)
	wantCode(t, "second PutState with version 0", err, errs.ECONFLICT)
	data, v, err := e.store.GetState(ctx, key)
	if err != nil || string(data) != `{"step":"menu"}` || v != v1 {
		t.Fatalf("GetState = %s, %d, %v; want the first state at version %d", data, v, err, v1)
	}
	v2, err := e.store.PutState(ctx, key, []byte(`{"step":"form"}`), v1)
	if err != nil || v2 == v1 {
		t.Fatalf("PutState at the current version = %d, %v", v2, err)
	}
	_, err = e.store.PutState(ctx, key, []byte(`{"step":"stale"}`), v1)
	wantCode(t, "PutState with a stale version", err, errs.ECONFLICT)
	data, v, _ = e.store.GetState(ctx, key)
	if string(data) != `{"step":"form"}` || v != v2 {
		t.Errorf("GetState = %s, %d; want the second state at version %d", data, v, v2)
	}
	_, err = e.store.PutState(ctx, "it/slack/U-nobody", []byte(`{}`), 7)
	wantCode(t, "PutState with a version of a state never saved", err, errs.ECONFLICT)
	if _, err := e.store.PutState(ctx, "it/slack/U-bob", []byte(`{"step":"idle"}`), 0); err != nil {
		t.Errorf("another conversation's first PutState: %v", err)
	}
}

func testPresence(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	if got := must(e.store.Presence(ctx))(t); len(got) != 0 {
		t.Errorf("Presence of an empty store = %v", got)
	}
	if err := e.store.SetPresence(ctx, "Ada", "online", base); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetPresence(ctx, "Bob", "away", base); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetPresence(ctx, "Ada", "offline", base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Ada": "offline", "Bob": "away"}
	if got := must(e.store.Presence(ctx))(t); !reflect.DeepEqual(got, want) {
		t.Errorf("Presence = %v, want %v", got, want)
	}
}

func testConcurrentCreate(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	const n = 50
	got := make([]string, n)
	results := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			tk := &tickets.Ticket{Desk: "it", Platform: "slack", Requester: alice, Subject: fmt.Sprintf("ticket %d", i)}
			saved, _, err := e.svc.Open(ctx, tk, "IT", userActor(alice), tickets.SourceForm)
			results[i] = err
			if err == nil {
				got[i] = saved.Key
			}
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(results...); err != nil {
		t.Fatalf("concurrent opens failed: %v", err)
	}
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprintf("IT-%d", i+1)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("keys = %v, want IT-1..IT-%d once each", got, n)
	}
	if all := must(e.store.List(ctx, tickets.Filter{Desk: "it"}))(t); len(all) != n {
		t.Errorf("%d tickets stored, want %d", len(all), n)
	}
}

func testConcurrentMessages(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	tk := e.open(t, "it", alice, "VPN down")
	const n = 20
	results := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, results[i] = e.svc.RecordMessage(ctx, tk.ID, fmt.Sprintf("line %d", i), fmt.Sprintf("m%d", i), userActor(alice), tickets.SourceChat)
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(results...); err != nil {
		t.Fatalf("concurrent messages failed: %v", err)
	}
	ms := must(e.store.Messages(ctx, tk.ID))(t)
	seen := map[string]bool{}
	for _, m := range ms {
		seen[m.PlatformID] = true
	}
	if len(ms) != n || len(seen) != n {
		t.Errorf("%d messages (%d distinct) recorded, want %d", len(ms), len(seen), n)
	}
	if evs := must(e.store.Events(ctx, tk.ID))(t); len(evs) != n+1 {
		t.Errorf("%d events, want %d", len(evs), n+1)
	}
}

func testConcurrentSetFlag(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	tk := e.open(t, "it", alice, "VPN down")
	const n = 10
	results := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, results[i] = e.svc.SetFlag(ctx, tk.ID, tickets.FlagFirstResponseWarned, "warned", tickets.System, tickets.SourceTimer)
		})
	}
	close(start)
	wg.Wait()
	fired := 0
	for _, err := range results {
		switch errs.Code(err) {
		case "":
			fired++
		case errs.ECONFLICT:
		default:
			t.Errorf("SetFlag: %v", err)
		}
	}
	if fired != 1 {
		t.Errorf("the timer fired %d times, want once", fired)
	}
	flags := 0
	for _, ev := range must(e.store.Events(ctx, tk.ID))(t) {
		if ev.Kind == "flag" {
			flags++
		}
	}
	if flags != 1 {
		t.Errorf("%d flag events, want 1", flags)
	}
}

func testReopen(t *testing.T, open OpenFunc) {
	dir := t.TempDir()
	s := open(t, dir)
	c := clocktest.New(base)
	svc := &tickets.Service{Store: s, Now: c.Now}
	tk, _, err := svc.Open(ctx, &tickets.Ticket{Desk: "it", Platform: "slack", Requester: alice, Subject: "VPN down", RequestKey: "slack:Ev1"}, "IT", userActor(alice), tickets.SourceForm)
	if err != nil {
		t.Fatal(err)
	}
	must(svc.RecordMessage(ctx, tk.ID, "hello", "m1", userActor(alice), tickets.SourceChat))(t)
	tk = must(svc.Assign(ctx, tk.ID, "Ada", "test", tickets.System, tickets.SourceRouting))(t)
	v := must(s.PutState(ctx, "conv", []byte("state"), 0))(t)
	claim(t, s, "slack:Ev1", "replica-a", base, base.Add(time.Minute), tickets.ClaimTaken)
	if err := s.FinishEvent(ctx, "slack:Ev1", "replica-a", base); err != nil {
		t.Fatal(err)
	}
	claim(t, s, "slack:Ev2", "replica-a", base, base.Add(time.Minute), tickets.ClaimTaken)
	if err := s.SetPresence(ctx, "Ada", "online", base); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = open(t, dir)
	t.Cleanup(func() { s.Close() })
	svc.Store = s
	if got := must(s.Get(ctx, tk.ID))(t); !reflect.DeepEqual(got, tk) {
		t.Errorf("after reopen:\n got %+v\nwant %+v", got, tk)
	}
	if ms := must(s.Messages(ctx, tk.ID))(t); len(ms) != 1 || ms[0].Text != "hello" {
		t.Errorf("messages after reopen = %+v", ms)
	}
	if evs := must(s.Events(ctx, tk.ID))(t); len(evs) != 3 {
		t.Errorf("%d events after reopen, want 3", len(evs))
	}
	if data, gotV, err := s.GetState(ctx, "conv"); err != nil || string(data) != "state" || gotV != v {
		t.Errorf("GetState after reopen = %q, %d, %v", data, gotV, err)
	}
	// A handled event stays handled, and a claim in flight stays held.
	claim(t, s, "slack:Ev1", "replica-b", base.Add(time.Hour), base.Add(2*time.Hour), tickets.ClaimDone)
	claim(t, s, "slack:Ev2", "replica-b", base.Add(time.Second), base.Add(time.Minute), tickets.ClaimBusy)
	if p := must(s.Presence(ctx))(t); p["Ada"] != "online" {
		t.Errorf("presence after reopen = %v", p)
	}
	// The desk counter and request keys survive too.
	if _, created, err := svc.Open(ctx, &tickets.Ticket{Desk: "it", Requester: alice, RequestKey: "slack:Ev1"}, "IT", userActor(alice), tickets.SourceForm); err != nil || created {
		t.Errorf("replayed Create after reopen: created=%v err=%v", created, err)
	}
	if next := must(s.List(ctx, tickets.Filter{}))(t); len(next) != 1 {
		t.Errorf("%d tickets, want 1", len(next))
	}
	tk2, _, err := svc.Open(ctx, &tickets.Ticket{Desk: "it", Requester: bob, Subject: "Printer"}, "IT", userActor(bob), tickets.SourceForm)
	if err != nil || tk2.Key != "IT-2" {
		t.Errorf("next ticket after reopen = %v, %v; want IT-2", tk2, err)
	}
}

func testQuestionLog(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	qs := []*tickets.Question{
		{Desk: "it", Platform: "slack", UserID: "U1", Text: "vpn broken", Language: "en", ItemID: "vpn", Confidence: 0.91, Outcome: tickets.OutcomeAnswered, At: base},
		{Desk: "it", Platform: "slack", UserID: "U2", Text: "printer on fire", Language: "en", Outcome: tickets.OutcomeUnanswered, At: base.Add(time.Hour)},
		{Desk: "hr", Platform: "web", UserID: "w1", Text: "payslip", Language: "de", Confidence: 0.5, Outcome: tickets.OutcomeSuggested, At: base.Add(2 * time.Hour)},
	}
	for _, q := range qs {
		id, err := e.store.RecordQuestion(ctx, q)
		if err != nil || id == 0 || q.ID != id {
			t.Fatalf("RecordQuestion = %d, %v (q.ID %d)", id, err, q.ID)
		}
	}
	if err := e.store.SetQuestionOutcome(ctx, qs[0].ID, tickets.OutcomeHelpful, "", 0); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetQuestionOutcome(ctx, qs[1].ID, tickets.OutcomeEscalated, "", 42); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetQuestionOutcome(ctx, 99999, tickets.OutcomeHelpful, "", 0); errs.Code(err) != errs.ENOTFOUND {
		t.Errorf("SetQuestionOutcome of a missing question: %v, want ENOTFOUND", err)
	}
	all := must(e.store.Questions(ctx, tickets.QuestionFilter{}))(t)
	if len(all) != 3 {
		t.Fatalf("Questions = %d, want 3", len(all))
	}
	want := *qs[0]
	want.Outcome = tickets.OutcomeHelpful
	if got := all[0]; got != want {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if all[1].Outcome != tickets.OutcomeEscalated || all[1].TicketID != 42 {
		t.Errorf("escalated question = %+v", all[1])
	}
	if got := must(e.store.Questions(ctx, tickets.QuestionFilter{Desk: "it", Since: base.Add(time.Minute)}))(t); len(got) != 1 || got[0].Text != "printer on fire" {
		t.Errorf("filter desk+since = %+v", got)
	}
	if got := must(e.store.Questions(ctx, tickets.QuestionFilter{Until: base.Add(time.Hour), Limit: 5}))(t); len(got) != 1 {
		t.Errorf("filter until = %+v", got)
	}
	if got := must(e.store.Questions(ctx, tickets.QuestionFilter{Platform: "slack", UserID: "U2"}))(t); len(got) != 1 || got[0].Text != "printer on fire" {
		t.Errorf("filter person = %+v", got)
	}
	if got := must(e.store.Questions(ctx, tickets.QuestionFilter{Platform: "web", UserID: "U2"}))(t); len(got) != 0 {
		t.Errorf("filter person on another platform = %+v", got)
	}
}

func testFindByCard(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	a := e.open(t, "it", alice, "VPN drops")
	b := e.open(t, "it", bob, "Printer jam")
	if _, err := e.store.FindByCard(ctx, "slack", "C1", "1.1"); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("FindByCard with no cards: %v, want ENOTFOUND", err)
	}
	if _, err := e.svc.SetCards(ctx, a.ID, []tickets.CardRef{{Platform: "slack", Chat: "D1", Message: "1.1"}, {Platform: "slack", Chat: "C1", Message: "1.2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetCards(ctx, b.ID, []tickets.CardRef{{Platform: "slack", Chat: "C1", Message: "2.2"}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		chat, msg string
		want      int64
	}{{"C1", "1.2", a.ID}, {"D1", "1.1", a.ID}, {"C1", "2.2", b.ID}} {
		got, err := e.store.FindByCard(ctx, "slack", c.chat, c.msg)
		if err != nil || got.ID != c.want {
			t.Errorf("FindByCard(%s, %s) = %v, %v; want ticket %d", c.chat, c.msg, got, err, c.want)
		}
	}
	if _, err := e.store.FindByCard(ctx, "discord", "C1", "1.2"); errs.Code(err) != errs.ENOTFOUND {
		t.Errorf("FindByCard on another platform: %v, want ENOTFOUND", err)
	}
	// Replacing the cards drops the old ones.
	if _, err := e.svc.SetCards(ctx, a.ID, []tickets.CardRef{{Platform: "slack", Chat: "C1", Message: "3.3"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.FindByCard(ctx, "slack", "C1", "1.2"); errs.Code(err) != errs.ENOTFOUND {
		t.Errorf("a replaced card still finds its ticket: %v", err)
	}
}

// testIdentities: accounts linked by their verified address are one
// person, whose tickets on every channel one filter finds; a new address
// replaces the old, an empty one unlinks, and the links are in the store.
func testIdentities(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	if _, err := e.store.IdentityOf(ctx, "slack", "U-alice"); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("no link yet: want ENOTFOUND, got %v", err)
	}
	if err := e.store.LinkIdentity(ctx, tickets.Identity{Platform: "slack", UserID: "U-alice", Email: "not an address"}); errs.Code(err) != errs.EINVALID {
		t.Fatalf("a bad address is refused: %v", err)
	}
	at := base.Add(time.Minute)
	for _, id := range []tickets.Identity{
		{Platform: "slack", UserID: "U-alice", Name: "Alice", Email: " Alice@Example.COM ", At: at},
		{Platform: "mattermost", UserID: "mm-alice", Name: "alice", Email: "alice@example.com", At: at},
		{Platform: "slack", UserID: "U-bob", Name: "Bob", Email: "bob@example.com", At: at},
	} {
		if err := e.store.LinkIdentity(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.store.IdentityOf(ctx, "slack", "U-alice")
	if err != nil || got.Email != "alice@example.com" || got.Name != "Alice" || !got.At.Equal(at) {
		t.Fatalf("IdentityOf = %+v, %v", got, err)
	}
	same, err := e.store.IdentitiesByEmail(ctx, "ALICE@example.com")
	if err != nil || len(same) != 2 || same[0].Platform != "mattermost" || same[1].UserID != "U-alice" {
		t.Fatalf("IdentitiesByEmail = %+v, %v", same, err)
	}
	// Alice's tickets on Slack, Mattermost and email; Bob's on Slack.
	mm := tickets.Person{Platform: "mattermost", ID: "mm-alice", Name: "alice"}
	mail := tickets.Person{Platform: tickets.EmailPlatform, ID: "alice@example.com", Name: "Alice"}
	a1 := e.open(t, "it", alice, "printer")
	e.clock.Advance(time.Second)
	a2 := e.open(t, "hr", mm, "holidays")
	e.clock.Advance(time.Second)
	a3 := e.open(t, "it", mail, "vpn")
	e.open(t, "it", bob, "bob's")
	for _, from := range []tickets.Person{alice, mm, mail} {
		accounts, err := tickets.Accounts(ctx, e.store, from)
		if err != nil {
			t.Fatal(err)
		}
		if len(accounts) != 3 || accounts[0] != from {
			t.Fatalf("accounts of %s:%s = %+v", from.Platform, from.ID, accounts)
		}
		ts, err := e.store.List(ctx, tickets.Filter{Requesters: accounts})
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 3 || ts[0].ID != a1.ID || ts[1].ID != a2.ID || ts[2].ID != a3.ID {
			t.Fatalf("tickets of %s: %d, want IT-1, HR-1, IT-2 in order", from.ID, len(ts))
		}
		ts, err = e.store.List(ctx, tickets.Filter{Requesters: accounts, Desk: "it"})
		if err != nil || len(ts) != 2 {
			t.Fatalf("with a desk: %d, %v", len(ts), err)
		}
	}
	// Someone else's address stays theirs; an unlinked account is alone.
	if accounts := must(tickets.Accounts(ctx, e.store, carol))(t); len(accounts) != 1 {
		t.Fatalf("carol has no link: %+v", accounts)
	}
	// A new address replaces the old; an empty one unlinks.
	if err := e.store.LinkIdentity(ctx, tickets.Identity{Platform: "slack", UserID: "U-alice", Email: "alice@new.example"}); err != nil {
		t.Fatal(err)
	}
	if same := must(e.store.IdentitiesByEmail(ctx, "alice@example.com"))(t); len(same) != 1 {
		t.Fatalf("after the change: %+v", same)
	}
	if err := e.store.LinkIdentity(ctx, tickets.Identity{Platform: "mattermost", UserID: "mm-alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.IdentityOf(ctx, "mattermost", "mm-alice"); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("unlinked: %v", err)
	}
	s := open(t, e.dir) // a second store on the same data, as after a restart
	defer s.Close()
	if got, err := s.IdentityOf(ctx, "slack", "U-alice"); err != nil || got.Email != "alice@new.example" {
		t.Fatalf("read by another store: %+v, %v", got, err)
	}
}
