package postgres_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
	"github.com/helpdesk-chat/helpdesk/tickets/storetest"
)

// schemas maps the suite's data set names (directories) to one schema each,
// so reopening a dir finds the same data.
type schemas struct {
	mu   sync.Mutex
	dsns map[string]string
}

func (s *schemas) open(t *testing.T, dir string) tickets.Store {
	t.Helper()
	s.mu.Lock()
	dsn, ok := s.dsns[dir]
	if !ok {
		dsn = pgtest.DSN(t)
		s.dsns[dir] = dsn
	}
	s.mu.Unlock()
	st, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return st
}

func TestStoreContract(t *testing.T) {
	t.Parallel()
	s := &schemas{dsns: map[string]string{}}
	storetest.Run(t, s.open)
}

func TestStoreClock(t *testing.T) {
	t.Parallel()
	storetest.RunClock(t, func(t *testing.T, now func() time.Time) storetest.ClockStore {
		s, err := postgres.Open(context.Background(), pgtest.DSN(t), postgres.WithClock(now))
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		return s
	})
}

func TestLatestVersionIsLastMigration(t *testing.T) {
	t.Parallel()
	entries, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	last := 0
	for _, e := range entries {
		num, _, _ := strings.Cut(filepath.Base(e), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("migration %s: %v", e, err)
		}
		last = max(last, v)
	}
	if last != postgres.LatestVersion {
		t.Errorf("last migration is %d, LatestVersion is %d", last, postgres.LatestVersion)
	}
}

// Replicas starting together apply each migration once and all come up.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := postgres.Open(ctx, dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	conn := pgtest.Conn(t, dsn)
	var n, v int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != postgres.LatestVersion || v != postgres.LatestVersion {
		t.Errorf("schema_migrations has %d rows up to %d, want %d", n, v, postgres.LatestVersion)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	newer := postgres.LatestVersion + 1
	conn := pgtest.Conn(t, dsn)
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)`, newer); err != nil {
		t.Fatal(err)
	}
	s, err = postgres.Open(ctx, dsn)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a database with a newer schema")
	}
	if !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), strconv.Itoa(newer)) {
		t.Errorf("error %q does not say the schema (%d) is newer", err, newer)
	}
}

func TestOpenUnreachableHidesPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := postgres.Open(ctx, "postgres://helpdesk:s3cret@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("Open succeeded on a closed port")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
}

// Text with NUL bytes (which PostgreSQL text refuses) is stored without them
// instead of failing the user's message.
func TestNulBytes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := &tickets.Service{Store: s}
	who := tickets.Person{Platform: "web", ID: "u\x001", Name: "N\x00"}
	tk, _, err := svc.Open(ctx, &tickets.Ticket{Desk: "it", Requester: who, Subject: "a\x00b"}, "IT",
		tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: who.ID}, tickets.SourceWeb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecordMessage(ctx, tk.ID, "x\x00y", "m\x001", tickets.Actor{Role: tickets.RoleUser}, tickets.SourceChat); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, tk.ID)
	if err != nil || got.Subject != "a\x00b" {
		t.Errorf("subject = %q, %v; the JSON model keeps it exactly", got.Subject, err)
	}
	ms, err := s.Messages(ctx, tk.ID)
	if err != nil || len(ms) != 1 || ms[0].Text != "xy" {
		t.Errorf("messages = %+v, %v", ms, err)
	}
}

func TestClusterLockExcludes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	var stores [2]*postgres.Store
	for i := range stores {
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	unlock, err := stores[0].ClusterLock(ctx, "dispatch:it")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	go func() {
		u, err := stores[1].ClusterLock(ctx, "dispatch:it")
		if err != nil {
			t.Error(err)
			close(got)
			return
		}
		close(got)
		u()
	}()
	// Another name is free while the first is held.
	other, err := stores[1].ClusterLock(ctx, "dispatch:hr")
	if err != nil {
		t.Fatal(err)
	}
	other()
	select {
	case <-got:
		t.Fatal("second replica got a lock the first one holds")
	default:
	}
	unlock()
	<-got

	// A replica that dies holding the lock does not block the others.
	if _, err := stores[0].ClusterLock(ctx, "timers:it"); err != nil {
		t.Fatal(err)
	}
	stores[0].Close()
	u, err := stores[1].ClusterLock(ctx, "timers:it")
	if err != nil {
		t.Fatalf("lock of a closed replica: %v", err)
	}
	u()
}
