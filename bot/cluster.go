package bot

import "context"

// ClusterLocker is implemented by stores that several replicas of the bot
// share (PostgreSQL). The engine takes a named lock around work that reads
// several rows and then decides, so two replicas never decide on the same
// stale reading: dispatching a desk's queue (no agent over max_open) and
// firing a desk's timers (a timer fires once). Stores of one process
// (SQLite) do not implement it; the in-process locks are enough there.
type ClusterLocker interface {
	// ClusterLock blocks until the caller holds the named lock among all
	// replicas, and returns the function that releases it.
	ClusterLock(ctx context.Context, name string) (unlock func(), err error)
}

// clusterLock takes the named cross-replica lock if the store has one; the
// returned unlock is never nil.
func (e *Engine) clusterLock(ctx context.Context, name string) (func(), error) {
	l, ok := e.store.(ClusterLocker)
	if !ok {
		return func() {}, nil
	}
	return l.ClusterLock(ctx, name)
}
