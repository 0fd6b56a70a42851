package emailtest_test

import (
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/email/emailtest"
)

// The servers start, and a mail put into Dovecot is there to read.
func TestServersStart(t *testing.T) {
	d := emailtest.StartDovecot(t)
	d.Append(t, emailtest.Mail("a@example.org", "b@example.com", "hi", "m1@example.org", "hello"))
	if n := len(d.Flags(t, "INBOX")); n != 1 {
		t.Fatalf("INBOX holds %d mails, want 1", n)
	}
	emailtest.StartMailpit(t)
}
