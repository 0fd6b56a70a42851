package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// A database of version 4 keeps its data through version 5: a desk switched
// off stays off (no longer as an agent), the Mattermost cursor becomes a
// checkpoint, and old tickets are found by their form answers.
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
	exec(`INSERT INTO presence (agent, status, at) VALUES ('Ada', 'online', 1), ('desk:it', 'offline', 1)`)
	exec(`INSERT INTO states (key, data, version) VALUES ('mattermost:cursor', '{"create_at":7}', 3)`)
	exec(`INSERT INTO tickets (desk, number, key, status, created_at, updated_at, data) VALUES ('it', 1, 'IT-1', 'open', 1, 1,
		'{"key":"IT-1","desk":"it","number":1,"status":"open","subject":"VPN","form":[{"id":"system","label":"System","value":"GlobalProtect"}]}')`)
	db.Close()

	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != sqlite.LatestVersion {
		t.Fatalf("SchemaVersion = %d, %v", v, err)
	}
	if p, err := s.Presence(ctx); err != nil || len(p) != 1 || p["Ada"] != "online" {
		t.Errorf("Presence = %v, %v; want Ada alone", p, err)
	}
	if p, err := s.DeskPresence(ctx); err != nil || p["it"] != "offline" {
		t.Errorf("DeskPresence = %v, %v; want it offline", p, err)
	}
	if value, v, err := s.GetCheckpoint(ctx, "mattermost:cursor"); err != nil || v != 3 || string(value) != `{"create_at":7}` {
		t.Errorf("GetCheckpoint = %s, %d, %v", value, v, err)
	}
	if _, _, err := s.GetState(ctx, "mattermost:cursor"); err == nil {
		t.Error("the cursor is still a conversation state")
	}
	for _, text := range []string{"globalprotect", "vpn"} {
		ts, err := s.SearchTickets(ctx, tickets.Filter{}, text, false)
		if err != nil || len(ts) != 1 || ts[0].Key != "IT-1" {
			t.Errorf("SearchTickets(%q) = %v, %v; want IT-1", text, ts, err)
		}
	}
}
