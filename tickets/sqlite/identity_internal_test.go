package sqlite

import (
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// A read that began before a link was written does not put back what it
// read: the next IdentityOf reads the store again.
func TestIdentityMemoReadRacingAWrite(t *testing.T) {
	var m identityMemo
	k := identityKey{"slack", "U1"}
	_, ok, gen := m.get(k)
	if ok {
		t.Fatal("an empty memo has a copy")
	}
	m.drop() // LinkIdentity begins
	m.fill(k, identityRead{id: tickets.Identity{Email: "old@example.com"}}, gen)
	if _, ok, _ := m.get(k); ok {
		t.Fatal("a read from before the write was kept")
	}
	_, _, gen = m.get(k)
	m.fill(k, identityRead{id: tickets.Identity{Email: "new@example.com"}}, gen)
	if r, ok, _ := m.get(k); !ok || r.id.Email != "new@example.com" {
		t.Fatalf("a read after the write is not kept: %+v %v", r, ok)
	}
}
