package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
)

var _ auth.Store = (*Store)(nil)

// PutLink records a one-time sign-in link, and drops the links that expired
// by the store's clock.
func (s *Store) PutLink(ctx context.Context, tokenHash string, id auth.Identity, expires time.Time) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("put sign-in link: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_links WHERE expires <= ?`, nanos(s.now())); err != nil {
		return fmt.Errorf("put sign-in link: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO auth_links (token_hash, platform, user_id, name, expires)
		VALUES (?, ?, ?, ?, ?)`, tokenHash, id.Platform, id.UserID, id.Name, nanos(expires)); err != nil {
		if isUnique(err) {
			return errs.Errorf(errs.ECONFLICT, "This sign-in link exists already.")
		}
		return fmt.Errorf("put sign-in link: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("put sign-in link: %w", err)
	}
	return nil
}

// TakeLink deletes a live link and returns its identity, in one statement,
// so two browsers racing with the same link cannot both sign in.
func (s *Store) TakeLink(ctx context.Context, tokenHash string, now time.Time) (auth.Identity, error) {
	var id auth.Identity
	var expires int64
	err := s.write.QueryRowContext(ctx, `DELETE FROM auth_links WHERE token_hash = ?
		RETURNING platform, user_id, name, expires`, tokenHash).Scan(&id.Platform, &id.UserID, &id.Name, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Identity{}, errs.Errorf(errs.ENOTFOUND, "Unknown or used sign-in link.")
	}
	if err != nil {
		return auth.Identity{}, fmt.Errorf("take sign-in link: %w", err)
	}
	if expires <= now.UnixNano() {
		return auth.Identity{}, errs.Errorf(errs.ENOTFOUND, "This sign-in link has expired.")
	}
	return id, nil
}

// PutSession records a session, and drops expired sessions.
func (s *Store) PutSession(ctx context.Context, se auth.Session) error {
	s.sessions.drop(se.ID)
	defer s.sessions.drop(se.ID)
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE expires <= ?`, nanos(s.now())); err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO auth_sessions (id, platform, user_id, name, csrf, expires)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET platform = excluded.platform, user_id = excluded.user_id,
			name = excluded.name, csrf = excluded.csrf, expires = excluded.expires`,
		se.ID, se.Identity.Platform, se.Identity.UserID, se.Identity.Name, se.CSRF, nanos(se.Expires)); err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	return nil
}

// GetSession returns a live session.
func (s *Store) GetSession(ctx context.Context, id string, now time.Time) (auth.Session, error) {
	se, ok, gen := s.sessions.get(id)
	if ok && se.Expires.After(now) {
		return se, nil
	}
	se = auth.Session{ID: id}
	var expires int64
	err := s.core.Read.QueryRow(ctx, `SELECT platform, user_id, name, csrf, expires FROM auth_sessions
		WHERE id = ? AND expires > ?`, id, now.UnixNano()).Scan(&se.Identity.Platform, &se.Identity.UserID,
		&se.Identity.Name, &se.CSRF, &expires)
	if errors.Is(err, sqlcore.ErrNoRows) {
		return auth.Session{}, errs.Errorf(errs.ENOTFOUND, "No such session.")
	}
	if err != nil {
		return auth.Session{}, fmt.Errorf("get session: %w", err)
	}
	se.Expires = fromNanos(expires)
	s.sessions.fill(se, gen)
	return se, nil
}

// DeleteSession removes a session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	s.sessions.drop(id)
	defer s.sessions.drop(id)
	if _, err := s.write.ExecContext(ctx, `DELETE FROM auth_sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
