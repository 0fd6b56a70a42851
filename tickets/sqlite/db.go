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
	// detached: the transaction holds other callers' writes too (group.go),
	// so a caller that gives up must not interrupt its statement (SQLite
	// would roll the whole transaction back).
	detached bool
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
	if d.detached {
		ctx = context.WithoutCancel(ctx)
	}
	if st := d.stmt(ctx, query); st != nil {
		return execResult(st.ExecContext(ctx, args...))
	}
	return d.coreDB.Exec(ctx, query, args...)
}

func (d stmtDB) Query(ctx context.Context, query string, args ...any) (sqlcore.Rows, error) {
	if d.detached {
		ctx = context.WithoutCancel(ctx)
	}
	if st := d.stmt(ctx, query); st != nil {
		return queryRows(st.QueryContext(ctx, args...))
	}
	return d.coreDB.Query(ctx, query, args...)
}

func (d stmtDB) QueryRow(ctx context.Context, query string, args ...any) sqlcore.Row {
	if d.detached {
		ctx = context.WithoutCancel(ctx)
	}
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
	if err == nil {
		return nil
	}
	return sqlcore.Translate(err, errors.Is(err, sql.ErrNoRows), isUnique(err))
}

// writeTx runs fn in a transaction on the one writer connection, committed
// with the writes queued meanwhile (group.go).
func (s *Store) writeTx(ctx context.Context, fn func(tx sqlcore.DB) error) error {
	return s.groupTx(ctx, fn)
}

// writeSyncedTx is writeTx for a transaction that must survive a power
// loss once committed (a new ticket: the user is told its key). The
// database runs with synchronous=NORMAL: in WAL mode a commit then survives
// a crash of the process but is flushed to the disk only at the next
// checkpoint. For this transaction alone the writer connection is switched
// to FULL, which syncs the write-ahead log at commit (and with it every
// earlier commit). SQLite refuses that switch inside a transaction, so the
// connection is held from before the transaction until it is back on NORMAL.
func (s *Store) writeSyncedTx(ctx context.Context, fn func(tx sqlcore.DB) error) error {
	var missed []string
	err := s.runSyncedTx(ctx, &missed, fn)
	s.prepareMissed(ctx, missed)
	return err
}

func (s *Store) runSyncedTx(ctx context.Context, missed *[]string, fn func(tx sqlcore.DB) error) error {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
		return err
	}
	err = s.runTx(ctx, conn, missed, fn)
	// Left on FULL, later commits would be slower, never less safe.
	if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = NORMAL`); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// beginner is a *sql.DB or a *sql.Conn.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

func (s *Store) runTx(ctx context.Context, db beginner, missed *[]string, fn func(tx sqlcore.DB) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(stmtDB{coreDB: coreDB{tx}, stmts: s.wstmts, tx: tx, missed: missed}); err != nil {
		return err
	}
	return tx.Commit()
}

// prepareMissed prepares what a transaction ran as text, once the writer
// connection is free again.
func (s *Store) prepareMissed(ctx context.Context, missed []string) {
	for _, q := range missed {
		s.wstmts.prepare(ctx, q)
	}
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
	if full || !cacheable(query) {
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

// cacheable reports whether query may be kept prepared: one statement that
// reads or writes rows. Not a script of several, and not a PRAGMA: SQLite
// applies some of those (synchronous) when it prepares them.
func cacheable(query string) bool {
	if strings.Contains(query, ";") {
		return false
	}
	words := strings.Fields(query)
	if len(words) == 0 {
		return false
	}
	switch strings.ToUpper(words[0]) {
	case "SELECT", "INSERT", "UPDATE", "DELETE", "WITH":
		return true
	}
	return false
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
