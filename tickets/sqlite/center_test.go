package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/helpdesk-chat/helpdesk/center"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
	"github.com/helpdesk-chat/helpdesk/tickets/storetest"
)

// The Ticket Center uses these queries when the store offers them.
var (
	_ center.Searcher      = (*sqlite.Store)(nil)
	_ center.StatusCounter = (*sqlite.Store)(nil)
)

func TestSearchTickets(t *testing.T) {
	t.Parallel()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.RunSearch(t, s)
}
