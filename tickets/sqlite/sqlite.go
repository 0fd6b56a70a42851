package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/internal/migrations"
	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
)

// LatestVersion is the schema version this build creates and understands;
// it is the same for both stores (see internal/sqlcore).
const LatestVersion = sqlcore.LatestVersion

//go:embed migrations/*.sql
var migrationFiles embed.FS

// busyTimeout is how long a connection waits for another writer's lock.
const busyTimeout = 5 * time.Second

// Store is a tickets.Store on one SQLite database file.
type Store struct {
	write *sql.DB // one connection: SQLite has one writer at a time
	read  *sql.DB // pool for queries outside write transactions
	// statements kept prepared, per pool (db.go)
	wstmts, rstmts *stmtCache
	// copies of what every event reads (memo.go)
	states, checkpoints    stateMemo // checkpoint.go for checkpoints
	presence, deskPresence statusMemo
	identities             identityMemo // identity.go
	chatSeq                chatSeq      // webfeed.go
	sessions               sessionMemo
	group                  groupCommit // group.go

	*core // the SQL shared with tickets/postgres
	now   func() time.Time

	closeOnce sync.Once
	closeErr  error
}

// core is sqlcore.Core under a name that keeps the embedded field unexported.
type core = sqlcore.Core

var _ tickets.Store = (*Store)(nil)

// Option changes how Open sets up a store.
type Option func(*Store)

// WithClock makes the store take the time it needs (a ticket created without
// a time, sweeps of expired sign-in links) from now instead of the wall clock.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// Open opens (creating if needed) the database at dsn, a file path or a
// "file:" URI, and brings its schema up to LatestVersion. It refuses a
// database whose schema is newer than this build knows.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	if dsn == "" {
		return nil, errors.New("open sqlite store: empty database path")
	}
	// The writer and the readers are separate connections: an in-memory
	// database would be a different, empty one for each of them.
	if strings.Contains(dsn, ":memory:") || strings.Contains(dsn, "mode=memory") {
		return nil, fmt.Errorf("open sqlite store %s: in-memory databases are not supported, use a file", dsn)
	}
	writeDSN := withParams(dsn,
		"_pragma=busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")",
		"_pragma=journal_mode(WAL)",
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)",
		"_txlock=immediate",
	)
	readDSN := withParams(dsn,
		"_pragma=busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")",
		"_pragma=foreign_keys(1)",
		"_pragma=query_only(1)",
	)

	write, err := sql.Open("sqlite", writeDSN)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", dsn, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	// The writer opens first: it switches the file to WAL before any reader looks at it.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", dsn, err)
	}

	read, err := sql.Open("sqlite", readDSN)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", dsn, err)
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)

	s := &Store{write: write, read: read, now: time.Now, wstmts: newStmtCache(write), rstmts: newStmtCache(read)}
	for _, o := range opts {
		o(s)
	}
	s.core = &sqlcore.Core{
		Read:        stmtDB{coreDB: coreDB{read}, stmts: s.rstmts},
		Writer:      groupDB{s},
		Write:       s.writeTx,
		WriteSynced: s.writeSyncedTx,
		Now:         s.now,
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", dsn, err)
	}
	if err := s.loadChatSeq(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", dsn, err)
	}
	return s, nil
}

// withParams appends driver parameters to a path or "file:" URI.
func withParams(dsn string, params ...string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + strings.Join(params, "&")
}

// Close closes the database. It may be called more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = errors.Join(s.rstmts.Close(), s.wstmts.Close(), s.read.Close(), s.write.Close())
	})
	return s.closeErr
}

// SchemaVersion returns the highest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	v, err := schemaVersion(ctx, s.read)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func schemaVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// migrate applies the pending migrations, each in its own transaction.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	current, err := schemaVersion(ctx, s.write)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	ms, err := sqlcore.Pending(migrationFiles, "migrations/*.sql", current)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m migrations.Migration) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	// Another process may have applied it while we waited for the lock.
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&done); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if done > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		m.Version, s.now().UTC().UnixNano()); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	return nil
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

var nanos, fromNanos = sqlcore.Nanos, sqlcore.FromNanos
