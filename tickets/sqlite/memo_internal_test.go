package sqlite

import (
	"testing"

	"github.com/helpdesk-chat/helpdesk/auth"
)

// A read that overlapped a write is returned but not kept: the next read
// goes to the database again.
func TestStatusMemoKeepsNoReadThatRacedAWrite(t *testing.T) {
	var m statusMemo
	loads := 0
	load := func(v string) func() (map[string]string, error) {
		return func() (map[string]string, error) {
			loads++
			if loads == 1 { // a write lands while the first read runs
				if err := m.write(func() error { return nil }); err != nil {
					t.Fatal(err)
				}
			}
			return map[string]string{"it": v}, nil
		}
	}
	if got, _ := m.get(load("offline")); got["it"] != "offline" {
		t.Fatalf("first read = %v", got)
	}
	if got, _ := m.get(load("online")); got["it"] != "online" || loads != 2 {
		t.Fatalf("second read = %v after %d loads, want a fresh load (the first raced a write)", got, loads)
	}
	if got, _ := m.get(load("stale")); got["it"] != "online" || loads != 2 {
		t.Fatalf("third read = %v after %d loads, want the kept copy", got, loads)
	}
	got, _ := m.get(load("x"))
	got["it"] = "changed by a caller"
	if again, _ := m.get(load("x")); again["it"] != "online" {
		t.Fatalf("a caller's change reached the kept copy: %v", again)
	}
	if err := m.write(func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.get(load("after write")); got["it"] != "after write" {
		t.Fatalf("read after a write = %v, want a fresh load", got)
	}
}

func TestStateMemoNeverKeepsAnOlderVersion(t *testing.T) {
	var m stateMemo
	// A read that started before a write began is not kept.
	_, _, gen := m.get("k")
	w := m.begin("k")
	m.fill("k", memoState{data: []byte("v1"), version: 1}, gen)
	if _, ok, _ := m.get("k"); ok {
		t.Fatal("a read that raced a write was kept")
	}
	m.done("k", memoState{data: []byte("v2"), version: 2}, true, w)
	if st, ok, _ := m.get("k"); !ok || st.version != 2 {
		t.Fatalf("after a saved write: %+v, %v; want version 2 kept", st, ok)
	}
	// Two writes overlapping: neither is kept, the next read goes to the database.
	a, b := m.begin("k"), m.begin("k")
	m.done("k", memoState{data: []byte("v4"), version: 4}, true, b)
	m.done("k", memoState{data: []byte("v3"), version: 3}, true, a)
	if st, ok, _ := m.get("k"); ok {
		t.Fatalf("after overlapping writes %+v is kept; want nothing", st)
	}
	// A failed write drops the copy.
	_, _, gen = m.get("k")
	m.fill("k", memoState{data: []byte("v4"), version: 4}, gen)
	m.done("k", memoState{}, false, m.begin("k"))
	if _, ok, _ := m.get("k"); ok {
		t.Fatal("a failed write left the copy")
	}
}

// Conversations of other people saved at the same time (every busy server)
// do not cost a conversation its copy.
func TestStateMemoKeepsAWriteOverlappedByOtherKeys(t *testing.T) {
	var m stateMemo
	a := m.begin("ada")
	b := m.begin("bob")
	m.done("bob", memoState{data: []byte("b1"), version: 1}, true, b)
	c := m.begin("cy")
	m.done("ada", memoState{data: []byte("a1"), version: 1}, true, a)
	m.done("cy", memoState{}, false, c)
	for key, want := range map[string]int64{"ada": 1, "bob": 1} {
		if st, ok, _ := m.get(key); !ok || st.version != want {
			t.Errorf("%s: %+v, %v; want version %d kept", key, st, ok, want)
		}
	}
	if _, ok, _ := m.get("cy"); ok {
		t.Error("cy's failed write left a copy")
	}
	if len(m.writing) != 0 {
		t.Errorf("writes still noted after all ended: %v", m.writing)
	}
}

// A session read that raced a write of a session is not kept; a write
// drops the copy of its session.
func TestSessionMemoKeepsNoReadThatRacedAWrite(t *testing.T) {
	var m sessionMemo
	_, _, gen := m.get("s1")
	m.drop("s2") // a sign-in elsewhere while s1 was read
	m.fill(auth.Session{ID: "s1", CSRF: "old"}, gen)
	if _, ok, _ := m.get("s1"); ok {
		t.Fatal("a read that raced a write was kept")
	}
	_, _, gen = m.get("s1")
	m.fill(auth.Session{ID: "s1", CSRF: "a"}, gen)
	if se, ok, _ := m.get("s1"); !ok || se.CSRF != "a" {
		t.Fatalf("kept %+v, %v; want the read kept", se, ok)
	}
	m.drop("s1")
	if _, ok, _ := m.get("s1"); ok {
		t.Fatal("a write of the session left its copy")
	}
}
