package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// SearchStore is what the Ticket Center asks of a store that can search
// tickets itself (center.Searcher and center.StatusCounter).
type SearchStore interface {
	tickets.Store
	SearchTickets(ctx context.Context, f tickets.Filter, text string, notes bool) ([]*tickets.Ticket, error)
	CountByStatus(ctx context.Context) (map[string]map[tickets.Status]int, error)
}

// RunSearch checks a store's ticket search (subject, key, form answers,
// requester, transcripts; notes only for staff; LIKE wildcards taken
// literally) and its status counts.
func RunSearch(t *testing.T, s SearchStore) {
	ctx := context.Background()
	svc := &tickets.Service{Store: s, Now: func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }}
	alice := tickets.Person{Platform: "web", ID: "alice", Name: "Alice Liddell"}
	asAlice := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "alice", Name: "Alice"}
	ada := tickets.Actor{Role: tickets.RoleAdmin, Platform: "web", ID: "ada", Name: "Ada"}
	open := func(desk, subject string, form ...tickets.FormAnswer) *tickets.Ticket {
		tk, _, err := svc.Open(ctx, &tickets.Ticket{Desk: desk, Platform: "web", Requester: alice, Subject: subject, Form: form}, "", asAlice, tickets.SourceForm)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	vpn := open("it", "VPN drops every hour")
	printer := open("it", "Printer jam", tickets.FormAnswer{ID: "device", Label: "Device", Value: "HP LaserJet 4"})
	chat := open("it", "Something else")
	payslip := open("hr", "Payslip 100% wrong")
	if _, err := svc.RecordMessage(ctx, chat.ID, "my GlobalProtect client shows error 12", "m1", asAlice, tickets.SourceChat); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddNote(ctx, printer.ID, "secret: user is a VIP", "", ada, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name  string
		f     tickets.Filter
		text  string
		notes bool
		want  []string
	}{
		{"subject, any case", tickets.Filter{}, "vpn", false, []string{vpn.Key}},
		{"several words in order", tickets.Filter{}, "drops every", false, []string{vpn.Key}},
		{"form answer", tickets.Filter{}, "laserjet", false, []string{printer.Key}},
		{"transcript", tickets.Filter{}, "globalprotect", false, []string{chat.Key}},
		{"requester name", tickets.Filter{Desk: "hr"}, "liddell", false, []string{payslip.Key}},
		{"key", tickets.Filter{}, "HR-1", false, []string{payslip.Key}},
		{"desk filter applies", tickets.Filter{Desk: "it"}, "payslip", false, nil},
		{"percent is literal", tickets.Filter{}, "100%", false, []string{payslip.Key}},
		{"underscore is literal", tickets.Filter{}, "_", false, nil},
		{"notes hidden", tickets.Filter{}, "vip", false, nil},
		{"notes for staff", tickets.Filter{}, "vip", true, []string{printer.Key}},
		{"empty text lists all with limit", tickets.Filter{Limit: 2}, "", false, []string{vpn.Key, printer.Key}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.SearchTickets(ctx, c.f, c.text, c.notes)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, tk := range got {
				keys = append(keys, tk.Key)
			}
			if !slices.Equal(keys, c.want) {
				t.Errorf("search %q = %v, want %v", c.text, keys, c.want)
			}
		})
	}

	counts, err := s.CountByStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["it"][tickets.StatusOpen] != 3 || counts["hr"][tickets.StatusOpen] != 1 {
		t.Errorf("counts = %v, want it open 3, hr open 1", counts)
	}
}
