package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
)

// Group commit. SQLite has one writer: the write transactions of all the
// events in flight queue for the one connection, and each paid a BEGIN, a
// COMMIT and the write-ahead log frames of every page it touched (the same
// hot pages again and again: the event ledger's, the web chat counter's).
// Writes that queue while another runs now go together: the first waiting
// one leads, runs each queued write in its own SAVEPOINT of one transaction
// and commits once. A write that fails is rolled back to its savepoint and
// gets its error; the others are not affected. Each caller returns after the
// commit that holds its write (or with the error of that commit), so what a
// caller is told is on the database exactly as before; durability is the
// same (synchronous=NORMAL, see writeSyncedTx for the transactions that
// sync).

// maxGroup bounds the writes committed together.
const maxGroup = 64

type groupJob struct {
	ctx  context.Context
	fn   func(tx sqlcore.DB) error
	one  bool // fn runs one statement: alone, it needs no transaction
	err  error
	wake chan struct{} // closed when the job is done or its goroutine is to lead
	done bool          // guarded by groupCommit.mu
}

type groupCommit struct {
	mu    sync.Mutex
	queue []*groupJob
	busy  bool // a leader is running a batch
}

// groupTx runs fn in a transaction on the writer connection, together with
// the writes that queued while the connection was busy.
func (s *Store) groupTx(ctx context.Context, fn func(tx sqlcore.DB) error) error {
	return s.group1(&groupJob{ctx: ctx, fn: fn, wake: make(chan struct{})})
}

func (s *Store) group1(j *groupJob) error {
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, j)
	if g.busy {
		g.mu.Unlock()
		<-j.wake
		g.mu.Lock()
		if j.done {
			g.mu.Unlock()
			return j.err
		}
		// Handed the lead: j is first in the queue.
	}
	g.busy = true
	batch := g.queue
	if len(batch) > maxGroup {
		batch = batch[:maxGroup]
	}
	g.queue = append([]*groupJob(nil), g.queue[len(batch):]...)
	g.mu.Unlock()

	finished := false
	defer func() {
		// Also on a panic in a write: nobody waits forever.
		g.mu.Lock()
		for _, b := range batch {
			if !finished && b.err == nil {
				b.err = errors.New("sqlite: a write of the same group panicked")
			}
			b.done = true
			if b != j {
				close(b.wake)
			}
		}
		if len(g.queue) > 0 {
			close(g.queue[0].wake) // the next one leads
		} else {
			g.busy = false
		}
		g.mu.Unlock()
	}()
	s.runGroup(batch)
	finished = true
	return j.err
}

// runGroup runs a batch of writes in one transaction and sets their errors.
func (s *Store) runGroup(batch []*groupJob) {
	var missed []string
	defer func() { s.prepareMissed(context.Background(), missed) }()
	if len(batch) == 1 {
		j := batch[0]
		if j.one { // as before groups: the statement commits by itself
			j.err = j.fn(stmtDB{coreDB: coreDB{s.write}, stmts: s.wstmts})
			return
		}
		j.err = s.runTx(j.ctx, s.write, &missed, j.fn)
		return
	}
	fail := func(err error) {
		for _, j := range batch {
			if j.err == nil {
				j.err = err
			}
		}
	}
	// The transaction is not any one caller's: a caller that gave up
	// before its turn fails its own write only; one whose write has begun
	// waits for the commit (stmtDB.detached).
	tx, err := s.write.BeginTx(context.Background(), nil)
	if err != nil {
		fail(err)
		return
	}
	defer tx.Rollback()
	db := stmtDB{coreDB: coreDB{tx}, stmts: s.wstmts, tx: tx, missed: &missed, detached: true}
	ok := make([]bool, len(batch))
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.err = err
			continue
		}
		if _, err := tx.ExecContext(context.Background(), `SAVEPOINT w`); err != nil {
			fail(err)
			return
		}
		j.err = j.fn(db)
		if j.err != nil {
			if _, err := tx.ExecContext(context.Background(), `ROLLBACK TO w`); err != nil {
				fail(fmt.Errorf("roll back a failed write: %w", err))
				return
			}
		}
		if _, err := tx.ExecContext(context.Background(), `RELEASE w`); err != nil {
			fail(fmt.Errorf("end savepoint: %w", err))
			return
		}
		ok[i] = j.err == nil
	}
	if err := tx.Commit(); err != nil {
		for i, j := range batch {
			if ok[i] {
				j.err = err
			}
		}
	}
}

// groupDB is the Writer of sqlcore: each statement is a write of its own,
// committed in a group.
type groupDB struct{ s *Store }

var _ sqlcore.DB = groupDB{}

func (d groupDB) Dialect() sqlcore.Dialect { return dialect }

func (d groupDB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := d.s.group1(&groupJob{ctx: ctx, one: true, wake: make(chan struct{}), fn: func(tx sqlcore.DB) error {
		var err error
		n, err = tx.Exec(ctx, query, args...)
		return err
	}})
	return n, err
}

// Query is not grouped: a result set read by the caller cannot wait for a
// commit. (sqlcore writes no statement that way.)
func (d groupDB) Query(ctx context.Context, query string, args ...any) (sqlcore.Rows, error) {
	return stmtDB{coreDB: coreDB{d.s.write}, stmts: d.s.wstmts}.Query(ctx, query, args...)
}

// QueryRow runs the statement when its row is scanned (INSERT ... RETURNING).
func (d groupDB) QueryRow(ctx context.Context, query string, args ...any) sqlcore.Row {
	return groupRow{d: d, ctx: ctx, query: query, args: args}
}

type groupRow struct {
	d     groupDB
	ctx   context.Context
	query string
	args  []any
}

func (r groupRow) Scan(dest ...any) error {
	err := r.d.s.group1(&groupJob{ctx: r.ctx, one: true, wake: make(chan struct{}), fn: func(tx sqlcore.DB) error {
		return tx.QueryRow(r.ctx, r.query, r.args...).Scan(dest...)
	}})
	if errors.Is(err, sqlcore.ErrNoRows) {
		return sqlcore.ErrNoRows
	}
	return err
}
