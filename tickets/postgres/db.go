package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
)

// dialect: several replicas write, so Update locks the ticket's row.
var dialect = sqlcore.Dialect{ForUpdate: " FOR UPDATE", ILike: "ILIKE"}

// dbtx is what coreDB needs of a pool or a transaction.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// coreDB shows a pool or transaction to sqlcore: it numbers the '?'
// placeholders, removes the NUL bytes PostgreSQL text cannot hold from
// string arguments, and translates errors.
type coreDB struct{ db dbtx }

var _ sqlcore.DB = coreDB{}

func (d coreDB) Dialect() sqlcore.Dialect { return dialect }

func (d coreDB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := d.db.Exec(ctx, sqlcore.Rebind(query), clean(args)...)
	if err != nil {
		return 0, translate(err)
	}
	return tag.RowsAffected(), nil
}

func (d coreDB) Query(ctx context.Context, query string, args ...any) (sqlcore.Rows, error) {
	rows, err := d.db.Query(ctx, sqlcore.Rebind(query), clean(args)...)
	if err != nil {
		return nil, translate(err)
	}
	return coreRows{rows}, nil
}

func (d coreDB) QueryRow(ctx context.Context, query string, args ...any) sqlcore.Row {
	return coreRow{d.db.QueryRow(ctx, sqlcore.Rebind(query), clean(args)...)}
}

type coreRow struct{ row pgx.Row }

func (r coreRow) Scan(dest ...any) error { return translate(r.row.Scan(dest...)) }

type coreRows struct{ pgx.Rows }

func (r coreRows) Err() error { return translate(r.Rows.Err()) }

func clean(args []any) []any {
	out := args
	for i, a := range args {
		if s, ok := a.(string); ok && s != txt(s) {
			if &out[0] == &args[0] {
				out = append([]any(nil), args...)
			}
			out[i] = txt(s)
		}
	}
	return out
}

func translate(err error) error {
	return sqlcore.Translate(err, errors.Is(err, pgx.ErrNoRows), isUnique(err))
}

// writeTx runs fn in a transaction, retried as inTx says.
func (s *Store) writeTx(ctx context.Context, fn func(tx sqlcore.DB) error) error {
	return s.inTx(ctx, func(tx pgx.Tx) error { return fn(coreDB{tx}) })
}
