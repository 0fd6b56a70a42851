package storetest

import (
	"context"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Version4Rows are statements, in SQL both stores accept, that fill a
// database of schema version 4 the way an older helpdesk left it: a desk
// switched off as the fake agent "desk:it", the Mattermost cursor as a
// conversation state, tickets whose form answers are only in the JSON model.
var Version4Rows = []string{
	`INSERT INTO presence (agent, status, at) VALUES ('Ada', 'online', 1), ('desk:it', 'offline', 1)`,
	`INSERT INTO states (key, data, version) VALUES ('mattermost:cursor', '{"create_at":7}', 3)`,
	`INSERT INTO tickets (desk, number, key, status, created_at, updated_at, data) VALUES
		('it', 1, 'IT-1', 'open', 1, 1, '{"key":"IT-1","desk":"it","number":1,"status":"open","subject":"VPN",
			"form":[{"id":"system","label":"System","value":"GlobalProtect"}]}'),
		('it', 2, 'IT-2', 'open', 2, 2, '{"key":"IT-2","desk":"it","number":2,"status":"open","subject":"Printer"}')`,
}

// CheckUpgradedFrom4 checks a store opened on a database that held
// Version4Rows at version 4: the desk stays off (no longer as an agent), the
// cursor is a checkpoint, and the tickets are found by their form answers.
func CheckUpgradedFrom4(t *testing.T, s SearchStore) {
	t.Helper()
	ctx := context.Background()
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
