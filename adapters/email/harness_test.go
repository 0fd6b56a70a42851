package email_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/helpdesk-chat/helpdesk/adapters/email"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// clock is a test clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// desk is the email channel with the real engine on a fresh SQLite store,
// its SMTP receiver on 127.0.0.1; outgoing mail goes to smtpAddr (a closed
// port unless a test gives Mailpit), so what it would send stays in the
// outbox for the test to read.
type desk struct {
	t       *testing.T
	store   tickets.Store
	engine  *bot.Engine
	ad      *email.Adapter
	clock   *clock
	rcv     string
	handled chan string
	cancel  context.CancelFunc
	done    chan struct{}
}

type deskOpts struct {
	store  tickets.Store // default: a fresh SQLite store
	adjust func(*email.Options)
	// config is the config file (default testdata/helpdesk.yaml); platforms
	// are chat platforms beside email (bottest's, under their names).
	config    string
	platforms []bot.Platform
}

func startDesk(t *testing.T, o deskOpts) *desk {
	t.Helper()
	path := o.config
	if path == "" {
		path = "testdata/helpdesk.yaml"
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	set, err := faq.BuildSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := &desk{t: t, clock: &clock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}, handled: make(chan string, 100)}
	d.store = o.store
	if d.store == nil {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		d.store = st
	}
	opts := email.OptionsFrom(cfg.Platforms.Email)
	opts.Store = d.store
	opts.Engine = func() email.Engine { return d.engine }
	opts.Now = d.clock.Now
	opts.Handled = func(id string) { d.handled <- id }
	recv := make(chan string, 1)
	opts.ReceiverAddr = func(a string) { recv <- a }
	if o.adjust != nil {
		o.adjust(&opts)
	}
	d.ad, err = email.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	d.engine, err = bot.New(bot.Options{Store: d.store, Runtime: &bot.Runtime{Config: cfg, FAQ: set},
		Platforms: append([]bot.Platform{d.ad}, o.platforms...), Now: d.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel, d.done = cancel, make(chan struct{})
	go func() {
		defer close(d.done)
		if err := d.ad.Run(ctx, d.engine.Handle); err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	t.Cleanup(d.stop)
	if opts.Receiver != nil {
		select {
		case d.rcv = <-recv:
		case <-time.After(30 * time.Second):
			t.Fatal("the receiver did not start")
		}
	}
	return d
}

func (d *desk) stop() {
	d.cancel()
	<-d.done
}

// deliver sends raw to the receiver; it returns the server's refusal.
func (d *desk) deliver(from string, to []string, raw []byte) error {
	c, err := smtp.Dial(d.rcv)
	if err != nil {
		d.t.Fatal(err)
	}
	defer c.Close()
	return c.SendMail(from, to, bytes.NewReader(raw))
}

// take delivers raw and waits until it is handled.
func (d *desk) take(id string, raw []byte, from ...string) {
	d.t.Helper()
	sender := "erin@example.org"
	if len(from) > 0 {
		sender = from[0]
	}
	if err := d.deliver(sender, []string{"it-help@example.com"}, raw); err != nil {
		d.t.Fatalf("deliver %s: %v", id, err)
	}
	select {
	case got := <-d.handled:
		if got != id {
			d.t.Fatalf("handled %s, want %s", got, id)
		}
	case <-time.After(30 * time.Second):
		d.t.Fatalf("%s not handled", id)
	}
}

// queued is what the outbox holds: the mails decided and not yet sent.
type queued struct {
	ID, To string
	Raw    []byte
}

func (d *desk) outbox() []queued {
	d.t.Helper()
	b, _, err := d.store.GetCheckpoint(context.Background(), "email:outbox")
	if err != nil {
		return nil
	}
	var doc struct{ Mails []queued }
	if err := json.Unmarshal(b, &doc); err != nil {
		d.t.Fatal(err)
	}
	return doc.Mails
}

func (d *desk) ticket(key string) *tickets.Ticket {
	d.t.Helper()
	t, err := d.store.GetByKey(context.Background(), key)
	if err != nil {
		d.t.Fatalf("%s: %v", key, err)
	}
	return t
}

func (d *desk) all() []*tickets.Ticket {
	d.t.Helper()
	ts, err := d.store.List(context.Background(), tickets.Filter{})
	if err != nil {
		d.t.Fatal(err)
	}
	return ts
}

func (d *desk) transcript(key string) []tickets.Message {
	d.t.Helper()
	ms, err := d.store.Messages(context.Background(), d.ticket(key).ID)
	if err != nil {
		d.t.Fatal(err)
	}
	var out []tickets.Message
	for _, m := range ms {
		if m.Kind == tickets.KindTranscript {
			out = append(out, m)
		}
	}
	return out
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// acks are the acknowledgements in the outbox.
func (d *desk) acks() []queued {
	var out []queued
	for _, q := range d.outbox() {
		if strings.HasPrefix(q.ID, "ack-") {
			out = append(out, q)
		}
	}
	return out
}

// to are the outbox's mails to addr.
func (d *desk) to(addr string) []queued {
	var out []queued
	for _, q := range d.outbox() {
		if q.To == addr {
			out = append(out, q)
		}
	}
	return out
}
