package postgres

import (
	"context"
	"fmt"

	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
	"github.com/helpdesk-chat/helpdesk/webchat"
)

// Feed returns every web chat change after a point, for all viewers.
func (s *Store) Feed(ctx context.Context, after int64, limit int) ([]webchat.Message, []webchat.Chat, error) {
	if limit <= 0 {
		limit = 200
	}
	ms, err := sqlcore.WebMessages(ctx, coreDB{s.pool}, `SELECT id, chat, viewer, body, created, updated, seq
		FROM web_messages WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("web change feed after %d: %w", after, err)
	}
	cs, err := s.chats(ctx, `WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("web change feed after %d: %w", after, err)
	}
	return ms, cs, nil
}
