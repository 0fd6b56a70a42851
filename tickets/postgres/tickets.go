package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// dbtx is what the ticket helpers need of a pool or a transaction.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// errRequestKeyRace says a concurrent Create with the same request key won;
// Create starts again and finds its ticket.
var errRequestKeyRace = errors.New("request key taken concurrently")

// Create inserts t with the next number of its desk. An empty prefix stands
// for the desk id in upper case. A zero ev.At or t.CreatedAt is taken as now.
func (s *Store) Create(ctx context.Context, t *tickets.Ticket, prefix string, ev tickets.Event) (*tickets.Ticket, bool, error) {
	if t == nil || t.Desk == "" {
		return nil, false, errs.Errorf(errs.EINVALID, "ticket has no desk")
	}
	if prefix == "" {
		prefix = strings.ToUpper(t.Desk)
	}
	for {
		saved, created, err := s.create(ctx, t, prefix, ev)
		if errors.Is(err, errRequestKeyRace) {
			continue // the winner has committed: the next try returns its ticket
		}
		if err != nil {
			return nil, false, err
		}
		if created {
			t.ID, t.Key, t.Number = saved.ID, saved.Key, saved.Number
		}
		return saved, created, nil
	}
}

func (s *Store) create(ctx context.Context, t *tickets.Ticket, prefix string, ev tickets.Event) (*tickets.Ticket, bool, error) {
	var saved *tickets.Ticket
	var created bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		saved, created = t.Clone(), false
		saved.NormalizeTimes()
		now := time.Now().UTC()
		if saved.CreatedAt.IsZero() {
			saved.CreatedAt = now
		}
		if saved.UpdatedAt.IsZero() {
			saved.UpdatedAt = saved.CreatedAt
		}
		ev := ev
		if ev.At.IsZero() {
			ev.At = saved.CreatedAt
		}
		if saved.RequestKey != "" {
			existing, err := getTicket(ctx, tx, "request_key = $1", saved.RequestKey)
			if err == nil {
				saved = existing
				return nil
			}
			if errs.Code(err) != errs.ENOTFOUND {
				return err
			}
		}
		// next is the number the desk's next ticket gets; the first ticket is
		// 1. The upsert locks the desk's counter row until commit.
		if err := tx.QueryRow(ctx, `INSERT INTO desk_counters (desk, next) VALUES ($1, 2)
			ON CONFLICT (desk) DO UPDATE SET next = desk_counters.next + 1
			RETURNING next - 1`, saved.Desk).Scan(&saved.Number); err != nil {
			return fmt.Errorf("next number: %w", err)
		}
		saved.Key = fmt.Sprintf("%s-%d", prefix, saved.Number)
		saved.ID = 0
		data, err := json.Marshal(saved)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO tickets (desk, number, key, request_key, platform, status, prev_status,
			priority, assignee, requester_platform, requester_id, group_chat, created_at, updated_at, assigned_at, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
			txt(saved.Desk), saved.Number, txt(saved.Key), nullable(saved.RequestKey), txt(saved.Platform), string(saved.Status),
			string(saved.PrevStatus), int(saved.Priority), txt(saved.Assignee), txt(saved.Requester.Platform), txt(saved.Requester.ID),
			txt(saved.GroupChat), nanos(saved.CreatedAt), nanos(saved.UpdatedAt), nanos(saved.AssignedAt), string(data),
		).Scan(&saved.ID)
		if isUnique(err) {
			if constraint(err) == "tickets_request_key_key" {
				return errRequestKeyRace
			}
			return errs.Errorf(errs.ECONFLICT, "ticket %s already exists", saved.Key)
		}
		if err != nil {
			return err
		}
		ev.TicketID = saved.ID
		if err := insertEvent(ctx, tx, &ev); err != nil {
			return err
		}
		if err := writeCards(ctx, tx, saved.ID, saved.Cards); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		if errors.Is(err, errRequestKeyRace) || errs.Code(err) != errs.EINTERNAL {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("create ticket on desk %s: %w", t.Desk, err)
	}
	return saved, created, nil
}

// Get returns the ticket with the row id.
func (s *Store) Get(ctx context.Context, id int64) (*tickets.Ticket, error) {
	return getTicket(ctx, s.pool, "id = $1", id)
}

// GetByKey returns the ticket with the human key ("IT-1042").
func (s *Store) GetByKey(ctx context.Context, key string) (*tickets.Ticket, error) {
	return getTicket(ctx, s.pool, "key = $1", key)
}

// FindByGroupChat returns the ticket whose group chat is chat on platform; if
// several ever had it, the newest.
func (s *Store) FindByGroupChat(ctx context.Context, platform, chat string) (*tickets.Ticket, error) {
	if chat == "" {
		return nil, errs.Errorf(errs.ENOTFOUND, "No ticket has an empty group chat.")
	}
	return getTicket(ctx, s.pool, "platform = $1 AND group_chat = $2 ORDER BY id DESC LIMIT 1", platform, chat)
}

// FindByCard returns the ticket whose card was posted as message in chat on
// platform (ENOTFOUND if none).
func (s *Store) FindByCard(ctx context.Context, platform, chat, message string) (*tickets.Ticket, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT ticket_id FROM cards WHERE platform = $1 AND chat = $2 AND message = $3
		ORDER BY ticket_id DESC LIMIT 1`, platform, chat, message).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.Errorf(errs.ENOTFOUND, "No ticket card is message %s in %s.", message, chat)
	}
	if err != nil {
		return nil, fmt.Errorf("find ticket by card %s/%s: %w", chat, message, err)
	}
	return s.Get(ctx, id)
}

// writeCards replaces the card index rows of a ticket.
func writeCards(ctx context.Context, db dbtx, id int64, cards []tickets.CardRef) error {
	if _, err := db.Exec(ctx, `DELETE FROM cards WHERE ticket_id = $1`, id); err != nil {
		return fmt.Errorf("write cards: %w", err)
	}
	for _, c := range cards {
		if _, err := db.Exec(ctx, `INSERT INTO cards (ticket_id, platform, chat, message) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, id, txt(c.Platform), txt(c.Chat), txt(c.Message)); err != nil {
			return fmt.Errorf("write cards: %w", err)
		}
	}
	return nil
}

// Update runs fn on the ticket inside one transaction that holds the ticket's
// row lock (SELECT ... FOR UPDATE), so replicas changing one ticket take
// turns, and writes the ticket, the change's event and its message together.
// A nil change from fn writes nothing and returns the ticket as it was.
// UpdatedAt becomes the event's time (now if the event has none). fn may run
// more than once if PostgreSQL aborts the transaction on a deadlock.
func (s *Store) Update(ctx context.Context, id int64, fn func(t *tickets.Ticket) (*tickets.Change, error)) (*tickets.Ticket, error) {
	var out *tickets.Ticket
	var fnErr error
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		t, err := getTicket(ctx, tx, "id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		before := t.Clone()
		ch, err := fn(t)
		if err != nil {
			fnErr = err
			return err
		}
		if ch == nil {
			out = before
			return nil
		}
		t.ID = id
		t.NormalizeTimes()
		ev := ch.Event
		ev.TicketID = id
		if ev.At.IsZero() {
			ev.At = time.Now().UTC()
		}
		ev.At = ev.At.UTC()
		t.UpdatedAt = ev.At
		data, err := json.Marshal(t)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE tickets SET desk = $1, number = $2, key = $3, request_key = $4, platform = $5,
			status = $6, prev_status = $7, priority = $8, assignee = $9, requester_platform = $10, requester_id = $11,
			group_chat = $12, created_at = $13, updated_at = $14, assigned_at = $15, data = $16 WHERE id = $17`,
			txt(t.Desk), t.Number, txt(t.Key), nullable(t.RequestKey), txt(t.Platform), string(t.Status), string(t.PrevStatus),
			int(t.Priority), txt(t.Assignee), txt(t.Requester.Platform), txt(t.Requester.ID), txt(t.GroupChat),
			nanos(t.CreatedAt), nanos(t.UpdatedAt), nanos(t.AssignedAt), string(data), id)
		if isUnique(err) {
			return errs.Errorf(errs.ECONFLICT, "another ticket already has the key %s", t.Key)
		}
		if err != nil {
			return err
		}
		if err := insertEvent(ctx, tx, &ev); err != nil {
			return err
		}
		if !slices.Equal(before.Cards, t.Cards) {
			if err := writeCards(ctx, tx, id, t.Cards); err != nil {
				return err
			}
		}
		if ch.Message != nil {
			m := *ch.Message
			m.TicketID = id
			if m.At.IsZero() {
				m.At = ev.At
			}
			if err := insertMessage(ctx, tx, &m); err != nil {
				if isUnique(err) {
					return errs.Errorf(errs.ECONFLICT, "Message %s is already recorded on %s.", m.PlatformID, t.Key)
				}
				return err
			}
		}
		out = t
		return nil
	})
	switch {
	case err == nil:
		return out, nil
	case fnErr != nil && errors.Is(err, fnErr):
		return nil, fnErr // unchanged, as the contract says
	case errs.Code(err) != errs.EINTERNAL:
		return nil, err
	}
	return nil, fmt.Errorf("update ticket %d: %w", id, err)
}

// List returns the tickets matching f, oldest first. Since is inclusive and
// Until exclusive, both on CreatedAt.
func (s *Store) List(ctx context.Context, f tickets.Filter) ([]*tickets.Ticket, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Desk != "" {
		where = append(where, "desk = "+arg(f.Desk))
	}
	if len(f.Desks) > 0 {
		where = append(where, "desk = ANY("+arg(f.Desks)+")")
	}
	if len(f.Statuses) > 0 {
		sts := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			sts[i] = string(st)
		}
		where = append(where, "status = ANY("+arg(sts)+")")
	}
	if f.Assignee != "" {
		where = append(where, "assignee = "+arg(f.Assignee))
	}
	if f.Requester != nil {
		where = append(where, "requester_platform = "+arg(f.Requester.Platform)+" AND requester_id = "+arg(f.Requester.ID))
	}
	if !f.Since.IsZero() {
		where = append(where, "created_at >= "+arg(f.Since.UnixNano()))
	}
	if !f.Until.IsZero() {
		where = append(where, "created_at < "+arg(f.Until.UnixNano()))
	}
	cond := "TRUE"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	cond += " ORDER BY created_at, id"
	if f.Limit > 0 {
		cond += " LIMIT " + arg(f.Limit)
	}
	ts, err := listTickets(ctx, s.pool, cond, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	return ts, nil
}

// Queue returns the desk's open tickets, highest priority first, then oldest.
func (s *Store) Queue(ctx context.Context, desk string) ([]*tickets.Ticket, error) {
	ts, err := listTickets(ctx, s.pool, "desk = $1 AND status = $2 ORDER BY priority DESC, created_at, id",
		desk, string(tickets.StatusOpen))
	if err != nil {
		return nil, fmt.Errorf("queue of desk %s: %w", desk, err)
	}
	return ts, nil
}

// Loads returns, for every agent who has or had a ticket of the desk, the
// number of tickets they are working on (assigned, in service, or snoozed
// from one of those) and when they were last assigned one.
func (s *Store) Loads(ctx context.Context, desk string) (map[string]tickets.AgentLoad, error) {
	rows, err := s.pool.Query(ctx, `SELECT assignee,
		COUNT(*) FILTER (WHERE status IN ('assigned', 'in_service')
			OR (status = 'snoozed' AND prev_status IN ('assigned', 'in_service'))),
		MAX(assigned_at)
		FROM tickets WHERE desk = $1 AND assignee <> '' GROUP BY assignee`, desk)
	if err != nil {
		return nil, fmt.Errorf("loads of desk %s: %w", desk, err)
	}
	defer rows.Close()
	loads := make(map[string]tickets.AgentLoad)
	for rows.Next() {
		var agent string
		var open, last int64
		if err := rows.Scan(&agent, &open, &last); err != nil {
			return nil, fmt.Errorf("loads of desk %s: %w", desk, err)
		}
		loads[agent] = tickets.AgentLoad{Open: int(open), LastAssigned: fromNanos(last)}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loads of desk %s: %w", desk, err)
	}
	return loads, nil
}

// Events returns the ticket's audit events, oldest first.
func (s *Store) Events(ctx context.Context, ticketID int64) ([]tickets.Event, error) {
	evs, err := queryEvents(ctx, s.pool, "ticket_id = $1", ticketID)
	if err != nil {
		return nil, fmt.Errorf("events of ticket %d: %w", ticketID, err)
	}
	return evs, nil
}

func queryEvents(ctx context.Context, db dbtx, cond string, args ...any) ([]tickets.Event, error) {
	rows, err := db.Query(ctx, `SELECT id, ticket_id, at, kind, actor_role, actor_platform, actor_id,
		actor_name, source, detail FROM events WHERE `+cond+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []tickets.Event
	for rows.Next() {
		var e tickets.Event
		var at int64
		var role, src string
		if err := rows.Scan(&e.ID, &e.TicketID, &at, &e.Kind, &role, &e.Actor.Platform, &e.Actor.ID,
			&e.Actor.Name, &src, &e.Detail); err != nil {
			return nil, err
		}
		e.At, e.Actor.Role, e.Source = fromNanos(at), tickets.ActorRole(role), tickets.Source(src)
		evs = append(evs, e)
	}
	return evs, rows.Err()
}

// Messages returns the ticket's transcript and notes, oldest first.
func (s *Store) Messages(ctx context.Context, ticketID int64) ([]tickets.Message, error) {
	ms, err := queryMessages(ctx, s.pool, "ticket_id = $1", ticketID)
	if err != nil {
		return nil, fmt.Errorf("messages of ticket %d: %w", ticketID, err)
	}
	return ms, nil
}

func queryMessages(ctx context.Context, db dbtx, cond string, args ...any) ([]tickets.Message, error) {
	rows, err := db.Query(ctx, `SELECT id, ticket_id, kind, platform_id, author_role, author_platform,
		author_id, author_name, text, at FROM messages WHERE `+cond+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ms []tickets.Message
	for rows.Next() {
		var m tickets.Message
		var at int64
		var kind, role string
		if err := rows.Scan(&m.ID, &m.TicketID, &kind, &m.PlatformID, &role, &m.Author.Platform, &m.Author.ID,
			&m.Author.Name, &m.Text, &at); err != nil {
			return nil, err
		}
		m.Kind, m.Author.Role, m.At = tickets.MessageKind(kind), tickets.ActorRole(role), fromNanos(at)
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

func insertEvent(ctx context.Context, db dbtx, e *tickets.Event) error {
	err := db.QueryRow(ctx, `INSERT INTO events (ticket_id, at, kind, actor_role, actor_platform, actor_id,
		actor_name, source, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		e.TicketID, nanos(e.At), txt(e.Kind), string(e.Actor.Role), txt(e.Actor.Platform), txt(e.Actor.ID), txt(e.Actor.Name),
		string(e.Source), txt(e.Detail)).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("insert %s event: %w", e.Kind, err)
	}
	return nil
}

// insertMessage returns the driver's error unwrapped so the caller can spot a repeat.
func insertMessage(ctx context.Context, db dbtx, m *tickets.Message) error {
	return db.QueryRow(ctx, `INSERT INTO messages (ticket_id, kind, platform_id, author_role,
		author_platform, author_id, author_name, text, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		m.TicketID, string(m.Kind), txt(m.PlatformID), string(m.Author.Role), txt(m.Author.Platform), txt(m.Author.ID),
		txt(m.Author.Name), txt(m.Text), nanos(m.At.UTC())).Scan(&m.ID)
}

// getTicket returns the one ticket matching cond, or ENOTFOUND.
func getTicket(ctx context.Context, db dbtx, cond string, args ...any) (*tickets.Ticket, error) {
	var id int64
	var data []byte
	err := db.QueryRow(ctx, `SELECT id, data FROM tickets WHERE `+cond, args...).Scan(&id, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.Errorf(errs.ENOTFOUND, "No such ticket (%v).", describe(args))
	}
	if err != nil {
		return nil, fmt.Errorf("get ticket (%v): %w", describe(args), err)
	}
	return decodeTicket(id, data)
}

func listTickets(ctx context.Context, db dbtx, cond string, args ...any) ([]*tickets.Ticket, error) {
	rows, err := db.Query(ctx, `SELECT id, data FROM tickets WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts []*tickets.Ticket
	for rows.Next() {
		var id int64
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return nil, err
		}
		t, err := decodeTicket(id, data)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

func decodeTicket(id int64, data []byte) (*tickets.Ticket, error) {
	t := new(tickets.Ticket)
	if err := json.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("decode ticket %d: %w", id, err)
	}
	t.ID = id
	return t, nil
}

func describe(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = fmt.Sprint(a)
	}
	return strings.Join(parts, " ")
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return txt(s)
}
