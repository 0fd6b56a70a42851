package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
	"github.com/helpdesk-chat/helpdesk/tickets/storetest"
)

// A database of version 4 keeps its data through version 5 (see
// storetest.CheckUpgradedFrom4).
func TestUpgradeFrom4(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	conn := pgtest.Conn(t, dsn)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`)
	for v, name := range []string{"0001_init.sql", "0002_auth.sql", "0003_web.sql", "0004_event_claims.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		exec(string(b))
		exec(`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 1)`, v+1)
	}
	for _, q := range storetest.Version4Rows {
		exec(q)
	}

	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != postgres.LatestVersion {
		t.Fatalf("SchemaVersion = %d, %v", v, err)
	}
	storetest.CheckUpgradedFrom4(t, s)
}
