package postgres

import (
	"context"
	"runtime"

	"github.com/jackc/pgx/v5"
)

// Sizing of the connection pool when the connection string sets no
// pool_max_conns. PostgreSQL refuses a connection past max_connections
// ("sorry, too many clients already") and every replica, psql session, backup
// and migration shares that limit, so a replica takes only a share of what is
// free when it starts.
const (
	// poolShare: a replica takes 1/poolShare of the free connections, so
	// several replicas starting together (and an operator's psql) still fit.
	poolShare = 4
	// poolFloor: dispatch holds one connection for its lock while it works
	// on another, and the timers hold one for theirs; below this the bot
	// would queue on its own locks.
	poolFloor = 4
)

// poolCeiling is the most a pool takes however much is free: the engine
// cannot keep more connections than this busy.
func poolCeiling() int { return max(10, 4*runtime.NumCPU()) }

// freeConnsSQL counts the connections the server would still accept from
// this role on this database: max_connections less the reserved slots
// (superuser_reserved_connections, and reserved_connections from PostgreSQL
// 16) less the client connections open now, and no more than the role's and
// the database's own CONNECTION LIMIT leave. LEAST skips the NULLs of "no
// limit".
const freeConnsSQL = `
SELECT LEAST(
  current_setting('max_connections')::int
    - current_setting('superuser_reserved_connections')::int
    - COALESCE(NULLIF(current_setting('reserved_connections', true), ''), '0')::int
    - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
  (SELECT r.rolconnlimit - (SELECT count(*) FROM pg_stat_activity a WHERE a.usesysid = r.oid AND a.backend_type = 'client backend')
     FROM pg_roles r WHERE r.rolname = current_user AND r.rolconnlimit >= 0),
  (SELECT d.datconnlimit - (SELECT count(*) FROM pg_stat_activity a WHERE a.datid = d.oid AND a.backend_type = 'client backend')
     FROM pg_database d WHERE d.datname = current_database() AND d.datconnlimit >= 0)
)::int`

// poolSize chooses the pool's MaxConns from what the server has free, on a
// connection of its own that it closes again. If it cannot ask, it returns
// the ceiling: the pool's first connection then reports the real problem.
func poolSize(ctx context.Context, cc *pgx.ConnConfig) int32 {
	conn, err := pgx.ConnectConfig(ctx, cc.Copy())
	if err != nil {
		return int32(poolCeiling())
	}
	defer conn.Close(ctx)
	var free int
	if err := conn.QueryRow(ctx, freeConnsSQL).Scan(&free); err != nil {
		return int32(poolCeiling())
	}
	// The probe itself is counted as in use, and is given back right away.
	return int32(sizeFor(free+1, poolCeiling()))
}

// sizeFor is the pool size for free connections: a share of them, at least
// poolFloor and at most ceiling.
func sizeFor(free, ceiling int) int {
	return min(max(free/poolShare, poolFloor), ceiling)
}
