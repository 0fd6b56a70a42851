package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// dbtx is what the ticket helpers need of a *sql.DB or *sql.Tx.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Create inserts t with the next number of its desk. An empty prefix stands
// for the desk id in upper case. A zero ev.At or t.CreatedAt is taken as now.
func (s *Store) Create(ctx context.Context, t *tickets.Ticket, prefix string, ev tickets.Event) (*tickets.Ticket, bool, error) {
	if t == nil || t.Desk == "" {
		return nil, false, errs.Errorf(errs.EINVALID, "ticket has no desk")
	}
	if prefix == "" {
		prefix = strings.ToUpper(t.Desk)
	}
	saved := t.Clone()
	saved.NormalizeTimes()
	now := time.Now().UTC()
	if saved.CreatedAt.IsZero() {
		saved.CreatedAt = now
	}
	if saved.UpdatedAt.IsZero() {
		saved.UpdatedAt = saved.CreatedAt
	}
	if ev.At.IsZero() {
		ev.At = saved.CreatedAt
	}

	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, fmt.Errorf("create ticket on desk %s: %w", t.Desk, err)
	}
	defer tx.Rollback()

	if saved.RequestKey != "" {
		existing, err := getTicket(ctx, tx, "request_key = ?", saved.RequestKey)
		if err == nil {
			return existing, false, nil
		}
		if errs.Code(err) != errs.ENOTFOUND {
			return nil, false, fmt.Errorf("create ticket on desk %s: %w", t.Desk, err)
		}
	}

	// next is the number the desk's next ticket gets; the first ticket is 1.
	if err := tx.QueryRowContext(ctx, `INSERT INTO desk_counters (desk, next) VALUES (?, 2)
		ON CONFLICT (desk) DO UPDATE SET next = next + 1
		RETURNING next - 1`, saved.Desk).Scan(&saved.Number); err != nil {
		return nil, false, fmt.Errorf("create ticket on desk %s: next number: %w", t.Desk, err)
	}
	saved.Key = fmt.Sprintf("%s-%d", prefix, saved.Number)
	saved.ID = 0

	data, err := json.Marshal(saved)
	if err != nil {
		return nil, false, fmt.Errorf("create ticket %s: %w", saved.Key, err)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO tickets (desk, number, key, request_key, platform, status, prev_status,
		priority, assignee, requester_platform, requester_id, group_chat, created_at, updated_at, assigned_at, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		saved.Desk, saved.Number, saved.Key, nullable(saved.RequestKey), saved.Platform, string(saved.Status),
		string(saved.PrevStatus), int(saved.Priority), saved.Assignee, saved.Requester.Platform, saved.Requester.ID,
		saved.GroupChat, nanos(saved.CreatedAt), nanos(saved.UpdatedAt), nanos(saved.AssignedAt), string(data),
	).Scan(&saved.ID)
	if isUnique(err) {
		return nil, false, errs.Errorf(errs.ECONFLICT, "ticket %s already exists", saved.Key)
	}
	if err != nil {
		return nil, false, fmt.Errorf("create ticket %s: %w", saved.Key, err)
	}
	ev.TicketID = saved.ID
	if err := insertEvent(ctx, tx, &ev); err != nil {
		return nil, false, fmt.Errorf("create ticket %s: %w", saved.Key, err)
	}
	if len(saved.Cards) > 0 {
		if err := writeCards(ctx, tx, saved.ID, saved.Cards); err != nil {
			return nil, false, fmt.Errorf("create ticket %s: %w", saved.Key, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, false, fmt.Errorf("create ticket %s: %w", saved.Key, err)
	}
	t.ID, t.Key, t.Number = saved.ID, saved.Key, saved.Number
	return saved, true, nil
}

// Get returns the ticket with the row id.
func (s *Store) Get(ctx context.Context, id int64) (*tickets.Ticket, error) {
	return getTicket(ctx, s.read, "id = ?", id)
}

// GetByKey returns the ticket with the human key ("IT-1042").
func (s *Store) GetByKey(ctx context.Context, key string) (*tickets.Ticket, error) {
	return getTicket(ctx, s.read, "key = ?", key)
}

// FindByGroupChat returns the ticket whose group chat is chat on platform; if
// several ever had it, the newest.
func (s *Store) FindByGroupChat(ctx context.Context, platform, chat string) (*tickets.Ticket, error) {
	if chat == "" {
		return nil, errs.Errorf(errs.ENOTFOUND, "No ticket has an empty group chat.")
	}
	return getTicket(ctx, s.read, "platform = ? AND group_chat = ? ORDER BY id DESC LIMIT 1", platform, chat)
}

// FindByCard returns the ticket whose card was posted as message in chat on
// platform (ENOTFOUND if none).
func (s *Store) FindByCard(ctx context.Context, platform, chat, message string) (*tickets.Ticket, error) {
	var id int64
	err := s.read.QueryRowContext(ctx, `SELECT ticket_id FROM cards WHERE platform = ? AND chat = ? AND message = ?
		ORDER BY ticket_id DESC LIMIT 1`, platform, chat, message).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.Errorf(errs.ENOTFOUND, "No ticket card is message %s in %s.", message, chat)
	}
	if err != nil {
		return nil, fmt.Errorf("find ticket by card %s/%s: %w", chat, message, err)
	}
	return s.Get(ctx, id)
}

// writeCards replaces the card index rows of a ticket.
func writeCards(ctx context.Context, db dbtx, id int64, cards []tickets.CardRef) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM cards WHERE ticket_id = ?`, id); err != nil {
		return err
	}
	for _, c := range cards {
		if _, err := db.ExecContext(ctx, `INSERT INTO cards (ticket_id, platform, chat, message) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, id, c.Platform, c.Chat, c.Message); err != nil {
			return err
		}
	}
	return nil
}

// Update runs fn on the ticket inside one write transaction and writes the
// ticket, the change's event and its message together. A nil change from fn
// writes nothing and returns the ticket as it was. UpdatedAt becomes the
// event's time (now if the event has none).
func (s *Store) Update(ctx context.Context, id int64, fn func(t *tickets.Ticket) (*tickets.Change, error)) (*tickets.Ticket, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("update ticket %d: %w", id, err)
	}
	defer tx.Rollback()

	t, err := getTicket(ctx, tx, "id = ?", id)
	if err != nil {
		return nil, err
	}
	before := t.Clone()
	ch, err := fn(t)
	if err != nil {
		return nil, err
	}
	if ch == nil {
		return before, nil
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
		return nil, fmt.Errorf("update ticket %s: %w", t.Key, err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE tickets SET desk = ?, number = ?, key = ?, request_key = ?, platform = ?,
		status = ?, prev_status = ?, priority = ?, assignee = ?, requester_platform = ?, requester_id = ?,
		group_chat = ?, created_at = ?, updated_at = ?, assigned_at = ?, data = ? WHERE id = ?`,
		t.Desk, t.Number, t.Key, nullable(t.RequestKey), t.Platform, string(t.Status), string(t.PrevStatus),
		int(t.Priority), t.Assignee, t.Requester.Platform, t.Requester.ID, t.GroupChat,
		nanos(t.CreatedAt), nanos(t.UpdatedAt), nanos(t.AssignedAt), string(data), id)
	if isUnique(err) {
		return nil, errs.Errorf(errs.ECONFLICT, "another ticket already has the key %s", t.Key)
	}
	if err != nil {
		return nil, fmt.Errorf("update ticket %s: %w", t.Key, err)
	}
	if err := insertEvent(ctx, tx, &ev); err != nil {
		return nil, fmt.Errorf("update ticket %s: %w", t.Key, err)
	}
	if !slices.Equal(before.Cards, t.Cards) {
		if err := writeCards(ctx, tx, id, t.Cards); err != nil {
			return nil, fmt.Errorf("update ticket %s: %w", t.Key, err)
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
				return nil, errs.Errorf(errs.ECONFLICT, "Message %s is already recorded on %s.", m.PlatformID, t.Key)
			}
			return nil, fmt.Errorf("update ticket %s: %w", t.Key, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("update ticket %s: %w", t.Key, err)
	}
	return t, nil
}

// List returns the tickets matching f, oldest first. Since is inclusive and
// Until exclusive, both on CreatedAt.
func (s *Store) List(ctx context.Context, f tickets.Filter) ([]*tickets.Ticket, error) {
	var where []string
	var args []any
	if f.Desk != "" {
		where = append(where, "desk = ?")
		args = append(args, f.Desk)
	}
	if len(f.Desks) > 0 {
		where = append(where, "desk IN ("+placeholders(len(f.Desks))+")")
		for _, d := range f.Desks {
			args = append(args, d)
		}
	}
	if len(f.Statuses) > 0 {
		where = append(where, "status IN ("+placeholders(len(f.Statuses))+")")
		for _, st := range f.Statuses {
			args = append(args, string(st))
		}
	}
	if f.Assignee != "" {
		where = append(where, "assignee = ?")
		args = append(args, f.Assignee)
	}
	if f.Requester != nil {
		where = append(where, "requester_platform = ? AND requester_id = ?")
		args = append(args, f.Requester.Platform, f.Requester.ID)
	}
	if !f.Since.IsZero() {
		where = append(where, "created_at >= ?")
		args = append(args, f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		where = append(where, "created_at < ?")
		args = append(args, f.Until.UnixNano())
	}
	cond := "1 = 1"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	cond += " ORDER BY created_at, id"
	if f.Limit > 0 {
		cond += " LIMIT ?"
		args = append(args, f.Limit)
	}
	ts, err := listTickets(ctx, s.read, cond, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	return ts, nil
}

// Queue returns the desk's open tickets, highest priority first, then oldest.
func (s *Store) Queue(ctx context.Context, desk string) ([]*tickets.Ticket, error) {
	ts, err := listTickets(ctx, s.read, "desk = ? AND status = ? ORDER BY priority DESC, created_at, id",
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
	rows, err := s.read.QueryContext(ctx, `SELECT assignee,
		SUM(CASE WHEN status IN ('assigned', 'in_service')
			OR (status = 'snoozed' AND prev_status IN ('assigned', 'in_service')) THEN 1 ELSE 0 END),
		MAX(assigned_at)
		FROM tickets WHERE desk = ? AND assignee <> '' GROUP BY assignee`, desk)
	if err != nil {
		return nil, fmt.Errorf("loads of desk %s: %w", desk, err)
	}
	defer rows.Close()
	loads := make(map[string]tickets.AgentLoad)
	for rows.Next() {
		var agent string
		var open int
		var last int64
		if err := rows.Scan(&agent, &open, &last); err != nil {
			return nil, fmt.Errorf("loads of desk %s: %w", desk, err)
		}
		loads[agent] = tickets.AgentLoad{Open: open, LastAssigned: fromNanos(last)}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loads of desk %s: %w", desk, err)
	}
	return loads, nil
}

// Events returns the ticket's audit events, oldest first.
func (s *Store) Events(ctx context.Context, ticketID int64) ([]tickets.Event, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, ticket_id, at, kind, actor_role, actor_platform, actor_id,
		actor_name, source, detail FROM events WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("events of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var evs []tickets.Event
	for rows.Next() {
		var e tickets.Event
		var at int64
		var role, src string
		if err := rows.Scan(&e.ID, &e.TicketID, &at, &e.Kind, &role, &e.Actor.Platform, &e.Actor.ID,
			&e.Actor.Name, &src, &e.Detail); err != nil {
			return nil, fmt.Errorf("events of ticket %d: %w", ticketID, err)
		}
		e.At, e.Actor.Role, e.Source = fromNanos(at), tickets.ActorRole(role), tickets.Source(src)
		evs = append(evs, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events of ticket %d: %w", ticketID, err)
	}
	return evs, nil
}

// Messages returns the ticket's transcript and notes, oldest first.
func (s *Store) Messages(ctx context.Context, ticketID int64) ([]tickets.Message, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, ticket_id, kind, platform_id, author_role, author_platform,
		author_id, author_name, text, at FROM messages WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("messages of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var ms []tickets.Message
	for rows.Next() {
		var m tickets.Message
		var at int64
		var kind, role string
		if err := rows.Scan(&m.ID, &m.TicketID, &kind, &m.PlatformID, &role, &m.Author.Platform, &m.Author.ID,
			&m.Author.Name, &m.Text, &at); err != nil {
			return nil, fmt.Errorf("messages of ticket %d: %w", ticketID, err)
		}
		m.Kind, m.Author.Role, m.At = tickets.MessageKind(kind), tickets.ActorRole(role), fromNanos(at)
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("messages of ticket %d: %w", ticketID, err)
	}
	return ms, nil
}

func insertEvent(ctx context.Context, db dbtx, e *tickets.Event) error {
	err := db.QueryRowContext(ctx, `INSERT INTO events (ticket_id, at, kind, actor_role, actor_platform, actor_id,
		actor_name, source, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.TicketID, nanos(e.At), e.Kind, string(e.Actor.Role), e.Actor.Platform, e.Actor.ID, e.Actor.Name,
		string(e.Source), e.Detail).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("insert %s event: %w", e.Kind, err)
	}
	return nil
}

// insertMessage returns the driver's error unwrapped so the caller can spot a repeat.
func insertMessage(ctx context.Context, db dbtx, m *tickets.Message) error {
	return db.QueryRowContext(ctx, `INSERT INTO messages (ticket_id, kind, platform_id, author_role,
		author_platform, author_id, author_name, text, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.TicketID, string(m.Kind), m.PlatformID, string(m.Author.Role), m.Author.Platform, m.Author.ID,
		m.Author.Name, m.Text, nanos(m.At.UTC())).Scan(&m.ID)
}

// getTicket returns the one ticket matching cond, or ENOTFOUND.
func getTicket(ctx context.Context, db dbtx, cond string, args ...any) (*tickets.Ticket, error) {
	var id int64
	var data string
	err := db.QueryRowContext(ctx, `SELECT id, data FROM tickets WHERE `+cond, args...).Scan(&id, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.Errorf(errs.ENOTFOUND, "No such ticket (%v).", describe(args))
	}
	if err != nil {
		return nil, fmt.Errorf("get ticket (%v): %w", describe(args), err)
	}
	return decodeTicket(id, data)
}

func listTickets(ctx context.Context, db dbtx, cond string, args ...any) ([]*tickets.Ticket, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, data FROM tickets WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts []*tickets.Ticket
	for rows.Next() {
		var id int64
		var data string
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

func decodeTicket(id int64, data string) (*tickets.Ticket, error) {
	t := new(tickets.Ticket)
	if err := json.Unmarshal([]byte(data), t); err != nil {
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
	return s
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
