package sqlite_test

import (
	"testing"

	"github.com/helpdesk-chat/helpdesk/webchat"
	"github.com/helpdesk-chat/helpdesk/webchat/webchattest"
)

func TestWebChatStoreContract(t *testing.T) {
	t.Parallel()
	webchattest.Run(t, func(t *testing.T) webchat.Store { return openSQLite(t) })
}
