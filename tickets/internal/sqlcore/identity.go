package sqlcore

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// LinkIdentity records the account's verified address (an empty one removes
// the link).
func (c *Core) LinkIdentity(ctx context.Context, id tickets.Identity) error {
	if err := tickets.CheckIdentity(&id); err != nil {
		return err
	}
	if id.Email == "" {
		if _, err := c.Writer.Exec(ctx, `DELETE FROM identities WHERE platform = ? AND user_id = ?`, id.Platform, id.UserID); err != nil {
			return fmt.Errorf("unlink %s:%s: %w", id.Platform, id.UserID, err)
		}
		return nil
	}
	at := id.At
	if at.IsZero() {
		at = c.now()
	}
	if _, err := c.Writer.Exec(ctx, `INSERT INTO identities (platform, user_id, name, email, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (platform, user_id) DO UPDATE SET name = excluded.name, email = excluded.email, at = excluded.at`,
		id.Platform, id.UserID, id.Name, id.Email, Nanos(at)); err != nil {
		return fmt.Errorf("link %s:%s to %s: %w", id.Platform, id.UserID, id.Email, err)
	}
	return nil
}

// IdentityOf returns the account's link (errs.ENOTFOUND if none).
func (c *Core) IdentityOf(ctx context.Context, platform, userID string) (tickets.Identity, error) {
	id := tickets.Identity{Platform: platform, UserID: userID}
	var at int64
	err := c.Read.QueryRow(ctx, `SELECT name, email, at FROM identities WHERE platform = ? AND user_id = ?`, platform, userID).
		Scan(&id.Name, &id.Email, &at)
	if errors.Is(err, ErrNoRows) {
		return tickets.Identity{}, errs.Errorf(errs.ENOTFOUND, "%s:%s has no verified address", platform, userID)
	}
	if err != nil {
		return tickets.Identity{}, fmt.Errorf("read identity %s:%s: %w", platform, userID, err)
	}
	id.At = FromNanos(at)
	return id, nil
}

// IdentitiesByEmail returns the accounts linked to the address.
func (c *Core) IdentitiesByEmail(ctx context.Context, email string) ([]tickets.Identity, error) {
	email = tickets.NormalizeEmail(email)
	if email == "" {
		return nil, nil
	}
	rows, err := c.Read.Query(ctx, `SELECT platform, user_id, name, email, at FROM identities WHERE email = ? ORDER BY platform, user_id`, email)
	if err != nil {
		return nil, fmt.Errorf("read identities of %s: %w", email, err)
	}
	defer rows.Close()
	var out []tickets.Identity
	for rows.Next() {
		var id tickets.Identity
		var at int64
		if err := rows.Scan(&id.Platform, &id.UserID, &id.Name, &id.Email, &at); err != nil {
			return nil, err
		}
		id.At = FromNanos(at)
		out = append(out, id)
	}
	return out, rows.Err()
}
