package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
)

// Dump reads everything the store holds in one repeatable-read transaction (a
// consistent snapshot while replicas keep running), for copying the help desk
// to another store or verifying a copy. It holds the whole data set in memory.
func (s *Store) Dump(ctx context.Context) (*tickets.Snapshot, error) {
	var snap *tickets.Snapshot
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		snap, err = sqlcore.Dump(ctx, coreDB{tx})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	return snap, nil
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
			n, err := sqlcore.RestoreTicket(ctx, coreDB{tx}, t)
			if err != nil {
				return fmt.Errorf("restore ticket %s: %w", t.Key, err)
			}
			count("tickets", n)
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
		for _, c := range snap.Checkpoints {
			value := c.Data
			if value == nil {
				value = []byte{}
			}
			if err := exec("checkpoints", `INSERT INTO checkpoints (name, value, version) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, txt(c.Key), value, c.Version); err != nil {
				return err
			}
		}
		for _, id := range snap.Identities {
			if err := exec("identities", `INSERT INTO identities (platform, user_id, name, email, at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT DO NOTHING`, txt(id.Platform), txt(id.UserID), txt(id.Name), txt(id.Email), nanos(id.At)); err != nil {
				return err
			}
		}
		for _, p := range snap.DeskPresence {
			if err := exec("desk_presence", `INSERT INTO desk_presence (desk, status, at) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, txt(p.Agent), txt(p.Status), nanos(p.At)); err != nil {
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
