package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
	"github.com/helpdesk-chat/helpdesk/webchat"
)

var _ webchat.Store = (*Store)(nil)

// nextSeq takes the next number of the web chat's change counter.
func nextSeq(ctx context.Context, tx sqlcore.DB) (int64, error) {
	var n int64
	err := tx.QueryRow(ctx, `UPDATE web_seq SET n = n + 1 RETURNING n`).Scan(&n)
	return n, err
}

// AddMessage stores a web chat message.
func (s *Store) AddMessage(ctx context.Context, chat, viewer string, body []byte, at time.Time) (webchat.Message, error) {
	m := webchat.Message{Chat: chat, Viewer: viewer, Body: body, Created: at.UTC(), Updated: at.UTC()}
	err := s.writeTx(ctx, func(tx sqlcore.DB) error {
		var err error
		if m.Seq, err = nextSeq(ctx, tx); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO web_messages (chat, viewer, body, created, updated, seq)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, chat, viewer, string(body), nanos(at), nanos(at), m.Seq).Scan(&m.ID)
	})
	if err != nil {
		return webchat.Message{}, fmt.Errorf("add web message to %s: %w", chat, err)
	}
	return m, nil
}

// UpdateMessage replaces a message's body.
func (s *Store) UpdateMessage(ctx context.Context, chat string, id int64, body []byte, at time.Time) (webchat.Message, error) {
	var m webchat.Message
	err := s.writeTx(ctx, func(tx sqlcore.DB) error {
		seq, err := nextSeq(ctx, tx)
		if err != nil {
			return err
		}
		var created, updated int64
		err = tx.QueryRow(ctx, `UPDATE web_messages SET body = ?, updated = ?, seq = ?
			WHERE chat = ? AND id = ? RETURNING id, chat, viewer, body, created, updated, seq`,
			string(body), nanos(at), seq, chat, id).Scan(&m.ID, &m.Chat, &m.Viewer, &m.Body, &created, &updated, &m.Seq)
		if errors.Is(err, sqlcore.ErrNoRows) {
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
	err := s.writeTx(ctx, func(tx sqlcore.DB) error {
		var err error
		if c.Seq, err = nextSeq(ctx, tx); err != nil {
			return err
		}
		s.chatChanging(c.Seq)
		if _, err := tx.Exec(ctx, `INSERT INTO web_chats (id, name, title, topic, archived, created, seq)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Name, c.Title, c.Topic, c.Archived, nanos(c.Created), c.Seq); err != nil {
			if errors.Is(err, sqlcore.ErrUnique) {
				return errs.Errorf(errs.ECONFLICT, "Chat %s exists already.", c.ID)
			}
			return err
		}
		for _, u := range c.Members {
			if _, err := tx.Exec(ctx, `INSERT INTO web_members (chat, user_id) VALUES (?, ?)
				ON CONFLICT DO NOTHING`, c.ID, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return webchat.Chat{}, fmt.Errorf("create web chat %s: %w", c.ID, err)
	}
	c.Created = c.Created.UTC()
	return c, nil
}

// Chat returns a group chat with its members.
func (s *Store) Chat(ctx context.Context, id string) (webchat.Chat, error) {
	cs, err := s.chats(ctx, `WHERE id = ?`, id)
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
	if err := s.changeMembers(ctx, chat, `INSERT INTO web_members (chat, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, user); err != nil {
		return fmt.Errorf("add %s to web chat %s: %w", user, chat, err)
	}
	return nil
}

// RemoveMember takes a user out of a group chat.
func (s *Store) RemoveMember(ctx context.Context, chat, user string) error {
	if err := s.changeMembers(ctx, chat, `DELETE FROM web_members WHERE chat = ? AND user_id = ?`, user); err != nil {
		return fmt.Errorf("remove %s from web chat %s: %w", user, chat, err)
	}
	return nil
}

// changeMembers runs stmt (chat, user) on a chat's members, in the
// transaction that marks the chat changed for the feed.
func (s *Store) changeMembers(ctx context.Context, chat, stmt, user string) error {
	return s.writeTx(ctx, func(tx sqlcore.DB) error {
		seq, err := nextSeq(ctx, tx)
		if err != nil {
			return err
		}
		s.chatChanging(seq)
		n, err := tx.Exec(ctx, `UPDATE web_chats SET seq = ? WHERE id = ?`, seq, chat)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.Errorf(errs.ENOTFOUND, "No chat %s.", chat)
		}
		_, err = tx.Exec(ctx, stmt, chat, user)
		return err
	})
}

// ArchiveChat marks a group chat archived.
func (s *Store) ArchiveChat(ctx context.Context, chat string) error {
	err := s.writeTx(ctx, func(tx sqlcore.DB) error {
		seq, err := nextSeq(ctx, tx)
		if err != nil {
			return err
		}
		s.chatChanging(seq)
		n, err := tx.Exec(ctx, `UPDATE web_chats SET archived = 1, seq = ? WHERE id = ?`, seq, chat)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.Errorf(errs.ENOTFOUND, "No chat %s.", chat)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("archive web chat %s: %w", chat, err)
	}
	return nil
}

// ChatsOf returns the group chats of a user, newest first.
func (s *Store) ChatsOf(ctx context.Context, user string) ([]webchat.Chat, error) {
	cs, err := s.chats(ctx, `WHERE id IN (SELECT chat FROM web_members WHERE user_id = ?) ORDER BY created DESC, id`, user)
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
	in := "''"
	args := []any{}
	if len(chats) > 0 {
		in = strings.TrimSuffix(strings.Repeat("?,", len(chats)), ",")
		for _, c := range chats {
			args = append(args, c)
		}
	}
	args = append(args, viewer, viewer, after)
	ms, err := sqlcore.WebMessages(ctx, s.core.Read, `SELECT id, chat, viewer, body, created, updated, seq FROM web_messages
		WHERE (chat IN (`+in+`) OR chat IN (SELECT chat FROM web_members WHERE user_id = ?))
		AND (viewer = '' OR viewer = ?) AND seq > ? ORDER BY seq LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, nil, fmt.Errorf("web changes for %s: %w", viewer, err)
	}
	cs, err := s.chats(ctx, `WHERE seq > ? AND id IN (SELECT chat FROM web_members WHERE user_id = ?) ORDER BY seq`, after, viewer)
	if err != nil {
		return nil, nil, fmt.Errorf("web changes for %s: %w", viewer, err)
	}
	return ms, cs, nil
}

// chats lists group chats matching a WHERE clause, with their members.
func (s *Store) chats(ctx context.Context, where string, args ...any) ([]webchat.Chat, error) {
	rows, err := s.core.Read.Query(ctx, `SELECT id, name, title, topic, archived, created, seq,
		COALESCE((SELECT group_concat(user_id, char(10)) FROM (SELECT user_id FROM web_members m
			WHERE m.chat = web_chats.id ORDER BY rowid)), '')
		FROM web_chats `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webchat.Chat
	for rows.Next() {
		var c webchat.Chat
		var created int64
		var members string
		if err := rows.Scan(&c.ID, &c.Name, &c.Title, &c.Topic, &c.Archived, &created, &c.Seq, &members); err != nil {
			return nil, err
		}
		c.Created = fromNanos(created)
		if members != "" {
			c.Members = strings.Split(members, "\n")
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
