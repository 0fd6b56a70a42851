package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

func benchStore(b *testing.B) *sqlite.Store {
	b.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "helpdesk.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

var benchUser = tickets.Actor{Role: tickets.RoleUser, Platform: "slack", ID: "U-alice", Name: "Alice"}

// BenchmarkCreate opens tickets on one desk: one write transaction each
// (counter, ticket row, audit event).
func BenchmarkCreate(b *testing.B) {
	s := benchStore(b)
	svc := &tickets.Service{Store: s}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		t := &tickets.Ticket{Desk: "it", Platform: "slack", Requester: tickets.Person{Platform: "slack", ID: "U-alice"},
			Subject: "VPN down", RequestKey: fmt.Sprintf("slack:Ev%d", i),
			Form: []tickets.FormAnswer{{ID: "system", Label: "Which system?", Value: "VPN"}}}
		if _, _, err := svc.Open(ctx, t, "IT", benchUser, tickets.SourceForm); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdate records transcript lines on one ticket: one write
// transaction each (load, ticket row, audit event, message).
func BenchmarkUpdate(b *testing.B) {
	s := benchStore(b)
	svc := &tickets.Service{Store: s}
	ctx := context.Background()
	t, _, err := svc.Open(ctx, &tickets.Ticket{Desk: "it", Requester: tickets.Person{Platform: "slack", ID: "U-alice"}},
		"IT", benchUser, tickets.SourceForm)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		if _, err := svc.RecordMessage(ctx, t.ID, "still broken", fmt.Sprintf("m%d", i), benchUser, tickets.SourceChat); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateParallel opens tickets from several goroutines, as a burst
// of users would; they queue on the single writer.
func BenchmarkCreateParallel(b *testing.B) {
	s := benchStore(b)
	svc := &tickets.Service{Store: s}
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t := &tickets.Ticket{Desk: "it", Requester: tickets.Person{Platform: "slack", ID: "U-alice"}, Subject: "VPN down"}
			if _, _, err := svc.Open(ctx, t, "IT", benchUser, tickets.SourceForm); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
