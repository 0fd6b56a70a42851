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

// GetState returns a conversation's saved state and its version.
func (s *Store) GetState(ctx context.Context, key string) ([]byte, int64, error) {
	var data []byte
	var version int64
	err := s.pool.QueryRow(ctx, `SELECT data, version FROM states WHERE key = $1`, key).Scan(&data, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, errs.Errorf(errs.ENOTFOUND, "No saved conversation state for %s.", key)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("get state %s: %w", key, err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, version, nil
}

// PutState saves data if the stored version is still version (0: never
// saved). The check and the write are one statement, so of two replicas
// saving the same version one wins and the other gets ECONFLICT.
func (s *Store) PutState(ctx context.Context, key string, data []byte, version int64) (int64, error) {
	if data == nil {
		data = []byte{}
	}
	var sql string
	args := []any{txt(key), data}
	if version == 0 {
		sql = `INSERT INTO states (key, data, version) VALUES ($1, $2, 1) ON CONFLICT (key) DO NOTHING`
	} else {
		sql = `UPDATE states SET data = $2, version = version + 1 WHERE key = $1 AND version = $3`
		args = append(args, version)
	}
	tag, err := s.pool.Exec(ctx, sql, args...)
	if err != nil {
		return 0, fmt.Errorf("put state %s: %w", key, err)
	}
	if tag.RowsAffected() == 0 {
		return 0, errs.Errorf(errs.ECONFLICT, "Conversation state %s changed since version %d.", key, version)
	}
	return version + 1, nil
}

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

// SetPresence records an agent's status.
func (s *Store) SetPresence(ctx context.Context, agent, status string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO presence (agent, status, at) VALUES ($1, $2, $3)
		ON CONFLICT (agent) DO UPDATE SET status = excluded.status, at = excluded.at`, txt(agent), txt(status), nanos(at))
	if err != nil {
		return fmt.Errorf("set presence of %s: %w", agent, err)
	}
	return nil
}

// Presence returns every agent's recorded status.
func (s *Store) Presence(ctx context.Context) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT agent, status FROM presence`)
	if err != nil {
		return nil, fmt.Errorf("read presence: %w", err)
	}
	defer rows.Close()
	p := make(map[string]string)
	for rows.Next() {
		var agent, status string
		if err := rows.Scan(&agent, &status); err != nil {
			return nil, fmt.Errorf("read presence: %w", err)
		}
		p[agent] = status
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read presence: %w", err)
	}
	return p, nil
}
