// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema on the server named by HELPDESK_TEST_POSTGRES, dropped when the test
// ends. Tests that use it fail, never skip, when the server is unreachable:
// CI runs them for real.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultDSN is the server tests use when HELPDESK_TEST_POSTGRES is unset.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PoolConns is the pool size (pool_max_conns) of the connection strings DSN
// and Schema return, unless HELPDESK_TEST_POSTGRES sets one. It is small and
// fixed so that the whole suite, several test binaries at once, stays far
// below the server's max_connections while other clients hold connections
// too; a store waits for a free connection of its pool instead of failing.
// (Each store opened costs at most PoolConns, plus one for a web chat's
// LISTEN.)
const PoolConns = 4

// ServerDSN returns the test server's connection string.
func ServerDSN() string {
	if dsn := os.Getenv("HELPDESK_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return DefaultDSN
}

// DSN creates an empty schema for tb and returns a connection string whose
// search_path is that schema and whose pool has PoolConns connections. The
// schema is dropped at cleanup.
func DSN(tb testing.TB) string {
	tb.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return Schema(tb, "hd_test_"+hex.EncodeToString(b))
}

// Schema creates the named schema if it does not exist and returns a
// connection string using it (with a pool of PoolConns); the schema is
// dropped when tb ends. Tests that reopen a store (the same data set) call it
// with the same name twice.
func Schema(tb testing.TB, schema string) string {
	tb.Helper()
	server := ServerDSN()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := connect(ctx, server)
	if err != nil {
		tb.Fatalf("PostgreSQL for tests is unreachable at %s (set HELPDESK_TEST_POSTGRES): %v", server, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{schema}.Sanitize()); err != nil {
		tb.Fatalf("create test schema %s: %v", schema, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := connect(ctx, server)
		if err != nil {
			tb.Errorf("drop test schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			tb.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	dsn := WithSearchPath(server, schema)
	if !strings.Contains(dsn, "pool_max_conns") {
		dsn = withParam(dsn, "pool_max_conns", strconv.Itoa(PoolConns))
	}
	return dsn
}

// Conn opens a single connection (no pool) to dsn, a string DSN or Schema
// returned, for a test to look at or tamper with the database; it is closed
// when tb ends.
func Conn(tb testing.TB, dsn string) *pgx.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := connect(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// connect opens one connection to dsn. The pool settings in dsn (pool_*),
// which the server would refuse as unknown parameters, are left out. While
// the server has no connection slot free ("too many clients", which other
// programs sharing it cause for a moment), it tries again until ctx ends.
func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse test connection string: %w", err)
	}
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, time.Second) {
		conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig.Copy())
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != tooManyConnections {
			return conn, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (still: %w)", err, ctx.Err())
		case <-time.After(delay):
		}
	}
}

// tooManyConnections is SQLSTATE too_many_connections.
const tooManyConnections = "53300"

// WithSearchPath returns dsn with its search_path set to schema.
func WithSearchPath(dsn, schema string) string { return withParam(dsn, "search_path", schema) }

// withParam appends key=value to a URL or key=value connection string.
func withParam(dsn, key, value string) string {
	if strings.Contains(dsn, "://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + key + "=" + value
	}
	return dsn + " " + key + "=" + value
}
