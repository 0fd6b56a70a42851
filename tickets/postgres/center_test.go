package postgres_test

import (
	"testing"

	"github.com/helpdesk-chat/helpdesk/center"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/storetest"
)

// The Ticket Center uses these queries when the store offers them.
var (
	_ center.Searcher      = (*postgres.Store)(nil)
	_ center.StatusCounter = (*postgres.Store)(nil)
)

func TestSearchTickets(t *testing.T) {
	t.Parallel()
	storetest.RunSearch(t, openFresh(t))
}
