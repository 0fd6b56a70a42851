package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// The outbox is one checkpoint holding the mails not yet accepted by the
// SMTP server, so a mail the bot decided to send survives a restart. A
// sender claims each mail in the event ledger before it talks to the
// server, so of several replicas one sends it; a mail sent is marked done
// there, and a mail marked done is never queued or sent again.
const outboxName = "email:outbox"

// maxAttempts is how often a mail is tried before it is set aside as
// failed (kept in the failed list and logged, never dropped).
const maxAttempts = 8

type queued struct {
	ID       string    `json:"id"` // Message-ID
	From     string    `json:"from"`
	To       string    `json:"to"`
	Raw      []byte    `json:"raw"`
	Attempts int       `json:"attempts,omitempty"`
	NextAt   time.Time `json:"next_at,omitzero"`
	LastErr  string    `json:"last_err,omitempty"`
}

type outboxDoc struct {
	Mails  []queued `json:"mails"`
	Failed []queued `json:"failed,omitempty"`
}

func sentKey(id string) string { return "email-out:" + hashID(id) }

// enqueue adds a built mail to the outbox unless it is there or was sent.
func (a *Adapter) enqueue(ctx context.Context, q queued) error {
	if c, err := a.opts.Store.ClaimEvent(ctx, sentKey(q.ID), a.owner+"-peek", a.now(), a.now()); err == nil {
		// A lease that ends at once: only asks whether the mail was sent.
		if c == tickets.ClaimDone {
			return nil
		}
		if c == tickets.ClaimTaken {
			_ = a.opts.Store.ReleaseEvent(ctx, sentKey(q.ID), a.owner+"-peek")
		}
	} else {
		return err
	}
	_, err := updateJSON(ctx, a.opts.Store, outboxName, func(d *outboxDoc) (bool, error) {
		if slices.ContainsFunc(d.Mails, func(m queued) bool { return m.ID == q.ID }) {
			return false, nil
		}
		d.Mails = append(d.Mails, q)
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("queue mail to %s: %w", q.To, err)
	}
	a.wake()
	return nil
}

func (a *Adapter) wake() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// sendLoop sends what the outbox holds until ctx ends: at once when a mail
// is queued, and every poll for retries and other replicas' mails.
func (a *Adapter) sendLoop(ctx context.Context) {
	for {
		next := a.flushOutbox(ctx)
		wait := a.opts.Poll
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(a.now()), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-a.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// flushOutbox sends every due mail once and returns when the next retry is due.
func (a *Adapter) flushOutbox(ctx context.Context) (next time.Time) {
	var d outboxDoc
	if _, _, err := getJSON(ctx, a.opts.Store, outboxName, &d); err != nil {
		a.log.Warn("read email outbox", "err", err)
		return a.now().Add(a.opts.Poll)
	}
	for _, q := range d.Mails {
		if ctx.Err() != nil {
			return
		}
		if q.NextAt.After(a.now()) {
			if next.IsZero() || q.NextAt.Before(next) {
				next = q.NextAt
			}
			continue
		}
		a.deliver(ctx, q)
	}
	return next
}

// deliver sends one queued mail under a claim and records the outcome.
func (a *Adapter) deliver(ctx context.Context, q queued) {
	key := sentKey(q.ID)
	c, err := a.opts.Store.ClaimEvent(ctx, key, a.owner, a.now(), a.now().Add(2*time.Minute))
	if err != nil {
		a.log.Warn("claim mail", "err", err)
		return
	}
	switch c {
	case tickets.ClaimBusy:
		return // another replica sends it
	case tickets.ClaimDone:
		a.dropQueued(ctx, q.ID, nil)
		return
	}
	err = a.smtpSend(q)
	bg := context.WithoutCancel(ctx)
	if err != nil {
		_ = a.opts.Store.ReleaseEvent(bg, key, a.owner)
		q.Attempts++
		q.LastErr = err.Error()
		var se *smtp.SMTPError
		permanent := errors.As(err, &se) && se.Code >= 500
		if permanent || q.Attempts >= maxAttempts {
			a.log.Error("mail not sent; kept in the outbox's failed list", "to", q.To, "id", q.ID, "attempts", q.Attempts, "err", err)
			a.dropQueued(bg, q.ID, &q)
			return
		}
		q.NextAt = a.now().Add(time.Duration(1<<min(q.Attempts, 10)) * time.Second * 5)
		a.log.Warn("mail not sent; will retry", "to", q.To, "attempts", q.Attempts, "retry_at", q.NextAt, "err", err)
		if _, err := updateJSON(bg, a.opts.Store, outboxName, func(d *outboxDoc) (bool, error) {
			i := slices.IndexFunc(d.Mails, func(m queued) bool { return m.ID == q.ID })
			if i < 0 {
				return false, nil
			}
			d.Mails[i] = q
			return true, nil
		}); err != nil {
			a.log.Warn("record mail retry", "err", err)
		}
		return
	}
	if err := a.opts.Store.FinishEvent(bg, key, a.owner, a.now()); err != nil {
		a.log.Warn("mark mail sent", "id", q.ID, "err", err)
	}
	a.dropQueued(bg, q.ID, nil)
	if a.opts.Sent != nil {
		a.opts.Sent(q.ID)
	}
}

// dropQueued removes a mail from the outbox; failed, if set, is kept in the failed list.
func (a *Adapter) dropQueued(ctx context.Context, id string, failed *queued) {
	if _, err := updateJSON(ctx, a.opts.Store, outboxName, func(d *outboxDoc) (bool, error) {
		i := slices.IndexFunc(d.Mails, func(m queued) bool { return m.ID == id })
		if i < 0 {
			return false, nil
		}
		d.Mails = slices.Delete(d.Mails, i, i+1)
		if failed != nil {
			d.Failed = append(d.Failed, *failed)
		}
		return true, nil
	}); err != nil && errs.Code(err) != errs.ENOTFOUND {
		a.log.Warn("update email outbox", "err", err)
	}
}

// smtpSend hands one mail to the configured SMTP server.
func (a *Adapter) smtpSend(q queued) error {
	sc := a.opts.SMTP
	tc := &tls.Config{InsecureSkipVerify: sc.InsecureSkipVerify} //nolint:gosec // an explicit option, for tests
	if host, _, err := net.SplitHostPort(sc.Addr); err == nil {
		tc.ServerName = host
	}
	var c *smtp.Client
	var err error
	switch sc.Security {
	case "tls":
		c, err = smtp.DialTLS(sc.Addr, tc)
	case "none":
		c, err = smtp.Dial(sc.Addr)
	default:
		c, err = smtp.DialStartTLS(sc.Addr, tc)
	}
	if err != nil {
		return fmt.Errorf("connect to %s: %w", sc.Addr, err)
	}
	defer c.Close()
	// A shutdown does not cut a mail half-sent: the server might have taken
	// it without our hearing so, and it would go out twice. Timeouts bound
	// the wait instead.
	c.CommandTimeout, c.SubmissionTimeout = time.Minute, 2*time.Minute
	if sc.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", sc.Username, sc.Password)); err != nil {
			return fmt.Errorf("log in to %s: %w", sc.Addr, err)
		}
	}
	if err := c.SendMail(q.From, []string{q.To}, bytes.NewReader(q.Raw)); err != nil {
		return err
	}
	// The server took the mail: a failed QUIT changes nothing (RFC 5321
	// 4.1.1.10 asks no more of the client than to end the session).
	_ = c.Quit()
	return nil
}
