package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Dump reads everything the store holds in one read transaction (a
// consistent snapshot while the bot keeps running), for copying the help desk
// to another store. It holds the whole data set in memory.
func (s *Store) Dump(ctx context.Context) (*tickets.Snapshot, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	defer tx.Rollback()
	snap := &tickets.Snapshot{Counters: map[string]int64{}}
	steps := []struct {
		table string
		query string
		row   func(*sql.Rows) error
	}{
		{"tickets", `SELECT id, data FROM tickets ORDER BY id`, func(r *sql.Rows) error {
			var id int64
			var data string
			if err := r.Scan(&id, &data); err != nil {
				return err
			}
			t, err := decodeTicket(id, data)
			if err == nil {
				snap.Tickets = append(snap.Tickets, t)
			}
			return err
		}},
		{"desk_counters", `SELECT desk, next FROM desk_counters`, func(r *sql.Rows) error {
			var desk string
			var next int64
			err := r.Scan(&desk, &next)
			snap.Counters[desk] = next
			return err
		}},
		{"events", `SELECT id, ticket_id, at, kind, actor_role, actor_platform, actor_id, actor_name, source, detail
			FROM events ORDER BY id`, func(r *sql.Rows) error {
			var e tickets.Event
			var at int64
			var role, src string
			if err := r.Scan(&e.ID, &e.TicketID, &at, &e.Kind, &role, &e.Actor.Platform, &e.Actor.ID,
				&e.Actor.Name, &src, &e.Detail); err != nil {
				return err
			}
			e.At, e.Actor.Role, e.Source = fromNanos(at), tickets.ActorRole(role), tickets.Source(src)
			snap.Events = append(snap.Events, e)
			return nil
		}},
		{"messages", `SELECT id, ticket_id, kind, platform_id, author_role, author_platform, author_id, author_name,
			text, at FROM messages ORDER BY id`, func(r *sql.Rows) error {
			var m tickets.Message
			var at int64
			var kind, role string
			if err := r.Scan(&m.ID, &m.TicketID, &kind, &m.PlatformID, &role, &m.Author.Platform, &m.Author.ID,
				&m.Author.Name, &m.Text, &at); err != nil {
				return err
			}
			m.Kind, m.Author.Role, m.At = tickets.MessageKind(kind), tickets.ActorRole(role), fromNanos(at)
			snap.Messages = append(snap.Messages, m)
			return nil
		}},
		{"states", `SELECT key, data, version FROM states ORDER BY key`, func(r *sql.Rows) error {
			var st tickets.SavedState
			err := r.Scan(&st.Key, &st.Data, &st.Version)
			snap.States = append(snap.States, st)
			return err
		}},
		{"seen", `SELECT key, at, owner, lease_until, done FROM seen ORDER BY key`, func(r *sql.Rows) error {
			var se tickets.SeenEvent
			var at, lease int64
			err := r.Scan(&se.Key, &at, &se.Owner, &lease, &se.Done)
			se.At, se.LeaseUntil = fromNanos(at), fromNanos(lease)
			snap.Seen = append(snap.Seen, se)
			return err
		}},
		{"presence", `SELECT agent, status, at FROM presence ORDER BY agent`, func(r *sql.Rows) error {
			var p tickets.AgentPresence
			var at int64
			err := r.Scan(&p.Agent, &p.Status, &at)
			p.At = fromNanos(at)
			snap.Presence = append(snap.Presence, p)
			return err
		}},
		{"questions", `SELECT id, desk, platform, user_id, text, language, item_id, confidence, outcome, ticket_id, at
			FROM questions ORDER BY id`, func(r *sql.Rows) error {
			var q tickets.Question
			var outcome string
			var at int64
			if err := r.Scan(&q.ID, &q.Desk, &q.Platform, &q.UserID, &q.Text, &q.Language, &q.ItemID,
				&q.Confidence, &outcome, &q.TicketID, &at); err != nil {
				return err
			}
			q.Outcome, q.At = tickets.Outcome(outcome), fromNanos(at)
			snap.Questions = append(snap.Questions, q)
			return nil
		}},
	}
	for _, st := range steps {
		if err := eachRow(ctx, tx, st.query, st.row); err != nil {
			return nil, fmt.Errorf("dump %s: %w", st.table, err)
		}
	}
	return snap, nil
}

func eachRow(ctx context.Context, tx *sql.Tx, query string, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Backup writes a consistent copy of the database to path (VACUUM INTO),
// while the bot keeps running; it takes the writer connection (the read
// connections are query-only), so writes wait until it is done. path must
// not exist yet.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := s.write.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	return nil
}
