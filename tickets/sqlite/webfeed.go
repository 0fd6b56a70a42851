package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
	"github.com/helpdesk-chat/helpdesk/webchat"
)

// Feed returns every web chat change after a point, for all viewers.
func (s *Store) Feed(ctx context.Context, after int64, limit int) ([]webchat.Message, []webchat.Chat, error) {
	if limit <= 0 {
		limit = 200
	}
	// The limit is part of the text: SQLite prepares a statement again
	// whenever a LIMIT parameter is bound anew.
	lim := " LIMIT " + strconv.Itoa(limit)
	ms, err := sqlcore.WebMessages(ctx, s.core.Read, `SELECT id, chat, viewer, body, created, updated, seq
		FROM web_messages WHERE seq > ? ORDER BY seq`+lim, after)
	if err != nil {
		return nil, nil, fmt.Errorf("web change feed after %d: %w", after, err)
	}
	// Looked at after the messages were read: a chat change numbered below
	// any message read has set it already (see chatChanging).
	if s.chatSeq.Load() <= after {
		return ms, nil, nil
	}
	cs, err := s.chats(ctx, `WHERE seq > ? ORDER BY seq`+lim, after)
	if err != nil {
		return nil, nil, fmt.Errorf("web change feed after %d: %w", after, err)
	}
	return ms, cs, nil
}

// Most changes are messages; group chats change a few times per ticket.
// The feed reads the chats only when one changed after its cursor: chatSeq
// is at least the change number of every group chat change committed (or
// about to be). Every such write goes through this Store (SQLite is the
// store of one helpdesk process). A chat write sets it inside its
// transaction, before the commit: a message numbered after the chat change
// is written only after that commit (one writer), so a feed that has read
// such a message sees chatSeq raised when it looks after reading.
type chatSeq struct{ atomic.Int64 }

// chatChanging notes a group chat change numbered seq (in its transaction).
func (s *Store) chatChanging(seq int64) {
	for {
		cur := s.chatSeq.Load()
		if cur >= seq || s.chatSeq.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// loadChatSeq reads the highest change number of the group chats (Open).
func (s *Store) loadChatSeq(ctx context.Context) error {
	var n int64
	if err := s.core.Read.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM web_chats`).Scan(&n); err != nil {
		return fmt.Errorf("web chats change number: %w", err)
	}
	s.chatChanging(n)
	return nil
}
