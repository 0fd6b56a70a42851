package sqlcore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// ticketCol is one column of the tickets table besides id and data: its
// value for a ticket, and whether two tickets have the same one (compared
// without boxing: this runs for every column of every update).
type ticketCol struct {
	name  string
	value func(*tickets.Ticket) any
	same  func(a, b *tickets.Ticket) bool
}

// strCol is a text column; nullable ones store "" as NULL.
func strCol(name string, f func(*tickets.Ticket) string, nullable bool) ticketCol {
	value := func(t *tickets.Ticket) any { return f(t) }
	if nullable {
		value = func(t *tickets.Ticket) any { return Nullable(f(t)) }
	}
	return ticketCol{name, value, func(a, b *tickets.Ticket) bool { return f(a) == f(b) }}
}

// intCol is an integer column (numbers, times as Unix nanoseconds).
func intCol(name string, f func(*tickets.Ticket) int64) ticketCol {
	return ticketCol{name, func(t *tickets.Ticket) any { return f(t) }, func(a, b *tickets.Ticket) bool { return f(a) == f(b) }}
}

// ticketCols are the tickets table's columns besides id and data, in the
// order ticketRow.args gives them (data last). The JSON model (data) is what
// the API returns; every column a query filters, sorts or searches on is a
// column of its own.
var ticketCols = []ticketCol{
	strCol("desk", func(t *tickets.Ticket) string { return t.Desk }, false),
	intCol("number", func(t *tickets.Ticket) int64 { return int64(t.Number) }),
	strCol("key", func(t *tickets.Ticket) string { return t.Key }, false),
	strCol("request_key", func(t *tickets.Ticket) string { return t.RequestKey }, true),
	strCol("platform", func(t *tickets.Ticket) string { return t.Platform }, false),
	strCol("status", func(t *tickets.Ticket) string { return string(t.Status) }, false),
	strCol("prev_status", func(t *tickets.Ticket) string { return string(t.PrevStatus) }, false),
	intCol("priority", func(t *tickets.Ticket) int64 { return int64(t.Priority) }),
	strCol("assignee", func(t *tickets.Ticket) string { return t.Assignee }, false),
	strCol("requester_platform", func(t *tickets.Ticket) string { return t.Requester.Platform }, false),
	strCol("requester_id", func(t *tickets.Ticket) string { return t.Requester.ID }, false),
	strCol("requester_name", func(t *tickets.Ticket) string { return t.Requester.Name }, false),
	strCol("group_chat", func(t *tickets.Ticket) string { return t.GroupChat }, false),
	strCol("subject", func(t *tickets.Ticket) string { return t.Subject }, false),
	strCol("category", func(t *tickets.Ticket) string { return t.Category }, false),
	intCol("created_at", func(t *tickets.Ticket) int64 { return Nanos(t.CreatedAt) }),
	intCol("updated_at", func(t *tickets.Ticket) int64 { return Nanos(t.UpdatedAt) }),
	intCol("assigned_at", func(t *tickets.Ticket) int64 { return Nanos(t.AssignedAt) }),
}

// ticketColumns lists the columns of ticketRow.args, data last.
var ticketColumns = func() string {
	var b strings.Builder
	for _, c := range ticketCols {
		b.WriteString(c.name + ", ")
	}
	return b.String() + "data"
}()

// ticketRow is a ticket as the tickets table holds it.
type ticketRow struct {
	t    *tickets.Ticket
	data string
}

func newTicketRow(t *tickets.Ticket) (ticketRow, error) {
	data, err := json.Marshal(t)
	if err != nil {
		return ticketRow{}, err
	}
	return ticketRow{t: t, data: string(data)}, nil
}

func (r ticketRow) args() []any {
	args := make([]any, 0, len(ticketCols)+1)
	for _, c := range ticketCols {
		args = append(args, c.value(r.t))
	}
	return append(args, r.data)
}

var insertTicketSQL = `INSERT INTO tickets (` + ticketColumns + `) VALUES (` +
	placeholders(len(ticketCols)+1) + `) RETURNING id`

// updateTicket is the UPDATE of ticket id's row from was to now: only the
// columns whose values differ, and data. A column left out keeps its index
// entries untouched, so recording a message rewrites one row, not every
// index of the tickets table.
func updateTicket(id int64, was *tickets.Ticket, now ticketRow) (string, []any) {
	var b strings.Builder
	b.Grow(128)
	b.WriteString("UPDATE tickets SET ")
	var args []any
	for _, c := range ticketCols {
		if c.same(was, now.t) {
			continue
		}
		b.WriteString(c.name)
		b.WriteString(" = ?, ")
		args = append(args, c.value(now.t))
	}
	b.WriteString("data = ? WHERE id = ?")
	return b.String(), append(args, now.data, id)
}

// Create inserts t with the next number of its desk. An empty prefix stands
// for the desk id in upper case. A zero ev.At or t.CreatedAt is taken as now.
func (c *Core) Create(ctx context.Context, t *tickets.Ticket, prefix string, ev tickets.Event) (*tickets.Ticket, bool, error) {
	if t == nil || t.Desk == "" {
		return nil, false, errs.Errorf(errs.EINVALID, "ticket has no desk")
	}
	if prefix == "" {
		prefix = strings.ToUpper(t.Desk)
	}
	var saved *tickets.Ticket
	var created bool
	err := c.writeSynced(ctx, func(tx DB) error {
		var err error
		saved, created, err = c.create(ctx, tx, t, prefix, ev)
		return err
	})
	if errors.Is(err, ErrUnique) && t.RequestKey != "" {
		// A concurrent Create with the same request key won; it has
		// committed, so its ticket is there to return.
		if existing, gerr := c.getTicket(ctx, c.Read, "request_key = ?", t.RequestKey); gerr == nil {
			return existing, false, nil
		}
	}
	if errors.Is(err, ErrUnique) {
		return nil, false, errs.Errorf(errs.ECONFLICT, "A ticket of desk %s with that number already exists.", t.Desk)
	}
	if err != nil {
		if errs.Code(err) != errs.EINTERNAL {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("create ticket on desk %s: %w", t.Desk, err)
	}
	if created {
		t.ID, t.Key, t.Number = saved.ID, saved.Key, saved.Number
	}
	return saved, created, nil
}

func (c *Core) create(ctx context.Context, tx DB, t *tickets.Ticket, prefix string, ev tickets.Event) (*tickets.Ticket, bool, error) {
	saved := t.Clone()
	saved.NormalizeTimes()
	if saved.CreatedAt.IsZero() {
		saved.CreatedAt = c.now()
	}
	if saved.UpdatedAt.IsZero() {
		saved.UpdatedAt = saved.CreatedAt
	}
	if ev.At.IsZero() {
		ev.At = saved.CreatedAt
	}
	if saved.RequestKey != "" {
		existing, err := c.getTicket(ctx, tx, "request_key = ?", saved.RequestKey)
		if err == nil {
			return existing, false, nil
		}
		if errs.Code(err) != errs.ENOTFOUND {
			return nil, false, err
		}
	}
	// next is the number the desk's next ticket gets; the first ticket is
	// 1. The upsert locks the desk's counter row until commit.
	if err := tx.QueryRow(ctx, `INSERT INTO desk_counters (desk, next) VALUES (?, 2)
		ON CONFLICT (desk) DO UPDATE SET next = desk_counters.next + 1
		RETURNING next - 1`, saved.Desk).Scan(&saved.Number); err != nil {
		return nil, false, fmt.Errorf("next number: %w", err)
	}
	saved.Key = fmt.Sprintf("%s-%d", prefix, saved.Number)
	saved.ID = 0
	row, err := newTicketRow(saved)
	if err != nil {
		return nil, false, err
	}
	if err := tx.QueryRow(ctx, insertTicketSQL, row.args()...).Scan(&saved.ID); err != nil {
		return nil, false, err
	}
	ev.TicketID = saved.ID
	if err := insertEvent(ctx, tx, &ev); err != nil {
		return nil, false, err
	}
	if err := writeCards(ctx, tx, saved.ID, saved.Cards); err != nil {
		return nil, false, err
	}
	if err := writeForm(ctx, tx, saved.ID, saved.Form); err != nil {
		return nil, false, err
	}
	if err := writeTags(ctx, tx, saved.ID, saved.Tags); err != nil {
		return nil, false, err
	}
	return saved, true, nil
}

// Get returns the ticket with the row id.
func (c *Core) Get(ctx context.Context, id int64) (*tickets.Ticket, error) {
	return c.getTicket(ctx, c.Read, "id = ?", id)
}

// GetByKey returns the ticket with the human key ("IT-1042").
func (c *Core) GetByKey(ctx context.Context, key string) (*tickets.Ticket, error) {
	return c.getTicket(ctx, c.Read, "key = ?", key)
}

// FindByGroupChat returns the ticket whose group chat is chat on platform; if
// several ever had it, the newest.
func (c *Core) FindByGroupChat(ctx context.Context, platform, chat string) (*tickets.Ticket, error) {
	if chat == "" {
		return nil, errs.Errorf(errs.ENOTFOUND, "No ticket has an empty group chat.")
	}
	return c.getTicket(ctx, c.Read, "platform = ? AND group_chat = ? ORDER BY id DESC LIMIT 1", platform, chat)
}

// FindByCard returns the ticket whose card was posted as message in chat on
// platform (ENOTFOUND if none).
func (c *Core) FindByCard(ctx context.Context, platform, chat, message string) (*tickets.Ticket, error) {
	var id int64
	err := c.Read.QueryRow(ctx, `SELECT ticket_id FROM cards WHERE platform = ? AND chat = ? AND message = ?
		ORDER BY ticket_id DESC LIMIT 1`, platform, chat, message).Scan(&id)
	if errors.Is(err, ErrNoRows) {
		return nil, errs.Errorf(errs.ENOTFOUND, "No ticket card is message %s in %s.", message, chat)
	}
	if err != nil {
		return nil, fmt.Errorf("find ticket by card %s/%s: %w", chat, message, err)
	}
	return c.Get(ctx, id)
}

// writeCards replaces the card index rows of a ticket.
func writeCards(ctx context.Context, db DB, id int64, cards []tickets.CardRef) error {
	if _, err := db.Exec(ctx, `DELETE FROM cards WHERE ticket_id = ?`, id); err != nil {
		return fmt.Errorf("write cards: %w", err)
	}
	for _, c := range cards {
		if _, err := db.Exec(ctx, `INSERT INTO cards (ticket_id, platform, chat, message) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, id, c.Platform, c.Chat, c.Message); err != nil {
			return fmt.Errorf("write cards: %w", err)
		}
	}
	return nil
}

// writeForm replaces the form answer rows of a ticket (what search reads).
func writeForm(ctx context.Context, db DB, id int64, form []tickets.FormAnswer) error {
	if _, err := db.Exec(ctx, `DELETE FROM ticket_form WHERE ticket_id = ?`, id); err != nil {
		return fmt.Errorf("write form answers: %w", err)
	}
	for i, f := range form {
		if _, err := db.Exec(ctx, `INSERT INTO ticket_form (ticket_id, position, field, label, value)
			VALUES (?, ?, ?, ?, ?)`, id, i, f.ID, f.Label, f.Value); err != nil {
			return fmt.Errorf("write form answers: %w", err)
		}
	}
	return nil
}

// writeTags replaces the tag rows of a ticket (what the tag filter reads).
func writeTags(ctx context.Context, db DB, id int64, tags []string) error {
	if _, err := db.Exec(ctx, `DELETE FROM ticket_tags WHERE ticket_id = ?`, id); err != nil {
		return fmt.Errorf("write tags: %w", err)
	}
	for _, tag := range tags {
		if _, err := db.Exec(ctx, `INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, id, tag); err != nil {
			return fmt.Errorf("write tags: %w", err)
		}
	}
	return nil
}

// Update runs fn on the ticket inside one write transaction that holds the
// ticket's row (a lock where the engine has several writers), and writes
// the ticket, the change's event and its message together. A nil change
// from fn writes nothing and returns the ticket as it was. UpdatedAt
// becomes the event's time (now if the event has none). fn may run more
// than once if the engine aborts the transaction on a deadlock.
func (c *Core) Update(ctx context.Context, id int64, fn func(t *tickets.Ticket) (*tickets.Change, error)) (*tickets.Ticket, error) {
	return c.modify(ctx, "update", id, fn, nil)
}

// Erase is Update that also deletes the ticket's messages and blanks the
// details of its earlier events, in the same transaction.
func (c *Core) Erase(ctx context.Context, id int64, fn func(t *tickets.Ticket) (*tickets.Change, error)) (*tickets.Ticket, error) {
	return c.modify(ctx, "erase", id, fn, func(ctx context.Context, tx DB, before *tickets.Ticket) error {
		// The built-in web chat keeps its group chats' messages itself:
		// those of every chat the ticket had (each Start Chat's event
		// names one) go too.
		if before.Platform == "web" {
			chats := []any{before.GroupChat}
			evs, err := QueryEvents(ctx, tx, "ticket_id = ? AND kind = ?", id, "start")
			if err != nil {
				return err
			}
			for _, ev := range evs {
				chats = append(chats, ev.Detail)
			}
			if _, err := tx.Exec(ctx, `DELETE FROM web_messages WHERE chat IN (`+placeholders(len(chats))+`)`, chats...); err != nil {
				return fmt.Errorf("erase web chat messages: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM messages WHERE ticket_id = ?`, id); err != nil {
			return fmt.Errorf("erase messages: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM attachments WHERE ticket_id = ?`, id); err != nil {
			return fmt.Errorf("erase attachments: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE events SET detail = '' WHERE ticket_id = ?`, id); err != nil {
			return fmt.Errorf("erase event details: %w", err)
		}
		return nil
	})
}

// modify is Update's transaction; also, if not nil, runs before the change
// is written (Erase deletes the content there).
func (c *Core) modify(ctx context.Context, verb string, id int64, fn func(t *tickets.Ticket) (*tickets.Change, error),
	also func(ctx context.Context, tx DB, before *tickets.Ticket) error) (*tickets.Ticket, error) {
	var out *tickets.Ticket
	var fnErr error
	err := c.Write(ctx, func(tx DB) error {
		t, err := c.getTicket(ctx, tx, "id = ?"+tx.Dialect().ForUpdate, id)
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
		if also != nil {
			if err := also(ctx, tx, before); err != nil {
				return err
			}
		}
		out, err = c.update(ctx, tx, id, before, t, ch)
		return err
	})
	switch {
	case err == nil:
		return out, nil
	case fnErr != nil && errors.Is(err, fnErr):
		return nil, fnErr // unchanged, as the contract says
	case errs.Code(err) != errs.EINTERNAL:
		return nil, err
	}
	return nil, fmt.Errorf("%s ticket %d: %w", verb, id, err)
}

func (c *Core) update(ctx context.Context, tx DB, id int64, before, t *tickets.Ticket, ch *tickets.Change) (*tickets.Ticket, error) {
	t.ID = id
	t.NormalizeTimes()
	ev := ch.Event
	ev.TicketID = id
	if ev.At.IsZero() {
		ev.At = c.now()
	}
	ev.At = ev.At.UTC()
	t.UpdatedAt = ev.At
	row, err := newTicketRow(t)
	if err != nil {
		return nil, err
	}
	query, args := updateTicket(id, before, row)
	_, err = tx.Exec(ctx, query, args...)
	if errors.Is(err, ErrUnique) {
		return nil, errs.Errorf(errs.ECONFLICT, "another ticket already has the key %s", t.Key)
	}
	if err != nil {
		return nil, err
	}
	if err := insertEvent(ctx, tx, &ev); err != nil {
		return nil, err
	}
	if !slices.Equal(before.Cards, t.Cards) {
		if err := writeCards(ctx, tx, id, t.Cards); err != nil {
			return nil, err
		}
	}
	if !slices.Equal(before.Form, t.Form) {
		if err := writeForm(ctx, tx, id, t.Form); err != nil {
			return nil, err
		}
	}
	if !slices.Equal(before.Tags, t.Tags) {
		if err := writeTags(ctx, tx, id, t.Tags); err != nil {
			return nil, err
		}
	}
	if ch.Message != nil {
		m := *ch.Message
		m.TicketID = id
		if m.At.IsZero() {
			m.At = ev.At
		}
		if err := insertMessage(ctx, tx, &m); err != nil {
			if errors.Is(err, ErrUnique) {
				return nil, errs.Errorf(errs.ECONFLICT, "Message %s is already recorded on %s.", m.PlatformID, t.Key)
			}
			return nil, err
		}
	}
	return t, nil
}

// ListCond is the WHERE condition (with ORDER BY and LIMIT) and its
// arguments that select the tickets matching f, oldest first. Since is
// inclusive and Until exclusive, both on CreatedAt.
func ListCond(f tickets.Filter) (string, []any) {
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
	if f.Requester != nil || len(f.Requesters) > 0 {
		who := f.Requesters
		if f.Requester != nil {
			who = append([]tickets.Person{*f.Requester}, who...)
		}
		var any []string
		for _, p := range who {
			any = append(any, "(requester_platform = ? AND requester_id = ?)")
			args = append(args, p.Platform, p.ID)
		}
		where = append(where, "("+strings.Join(any, " OR ")+")")
	}
	if f.Tag != "" {
		where = append(where, "id IN (SELECT ticket_id FROM ticket_tags WHERE tag = ?)")
		args = append(args, f.Tag)
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
	return cond, args
}

// List returns the tickets matching f, oldest first.
func (c *Core) List(ctx context.Context, f tickets.Filter) ([]*tickets.Ticket, error) {
	cond, args := ListCond(f)
	ts, err := c.listTickets(ctx, c.Read, cond, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	return ts, nil
}

// Queue returns the desk's open tickets, highest priority first, then oldest.
func (c *Core) Queue(ctx context.Context, desk string) ([]*tickets.Ticket, error) {
	ts, err := c.listTickets(ctx, c.Read, "desk = ? AND status = ? ORDER BY priority DESC, created_at, id",
		desk, string(tickets.StatusOpen))
	if err != nil {
		return nil, fmt.Errorf("queue of desk %s: %w", desk, err)
	}
	return ts, nil
}

// Loads returns, for every agent who has or had a ticket of the desk, the
// number of tickets they are working on (assigned, in service, or snoozed
// from one of those) and when they were last assigned one. It reads index
// entries only (schema version 10), a few seeks per agent: the agents are
// found by skipping from one assignee to the next, each one's open count
// from its working statuses and its last assignment from the end of its
// range, however many tickets the desk assigned before.
func (c *Core) Loads(ctx context.Context, desk string) (map[string]tickets.AgentLoad, error) {
	rows, err := c.Read.Query(ctx, `WITH RECURSIVE agents (name) AS (
			SELECT MIN(assignee) FROM tickets WHERE desk = ? AND assignee > ''
			UNION ALL
			SELECT (SELECT MIN(assignee) FROM tickets WHERE desk = ? AND assignee > agents.name)
			FROM agents WHERE agents.name IS NOT NULL)
		SELECT name,
			(SELECT COUNT(*) FROM tickets WHERE desk = ? AND assignee = agents.name
				AND status IN ('assigned', 'in_service', 'snoozed')
				AND (status <> 'snoozed' OR prev_status IN ('assigned', 'in_service'))),
			(SELECT COALESCE(MAX(assigned_at), 0) FROM tickets WHERE desk = ? AND assignee = agents.name)
		FROM agents WHERE name IS NOT NULL`, desk, desk, desk, desk)
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
		loads[agent] = tickets.AgentLoad{Open: int(open), LastAssigned: FromNanos(last)}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loads of desk %s: %w", desk, err)
	}
	return loads, nil
}

// Events returns the ticket's audit events, oldest first.
func (c *Core) Events(ctx context.Context, ticketID int64) ([]tickets.Event, error) {
	evs, err := QueryEvents(ctx, c.Read, "ticket_id = ?", ticketID)
	if err != nil {
		return nil, fmt.Errorf("events of ticket %d: %w", ticketID, err)
	}
	return evs, nil
}

// QueryEvents returns the events matching cond, in id order.
func QueryEvents(ctx context.Context, db DB, cond string, args ...any) ([]tickets.Event, error) {
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
		e.At, e.Actor.Role, e.Source = FromNanos(at), tickets.ActorRole(role), tickets.Source(src)
		evs = append(evs, e)
	}
	return evs, rows.Err()
}

// Messages returns the ticket's transcript and notes, oldest first.
func (c *Core) Messages(ctx context.Context, ticketID int64) ([]tickets.Message, error) {
	ms, err := QueryMessages(ctx, c.Read, "ticket_id = ?", ticketID)
	if err != nil {
		return nil, fmt.Errorf("messages of ticket %d: %w", ticketID, err)
	}
	return ms, nil
}

// QueryMessages returns the messages matching cond, in id order.
func QueryMessages(ctx context.Context, db DB, cond string, args ...any) ([]tickets.Message, error) {
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
		m.Kind, m.Author.Role, m.At = tickets.MessageKind(kind), tickets.ActorRole(role), FromNanos(at)
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

func insertEvent(ctx context.Context, db DB, e *tickets.Event) error {
	err := db.QueryRow(ctx, `INSERT INTO events (ticket_id, at, kind, actor_role, actor_platform, actor_id,
		actor_name, source, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.TicketID, Nanos(e.At), e.Kind, string(e.Actor.Role), e.Actor.Platform, e.Actor.ID, e.Actor.Name,
		string(e.Source), e.Detail).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("insert %s event: %w", e.Kind, err)
	}
	return nil
}

// insertMessage returns the driver's error unwrapped so the caller can spot a repeat.
func insertMessage(ctx context.Context, db DB, m *tickets.Message) error {
	return db.QueryRow(ctx, `INSERT INTO messages (ticket_id, kind, platform_id, author_role,
		author_platform, author_id, author_name, text, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.TicketID, string(m.Kind), m.PlatformID, string(m.Author.Role), m.Author.Platform, m.Author.ID,
		m.Author.Name, m.Text, Nanos(m.At.UTC())).Scan(&m.ID)
}

// getTicket returns the one ticket matching cond, or ENOTFOUND.
func (c *Core) getTicket(ctx context.Context, db DB, cond string, args ...any) (*tickets.Ticket, error) {
	return getTicket(ctx, db, &c.decoded, cond, args...)
}

func getTicket(ctx context.Context, db DB, memo *decodeMemo, cond string, args ...any) (*tickets.Ticket, error) {
	var id int64
	var data []byte
	err := db.QueryRow(ctx, `SELECT id, data FROM tickets WHERE `+cond, args...).Scan(&id, &data)
	if errors.Is(err, ErrNoRows) {
		return nil, errs.Errorf(errs.ENOTFOUND, "No such ticket (%v).", describe(args))
	}
	if err != nil {
		return nil, fmt.Errorf("get ticket (%v): %w", describe(args), err)
	}
	return memo.decode(id, data)
}

// listTickets returns the tickets matching cond (which may order and limit).
func (c *Core) listTickets(ctx context.Context, db DB, cond string, args ...any) ([]*tickets.Ticket, error) {
	return listTickets(ctx, db, &c.decoded, cond, args...)
}

func listTickets(ctx context.Context, db DB, memo *decodeMemo, cond string, args ...any) ([]*tickets.Ticket, error) {
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
		t, err := memo.decode(id, data)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// maxDecoded bounds the decoded tickets kept (a few KB each).
const maxDecoded = 512

// decodeMemo keeps the last decoding of recently read tickets: reading the
// same JSON model again yields a copy of it instead of a new decoding (the
// most allocations of an event). It is keyed by the exact bytes, so it can
// never hand out an old version, whoever wrote the row (another replica
// too). A nil memo decodes every time.
type decodeMemo struct {
	mu sync.Mutex
	m  map[int64]decodedTicket
}

type decodedTicket struct {
	data string
	t    *tickets.Ticket
}

func (d *decodeMemo) decode(id int64, data []byte) (*tickets.Ticket, error) {
	if d != nil {
		d.mu.Lock()
		e, ok := d.m[id]
		d.mu.Unlock()
		if ok && e.data == string(data) {
			return e.t.Clone(), nil
		}
	}
	t, err := decodeTicket(id, data)
	if err != nil || d == nil {
		return t, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = make(map[int64]decodedTicket)
	}
	if _, ok := d.m[id]; !ok && len(d.m) >= maxDecoded {
		for k := range d.m { // drop one at random
			delete(d.m, k)
			break
		}
	}
	d.m[id] = decodedTicket{data: string(data), t: t.Clone()}
	return t, nil
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

// EventsAfter returns up to limit audit events of every ticket with an id
// above after, in id order: the change feed the Ticket Center's live
// updates read.
func (c *Core) EventsAfter(ctx context.Context, after int64, limit int) ([]tickets.Event, error) {
	evs, err := QueryEvents(ctx, c.Read, "id IN (SELECT id FROM events WHERE id > ? ORDER BY id LIMIT ?)", after, limit)
	if err != nil {
		return nil, fmt.Errorf("events after %d: %w", after, err)
	}
	return evs, nil
}

// LastEventID returns the highest audit event id (0 if there is none).
func (c *Core) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	if err := c.Read.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&id); err != nil {
		return 0, fmt.Errorf("last event id: %w", err)
	}
	return id, nil
}
