package export_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/center/export"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

func records() []export.Record {
	created := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	t := &tickets.Ticket{ID: 1, Key: "IT-1", Desk: "it", Status: tickets.StatusResolved, Priority: tickets.PriorityHigh,
		Subject: "=HYPERLINK(\"http://evil\")", Requester: tickets.Person{Platform: "web", ID: "alice", Name: "Alice"},
		Assignee: "Ada", CreatedAt: created, FirstResponseAt: created.Add(90 * time.Second), EndedAt: created.Add(2 * time.Hour),
		Form:       []tickets.FormAnswer{{ID: "system", Label: "System", Value: "VPN"}},
		Evaluation: &tickets.Evaluation{Rating: 4, Scale: 5, Reasons: []string{"Fast", "Friendly"}, Comment: "thanks"}}
	return []export.Record{{Ticket: t,
		Messages: []tickets.Message{{Kind: tickets.KindTranscript, Text: "hi"}, {Kind: tickets.KindNote, Text: "vip"}},
		Events:   []tickets.Event{{Kind: "open"}}}}
}

func TestCSV(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := export.WriteCSV(&b, records()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want header + 1", len(rows))
	}
	got := map[string]string{}
	for i, col := range rows[0] {
		got[col] = rows[1][i]
	}
	for col, want := range map[string]string{
		"key": "IT-1", "subject": `'=HYPERLINK("http://evil")`, "priority": "high", "first_response_minutes": "1.5",
		"resolution_minutes": "120.0", "rating": "4", "rating_reasons": "Fast; Friendly", "form": "System: VPN",
		"messages": "1", "notes": "1", "created_at": "2026-03-02T09:00:00Z", "assigned_at": "",
	} {
		if got[col] != want {
			t.Errorf("column %s = %q, want %q", col, got[col], want)
		}
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := export.WriteJSON(&b, records()); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Tickets []struct {
			Key      string            `json:"key"`
			Subject  string            `json:"subject"`
			Messages []tickets.Message `json:"messages"`
			Events   []tickets.Event   `json:"events"`
		} `json:"tickets"`
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Tickets) != 1 || out.Tickets[0].Key != "IT-1" || len(out.Tickets[0].Messages) != 2 || len(out.Tickets[0].Events) != 1 {
		t.Errorf("JSON = %s", b.String())
	}
	// The priority by name, as in the CSV; a time that never happened is null, not year 1.
	var raw struct {
		Tickets []map[string]any `json:"tickets"`
	}
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	tk := raw.Tickets[0]
	if tk["priority"] != "high" || tk["assigned_at"] != nil || tk["created_at"] != "2026-03-02T09:00:00Z" || tk["id"] != float64(1) {
		t.Errorf("priority %v, assigned_at %v, created_at %v, id %v", tk["priority"], tk["assigned_at"], tk["created_at"], tk["id"])
	}
	for k, v := range tk {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "0001-01-01") {
			t.Errorf("%s is the zero time", k)
		}
	}
	b.Reset()
	if err := export.WriteJSON(&b, nil); err != nil || !strings.Contains(b.String(), `"tickets": []`) {
		t.Errorf("empty export = %q, %v; want an empty list", b.String(), err)
	}
}

func TestParseRange(t *testing.T) {
	t.Parallel()
	berlin := time.FixedZone("CET", 3600)
	for _, c := range []struct {
		since, until string
		from, to     time.Time
		err          bool
	}{
		{"2026-03-01", "2026-03-31", time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC), false},
		{"2026-03-01T10:00:00Z", "", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), time.Time{}, false},
		{"", "", time.Time{}, time.Time{}, false},
		{"yesterday", "", time.Time{}, time.Time{}, true},
		{"2026-03-05", "2026-03-01", time.Time{}, time.Time{}, true},
	} {
		from, to, err := export.ParseRange(c.since, c.until, berlin)
		if (err != nil) != c.err {
			t.Errorf("ParseRange(%q, %q) error %v, want error %v", c.since, c.until, err, c.err)
			continue
		}
		if !c.err && (!from.Equal(c.from) || !to.Equal(c.to)) {
			t.Errorf("ParseRange(%q, %q) = %s, %s; want %s, %s", c.since, c.until, from, to, c.from, c.to)
		}
	}
}
