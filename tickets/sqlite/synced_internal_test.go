package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
)

// PRAGMA synchronous: 1 is NORMAL, 2 is FULL.
func syncMode(t *testing.T, db sqlcore.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `PRAGMA synchronous`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A new ticket's commit is synced to disk (FULL); other commits are not
// (NORMAL), and the connection is back on NORMAL after it.
func TestSyncedWriteOnlyForItsTransaction(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		name string
		run  func(context.Context, func(sqlcore.DB) error) error
		want int
	}{
		{"synced", s.writeSyncedTx, 2},
		{"plain", s.writeTx, 1},
		{"synced again", s.writeSyncedTx, 2},
	} {
		if err := tc.run(ctx, func(tx sqlcore.DB) error {
			if got := syncMode(t, tx); got != tc.want {
				t.Errorf("%s transaction: synchronous = %d, want %d", tc.name, got, tc.want)
			}
			// Why the switch happens outside: SQLite refuses it inside.
			if _, err := tx.Exec(ctx, `PRAGMA synchronous = FULL`); err == nil {
				t.Errorf("%s transaction: SQLite changed the safety level inside a transaction", tc.name)
			}
			return nil
		}); err != nil {
			t.Fatalf("%s transaction: %v", tc.name, err)
		}
		if got := syncMode(t, s.core.Writer); got != 1 {
			t.Errorf("after the %s transaction: synchronous = %d, want 1 (NORMAL)", tc.name, got)
		}
	}
	// Create goes through the synced transaction.
	var synced bool
	s.core.WriteSynced = func(ctx context.Context, fn func(sqlcore.DB) error) error {
		synced = true
		return s.writeSyncedTx(ctx, fn)
	}
	if _, _, err := s.Create(ctx, &tickets.Ticket{Desk: "it", Subject: "x"}, "IT", tickets.Event{Kind: "open"}); err != nil {
		t.Fatal(err)
	}
	if !synced {
		t.Error("Create did not use the synced transaction")
	}
}

// BenchmarkCommit is one small write transaction as most are (NORMAL) and as
// a new ticket's is (synced to the disk): the difference is the disk's sync.
func BenchmarkCommit(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "helpdesk.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, bc := range []struct {
		name string
		run  func(context.Context, func(sqlcore.DB) error) error
	}{{"normal", s.writeTx}, {"synced", s.writeSyncedTx}} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if err := bc.run(ctx, func(tx sqlcore.DB) error {
					_, err := tx.Exec(ctx, `INSERT INTO desk_presence (desk, status, at) VALUES ('it', 'online', ?)
						ON CONFLICT (desk) DO UPDATE SET at = excluded.at`, i)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
