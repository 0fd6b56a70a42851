package center

import (
	"context"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Store is the read-only view of the ticket store the Center needs: it reads
// tickets, their history, loads, presence and questions. Every change goes
// through Options.Engine or Options.Service, so the audit trail and the
// platform effects are the engine's. Any tickets.Store satisfies it; a store
// may also implement Searcher and StatusCounter.
type Store interface {
	tickets.TicketReader
	// Presence returns every agent's recorded status.
	Presence(ctx context.Context) (map[string]string, error)
	// Questions returns the questions asked to the bot matching f, oldest first.
	Questions(ctx context.Context, f tickets.QuestionFilter) ([]tickets.Question, error)
}

var _ Store = tickets.Store(nil)
