package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
)

// dialect: one writer connection, so rows need no lock; LIKE ignores ASCII case.
var dialect = sqlcore.Dialect{ForUpdate: "", ILike: "LIKE"}

// dbtx is what coreDB needs of a *sql.DB or *sql.Tx.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// coreDB shows a *sql.DB or *sql.Tx to sqlcore, translating errors.
type coreDB struct{ db dbtx }

var _ sqlcore.DB = coreDB{}

func (d coreDB) Dialect() sqlcore.Dialect { return dialect }

func (d coreDB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := d.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}

func (d coreDB) Query(ctx context.Context, query string, args ...any) (sqlcore.Rows, error) {
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	return coreRows{rows}, nil
}

func (d coreDB) QueryRow(ctx context.Context, query string, args ...any) sqlcore.Row {
	return coreRow{d.db.QueryRowContext(ctx, query, args...)}
}

type coreRow struct{ row *sql.Row }

func (r coreRow) Scan(dest ...any) error { return translate(r.row.Scan(dest...)) }

type coreRows struct{ *sql.Rows }

func (r coreRows) Close() { r.Rows.Close() }

func translate(err error) error {
	return sqlcore.Translate(err, errors.Is(err, sql.ErrNoRows), isUnique(err))
}

// writeTx runs fn in a transaction on the one writer connection.
func (s *Store) writeTx(ctx context.Context, fn func(tx sqlcore.DB) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(coreDB{tx}); err != nil {
		return err
	}
	return tx.Commit()
}
