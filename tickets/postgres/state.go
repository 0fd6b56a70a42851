package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// GetState returns a conversation's saved state and its version.
func (s *Store) GetState(ctx context.Context, key string) ([]byte, int64, error) {
	var data []byte
	var version int64
	err := s.pool.QueryRow(ctx, `SELECT data, version FROM states WHERE key = $1`, key).Scan(&data, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, tickets.Errorf(tickets.ENOTFOUND, "No saved conversation state for %s.", key)
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
		return 0, tickets.Errorf(tickets.ECONFLICT, "Conversation state %s changed since version %d.", key, version)
	}
	return version + 1, nil
}

// MarkSeen records a platform event id and reports whether it was new. Of
// several replicas receiving the same event, exactly one is told it is first.
func (s *Store) MarkSeen(ctx context.Context, key string, at time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO seen (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
		txt(key), nanos(at))
	if err != nil {
		return false, fmt.Errorf("mark event %s seen: %w", key, err)
	}
	return tag.RowsAffected() == 1, nil
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
