package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
)

// Writes that run at once are committed together, each in its own
// savepoint: a failing one is rolled back alone and gets its own error,
// every other one is on the database when its caller returns.
func TestGroupCommitKeepsEachWriteOnItsOwn(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	errBad := errors.New("this write fails")
	const n = 200
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.writeTx(ctx, func(tx sqlcore.DB) error {
				if _, err := tx.Exec(ctx, `INSERT INTO checkpoints (name, value, version) VALUES (?, ?, 1)`,
					fmt.Sprint("k", i), []byte("v")); err != nil {
					return err
				}
				if i%7 == 3 {
					return errBad // after writing: the savepoint must undo it
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		_, _, gerr := s.GetCheckpoint(ctx, fmt.Sprint("k", i))
		switch {
		case i%7 == 3 && !errors.Is(err, errBad):
			t.Errorf("write %d: %v, want its own error", i, err)
		case i%7 == 3 && gerr == nil:
			t.Errorf("write %d failed but is on the database", i)
		case i%7 != 3 && err != nil:
			t.Errorf("write %d: %v", i, err)
		case i%7 != 3 && gerr != nil:
			t.Errorf("write %d succeeded but is not on the database: %v", i, gerr)
		}
	}
	// A single statement through the Writer is a grouped write too.
	var got string
	if err := s.core.Writer.QueryRow(ctx, `INSERT INTO checkpoints (name, value, version) VALUES ('r', x'00', 1) RETURNING name`).Scan(&got); err != nil || got != "r" {
		t.Fatalf("QueryRow through the group = %q, %v", got, err)
	}
	if err := s.core.Writer.QueryRow(ctx, `UPDATE checkpoints SET version = 2 WHERE name = 'none' RETURNING name`).Scan(&got); !errors.Is(err, sqlcore.ErrNoRows) {
		t.Fatalf("QueryRow of no row = %v, want ErrNoRows", err)
	}
	// A caller that gave up fails its own write only.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.writeTx(gone, func(tx sqlcore.DB) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("write of a cancelled caller = %v", err)
	}
}
