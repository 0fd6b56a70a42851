package postgres_test

import (
	"context"
	"testing"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/auth/authtest"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
)

func TestAuthStoreContract(t *testing.T) {
	t.Parallel()
	authtest.Run(t, func(t *testing.T) auth.Store {
		s, err := postgres.Open(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
