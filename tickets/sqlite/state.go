package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// GetState returns a conversation's saved state and its version.
func (s *Store) GetState(ctx context.Context, key string) ([]byte, int64, error) {
	var data []byte
	var version int64
	err := s.read.QueryRowContext(ctx, `SELECT data, version FROM states WHERE key = ?`, key).Scan(&data, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, tickets.Errorf(tickets.ENOTFOUND, "No saved conversation state for %s.", key)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("get state %s: %w", key, err)
	}
	return data, version, nil
}

// PutState saves data if the stored version is still version (0: never saved).
func (s *Store) PutState(ctx context.Context, key string, data []byte, version int64) (int64, error) {
	if data == nil {
		data = []byte{}
	}
	var res sql.Result
	var err error
	if version == 0 {
		res, err = s.write.ExecContext(ctx, `INSERT INTO states (key, data, version) VALUES (?, ?, 1)
			ON CONFLICT (key) DO NOTHING`, key, data)
	} else {
		res, err = s.write.ExecContext(ctx, `UPDATE states SET data = ?, version = version + 1
			WHERE key = ? AND version = ?`, data, key, version)
	}
	if err != nil {
		return 0, fmt.Errorf("put state %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("put state %s: %w", key, err)
	}
	if n == 0 {
		return 0, tickets.Errorf(tickets.ECONFLICT, "Conversation state %s changed since version %d.", key, version)
	}
	return version + 1, nil
}

// MarkSeen records a platform event id and reports whether it was new.
func (s *Store) MarkSeen(ctx context.Context, key string, at time.Time) (bool, error) {
	res, err := s.write.ExecContext(ctx, `INSERT INTO seen (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
		key, nanos(at))
	if err != nil {
		return false, fmt.Errorf("mark event %s seen: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("mark event %s seen: %w", key, err)
	}
	return n == 1, nil
}

// SetPresence records an agent's status.
func (s *Store) SetPresence(ctx context.Context, agent, status string, at time.Time) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO presence (agent, status, at) VALUES (?, ?, ?)
		ON CONFLICT (agent) DO UPDATE SET status = excluded.status, at = excluded.at`, agent, status, nanos(at))
	if err != nil {
		return fmt.Errorf("set presence of %s: %w", agent, err)
	}
	return nil
}

// Presence returns every agent's recorded status.
func (s *Store) Presence(ctx context.Context) (map[string]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT agent, status FROM presence`)
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
