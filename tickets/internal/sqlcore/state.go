package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// GetState returns a conversation's saved state and its version.
func (c *Core) GetState(ctx context.Context, key string) ([]byte, int64, error) {
	data, version, err := c.getVersioned(ctx, "states", "key", "data", key)
	if errs.Code(err) == errs.ENOTFOUND {
		return nil, 0, errs.Errorf(errs.ENOTFOUND, "No saved conversation state for %s.", key)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("get state %s: %w", key, err)
	}
	return data, version, nil
}

// PutState saves data if the stored version is still version (0: never
// saved). The check and the write are one statement, so of two replicas
// saving the same version one wins and the other gets ECONFLICT.
func (c *Core) PutState(ctx context.Context, key string, data []byte, version int64) (int64, error) {
	v, err := c.putVersioned(ctx, "states", "key", "data", key, data, version)
	if errs.Code(err) == errs.ECONFLICT {
		return 0, errs.Errorf(errs.ECONFLICT, "Conversation state %s changed since version %d.", key, version)
	}
	if err != nil {
		return 0, fmt.Errorf("put state %s: %w", key, err)
	}
	return v, nil
}

// PutStateAsked records the question asked in a conversation step and
// saves the step's state, in one transaction (one commit instead of two on
// the hot path): encode makes the state's bytes knowing the question's id.
// If the state changed since version (ECONFLICT) the question is not
// recorded either.
func (c *Core) PutStateAsked(ctx context.Context, key string, version int64, q *tickets.Question,
	encode func(questionID int64) ([]byte, error)) (int64, error) {
	var v int64
	err := c.Write(ctx, func(tx DB) error {
		id, err := recordQuestion(ctx, tx, q)
		if err != nil {
			return err
		}
		data, err := encode(id)
		if err != nil {
			return err
		}
		v, err = putVersioned(ctx, tx, "states", "key", "data", key, data, version)
		return err
	})
	if errs.Code(err) == errs.ECONFLICT {
		return 0, errs.Errorf(errs.ECONFLICT, "Conversation state %s changed since version %d.", key, version)
	}
	if err != nil {
		return 0, fmt.Errorf("put state %s: %w", key, err)
	}
	return v, nil
}

// GetCheckpoint returns the saved value of a checkpoint and its version.
func (c *Core) GetCheckpoint(ctx context.Context, name string) ([]byte, int64, error) {
	value, version, err := c.getVersioned(ctx, "checkpoints", "name", "value", name)
	if errs.Code(err) == errs.ENOTFOUND {
		return nil, 0, errs.Errorf(errs.ENOTFOUND, "No checkpoint %s saved.", name)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("get checkpoint %s: %w", name, err)
	}
	return value, version, nil
}

// PutCheckpoint saves value if the stored version is still version (0: never saved).
func (c *Core) PutCheckpoint(ctx context.Context, name string, value []byte, version int64) (int64, error) {
	v, err := c.putVersioned(ctx, "checkpoints", "name", "value", name, value, version)
	if errs.Code(err) == errs.ECONFLICT {
		return 0, errs.Errorf(errs.ECONFLICT, "Checkpoint %s changed since version %d.", name, version)
	}
	if err != nil {
		return 0, fmt.Errorf("put checkpoint %s: %w", name, err)
	}
	return v, nil
}

// getVersioned reads a (key, value, version) row of table.
func (c *Core) getVersioned(ctx context.Context, table, keyCol, valCol, key string) ([]byte, int64, error) {
	var data []byte
	var version int64
	err := c.Read.QueryRow(ctx, `SELECT `+valCol+`, version FROM `+table+` WHERE `+keyCol+` = ?`, key).
		Scan(&data, &version)
	if errors.Is(err, ErrNoRows) {
		return nil, 0, errs.Errorf(errs.ENOTFOUND, "not found")
	}
	if err != nil {
		return nil, 0, err
	}
	if data == nil {
		data = []byte{}
	}
	return data, version, nil
}

// putVersioned writes a (key, value, version) row of table if its version
// is still version (0: no row yet); ECONFLICT if not.
func (c *Core) putVersioned(ctx context.Context, table, keyCol, valCol, key string, data []byte, version int64) (int64, error) {
	return putVersioned(ctx, c.Writer, table, keyCol, valCol, key, data, version)
}

func putVersioned(ctx context.Context, db DB, table, keyCol, valCol, key string, data []byte, version int64) (int64, error) {
	if data == nil {
		data = []byte{}
	}
	var n int64
	var err error
	if version == 0 {
		n, err = db.Exec(ctx, `INSERT INTO `+table+` (`+keyCol+`, `+valCol+`, version) VALUES (?, ?, 1)
			ON CONFLICT (`+keyCol+`) DO NOTHING`, key, data)
	} else {
		n, err = db.Exec(ctx, `UPDATE `+table+` SET `+valCol+` = ?, version = version + 1
			WHERE `+keyCol+` = ? AND version = ?`, data, key, version)
	}
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, errs.Errorf(errs.ECONFLICT, "changed")
	}
	return version + 1, nil
}

// SetPresence records an agent's status.
func (c *Core) SetPresence(ctx context.Context, agent, status string, at time.Time) error {
	if err := c.setStatus(ctx, "presence", "agent", agent, status, at); err != nil {
		return fmt.Errorf("set presence of %s: %w", agent, err)
	}
	return nil
}

// Presence returns every agent's recorded status.
func (c *Core) Presence(ctx context.Context) (map[string]string, error) {
	p, err := c.statuses(ctx, "presence", "agent")
	if err != nil {
		return nil, fmt.Errorf("read presence: %w", err)
	}
	return p, nil
}

// SetDeskPresence records a desk's status (online, offline).
func (c *Core) SetDeskPresence(ctx context.Context, desk, status string, at time.Time) error {
	if err := c.setStatus(ctx, "desk_presence", "desk", desk, status, at); err != nil {
		return fmt.Errorf("set presence of desk %s: %w", desk, err)
	}
	return nil
}

// DeskPresence returns every desk's recorded status.
func (c *Core) DeskPresence(ctx context.Context) (map[string]string, error) {
	p, err := c.statuses(ctx, "desk_presence", "desk")
	if err != nil {
		return nil, fmt.Errorf("read desk presence: %w", err)
	}
	return p, nil
}

func (c *Core) setStatus(ctx context.Context, table, keyCol, key, status string, at time.Time) error {
	_, err := c.Writer.Exec(ctx, `INSERT INTO `+table+` (`+keyCol+`, status, at) VALUES (?, ?, ?)
		ON CONFLICT (`+keyCol+`) DO UPDATE SET status = excluded.status, at = excluded.at`, key, status, Nanos(at))
	return err
}

func (c *Core) statuses(ctx context.Context, table, keyCol string) (map[string]string, error) {
	rows, err := c.Read.Query(ctx, `SELECT `+keyCol+`, status FROM `+table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := make(map[string]string)
	for rows.Next() {
		var key, status string
		if err := rows.Scan(&key, &status); err != nil {
			return nil, err
		}
		p[key] = status
	}
	return p, rows.Err()
}
