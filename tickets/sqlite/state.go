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

// ClaimEvent claims a platform event for owner until leaseUntil: one
// conditional upsert on the writer connection, and when it changed nothing,
// a look at the row (which can only have become done meanwhile).
func (s *Store) ClaimEvent(ctx context.Context, key, owner string, now, leaseUntil time.Time) (tickets.Claim, error) {
	var got string
	err := s.core.Writer.QueryRow(ctx, `INSERT INTO seen (key, at, owner, lease_until, done) VALUES (?, ?, ?, ?, 0)
		ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE seen.done = 0 AND (seen.lease_until <= ? OR seen.owner = excluded.owner)
		RETURNING owner`, key, nanos(now), owner, nanos(leaseUntil), nanos(now)).Scan(&got)
	if err == nil {
		return tickets.ClaimTaken, nil
	}
	if !errors.Is(err, sqlcore.ErrNoRows) {
		return 0, fmt.Errorf("claim event %s: %w", key, err)
	}
	var done bool
	err = s.core.Writer.QueryRow(ctx, `SELECT done FROM seen WHERE key = ?`, key).Scan(&done)
	switch {
	case errors.Is(err, sqlcore.ErrNoRows):
		return tickets.ClaimDone, nil // rows go only when pruned, long after they were done
	case err != nil:
		return 0, fmt.Errorf("claim event %s: %w", key, err)
	case done:
		return tickets.ClaimDone, nil
	}
	return tickets.ClaimBusy, nil
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
