package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
	"github.com/helpdesk-chat/helpdesk/tickets/storetest"
)

// A database of version 4 keeps its data through version 5 (see
// storetest.CheckUpgradedFrom4).
func TestUpgradeFrom4(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`)
	for v, name := range []string{"0001_init.sql", "0002_questions.sql", "0003_web.sql", "0004_event_claims.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		exec(string(b))
		exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 1)`, v+1)
	}
	for _, q := range storetest.Version4Rows {
		exec(q)
	}
	db.Close()

	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != sqlite.LatestVersion {
		t.Fatalf("SchemaVersion = %d, %v", v, err)
	}
	storetest.CheckUpgradedFrom4(t, s)
}
