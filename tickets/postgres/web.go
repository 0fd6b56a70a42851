package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
	"github.com/helpdesk-chat/helpdesk/webchat"
)

var (
	_ webchat.Store    = (*Store)(nil)
	_ webchat.Notifier = (*Store)(nil)
)

// WebChannel is the NOTIFY channel on which every web chat change is
// announced, with the payload "<schema>:<seq>".
const WebChannel = "helpdesk_web"

// Each change below is one statement: a first CTE takes the next number of
// the change counter (its row lock queues writers until they commit, so
// numbers become visible in order), the next ones make the change, and the
// final SELECT announces it with pg_notify, which PostgreSQL delivers at
// commit. Holding the counter's lock for one statement, not a transaction
// of several round trips, keeps writers from queueing longer than needed.
const (
	takeSeq  = `s AS (UPDATE web_seq SET n = n + 1 RETURNING n)`
	announce = `pg_notify('` + WebChannel + `', current_schema() || ':' || `
)

// AddMessage stores a web chat message.
func (s *Store) AddMessage(ctx context.Context, chat, viewer string, body []byte, at time.Time) (webchat.Message, error) {
	m := webchat.Message{Chat: txt(chat), Viewer: txt(viewer), Body: body, Created: at.UTC(), Updated: at.UTC()}
	err := s.retry(ctx, func() error {
		return s.pool.QueryRow(ctx, `WITH `+takeSeq+`,
			m AS (INSERT INTO web_messages (chat, viewer, body, created, updated, seq)
				SELECT $1::text, $2::text, $3::bytea, $4::bigint, $4::bigint, n FROM s RETURNING id, seq)
			SELECT m.id, m.seq FROM m, `+announce+`m.seq)`,
			m.Chat, m.Viewer, body, nanos(at)).Scan(&m.ID, &m.Seq)
	})
	if err != nil {
		return webchat.Message{}, fmt.Errorf("add web message to %s: %w", chat, err)
	}
	return m, nil
}

// UpdateMessage replaces a message's body.
func (s *Store) UpdateMessage(ctx context.Context, chat string, id int64, body []byte, at time.Time) (webchat.Message, error) {
	var m webchat.Message
	err := s.retry(ctx, func() error {
		var created, updated int64
		err := s.pool.QueryRow(ctx, `WITH `+takeSeq+`,
			m AS (UPDATE web_messages SET body = $1, updated = $2, seq = s.n FROM s
				WHERE chat = $3 AND id = $4 RETURNING id, chat, viewer, body, created, updated, seq)
			SELECT m.* FROM m, `+announce+`m.seq)`,
			body, nanos(at), txt(chat), id).Scan(&m.ID, &m.Chat, &m.Viewer, &m.Body, &created, &updated, &m.Seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Errorf(errs.ENOTFOUND, "No message %d in chat %s.", id, chat)
		}
		m.Created, m.Updated = fromNanos(created), fromNanos(updated)
		return err
	})
	if err != nil {
		return webchat.Message{}, fmt.Errorf("update web message %d: %w", id, err)
	}
	return m, nil
}

// CreateChat stores a group chat and its members.
func (s *Store) CreateChat(ctx context.Context, c webchat.Chat) (webchat.Chat, error) {
	members := make([]string, len(c.Members))
	for i, u := range c.Members {
		members[i] = txt(u)
	}
	c.ID, c.Name, c.Title, c.Topic = txt(c.ID), txt(c.Name), txt(c.Title), txt(c.Topic)
	err := s.retry(ctx, func() error {
		// The members are inserted in the statement that inserts the chat;
		// their foreign key is checked at its end.
		err := s.pool.QueryRow(ctx, `WITH `+takeSeq+`,
			c AS (INSERT INTO web_chats (id, name, title, topic, archived, created, seq)
				SELECT $1::text, $2::text, $3::text, $4::text, $5::boolean, $6::bigint, n FROM s RETURNING id, seq),
			mem AS (INSERT INTO web_members (chat, user_id)
				SELECT c.id, u.user_id FROM c, unnest($7::text[]) WITH ORDINALITY AS u (user_id, i)
				ORDER BY u.i ON CONFLICT DO NOTHING)
			SELECT c.seq FROM c, `+announce+`c.seq)`,
			c.ID, c.Name, c.Title, c.Topic, c.Archived, nanos(c.Created), members).Scan(&c.Seq)
		if isUnique(err) && constraint(err) == "web_chats_pkey" {
			return errs.Errorf(errs.ECONFLICT, "Chat %s exists already.", c.ID)
		}
		return err
	})
	if err != nil {
		return webchat.Chat{}, fmt.Errorf("create web chat %s: %w", c.ID, err)
	}
	c.Created = c.Created.UTC()
	return c, nil
}

// Chat returns a group chat with its members.
func (s *Store) Chat(ctx context.Context, id string) (webchat.Chat, error) {
	cs, err := s.chats(ctx, `WHERE id = $1`, txt(id))
	if err != nil {
		return webchat.Chat{}, fmt.Errorf("get web chat %s: %w", id, err)
	}
	if len(cs) == 0 {
		return webchat.Chat{}, errs.Errorf(errs.ENOTFOUND, "No chat %s.", id)
	}
	return cs[0], nil
}

// AddMember adds a user to a group chat.
func (s *Store) AddMember(ctx context.Context, chat, user string) error {
	err := s.retry(ctx, func() error {
		var seq int64
		err := s.pool.QueryRow(ctx, `WITH `+takeSeq+`,
			c AS (UPDATE web_chats SET seq = s.n FROM s WHERE id = $1 RETURNING id, seq),
			mem AS (INSERT INTO web_members (chat, user_id) SELECT c.id, $2::text FROM c ON CONFLICT DO NOTHING)
			SELECT c.seq FROM c, `+announce+`c.seq)`, txt(chat), txt(user)).Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Errorf(errs.ENOTFOUND, "No chat %s.", chat)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("add %s to web chat %s: %w", user, chat, err)
	}
	return nil
}

// RemoveMember takes a user out of a group chat.
func (s *Store) RemoveMember(ctx context.Context, chat, user string) error {
	err := s.retry(ctx, func() error {
		var seq int64
		err := s.pool.QueryRow(ctx, `WITH `+takeSeq+`,
			c AS (UPDATE web_chats SET seq = s.n FROM s WHERE id = $1 RETURNING id, seq),
			mem AS (DELETE FROM web_members m USING c WHERE m.chat = c.id AND m.user_id = $2::text)
			SELECT c.seq FROM c, `+announce+`c.seq)`, txt(chat), txt(user)).Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Errorf(errs.ENOTFOUND, "No chat %s.", chat)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("remove %s from web chat %s: %w", user, chat, err)
	}
	return nil
}

// ArchiveChat marks a group chat archived.
func (s *Store) ArchiveChat(ctx context.Context, chat string) error {
	err := s.retry(ctx, func() error {
		var seq int64
		err := s.pool.QueryRow(ctx, `WITH `+takeSeq+`,
			c AS (UPDATE web_chats SET archived = TRUE, seq = s.n FROM s WHERE id = $1 RETURNING seq)
			SELECT c.seq FROM c, `+announce+`c.seq)`, txt(chat)).Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Errorf(errs.ENOTFOUND, "No chat %s.", chat)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("archive web chat %s: %w", chat, err)
	}
	return nil
}

// ChatsOf returns the group chats of a user, newest first.
func (s *Store) ChatsOf(ctx context.Context, user string) ([]webchat.Chat, error) {
	cs, err := s.chats(ctx, `WHERE id IN (SELECT chat FROM web_members WHERE user_id = $1) ORDER BY created DESC, id`, txt(user))
	if err != nil {
		return nil, fmt.Errorf("web chats of %s: %w", user, err)
	}
	return cs, nil
}

// Changes returns what changed after a point for one viewer.
func (s *Store) Changes(ctx context.Context, viewer string, chats []string, after int64, limit int) ([]webchat.Message, []webchat.Chat, error) {
	if limit <= 0 {
		limit = 200
	}
	in := make([]string, len(chats))
	for i, c := range chats {
		in[i] = txt(c)
	}
	viewer = txt(viewer)
	ms, err := sqlcore.WebMessages(ctx, coreDB{s.pool}, `SELECT id, chat, viewer, body, created, updated, seq FROM web_messages
		WHERE (chat = ANY($1::text[]) OR chat IN (SELECT chat FROM web_members WHERE user_id = $2))
		AND (viewer = '' OR viewer = $2) AND seq > $3 ORDER BY seq LIMIT $4`, in, viewer, after, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("web changes for %s: %w", viewer, err)
	}
	cs, err := s.chats(ctx, `WHERE seq > $1 AND id IN (SELECT chat FROM web_members WHERE user_id = $2) ORDER BY seq`, after, viewer)
	if err != nil {
		return nil, nil, fmt.Errorf("web changes for %s: %w", viewer, err)
	}
	return ms, cs, nil
}

// chats lists group chats matching a WHERE clause, with their members.
func (s *Store) chats(ctx context.Context, where string, args ...any) ([]webchat.Chat, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, title, topic, archived, created, seq,
		COALESCE((SELECT array_agg(user_id ORDER BY pos) FROM web_members m WHERE m.chat = web_chats.id), '{}')
		FROM web_chats `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webchat.Chat
	for rows.Next() {
		var c webchat.Chat
		var created int64
		if err := rows.Scan(&c.ID, &c.Name, &c.Title, &c.Topic, &c.Archived, &created, &c.Seq, &c.Members); err != nil {
			return nil, err
		}
		c.Created = fromNanos(created)
		if len(c.Members) == 0 {
			c.Members = nil
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// retry runs one statement again when PostgreSQL aborted it to resolve a
// deadlock or a serialization failure (under a stricter default isolation).
func (s *Store) retry(ctx context.Context, fn func() error) error {
	var err error
	for attempt := range 8 {
		if err = fn(); !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return err
}

// WatchChanges implements webchat.Notifier: it LISTENs on WebChannel on a
// connection of its own (not one of the pool's) and passes on the changes
// of this store's schema. A lost connection is opened again, with growing
// pauses, and a value is sent once it listens again. The channel is closed,
// and the connection too, when ctx ends.
func (s *Store) WatchChanges(ctx context.Context) (<-chan struct{}, error) {
	conn, schema, err := s.listen(ctx)
	if err != nil {
		return nil, fmt.Errorf("watch web chat changes: %w", err)
	}
	ch := make(chan struct{}, 1)
	go s.watch(ctx, conn, schema, ch)
	return ch, nil
}

// listen opens a connection with the pool's settings (search_path included)
// and LISTENs on it.
func (s *Store) listen(ctx context.Context) (*pgx.Conn, string, error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, "", err
	}
	// The name shows operators (and tests) which connection is the listener.
	var schema string
	if err := conn.QueryRow(ctx, `SELECT COALESCE(current_schema(), ''),
		set_config('application_name', 'helpdesk web listener ' || COALESCE(current_schema(), ''), false)`).Scan(&schema, nil); err != nil {
		conn.Close(context.Background())
		return nil, "", err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+WebChannel); err != nil {
		conn.Close(context.Background())
		return nil, "", err
	}
	return conn, schema, nil
}

func (s *Store) watch(ctx context.Context, conn *pgx.Conn, schema string, ch chan<- struct{}) {
	defer close(ch)
	signal := func() {
		select {
		case ch <- struct{}{}:
		default: // one value waiting already says "look again"
		}
	}
	pause := 100 * time.Millisecond
	for {
		n, err := conn.WaitForNotification(ctx)
		if err == nil {
			ours := payloadSchema(n.Payload) == schema
			if s.heard != nil {
				s.heard(n.Payload, ours)
			}
			if ours {
				signal()
			}
			continue
		}
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(cctx)
		cancel()
		for {
			if ctx.Err() != nil {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
			pause = min(2*pause, 5*time.Second)
			if conn, schema, err = s.listen(ctx); err == nil {
				pause = 100 * time.Millisecond
				signal()
				break
			}
		}
	}
}

// payloadSchema returns the schema part of a "<schema>:<seq>" payload.
func payloadSchema(p string) string {
	i := strings.LastIndexByte(p, ':')
	if i < 0 {
		return ""
	}
	if _, err := strconv.ParseInt(p[i+1:], 10, 64); err != nil {
		return ""
	}
	return p[:i]
}
