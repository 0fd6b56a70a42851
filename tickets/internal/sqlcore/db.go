package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrNoRows is what a store's Row.Scan returns when the query found nothing.
var ErrNoRows = errors.New("no rows")

// ErrUnique wraps (errors.Is) a unique or primary key violation; the
// driver's own error stays reachable with errors.As.
var ErrUnique = errors.New("unique violation")

// Translate is how a store's DB reports a driver error: ErrNoRows when
// noRows, wrapped in ErrUnique when unique, else as it is.
func Translate(err error, noRows, unique bool) error {
	switch {
	case err == nil:
		return nil
	case noRows:
		return ErrNoRows
	case unique:
		return fmt.Errorf("%w: %w", ErrUnique, err)
	}
	return err
}

// Row is one result row.
type Row interface {
	Scan(dest ...any) error
}

// Rows is a result set; Close may be called more than once.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// DB is a connection pool or a transaction of a store, seen through its
// dialect: queries use '?' placeholders, errors are translated.
type DB interface {
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
	// Dialect says how this engine spells what differs.
	Dialect() Dialect
}

// Dialect is what the shared SQL needs to know of an engine.
type Dialect struct {
	// ForUpdate follows a SELECT that locks the row it reads ("" when the
	// engine has one writer anyway).
	ForUpdate string
	// ILike is the case-insensitive LIKE.
	ILike string
}

// Rebind turns the '?' placeholders of query into $1, $2, ... (PostgreSQL),
// leaving question marks inside quoted strings alone.
func Rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// placeholders returns "?, ?, ..." for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Nanos stores a time as Unix nanoseconds; the zero time is 0.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromNanos is the inverse of Nanos; times come back in UTC.
func FromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// Nullable is NULL for an empty string (UNIQUE columns that may be unset).
func Nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
