package postgres

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
	"github.com/jackc/pgx/v5/pgxpool"
)

// poolMaxConns matches the pool_max_conns setting of a URL or key=value DSN.
var poolMaxConns = regexp.MustCompile(`([?&\s])pool_max_conns=[^&\s]*&?`)

func TestSizeForTakesAShareOfTheFreeConnections(t *testing.T) {
	t.Parallel()
	cases := []struct{ free, ceiling, want int }{
		{free: 97, ceiling: 10, want: 10}, // an idle default server: the ceiling
		{free: 62, ceiling: 32, want: 15}, // a quarter of what is free
		{free: 20, ceiling: 10, want: 5},
		{free: 9, ceiling: 10, want: poolFloor}, // nearly full: the floor
		{free: -3, ceiling: 10, want: poolFloor},
	}
	for _, c := range cases {
		if got := sizeFor(c.free, c.ceiling); got != c.want {
			t.Errorf("sizeFor(%d free, ceiling %d) = %d, want %d", c.free, c.ceiling, got, c.want)
		}
	}
}

// Open without pool_max_conns sizes the pool from the server: a share of the
// connections free right now, within the floor and ceiling. With
// pool_max_conns, that is the size.
func TestOpenSizesThePoolFromTheServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	auto := strings.TrimRight(poolMaxConns.ReplaceAllString(dsn, "$1"), "?& ")
	if auto == dsn {
		t.Fatalf("test DSN %q has no pool_max_conns to take off", dsn)
	}

	conn := pgtest.Conn(t, auto)
	var free int
	if err := conn.QueryRow(ctx, freeConnsSQL).Scan(&free); err != nil {
		t.Fatal(err)
	}
	if free <= 0 {
		t.Fatalf("the server reports %d free connections while this test holds one", free)
	}

	s, err := Open(ctx, auto)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := int(s.pool.Config().MaxConns)
	// Other clients come and go meanwhile: allow a few connections' drift.
	lo, hi := sizeFor(free-8, poolCeiling()), sizeFor(free+8, poolCeiling())
	if got < lo || got > hi || got < poolFloor || got > poolCeiling() {
		t.Errorf("MaxConns = %d with %d connections free; want %d..%d (floor %d, ceiling %d)", got, free, lo, hi, poolFloor, poolCeiling())
	}

	fixed, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Close()
	want, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if n := fixed.pool.Config().MaxConns; n != want.MaxConns {
		t.Errorf("MaxConns = %d, want the DSN's pool_max_conns=%d", n, want.MaxConns)
	}
}
