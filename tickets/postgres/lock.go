package postgres

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// lockKey turns a lock name into an advisory lock key of this schema, so help
// desks (or tests) in different schemas of one database never block each other.
const lockKey = `hashtextextended(current_schema() || ':' || $1, 0)`

// ClusterLock blocks until this process holds the lock called name among all
// processes using the same database and schema, and returns the function that
// releases it. It is a session advisory lock on a connection of its own: if
// the process dies (or the store is closed while holding it), PostgreSQL drops
// the connection and with it the lock, so a crashed replica never blocks the
// others.
//
// The engine takes it around work that reads several rows and then decides,
// such as dispatching a desk's queue (loads are read, then agents under
// max_open are chosen) or firing a desk's timers.
func (s *Store) ClusterLock(ctx context.Context, name string) (unlock func(), err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	h := &heldLock{conn: conn, name: name}
	s.track(h, true)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`, name); err != nil {
		// A cancelled wait may leave the lock taken after all: drop the session.
		h.drop()
		s.track(h, false)
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return func() {
		h.unlock()
		s.track(h, false)
	}, nil
}

func (s *Store) track(h *heldLock, add bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = map[*heldLock]struct{}{}
	}
	if add {
		s.held[h] = struct{}{}
	} else {
		delete(s.held, h)
	}
}

// dropLocks ends the sessions of every lock still held (Close).
func (s *Store) dropLocks() {
	s.mu.Lock()
	held := s.held
	s.held = nil
	s.mu.Unlock()
	for h := range held {
		h.drop()
	}
}

// heldLock is one connection holding an advisory lock; it is given back once.
type heldLock struct {
	once sync.Once
	conn *pgxpool.Conn
	name string
}

func (h *heldLock) unlock() {
	h.once.Do(func() {
		// A fresh context: the lock must go even if the caller's ctx is done.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var released bool
		if err := h.conn.QueryRow(ctx, `SELECT pg_advisory_unlock(`+lockKey+`)`, h.name).Scan(&released); err != nil || !released {
			h.conn.Conn().Close(ctx) // closing the session drops its locks
		}
		h.conn.Release()
	})
}

func (h *heldLock) drop() {
	h.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h.conn.Conn().Close(ctx)
		h.conn.Release()
	})
}
