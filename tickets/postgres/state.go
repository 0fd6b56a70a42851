package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// ClaimEvent claims a platform event for owner until leaseUntil. The claim
// is one INSERT ... ON CONFLICT DO UPDATE ... WHERE: of several replicas
// claiming the same event at once, PostgreSQL lets exactly one insert or
// take over the row; the others see it held (or done).
func (s *Store) ClaimEvent(ctx context.Context, key, owner string, now, leaseUntil time.Time) (tickets.Claim, error) {
	// A replica waiting for an event another one handles asks often: a
	// plain read answers it without locking the row.
	var done bool
	var holder string
	var until int64
	err := s.pool.QueryRow(ctx, `SELECT done, owner, lease_until FROM seen WHERE key = $1`, txt(key)).Scan(&done, &holder, &until)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return 0, fmt.Errorf("claim event %s: %w", key, err)
	case done:
		return tickets.ClaimDone, nil
	case holder != txt(owner) && until > nanos(now):
		return tickets.ClaimBusy, nil
	}
	var got string
	err = s.pool.QueryRow(ctx, `INSERT INTO seen AS s (key, at, owner, lease_until, done) VALUES ($1, $2, $3, $4, FALSE)
		ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE NOT s.done AND (s.lease_until <= $2 OR s.owner = excluded.owner)
		RETURNING owner`, txt(key), nanos(now), txt(owner), nanos(leaseUntil)).Scan(&got)
	if err == nil {
		return tickets.ClaimTaken, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("claim event %s: %w", key, err)
	}
	// Someone else holds it, or it is done. Rows are never deleted, so the
	// row is there; it may have changed since, which the caller's next
	// claim sees.
	if err := s.pool.QueryRow(ctx, `SELECT done FROM seen WHERE key = $1`, txt(key)).Scan(&done); err != nil {
		return 0, fmt.Errorf("claim event %s: %w", key, err)
	}
	if done {
		return tickets.ClaimDone, nil
	}
	return tickets.ClaimBusy, nil
}

// FinishEvent marks an event owner holds as handled.
func (s *Store) FinishEvent(ctx context.Context, key, owner string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE seen SET done = TRUE, at = $3, lease_until = 0 WHERE key = $1 AND owner = $2`,
		txt(key), txt(owner), nanos(at))
	if err != nil {
		return fmt.Errorf("finish event %s: %w", key, err)
	}
	if tag.RowsAffected() == 0 {
		return errs.Errorf(errs.ECONFLICT, "Event %s is not held by %s: its lease ran out and another replica took it.", key, owner)
	}
	return nil
}

// ReleaseEvent gives up owner's claim of an unfinished event.
func (s *Store) ReleaseEvent(ctx context.Context, key, owner string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE seen SET owner = '', lease_until = 0 WHERE key = $1 AND owner = $2 AND NOT done`,
		txt(key), txt(owner)); err != nil {
		return fmt.Errorf("release event %s: %w", key, err)
	}
	return nil
}

// PruneEvents deletes handled events claimed before a time.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM seen WHERE done AND at < $1`, nanos(before))
	if err != nil {
		return 0, fmt.Errorf("prune handled events: %w", err)
	}
	return tag.RowsAffected(), nil
}
