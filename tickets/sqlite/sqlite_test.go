package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
	"github.com/helpdesk-chat/helpdesk/tickets/storetest"
)

func openStore(t *testing.T, dir string) tickets.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "helpdesk.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return s
}

func TestStoreContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, openStore)
}

func TestStoreClock(t *testing.T) {
	t.Parallel()
	storetest.RunClock(t, func(t *testing.T, now func() time.Time) storetest.ClockStore {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"), sqlite.WithClock(now))
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		return s
	})
}

func TestLatestVersionIsLastMigration(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	last := 0
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("migration %s: %v", e.Name(), err)
		}
		last = max(last, v)
	}
	if last != sqlite.LatestVersion {
		t.Errorf("last migration is %d, LatestVersion is %d", last, sqlite.LatestVersion)
	}
}

func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	for i := range 2 { // a fresh file, then an up-to-date one
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != sqlite.LatestVersion {
			t.Errorf("open #%d: SchemaVersion = %d, %v; want %d", i+1, v, err, sqlite.LatestVersion)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied int
	if err := db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != sqlite.LatestVersion {
		t.Errorf("%d migrations recorded after two opens, want %d", applied, sqlite.LatestVersion)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	newer := sqlite.LatestVersion + 1
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, newer); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err = sqlite.Open(ctx, path)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a database with a newer schema")
	}
	if !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), strconv.Itoa(newer)) {
		t.Errorf("error %q does not say the schema (%d) is newer", err, newer)
	}
}

func TestOpenFileURI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	s, err := sqlite.Open(ctx, "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("file: URI did not create %s: %v", path, err)
	}
}

func TestOpenFailsOnBadPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "missing-dir", "helpdesk.db")
	if s, err := sqlite.Open(ctx, path); err == nil {
		s.Close()
		t.Fatal("Open succeeded in a directory that does not exist")
	}
}

func TestOpenRefusesMemory(t *testing.T) {
	t.Parallel()
	for _, dsn := range []string{":memory:", "file::memory:?cache=shared", "file:x?mode=memory"} {
		if s, err := sqlite.Open(context.Background(), dsn); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded; readers would see another database", dsn)
		}
	}
}

// Two stores on one file stand for two processes (the bot and a
// "helpdesk tickets" command): their writes queue instead of failing, and
// numbers stay unique.
func TestTwoStoresOnOneFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	var svcs [2]*tickets.Service
	for i := range svcs {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		svcs[i] = &tickets.Service{Store: s}
	}
	const each = 15
	errs := make(chan error, 2*each)
	keys := make(chan string, 2*each)
	var wg sync.WaitGroup
	for _, svc := range svcs {
		for range each {
			wg.Go(func() {
				tk, _, err := svc.Open(ctx, &tickets.Ticket{Desk: "it", Subject: "x"}, "IT", tickets.System, tickets.SourceWeb)
				if err != nil {
					errs <- err
					return
				}
				keys <- tk.Key
			})
		}
	}
	wg.Wait()
	close(errs)
	close(keys)
	for err := range errs {
		t.Errorf("open from two stores: %v", err)
	}
	seen := map[string]bool{}
	for k := range keys {
		if seen[k] {
			t.Errorf("key %s handed out twice", k)
		}
		seen[k] = true
	}
	if len(seen) != 2*each {
		t.Errorf("%d distinct keys, want %d", len(seen), 2*each)
	}
	// Each store reads what the other wrote.
	for i, svc := range svcs {
		all, err := svc.Store.List(ctx, tickets.Filter{Desk: "it"})
		if err != nil || len(all) != 2*each {
			t.Errorf("store %d lists %d tickets, %v; want %d", i, len(all), err, 2*each)
		}
	}

	// Read-modify-write transactions from both stores on one ticket: none is
	// lost and none fails on a stale snapshot.
	user := tickets.Actor{Role: tickets.RoleUser, Platform: "slack", ID: "U-alice"}
	first, err := svcs[0].Store.GetByKey(ctx, "IT-1")
	if err != nil {
		t.Fatal(err)
	}
	msgErrs := make(chan error, 2*each)
	for i, svc := range svcs {
		for j := range each {
			wg.Go(func() {
				_, err := svc.RecordMessage(ctx, first.ID, "line", fmt.Sprintf("m%d-%d", i, j), user, tickets.SourceChat)
				msgErrs <- err
			})
		}
	}
	wg.Wait()
	close(msgErrs)
	for err := range msgErrs {
		if err != nil {
			t.Errorf("message from two stores: %v", err)
		}
	}
	if ms, err := svcs[0].Store.Messages(ctx, first.ID); err != nil || len(ms) != 2*each {
		t.Errorf("%d messages recorded, %v; want %d", len(ms), err, 2*each)
	}
}
