package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"

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
	return execResult(d.db.ExecContext(ctx, query, args...))
}

func (d coreDB) Query(ctx context.Context, query string, args ...any) (sqlcore.Rows, error) {
	return queryRows(d.db.QueryContext(ctx, query, args...))
}

func (d coreDB) QueryRow(ctx context.Context, query string, args ...any) sqlcore.Row {
	return coreRow{d.db.QueryRowContext(ctx, query, args...)}
}

func execResult(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}

func queryRows(rows *sql.Rows, err error) (sqlcore.Rows, error) {
	if err != nil {
		return nil, translate(err)
	}
	return coreRows{rows}, nil
}

// stmtDB is a coreDB that runs each query as a statement prepared once:
// parsing and planning the SQL text was a quarter of an event's CPU time.
type stmtDB struct {
	coreDB
	stmts *stmtCache
	// tx is set inside a write transaction: the cached statements run bound
	// to it, and the queries not cached yet are noted in missed, to be
	// prepared once the transaction has given the one writer connection back.
	tx     *sql.Tx
	missed *[]string
}

var _ sqlcore.DB = stmtDB{}

// stmt returns the prepared statement for query, or nil to run it as text.
func (d stmtDB) stmt(ctx context.Context, query string) *sql.Stmt {
	if d.tx == nil {
		return d.stmts.prepare(ctx, query)
	}
	st := d.stmts.get(query)
	if st == nil {
		*d.missed = append(*d.missed, query)
		return nil
	}
	return d.tx.StmtContext(ctx, st)
}

func (d stmtDB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if st := d.stmt(ctx, query); st != nil {
		return execResult(st.ExecContext(ctx, args...))
	}
	return d.coreDB.Exec(ctx, query, args...)
}

func (d stmtDB) Query(ctx context.Context, query string, args ...any) (sqlcore.Rows, error) {
	if st := d.stmt(ctx, query); st != nil {
		return queryRows(st.QueryContext(ctx, args...))
	}
	return d.coreDB.Query(ctx, query, args...)
}

func (d stmtDB) QueryRow(ctx context.Context, query string, args ...any) sqlcore.Row {
	if st := d.stmt(ctx, query); st != nil {
		return coreRow{st.QueryRowContext(ctx, args...)}
	}
	return d.coreDB.QueryRow(ctx, query, args...)
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
	var missed []string
	err := s.runWriteTx(ctx, &missed, fn)
	// The connection is free again: prepare what the transaction ran as text.
	for _, q := range missed {
		s.wstmts.prepare(ctx, q)
	}
	return err
}

func (s *Store) runWriteTx(ctx context.Context, missed *[]string, fn func(tx sqlcore.DB) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(stmtDB{coreDB: coreDB{tx}, stmts: s.wstmts, tx: tx, missed: missed}); err != nil {
		return err
	}
	return tx.Commit()
}

// maxCachedStmts bounds the statements kept per pool: the queries are the
// code's own shapes, but a list filter with n values is a shape per n.
const maxCachedStmts = 256

// stmtCache keeps one prepared statement per query text of a *sql.DB
// (database/sql prepares it again on each connection that runs it). It
// changes no result: SQLite prepares a statement again by itself when the
// schema changed under it.
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	closed bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// prepare returns the cached statement for query, preparing it on the pool
// if there is room; nil (run it as text) if it cannot or should not be kept.
// The caller must not hold the pool's only connection.
func (c *stmtCache) prepare(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.m[query]
	full := c.closed || len(c.m) >= maxCachedStmts
	c.mu.Unlock()
	if ok {
		return st
	}
	// A script of several statements is not one prepared statement.
	if full || strings.Contains(query, ";") {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the query itself reports the error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok || c.closed {
		st.Close()
		return prev
	}
	c.m[query] = st
	return st
}

// Close closes the cached statements; later queries run as text.
func (c *stmtCache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	for q, st := range c.m {
		err = errors.Join(err, st.Close())
		delete(c.m, q)
	}
	c.closed = true
	return err
}
