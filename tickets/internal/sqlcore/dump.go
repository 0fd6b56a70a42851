package sqlcore

import (
	"context"
	"fmt"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Dump reads everything the store holds through tx, which the store opens
// as a read-only snapshot transaction.
func Dump(ctx context.Context, tx DB) (*tickets.Snapshot, error) {
	snap := &tickets.Snapshot{Counters: map[string]int64{}}
	var err error
	if snap.Tickets, err = listTickets(ctx, tx, nil, "1 = 1 ORDER BY id"); err != nil {
		return nil, fmt.Errorf("dump tickets: %w", err)
	}
	if snap.Events, err = QueryEvents(ctx, tx, "1 = 1"); err != nil {
		return nil, fmt.Errorf("dump events: %w", err)
	}
	if snap.Messages, err = QueryMessages(ctx, tx, "1 = 1"); err != nil {
		return nil, fmt.Errorf("dump messages: %w", err)
	}
	steps := []struct {
		table, query string
		row          func(Rows) error
	}{
		{"desk_counters", `SELECT desk, next FROM desk_counters`, func(r Rows) error {
			var desk string
			var next int64
			err := r.Scan(&desk, &next)
			snap.Counters[desk] = next
			return err
		}},
		{"states", `SELECT key, data, version FROM states ORDER BY key`, func(r Rows) error {
			st, err := scanSaved(r)
			snap.States = append(snap.States, st)
			return err
		}},
		{"checkpoints", `SELECT name, value, version FROM checkpoints ORDER BY name`, func(r Rows) error {
			st, err := scanSaved(r)
			snap.Checkpoints = append(snap.Checkpoints, st)
			return err
		}},
		{"seen", `SELECT key, at, owner, lease_until, done FROM seen ORDER BY key`, func(r Rows) error {
			var se tickets.SeenEvent
			var at, lease int64
			err := r.Scan(&se.Key, &at, &se.Owner, &lease, &se.Done)
			se.At, se.LeaseUntil = FromNanos(at), FromNanos(lease)
			snap.Seen = append(snap.Seen, se)
			return err
		}},
		{"identities", `SELECT platform, user_id, name, email, at FROM identities ORDER BY platform, user_id`, func(r Rows) error {
			var id tickets.Identity
			var at int64
			err := r.Scan(&id.Platform, &id.UserID, &id.Name, &id.Email, &at)
			id.At = FromNanos(at)
			snap.Identities = append(snap.Identities, id)
			return err
		}},
		{"presence", `SELECT agent, status, at FROM presence ORDER BY agent`, func(r Rows) error {
			p, err := scanPresence(r)
			snap.Presence = append(snap.Presence, p)
			return err
		}},
		{"desk_presence", `SELECT desk, status, at FROM desk_presence ORDER BY desk`, func(r Rows) error {
			p, err := scanPresence(r)
			snap.DeskPresence = append(snap.DeskPresence, p)
			return err
		}},
		{"questions", `SELECT id, desk, platform, user_id, text, language, item_id, confidence, outcome, ticket_id, at
			FROM questions ORDER BY id`, func(r Rows) error {
			var q tickets.Question
			var outcome string
			var at int64
			if err := r.Scan(&q.ID, &q.Desk, &q.Platform, &q.UserID, &q.Text, &q.Language, &q.ItemID,
				&q.Confidence, &outcome, &q.TicketID, &at); err != nil {
				return err
			}
			q.Outcome, q.At = tickets.Outcome(outcome), FromNanos(at)
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

func scanSaved(r Rows) (tickets.SavedState, error) {
	var st tickets.SavedState
	err := r.Scan(&st.Key, &st.Data, &st.Version)
	return st, err
}

func scanPresence(r Rows) (tickets.AgentPresence, error) {
	var p tickets.AgentPresence
	var at int64
	err := r.Scan(&p.Agent, &p.Status, &at)
	p.At = FromNanos(at)
	return p, err
}

func eachRow(ctx context.Context, db DB, query string, fn func(Rows) error) error {
	rows, err := db.Query(ctx, query)
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

// RestoreTicket inserts t with its id unless a ticket with that id (or key)
// is there, with its card, form and tag rows, and returns how many tickets it added.
func RestoreTicket(ctx context.Context, tx DB, t *tickets.Ticket) (int64, error) {
	row, err := newTicketRow(t)
	if err != nil {
		return 0, err
	}
	n, err := tx.Exec(ctx, `INSERT INTO tickets (id, `+ticketColumns+`) VALUES (?, `+
		placeholders(len(row.args()))+`) ON CONFLICT DO NOTHING`, append([]any{t.ID}, row.args()...)...)
	if err != nil || n == 0 {
		return n, err
	}
	if err := writeCards(ctx, tx, t.ID, t.Cards); err != nil {
		return 0, err
	}
	if err := writeForm(ctx, tx, t.ID, t.Form); err != nil {
		return 0, err
	}
	return n, writeTags(ctx, tx, t.ID, t.Tags)
}
