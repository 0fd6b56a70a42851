package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/examples"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// fillStore gives a store a small but complete help desk: tickets on two
// desks with transcripts, notes, cards and a rating, a conversation state, a
// handled event, presence and questions.
func fillStore(t *testing.T, st tickets.Store) []*tickets.Ticket {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC)
	svc := &tickets.Service{Store: st, Now: func() time.Time { now = now.Add(time.Second); return now }}
	alice := tickets.Person{Platform: "slack", ID: "U-alice", Name: "Alice"}
	user := tickets.Actor{Role: tickets.RoleUser, Platform: "slack", ID: "U-alice", Name: "Alice"}
	ada := tickets.Actor{Role: tickets.RoleAgent, Platform: "slack", ID: "U-ada", Name: "Ada"}
	var out []*tickets.Ticket
	for i, desk := range []string{"it", "it", "hr"} {
		tk, _, err := svc.Open(ctx, &tickets.Ticket{Desk: desk, Platform: "slack", Requester: alice,
			Subject: "help " + desk, RequestKey: "slack:Ev" + string(rune('A'+i))}, strings.ToUpper(desk), user, tickets.SourceForm)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tk)
	}
	steps := []func() (*tickets.Ticket, error){
		func() (*tickets.Ticket, error) {
			return svc.Assign(ctx, out[0].ID, "Ada", "skills", tickets.System, tickets.SourceRouting)
		},
		func() (*tickets.Ticket, error) {
			return svc.SetCards(ctx, out[0].ID, []tickets.CardRef{{Platform: "slack", Chat: "C-agents", Message: "1.1"}})
		},
		func() (*tickets.Ticket, error) { return svc.Start(ctx, out[0].ID, "C-it-1", ada, tickets.SourceButton) },
		func() (*tickets.Ticket, error) {
			return svc.RecordMessage(ctx, out[0].ID, "it broke", "m1", user, tickets.SourceChat)
		},
		func() (*tickets.Ticket, error) {
			return svc.AddNote(ctx, out[0].ID, "internal: check VPN", "n1", ada, tickets.SourceChat)
		},
		func() (*tickets.Ticket, error) { return svc.End(ctx, out[0].ID, "", ada, tickets.SourceButton) },
		func() (*tickets.Ticket, error) {
			return svc.Evaluate(ctx, out[0].ID, tickets.Evaluation{Rating: 5, Scale: 5}, user, tickets.SourceButton)
		},
	}
	for i, step := range steps {
		if _, err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if _, err := st.PutState(ctx, "slack:U-alice", []byte(`{"step":"rating"}`), 0); err != nil {
		t.Fatal(err)
	}
	if c, err := st.ClaimEvent(ctx, "slack:Ev1", "replica-a", now, now.Add(time.Minute)); err != nil || c != tickets.ClaimTaken {
		t.Fatalf("ClaimEvent = %v, %v", c, err)
	}
	if err := st.FinishEvent(ctx, "slack:Ev1", "replica-a", now); err != nil {
		t.Fatal(err)
	}
	// An event still being handled when the bot stopped: its claim moves too.
	if c, err := st.ClaimEvent(ctx, "slack:Ev2", "replica-a", now, now.Add(time.Minute)); err != nil || c != tickets.ClaimTaken {
		t.Fatalf("ClaimEvent = %v, %v", c, err)
	}
	if err := st.SetPresence(ctx, "Ada", "online", now); err != nil {
		t.Fatal(err)
	}
	if err := st.LinkIdentity(ctx, tickets.Identity{Platform: "slack", UserID: "U-alice", Name: "Alice", Email: "alice@example.com", At: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordQuestion(ctx, &tickets.Question{Desk: "it", Platform: "slack", UserID: "U-alice",
		Text: "vpn?", Outcome: tickets.OutcomeEscalated, TicketID: out[0].ID, At: now}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrateCopiesSQLiteToPostgres(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "helpdesk.db")
	src, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	fillStore(t, src)
	want, err := src.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src.Close()
	dsn := pgtest.DSN(t)

	for run, wantOut := range []string{"Copied", "Nothing to copy"} {
		var stdout, stderr bytes.Buffer
		if code := migrateCmd([]string{"--from", "sqlite:" + dbPath, "--to", dsn}, &stdout, &stderr); code != 0 {
			t.Fatalf("run %d: exit %d: %s", run+1, code, stderr.String())
		}
		if !strings.Contains(stdout.String(), wantOut) || !strings.Contains(stdout.String(), "Verified") {
			t.Errorf("run %d output:\n%s\nwant %q and Verified", run+1, stdout.String(), wantOut)
		}
	}

	dst, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	got, err := dst.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PostgreSQL after the copy differs from SQLite:\n got %+v\nwant %+v", got, want)
	}
	// The copy is a working help desk: cards find their ticket, and numbers
	// and ids go on where SQLite left them.
	first := want.Tickets[0]
	if tk, err := dst.FindByCard(ctx, "slack", "C-agents", "1.1"); err != nil || tk.Key != first.Key {
		t.Errorf("FindByCard after the copy = %v, %v; want %s", tk, err, first.Key)
	}
	svc := &tickets.Service{Store: dst}
	next, _, err := svc.Open(ctx, &tickets.Ticket{Desk: "it", Subject: "new"}, "IT", tickets.System, tickets.SourceWeb)
	if err != nil {
		t.Fatal(err)
	}
	if next.Key != "IT-3" || next.ID <= want.Tickets[len(want.Tickets)-1].ID {
		t.Errorf("next ticket after the copy: %s #%d, want IT-3 with a new id", next.Key, next.ID)
	}
	if c, err := dst.ClaimEvent(ctx, "slack:Ev1", "replica-b", time.Now(), time.Now().Add(time.Minute)); err != nil || c != tickets.ClaimDone {
		t.Errorf("claim of an event handled before the move = %v, %v; want done", c, err)
	}

	// The target now has a ticket the source lacks: a copy no longer matches.
	var stdout, stderr bytes.Buffer
	if code := migrateCmd([]string{"-from", "sqlite:" + dbPath, "-to", dsn}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "does not match") {
		t.Errorf("copy into a diverged target: exit %d, stderr %q; want 1 and a mismatch", code, stderr.String())
	}
}

func TestMigrateAppliesSchema(t *testing.T) {
	dsn := pgtest.DSN(t)
	var stdout, stderr bytes.Buffer
	if code := migrateCmd([]string{"-to", dsn}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), fmt.Sprintf("version %d", postgres.LatestVersion)) {
		t.Errorf("output %q does not give the schema version", stdout.String())
	}
	// A schema newer than this build: migrate (like run) refuses it.
	st, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	conn := pgtest.Conn(t, dsn)
	if _, err := conn.Exec(context.Background(), `INSERT INTO schema_migrations VALUES (999, 0)`); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := migrateCmd([]string{"-to", dsn}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "newer") {
		t.Errorf("newer schema: exit %d, stderr %q", code, stderr.String())
	}
	if code := migrateCmd([]string{"-from", dsn}, &stdout, &stderr); code != 2 {
		t.Errorf("-from without -to: exit %d, want 2", code)
	}
}

func TestBackupSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfgPath, err := examples.WriteTo(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	made := fillStore(t, st)
	defer st.Close() // the bot keeps running during the backup

	out := filepath.Join(t.TempDir(), "backup.db")
	var stdout, stderr bytes.Buffer
	if code := backupCmd([]string{"-config", cfgPath, "-o", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := sqlite.Open(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, tk := range made {
		got, err := b.GetByKey(ctx, tk.Key)
		if err != nil || got.Subject != tk.Subject {
			t.Errorf("backup lacks %s: %v", tk.Key, err)
		}
	}
	if ms, err := b.Messages(ctx, made[0].ID); err != nil || len(ms) != 2 {
		t.Errorf("backup holds %d messages of %s, %v; want 2", len(ms), made[0].Key, err)
	}
	// A second backup to the same file is refused rather than overwriting it.
	if code := backupCmd([]string{"-config", cfgPath, "-o", out}, &stdout, &stderr); code != 1 {
		t.Errorf("backup onto an existing file: exit %d, want 1", code)
	}
}

func TestBackupPostgresPointsToPgDump(t *testing.T) {
	dir := t.TempDir()
	cfgPath, err := examples.WriteTo(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "store: sqlite:helpdesk.db", "store: postgres://helpdesk:secret@db.example/helpdesk", 1))
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := backupCmd([]string{"-config", cfgPath, "-o", "x.dump"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "pg_dump") || strings.Contains(stderr.String(), "secret") {
		t.Errorf("exit %d, stderr %q; want 1, a pg_dump command and no password", code, stderr.String())
	}
}
