package sqlcore

import (
	"context"
	"fmt"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/webchat"
)

// LastSeq returns the web chat's change counter.
func (c *Core) LastSeq(ctx context.Context) (int64, error) {
	var n int64
	if err := c.Read.QueryRow(ctx, `SELECT n FROM web_seq`).Scan(&n); err != nil {
		return 0, fmt.Errorf("web change counter: %w", err)
	}
	return n, nil
}

// Message returns one message of a chat.
func (c *Core) Message(ctx context.Context, chat string, id int64) (webchat.Message, error) {
	ms, err := WebMessages(ctx, c.Read, `SELECT id, chat, viewer, body, created, updated, seq
		FROM web_messages WHERE chat = ? AND id = ?`, chat, id)
	if err != nil {
		return webchat.Message{}, fmt.Errorf("get web message %d: %w", id, err)
	}
	if len(ms) == 0 {
		return webchat.Message{}, errs.Errorf(errs.ENOTFOUND, "No message %d in chat %s.", id, chat)
	}
	return ms[0], nil
}

// History returns the newest messages of a chat that viewer may see, oldest first.
func (c *Core) History(ctx context.Context, chat, viewer string, before int64, limit int) ([]webchat.Message, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	if limit <= 0 {
		limit = 100
	}
	ms, err := WebMessages(ctx, c.Read, `SELECT id, chat, viewer, body, created, updated, seq FROM (
		SELECT * FROM web_messages WHERE chat = ? AND (viewer = '' OR viewer = ?) AND id < ?
		ORDER BY id DESC LIMIT ?) AS newest ORDER BY id`, chat, viewer, before, limit)
	if err != nil {
		return nil, fmt.Errorf("web history of %s: %w", chat, err)
	}
	return ms, nil
}

// WebMessages returns the web chat messages a query selects (id, chat,
// viewer, body, created, updated, seq).
func WebMessages(ctx context.Context, db DB, query string, args ...any) ([]webchat.Message, error) {
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webchat.Message
	for rows.Next() {
		var m webchat.Message
		var created, updated int64
		if err := rows.Scan(&m.ID, &m.Chat, &m.Viewer, &m.Body, &created, &updated, &m.Seq); err != nil {
			return nil, err
		}
		m.Created, m.Updated = FromNanos(created), FromNanos(updated)
		out = append(out, m)
	}
	return out, rows.Err()
}
