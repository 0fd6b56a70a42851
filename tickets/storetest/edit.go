package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/helpdesk-chat/helpdesk/config"
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
