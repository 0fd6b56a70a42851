package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Deliveries (tickets.DeliveryQueue) are rows of the table deliveries
// (migration 7): the queue of a chat is its rows by id; the first row of a
// chat is the one to send, the others wait behind it.

const deliveryCols = `id, platform, chat, kind, payload, ticket_id, attempts, created_at, next_attempt, expires_at, last_error`

// QueueDelivery appends d to its chat's queue.
func (c *Core) QueueDelivery(ctx context.Context, d tickets.Delivery) (int64, error) {
	if d.Platform == "" || d.Chat == "" {
		return 0, errs.Errorf(errs.EINVALID, "A delivery needs a platform and a chat.")
	}
	created := d.CreatedAt
	if created.IsZero() {
		created = c.now()
	}
	var id int64
	err := c.Writer.QueryRow(ctx, `INSERT INTO deliveries
		(platform, chat, kind, payload, ticket_id, attempts, created_at, next_attempt, expires_at, last_error, lease_owner, lease_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0) RETURNING id`,
		d.Platform, d.Chat, d.Kind, string(d.Payload), d.Ticket, d.Attempts,
		Nanos(created), Nanos(d.NextAttempt), Nanos(d.ExpiresAt), d.LastError).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("queue delivery to %s %s: %w", d.Platform, d.Chat, err)
	}
	return id, nil
}

// DeliveriesWaiting reports whether a chat has deliveries queued.
func (c *Core) DeliveriesWaiting(ctx context.Context, platform, chat string) (bool, error) {
	var id int64
	err := c.Writer.QueryRow(ctx, `SELECT id FROM deliveries WHERE platform = ? AND chat = ? LIMIT 1`, platform, chat).Scan(&id)
	switch {
	case errors.Is(err, ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("deliveries waiting for %s %s: %w", platform, chat, err)
	}
	return true, nil
}

// DueDeliveries returns the due, unleased first delivery of each chat.
func (c *Core) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]tickets.Delivery, error) {
	rows, err := c.Writer.Query(ctx, `SELECT `+deliveryCols+` FROM deliveries
		WHERE id IN (SELECT MIN(id) FROM deliveries GROUP BY platform, chat)
		AND next_attempt <= ? AND lease_until <= ?
		ORDER BY id LIMIT ?`, Nanos(now), Nanos(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	defer rows.Close()
	var out []tickets.Delivery
	for rows.Next() {
		var d tickets.Delivery
		var payload string
		var created, next, expires int64
		if err := rows.Scan(&d.ID, &d.Platform, &d.Chat, &d.Kind, &payload, &d.Ticket, &d.Attempts,
			&created, &next, &expires, &d.LastError); err != nil {
			return nil, fmt.Errorf("due deliveries: %w", err)
		}
		d.Payload = []byte(payload)
		d.CreatedAt, d.NextAttempt, d.ExpiresAt = FromNanos(created), FromNanos(next), FromNanos(expires)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	return out, nil
}

// ClaimDelivery leases a delivery to owner: one conditional update.
func (c *Core) ClaimDelivery(ctx context.Context, id int64, owner string, now, leaseUntil time.Time) (bool, error) {
	n, err := c.Writer.Exec(ctx, `UPDATE deliveries SET lease_owner = ?, lease_until = ?
		WHERE id = ? AND (lease_until <= ? OR lease_owner = ?)`, owner, Nanos(leaseUntil), id, Nanos(now), owner)
	if err != nil {
		return false, fmt.Errorf("claim delivery %d: %w", id, err)
	}
	return n == 1, nil
}

// FinishDelivery removes a delivery owner holds.
func (c *Core) FinishDelivery(ctx context.Context, id int64, owner string) error {
	n, err := c.Writer.Exec(ctx, `DELETE FROM deliveries WHERE id = ? AND lease_owner = ?`, id, owner)
	if err != nil {
		return fmt.Errorf("finish delivery %d: %w", id, err)
	}
	if n == 0 {
		return errs.Errorf(errs.ECONFLICT, "Delivery %d is not held by %s.", id, owner)
	}
	return nil
}

// RetryDelivery records a failed attempt and gives the lease up.
func (c *Core) RetryDelivery(ctx context.Context, id int64, owner string, next time.Time, lastErr string, payload []byte) error {
	var n int64
	var err error
	if payload == nil {
		n, err = c.Writer.Exec(ctx, `UPDATE deliveries SET attempts = attempts + 1, next_attempt = ?, last_error = ?,
			lease_owner = '', lease_until = 0 WHERE id = ? AND lease_owner = ?`, Nanos(next), lastErr, id, owner)
	} else {
		n, err = c.Writer.Exec(ctx, `UPDATE deliveries SET attempts = attempts + 1, next_attempt = ?, last_error = ?, payload = ?,
			lease_owner = '', lease_until = 0 WHERE id = ? AND lease_owner = ?`, Nanos(next), lastErr, string(payload), id, owner)
	}
	if err != nil {
		return fmt.Errorf("retry delivery %d: %w", id, err)
	}
	if n == 0 {
		return errs.Errorf(errs.ECONFLICT, "Delivery %d is not held by %s.", id, owner)
	}
	return nil
}

// CountDeliveries returns how many deliveries are queued.
func (c *Core) CountDeliveries(ctx context.Context) (int64, error) {
	var n int64
	if err := c.Writer.QueryRow(ctx, `SELECT COUNT(*) FROM deliveries`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count deliveries: %w", err)
	}
	return n, nil
}
