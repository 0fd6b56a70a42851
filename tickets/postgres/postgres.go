package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
)

// LatestVersion is the schema version this build creates and understands;
// it is the same for both stores (see internal/sqlcore).
const LatestVersion = sqlcore.LatestVersion

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is a tickets.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool

	mu   sync.Mutex
	held map[*heldLock]struct{} // ClusterLock connections not yet given back

	*core // the SQL shared with tickets/sqlite
	now   func() time.Time
	// heard, when set (tests), learns of every notification the web chat
	// watcher reads, before it signals one that is ours.
	heard func(payload string, ours bool)

	closeOnce sync.Once
}

// core is sqlcore.Core under a name that keeps the embedded field unexported.
type core = sqlcore.Core

var _ tickets.Store = (*Store)(nil)

// Option changes how Open sets up a store.
type Option func(*Store)

// WithClock makes the store take the time it needs (a ticket created without
// a time, sweeps of expired sign-in links and sessions) from now instead of
// the wall clock.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// IsDSN reports whether a store setting names a PostgreSQL database
// ("postgres://..." or "postgresql://...").
func IsDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to the database at dsn (a postgres:// URL or a key=value
// connection string; pool_max_conns and search_path are honoured; without
// pool_max_conns the pool takes a share of the connections the server has
// free, see poolSize) and brings
// its schema up to LatestVersion. It refuses a database whose schema is newer
// than this build knows. Replicas starting together apply each migration once.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	s, err := connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		o(s)
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open postgres store %s: %w", redact(dsn), err)
	}
	return s, nil
}

func connect(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the password; say only what was wrong.
		return nil, fmt.Errorf("open postgres store %s: invalid connection string", redact(dsn))
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = poolSize(ctx, cfg.ConnConfig) // a share of what the server has free (pool.go)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store %s: %w", redact(dsn), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store %s: %w", redact(dsn), err)
	}
	s := &Store{pool: pool, now: time.Now}
	pdb := coreDB{pool}
	s.core = &sqlcore.Core{Read: pdb, Writer: pdb, Write: s.writeTx, Now: func() time.Time { return s.now() }}
	return s, nil
}

// Redact returns dsn without its password, for error messages and logs.
func Redact(dsn string) string { return redact(dsn) }

func redact(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return "(connection string)"
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return dsn
	}
	user, _, _ := strings.Cut(rest[:at], ":")
	return scheme + "://" + user + "@" + rest[at+1:]
}

// Close releases the cluster locks this store holds and closes the
// connection pool. It may be called more than once, and on a nil *Store
// (an Open that failed), where it does nothing.
func (s *Store) Close() error {
	if s == nil || s.pool == nil {
		return nil
	}
	s.closeOnce.Do(func() {
		s.dropLocks()
		s.pool.Close()
	})
	return nil
}

// SchemaVersion returns the highest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// Migrate applies the pending migrations, each in its own transaction, under
// an advisory lock so that replicas starting at once apply each one once. It
// refuses a schema newer than LatestVersion.
func (s *Store) Migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended(current_schema() || ':helpdesk-migrate', 0))`); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even if ctx was cancelled.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock(hashtextextended(current_schema() || ':helpdesk-migrate', 0))`); err != nil {
			conn.Conn().Close(uctx) // closing the session drops its locks
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at BIGINT  NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	ms, err := sqlcore.Pending(migrationFiles, "migrations/*.sql", current)
	if err != nil {
		return err
	}
	for _, m := range ms {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
				m.Version, s.now().UTC().UnixNano())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// inTx runs fn in a transaction and commits it. Serialization failures and
// deadlocks (which PostgreSQL resolves by aborting one side) are retried
// from the start, so fn must be safe to run again.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := range 8 {
		err = pgx.BeginFunc(ctx, s.pool, fn)
		if !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return err
}

// SQLSTATE codes the store branches on.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// isUnique reports whether err is a unique (or primary key) violation.
func isUnique(err error) bool { return pgCode(err) == codeUniqueViolation }

// constraint returns the name of the constraint err violated, if any.
func constraint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName
	}
	return ""
}

func retryable(err error) bool {
	c := pgCode(err)
	return c == codeSerializationFailure || c == codeDeadlockDetected
}

var nanos, fromNanos = sqlcore.Nanos, sqlcore.FromNanos

// txt removes NUL bytes, which PostgreSQL text cannot hold; everything else
// a user typed is kept as it is.
func txt(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}
