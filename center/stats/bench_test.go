package stats_test

import (
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/center/stats"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// BenchmarkCompute: a month of a busy desk (10,000 tickets, 50,000 questions).
func BenchmarkCompute(b *testing.B) {
	var ts []*tickets.Ticket
	var qs []tickets.Question
	for i := range 10000 {
		created := at(1, 0, 0).Add(time.Duration(i) * 4 * time.Minute)
		ts = append(ts, ticket("IT", created, category("network"), agent([]string{"Ada", "Linus", "Grace"}[i%3], time.Duration(i%90)*time.Minute),
			ended(created.Add(time.Duration(i%600)*time.Minute)), rated(1+i%5, created.Add(11*time.Hour))))
	}
	for i := range 50000 {
		qs = append(qs, q("question number "+string(rune('a'+i%26)), tickets.OutcomeUnanswered, at(1, 0, 0).Add(time.Duration(i)*48*time.Second)))
	}
	p := stats.Period{Since: at(1, 0, 0), Until: at(29, 0, 0)}
	b.ReportAllocs()
	for b.Loop() {
		stats.Compute(p, ts, qs)
	}
}
