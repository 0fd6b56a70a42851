package sqlite_test

import (
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/web/chatstore"
	"github.com/helpdesk-chat/helpdesk/adapters/web/chatstore/chatstoretest"
)

func TestWebChatStoreContract(t *testing.T) {
	chatstoretest.Run(t, func(t *testing.T) chatstore.Store { return openSQLite(t) })
}
