package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// testTags checks that a ticket's tags survive the store, that List (and
// the search, where the store has one) filters by tag, and that an edit
// moves a ticket in and out of a tag's list.
func testTags(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	vpn := e.open(t, "it", alice, "VPN down", func(tk *tickets.Ticket) { tk.Tags = []string{"vpn", "vip"} })
	e.open(t, "it", bob, "Printer jam", func(tk *tickets.Ticket) { tk.Tags = []string{"printer"} })
	hr := e.open(t, "hr", alice, "Payslip", func(tk *tickets.Ticket) { tk.Tags = []string{"vip"} })
	if got := must(e.store.Get(ctx, vpn.ID))(t); !slices.Equal(got.Tags, []string{"vpn", "vip"}) {
		t.Fatalf("tags read back as %v", got.Tags)
	}
	list := func(f tickets.Filter) []string { t.Helper(); return keys(must(e.store.List(ctx, f))(t)) }
	if got := list(tickets.Filter{Tag: "vip"}); !slices.Equal(got, []string{"IT-1", "HR-1"}) {
		t.Errorf("tag vip lists %v, want IT-1 HR-1", got)
	}
	if got := list(tickets.Filter{Tag: "vip", Desk: "hr"}); !slices.Equal(got, []string{"HR-1"}) {
		t.Errorf("tag vip on hr lists %v, want HR-1", got)
	}
	if got := list(tickets.Filter{Tag: "vp"}); len(got) != 0 {
		t.Errorf("a tag matches whole: vp lists %v", got)
	}
	if s, ok := e.store.(interface {
		SearchTickets(ctx context.Context, f tickets.Filter, text string, notes bool) ([]*tickets.Ticket, error)
	}); ok {
		if got := keys(must(s.SearchTickets(ctx, tickets.Filter{Tag: "vip"}, "payslip", false))(t)); !slices.Equal(got, []string{"HR-1"}) {
			t.Errorf("search for payslip with tag vip finds %v, want HR-1", got)
		}
	}

	desk := &config.Desk{ID: "it", Name: "IT"}
	tags := []string{"Printer", " network  drive "}
	edited := must(e.svc.Edit(ctx, vpn.ID, tickets.Edit{Tags: &tags}, desk, ada, tickets.SourceWeb))(t)
	if want := []string{"network-drive", "printer"}; !slices.Equal(edited.Tags, want) {
		t.Errorf("edited tags %v, want %v", edited.Tags, want)
	}
	if got := list(tickets.Filter{Tag: "vip"}); !slices.Equal(got, []string{hr.Key}) {
		t.Errorf("after the edit tag vip lists %v, want %s", got, hr.Key)
	}
	if got := list(tickets.Filter{Tag: "printer"}); !slices.Equal(got, []string{"IT-1", "IT-2"}) {
		t.Errorf("after the edit tag printer lists %v, want IT-1 IT-2", got)
	}
	evs := must(e.store.Events(ctx, vpn.ID))(t)
	if last := evs[len(evs)-1]; last.Kind != "edit" || last.Actor.Name != "Ada" || last.Detail != "tags +network-drive +printer -vpn -vip" {
		t.Errorf("last event %+v, want Ada's edit of the tags", last)
	}
}

// testErase checks that Erase deletes the transcript, notes and form rows
// and blanks the history's details in the transaction of its change, and
// that a refused erasure keeps everything.
func testErase(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	tk := e.open(t, "it", alice, "VPN down at home", func(tk *tickets.Ticket) {
		tk.Form = []tickets.FormAnswer{{ID: "details", Label: "Details", Value: "my flat in Rue Secret 5"}}
	})
	keep := e.open(t, "it", bob, "Printer jam")
	must(e.svc.RecordMessage(ctx, tk.ID, "my password is hunter2", "m1", userActor(alice), tickets.SourceChat))(t)
	must(e.svc.AddNote(ctx, tk.ID, "alice again", "", ada, tickets.SourceWeb))(t)
	must(e.svc.RecordMessage(ctx, keep.ID, "paper everywhere", "m2", userActor(bob), tickets.SourceChat))(t)

	_, err := e.svc.Delete(ctx, tk.ID, ada, tickets.SourceWeb)
	wantCode(t, "delete by an agent", err, errs.EFORBIDDEN)
	if ms := must(e.store.Messages(ctx, tk.ID))(t); len(ms) != 2 {
		t.Fatalf("a refused erasure left %d messages, want 2", len(ms))
	}

	e.clock.Advance(time.Minute)
	got := must(e.svc.Delete(ctx, tk.ID, admin, tickets.SourceWeb))(t)
	if got.Subject != "(deleted)" || got.Form != nil || got.Requester.Name != "" || got.Erased.IsZero() || got.Status != tickets.StatusResolved {
		t.Errorf("erased ticket: %+v", got)
	}
	if !reflect.DeepEqual(must(e.store.Get(ctx, tk.ID))(t), got) {
		t.Errorf("what Erase returned is not what is stored")
	}
	if ms := must(e.store.Messages(ctx, tk.ID))(t); len(ms) != 0 {
		t.Errorf("erased ticket keeps messages %+v", ms)
	}
	evs := must(e.store.Events(ctx, tk.ID))(t)
	for _, ev := range evs {
		if ev.Detail != "" {
			t.Errorf("event %s keeps its detail %q", ev.Kind, ev.Detail)
		}
	}
	if last := evs[len(evs)-1]; last.Kind != "delete" || last.Actor.Name != admin.Name {
		t.Errorf("last event %+v, want the admin's delete", last)
	}
	if s, ok := e.store.(interface {
		SearchTickets(ctx context.Context, f tickets.Filter, text string, notes bool) ([]*tickets.Ticket, error)
	}); ok {
		for _, q := range []string{"Rue Secret", "hunter2", "alice again", "VPN down"} {
			if hits := must(s.SearchTickets(ctx, tickets.Filter{}, q, true))(t); len(hits) != 0 {
				t.Errorf("search for %q still finds %v", q, keys(hits))
			}
		}
	}
	// Another ticket keeps its content.
	if ms := must(e.store.Messages(ctx, keep.ID))(t); len(ms) != 1 {
		t.Errorf("the other ticket has %d messages, want 1", len(ms))
	}
	_, err = e.svc.Delete(ctx, tk.ID, admin, tickets.SourceWeb)
	wantCode(t, "delete twice", err, errs.ECONFLICT)
}
