package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
)

// ClaimEvent claims a platform event for owner until leaseUntil. The one
// writer connection runs the conditional upsert and, when it changed
// nothing, the look at the row in one transaction.
func (s *Store) ClaimEvent(ctx context.Context, key, owner string, now, leaseUntil time.Time) (tickets.Claim, error) {
	claim := tickets.ClaimTaken
	err := s.writeTx(ctx, func(tx sqlcore.DB) error {
		var got string
		err := tx.QueryRow(ctx, `INSERT INTO seen (key, at, owner, lease_until, done) VALUES (?, ?, ?, ?, 0)
		ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE seen.done = 0 AND (seen.lease_until <= ? OR seen.owner = excluded.owner)
		RETURNING owner`, key, nanos(now), owner, nanos(leaseUntil), nanos(now)).Scan(&got)
		if !errors.Is(err, sqlcore.ErrNoRows) {
			return err
		}
		var done bool
		if err := tx.QueryRow(ctx, `SELECT done FROM seen WHERE key = ?`, key).Scan(&done); err != nil {
			return err
		}
		claim = tickets.ClaimBusy
		if done {
			claim = tickets.ClaimDone
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("claim event %s: %w", key, err)
	}
	return claim, nil
}

// FinishEvent marks an event owner holds as handled.
func (s *Store) FinishEvent(ctx context.Context, key, owner string, at time.Time) error {
	n, err := s.core.Writer.Exec(ctx, `UPDATE seen SET done = 1, at = ?, lease_until = 0
		WHERE key = ? AND owner = ?`, nanos(at), key, owner)
	if err != nil {
		return fmt.Errorf("finish event %s: %w", key, err)
	}
	if n == 0 {
		return errs.Errorf(errs.ECONFLICT, "Event %s is not held by %s: its lease ran out and another replica took it.", key, owner)
	}
	return nil
}

// ReleaseEvent gives up owner's claim of an unfinished event.
func (s *Store) ReleaseEvent(ctx context.Context, key, owner string) error {
	if _, err := s.core.Writer.Exec(ctx, `UPDATE seen SET owner = '', lease_until = 0
		WHERE key = ? AND owner = ? AND done = 0`, key, owner); err != nil {
		return fmt.Errorf("release event %s: %w", key, err)
	}
	return nil
}

// PruneEvents deletes handled events claimed before a time.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM seen WHERE done = 1 AND at < ?`, nanos(before))
	if err != nil {
		return 0, fmt.Errorf("prune handled events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune handled events: %w", err)
	}
	return n, nil
}
