package sqlcore

import (
	"context"
	"time"
)

// Core is the part of a store written once: it reads through Read and
// writes in transactions that Write runs (and retries, where the engine
// aborts transactions on conflicts: fn must be safe to run again). Now is
// the store's clock; no method reads the wall clock.
type Core struct {
	Read   DB // queries outside write transactions
	Writer DB // single statements that write
	Write  func(ctx context.Context, fn func(tx DB) error) error
	// WriteSynced, if set, is Write for a transaction that must survive a
	// power loss once committed (a new ticket, whose key the user is told);
	// nil where every commit does (PostgreSQL).
	WriteSynced func(ctx context.Context, fn func(tx DB) error) error
	Now         func() time.Time

	decoded decodeMemo // tickets read lately, decoded
}

// writeSynced runs fn in a transaction whose commit survives a power loss.
func (c *Core) writeSynced(ctx context.Context, fn func(tx DB) error) error {
	if c.WriteSynced != nil {
		return c.WriteSynced(ctx, fn)
	}
	return c.Write(ctx, fn)
}

func (c *Core) now() time.Time { return c.Now().UTC() }
