package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
)

// A database of version 4 keeps its data through version 5: a desk switched
// off stays off (no longer as an agent), the Mattermost cursor becomes a
// checkpoint, and old tickets are found by their form answers.
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
	exec(`INSERT INTO presence (agent, status, at) VALUES ('Ada', 'online', 1), ('desk:it', 'offline', 1)`)
	exec(`INSERT INTO states (key, data, version) VALUES ('mattermost:cursor', '{"create_at":7}', 3)`)
	exec(`INSERT INTO tickets (desk, number, key, status, created_at, updated_at, data) VALUES
		('it', 1, 'IT-1', 'open', 1, 1,
		'{"key":"IT-1","desk":"it","number":1,"status":"open","subject":"VPN","form":[{"id":"system","label":"System","value":"GlobalProtect"}]}'),
		('it', 2, 'IT-2', 'open', 2, 2, '{"key":"IT-2","desk":"it","number":2,"status":"open","subject":"Printer"}')`)

	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != postgres.LatestVersion {
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
	for text, want := range map[string]string{"globalprotect": "IT-1", "vpn": "IT-1", "printer": "IT-2"} {
		ts, err := s.SearchTickets(ctx, tickets.Filter{}, text, false)
		if err != nil || len(ts) != 1 || ts[0].Key != want {
			t.Errorf("SearchTickets(%q) = %v, %v; want %s", text, ts, err, want)
		}
	}
}
