package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Dump reads everything the store holds in one repeatable-read transaction (a
// consistent snapshot while replicas keep running), for copying the help desk
// to another store or verifying a copy. It holds the whole data set in memory.
func (s *Store) Dump(ctx context.Context) (*tickets.Snapshot, error) {
	snap := &tickets.Snapshot{Counters: map[string]int64{}}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if snap.Tickets, err = listTickets(ctx, tx, "TRUE ORDER BY id"); err != nil {
			return fmt.Errorf("tickets: %w", err)
		}
		if err := eachRow(ctx, tx, `SELECT desk, next FROM desk_counters`, func(r pgx.Rows) error {
			var desk string
			var next int64
			err := r.Scan(&desk, &next)
			snap.Counters[desk] = next
			return err
		}); err != nil {
			return fmt.Errorf("desk_counters: %w", err)
		}
		if snap.Events, err = queryEvents(ctx, tx, "TRUE"); err != nil {
			return fmt.Errorf("events: %w", err)
		}
		if snap.Messages, err = queryMessages(ctx, tx, "TRUE"); err != nil {
			return fmt.Errorf("messages: %w", err)
		}
		if err := eachRow(ctx, tx, `SELECT key, data, version FROM states ORDER BY key`, func(r pgx.Rows) error {
			var st tickets.SavedState
			err := r.Scan(&st.Key, &st.Data, &st.Version)
			snap.States = append(snap.States, st)
			return err
		}); err != nil {
			return fmt.Errorf("states: %w", err)
		}
		if err := eachRow(ctx, tx, `SELECT key, at, owner, lease_until, done FROM seen ORDER BY key`, func(r pgx.Rows) error {
			var se tickets.SeenEvent
			var at, lease int64
			err := r.Scan(&se.Key, &at, &se.Owner, &lease, &se.Done)
			se.At, se.LeaseUntil = fromNanos(at), fromNanos(lease)
			snap.Seen = append(snap.Seen, se)
			return err
		}); err != nil {
			return fmt.Errorf("seen: %w", err)
		}
		if err := eachRow(ctx, tx, `SELECT agent, status, at FROM presence ORDER BY agent`, func(r pgx.Rows) error {
			var p tickets.AgentPresence
			var at int64
			err := r.Scan(&p.Agent, &p.Status, &at)
			p.At = fromNanos(at)
			snap.Presence = append(snap.Presence, p)
			return err
		}); err != nil {
			return fmt.Errorf("presence: %w", err)
		}
		return eachRow(ctx, tx, `SELECT id, desk, platform, user_id, text, language, item_id, confidence, outcome,
			ticket_id, at FROM questions ORDER BY id`, func(r pgx.Rows) error {
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
		})
	})
	if err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	return snap, nil
}

func eachRow(ctx context.Context, tx pgx.Tx, query string, fn func(pgx.Rows) error) error {
	rows, err := tx.Query(ctx, query)
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

// Restore writes snap into the store in one transaction, keeping every row's
// id. Rows whose id (or key) is already there are left as they are, so
// restoring the same snapshot twice adds nothing the second time; desk
// counters only ever move forward. It returns how many rows of each table it
// added. Identity sequences are moved past the restored ids, so new tickets
// continue after them.
//
// Restore does not check that existing rows equal the snapshot's: compare
// a Dump of the store with snap for that (helpdesk migrate does).
func (s *Store) Restore(ctx context.Context, snap *tickets.Snapshot) (added map[string]int, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		added = map[string]int{}
		count := func(table string, n int64) { added[table] += int(n) }
		exec := func(table, sql string, args ...any) error {
			tag, err := tx.Exec(ctx, sql, args...)
			if err != nil {
				return fmt.Errorf("restore %s: %w", table, err)
			}
			count(table, tag.RowsAffected())
			return nil
		}
		for _, t := range snap.Tickets {
			data, err := json.Marshal(t)
			if err != nil {
				return fmt.Errorf("restore ticket %s: %w", t.Key, err)
			}
			if err := exec("tickets", `INSERT INTO tickets (id, desk, number, key, request_key, platform, status,
				prev_status, priority, assignee, requester_platform, requester_id, group_chat, created_at, updated_at,
				assigned_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
				ON CONFLICT DO NOTHING`,
				t.ID, txt(t.Desk), t.Number, txt(t.Key), nullable(t.RequestKey), txt(t.Platform), string(t.Status),
				string(t.PrevStatus), int(t.Priority), txt(t.Assignee), txt(t.Requester.Platform), txt(t.Requester.ID),
				txt(t.GroupChat), nanos(t.CreatedAt), nanos(t.UpdatedAt), nanos(t.AssignedAt), string(data)); err != nil {
				return err
			}
			for _, c := range t.Cards {
				if _, err := tx.Exec(ctx, `INSERT INTO cards (ticket_id, platform, chat, message) VALUES ($1, $2, $3, $4)
					ON CONFLICT DO NOTHING`, t.ID, txt(c.Platform), txt(c.Chat), txt(c.Message)); err != nil {
					return fmt.Errorf("restore cards of %s: %w", t.Key, err)
				}
			}
		}
		for _, desk := range slices.Sorted(maps.Keys(snap.Counters)) {
			if err := exec("desk_counters", `INSERT INTO desk_counters (desk, next) VALUES ($1, $2)
				ON CONFLICT (desk) DO UPDATE SET next = excluded.next WHERE desk_counters.next < excluded.next`,
				txt(desk), snap.Counters[desk]); err != nil {
				return err
			}
		}
		for _, e := range snap.Events {
			if err := exec("events", `INSERT INTO events (id, ticket_id, at, kind, actor_role, actor_platform, actor_id,
				actor_name, source, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
				e.ID, e.TicketID, nanos(e.At), txt(e.Kind), string(e.Actor.Role), txt(e.Actor.Platform), txt(e.Actor.ID),
				txt(e.Actor.Name), string(e.Source), txt(e.Detail)); err != nil {
				return err
			}
		}
		for _, m := range snap.Messages {
			if err := exec("messages", `INSERT INTO messages (id, ticket_id, kind, platform_id, author_role,
				author_platform, author_id, author_name, text, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
				ON CONFLICT DO NOTHING`,
				m.ID, m.TicketID, string(m.Kind), txt(m.PlatformID), string(m.Author.Role), txt(m.Author.Platform),
				txt(m.Author.ID), txt(m.Author.Name), txt(m.Text), nanos(m.At)); err != nil {
				return err
			}
		}
		for _, st := range snap.States {
			data := st.Data
			if data == nil {
				data = []byte{}
			}
			if err := exec("states", `INSERT INTO states (key, data, version) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				txt(st.Key), data, st.Version); err != nil {
				return err
			}
		}
		for _, se := range snap.Seen {
			if err := exec("seen", `INSERT INTO seen (key, at, owner, lease_until, done) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT DO NOTHING`, txt(se.Key), nanos(se.At), txt(se.Owner), nanos(se.LeaseUntil), se.Done); err != nil {
				return err
			}
		}
		for _, p := range snap.Presence {
			if err := exec("presence", `INSERT INTO presence (agent, status, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				txt(p.Agent), txt(p.Status), nanos(p.At)); err != nil {
				return err
			}
		}
		for _, q := range snap.Questions {
			if err := exec("questions", `INSERT INTO questions (id, desk, platform, user_id, text, language, item_id,
				confidence, outcome, ticket_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
				ON CONFLICT DO NOTHING`,
				q.ID, txt(q.Desk), txt(q.Platform), txt(q.UserID), txt(q.Text), txt(q.Language), txt(q.ItemID),
				q.Confidence, string(q.Outcome), q.TicketID, nanos(q.At)); err != nil {
				return err
			}
		}
		for _, table := range []string{"tickets", "events", "messages", "questions"} {
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'),
				COALESCE((SELECT MAX(id) FROM `+table+`), 0) + 1, false)`); err != nil {
				return fmt.Errorf("restore %s: move id sequence: %w", table, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}
