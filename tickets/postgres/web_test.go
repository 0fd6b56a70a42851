package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
	"github.com/helpdesk-chat/helpdesk/webchat"
	"github.com/helpdesk-chat/helpdesk/webchat/webchattest"
)

func openFresh(t *testing.T) *postgres.Store { return openDSN(t, pgtest.DSN(t)) }

func TestWebChatStoreContract(t *testing.T) {
	t.Parallel()
	webchattest.Run(t, func(t *testing.T) webchat.Store { return openFresh(t) })
}

// A browser asks for "everything after N". If a change numbered N+1 became
// visible before N, a reader would move past N and never see it. Writers
// race here while a reader polls like a browser; with only new messages the
// numbers have no gaps, so every batch the reader sees must continue exactly
// where the last one stopped.
func TestWebSeqVisibleInCommitOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openFresh(t)
	const writers, each = 8, 40
	done := make(chan struct{})
	errs := make(chan error, writers)
	for range writers {
		go func() {
			for range each {
				if _, err := s.AddMessage(ctx, "c", "", []byte(`"hi"`), time.Now()); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	go func() {
		for range writers {
			if err := <-errs; err != nil {
				t.Errorf("AddMessage: %v", err)
			}
		}
		close(done)
	}()
	defer func() { <-done }() // writers finish before the store closes
	var after int64
	seen, finished := 0, false
	for !finished {
		select {
		case <-done:
			finished = true // one more read below picks up the rest
		default:
		}
		ms, _, err := s.Changes(ctx, "reader", []string{"c"}, after, 1000)
		if err != nil {
			t.Error(err)
			return
		}
		for _, m := range ms {
			if m.Seq != after+1 {
				t.Errorf("after change %d the reader got %d: change %d was not visible yet and is lost to it", after, m.Seq, after+1)
				return
			}
			after = m.Seq
			seen++
		}
	}
	if seen != writers*each {
		t.Fatalf("reader saw %d changes, want %d", seen, writers*each)
	}
}

// Two stores on one schema are two replicas: a change made through one is
// announced to the other; a change in another schema (another help desk on
// the same database) is not.
func TestWebWatchChangesAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn, otherDSN := pgtest.DSN(t), pgtest.DSN(t)
	a, b := openDSN(t, dsn), openDSN(t, dsn)
	other := openDSN(t, otherDSN)
	var otherSchema string
	if err := pgtest.Conn(t, otherDSN).QueryRow(ctx, `SELECT current_schema()`).Scan(&otherSchema); err != nil {
		t.Fatal(err)
	}
	// The watcher reads notifications in commit order: once it has
	// signalled the change made after other's, it has read other's.
	var mu sync.Mutex
	var otherHeard, otherSignalled bool
	postgres.SetWatchHook(b, func(payload string, ours bool) {
		if strings.HasPrefix(payload, otherSchema+":") {
			mu.Lock()
			otherHeard, otherSignalled = true, otherSignalled || ours
			mu.Unlock()
		}
	})
	ch, err := b.WatchChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.AddMessage(ctx, "dm:ann", "", []byte(`"elsewhere"`), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddMessage(ctx, "dm:ann", "", []byte(`"hello"`), time.Now()); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, ch, "a message added on the other replica")
	mu.Lock()
	heard, signalled := otherHeard, otherSignalled
	mu.Unlock()
	if !heard || signalled {
		t.Fatalf("the change in another schema: heard %v, signalled %v; want heard and not signalled", heard, signalled)
	}
	if _, err := a.CreateChat(ctx, webchat.Chat{ID: "g1", Name: "g1", Members: []string{"ann"}}); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, ch, "a chat created on the other replica")

	// The listening connection is cut (a database restart, a proxy): the
	// watcher comes back, says "look again", and hears later changes.
	admin := pgtest.Conn(t, dsn)
	var killed int
	if err := admin.QueryRow(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'helpdesk web listener ' || current_schema()`).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminated %d listeners, %v; want 1", killed, err)
	}
	waitSignal(t, ch, "the listener reconnecting")
	if err := a.ArchiveChat(ctx, "g1"); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, ch, "an archive after reconnecting")

	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			if _, ok := <-ch; ok {
				t.Fatal("channel still open after ctx ended")
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after ctx ended")
	}
}

func openDSN(t *testing.T, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func waitSignal(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case _, ok := <-ch:
		if !ok {
			t.Fatalf("channel closed while waiting for %s", what)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no notification within 5s for %s", what)
	}
}

// BenchmarkWebAddMessage stores web chat messages from parallel writers:
// every change takes the one change counter, so this is the web chat's
// write ceiling on one database.
func BenchmarkWebAddMessage(b *testing.B) {
	s, err := postgres.Open(context.Background(), pgtest.DSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	body := []byte(`{"from":{"name":"Sam"},"text":"My VPN drops every hour"}`)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.AddMessage(context.Background(), "dm:sam", "", body, time.Now()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkWebNotify measures a change on one replica until the other
// replica's watcher hears of it.
func BenchmarkWebNotify(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := pgtest.DSN(b)
	a, err := postgres.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	other, err := postgres.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { other.Close() })
	ch, err := other.WatchChanges(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := a.AddMessage(ctx, "dm:sam", "", []byte(`"hi"`), time.Now()); err != nil {
			b.Fatal(err)
		}
		<-ch
	}
}
