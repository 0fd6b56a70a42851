package email_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/email"
	"github.com/helpdesk-chat/helpdesk/adapters/email/emailtest"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// crashingStore fails the first write of the outbox, as a crash after the
// ticket was opened and before the acknowledgement was queued would.
type crashingStore struct {
	tickets.Store
	crashed atomic.Bool
}

func (s *crashingStore) PutCheckpoint(ctx context.Context, name string, value []byte, version int64) (int64, error) {
	if name == "email:outbox" && s.crashed.CompareAndSwap(false, true) {
		return 0, errors.New("crash")
	}
	return s.Store.PutCheckpoint(ctx, name, value, version)
}

func TestAMailCutShortIsFinishedOnceWhenTakenAgain(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := startDesk(t, deskOpts{store: &crashingStore{Store: st}})
	raw := mail("erin@example.org", "it-help@example.com", "Keyboard", "c1@example.org", "Keys stick.")
	// The sender's server is told to try again later (451) ...
	if err := d.deliver("erin@example.org", []string{"it-help@example.com"}, raw); smtpCode(err) != 451 {
		t.Fatalf("a mail that failed half-way is deferred with 451, got %v", err)
	}
	// ... and does: the same mail finishes what the first try began.
	d.take("c1@example.org", raw)
	if n := len(d.all()); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
	if tr := d.transcript("IT-1"); len(tr) != 1 {
		t.Fatalf("the mail is in the transcript once: %+v", tr)
	}
	if ob := d.acks(); len(ob) != 1 {
		t.Fatalf("one acknowledgement: %d", len(ob))
	}
	// A third delivery (the sender's server retrying once more) changes nothing.
	if err := d.deliver("erin@example.org", []string{"it-help@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	if n, ob := len(d.all()), d.acks(); n != 1 || len(ob) != 1 {
		t.Fatalf("a repeated mail changes nothing: %d tickets, %d mails", n, len(ob))
	}
}

// Two replicas read one mailbox: each mail opens one ticket and gets one
// acknowledgement, and every mail ends flagged as taken.
func TestTwoReplicasReadOneMailbox(t *testing.T) {
	dove := emailtest.StartDovecot(t)
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	var desks []*desk
	for i, security := range []string{"none", "starttls"} {
		imapOpts := func(o *email.Options) {
			o.Receiver = nil
			o.IMAP = &config.EmailIMAP{Addr: dove.Addr, Security: security, Username: dove.User, Password: dove.Pass,
				InsecureSkipVerify: i == 1}
		}
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		desks = append(desks, startDesk(t, deskOpts{store: st, adjust: imapOpts}))
	}
	const n = 6
	for i := range n {
		id := string(rune('a'+i)) + "@example.org"
		dove.Append(t, mail("erin@example.org", "it-help@example.com", "Request "+id, id, "Please help with "+id))
	}
	seen := map[string]int{}
	for len(seen) < n {
		select {
		case id := <-desks[0].handled:
			seen[id]++
		case id := <-desks[1].handled:
			seen[id]++
		case <-time.After(60 * time.Second):
			t.Fatalf("handled %d of %d mails", len(seen), n)
		}
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("%s handled %d times", id, c)
		}
	}
	if got := len(desks[0].all()); got != n {
		t.Fatalf("%d tickets, want %d", got, n)
	}
	acks := 0
	for _, q := range desks[0].outbox() {
		if strings.HasPrefix(q.ID, "ack-") {
			acks++
		}
	}
	if acks != n {
		t.Fatalf("%d acknowledgements, want %d", acks, n)
	}
	for _, d := range desks {
		d.stop()
	}
	for i, fl := range dove.Flags(t, "INBOX") {
		if !containsFlag(fl, "$Helpdesk") || !containsFlag(fl, `\Seen`) {
			t.Errorf("mail %d not flagged as taken: %v", i+1, fl)
		}
	}
}

func containsFlag[T ~string](fl []T, f string) bool {
	for _, x := range fl {
		if string(x) == f {
			return true
		}
	}
	return false
}
