package replicas_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// BenchmarkLoad runs whole conversations (question, answer, form, ticket,
// Start Chat, a message, End Service, rating), 16 at a time, on SQLite and on
// PostgreSQL with one and with three replicas (every event delivered to all
// three). It reports conversations per second and the time from an event's
// delivery until every replica has handled it (the reply is out by then).
func BenchmarkLoad(b *testing.B) {
	cases := []struct {
		name string
		open func(b *testing.B) []tickets.Store
	}{
		{"sqlite", func(b *testing.B) []tickets.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "helpdesk.db"))
			if err != nil {
				b.Fatal(err)
			}
			return []tickets.Store{st}
		}},
		{"postgres-1", func(b *testing.B) []tickets.Store { return openReplicas(b, pgtest.DSN(b), 1) }},
		{"postgres-3", func(b *testing.B) []tickets.Store { return openReplicas(b, pgtest.DSN(b), 3) }},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			c := newCluster(b, bc.open(b))
			ctx := b.Context() // a hang is caught by go test's -timeout
			const workers = 16
			sem := make(chan struct{}, workers)
			var wg sync.WaitGroup
			var mu sync.Mutex
			var firstErr error
			b.ResetTimer()
			began := time.Now()
			for i := range b.N {
				sem <- struct{}{}
				wg.Go(func() {
					defer func() { <-sem }()
					if err := c.journey(ctx, fmt.Sprintf("%s-user%d", b.Name(), i)); err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(began)
			b.StopTimer()
			if firstErr != nil {
				b.Fatal(firstErr)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "conversations/s")
			b.ReportMetric(float64(percentile(c.latencies, 0.5).Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(percentile(c.latencies, 0.99).Microseconds())/1000, "p99_ms")
		})
	}
}
