package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
)

// Dump reads everything the store holds in one read transaction (a
// consistent snapshot while the bot keeps running), for copying the help desk
// to another store. It holds the whole data set in memory.
func (s *Store) Dump(ctx context.Context) (*tickets.Snapshot, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	defer tx.Rollback()
	return sqlcore.Dump(ctx, coreDB{tx})
}

// Backup writes a consistent copy of the database to path (VACUUM INTO),
// while the bot keeps running; it takes the writer connection (the read
// connections are query-only), so writes wait until it is done. path must
// not exist yet.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := s.write.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	return nil
}
