package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

func TestTicketsExport(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "helpdesk.yaml")
	if err := os.WriteFile(cfgPath, []byte("store: sqlite:data/hd.db\ndesks:\n  - id: it\n  - id: hr\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "data", "hd.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	svc := &tickets.Service{Store: st, Now: func() time.Time { return now }}
	alice := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "alice", Name: "Alice"}
	for _, o := range []struct {
		desk, subject string
		day           int
	}{{"it", "VPN drops", 1}, {"it", "Printer jam", 2}, {"hr", "Payslip", 2}, {"it", "Laptop", 4}} {
		now = time.Date(2026, 3, o.day, 12, 0, 0, 0, time.UTC)
		tk, _, err := svc.Open(ctx, &tickets.Ticket{Desk: o.desk, Platform: "web", Requester: tickets.Person{Platform: "web", ID: "alice", Name: "Alice"}, Subject: o.subject}, "", alice, tickets.SourceForm)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RecordMessage(ctx, tk.ID, "hello about "+o.subject, "", alice, tickets.SourceChat); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	var out, errOut bytes.Buffer
	code := ticketsCmd([]string{"export", "-config", cfgPath, "-since", "2026-03-02", "-until", "2026-03-03", "-format", "csv"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range rows[1:] {
		keys = append(keys, r[0]+" "+r[5])
	}
	if got := strings.Join(keys, ", "); got != "IT-2 Printer jam, HR-1 Payslip" {
		t.Errorf("CSV rows = %q", got)
	}

	out.Reset()
	if code := ticketsCmd([]string{"export", "-config", cfgPath, "-desk", "it", "-format", "json"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var doc struct {
		Tickets []struct {
			Key      string            `json:"key"`
			Messages []tickets.Message `json:"messages"`
		} `json:"tickets"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tickets) != 3 || doc.Tickets[2].Key != "IT-3" || len(doc.Tickets[0].Messages) != 1 || doc.Tickets[0].Messages[0].Text != "hello about VPN drops" {
		t.Errorf("JSON export = %s", out.String())
	}

	for _, args := range [][]string{
		{"export", "-config", cfgPath, "-format", "xml"},
		{"export", "-config", cfgPath, "-since", "March"},
		{"import"},
	} {
		errOut.Reset()
		if code := ticketsCmd(args, &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a usage message", args, code, errOut.String())
		}
	}
	if code := ticketsCmd([]string{"export", "-config", cfgPath, "-desk", "sales"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), `no desk "sales"`) {
		t.Errorf("unknown desk: exit %d, %q", code, errOut.String())
	}
}
