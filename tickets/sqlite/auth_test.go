package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/auth/authtest"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAuthStoreContract(t *testing.T) {
	t.Parallel()
	authtest.Run(t, func(t *testing.T) auth.Store { return openSQLite(t) })
}
