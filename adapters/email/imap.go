package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
)

// Processed mail carries these keywords (and \Seen): flagDone once taken,
// flagRejected as well when it could not be (it stays in the mailbox).
const (
	flagDone     imap.Flag = "$Helpdesk"
	flagRejected imap.Flag = "$HelpdeskRejected"
)

// imapLoop reads the mailbox until ctx ends. A lost or refused connection
// is tried again with back-off (1 s doubling to 5 min) while the receiver
// and the outbox go on; a session that read mail starts the back-off again.
func (a *Adapter) imapLoop(ctx context.Context) error {
	wait := time.Second
	for {
		worked, err := a.imapSession(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if worked {
			wait = time.Second
		}
		a.log.Warn("mailbox unreachable; retrying", "addr", a.opts.IMAP.Addr, "retry_in", wait.String(), "err", err)
		if kit.Sleep(ctx, wait) != nil {
			return nil
		}
		wait = min(2*wait, 5*time.Minute)
	}
}

// imapSession reads the mailbox over one connection until it fails or ctx
// ends; worked says it got as far as reading the mailbox.
func (a *Adapter) imapSession(ctx context.Context) (worked bool, err error) {
	ic := a.opts.IMAP
	news := make(chan struct{}, 1)
	opts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case news <- struct{}{}:
					default:
					}
				}
			},
		},
		Dialer: &net.Dialer{Timeout: 30 * time.Second},
	}
	host, _, _ := net.SplitHostPort(ic.Addr)
	opts.TLSConfig = &tls.Config{ServerName: host, InsecureSkipVerify: ic.InsecureSkipVerify} //nolint:gosec // an explicit option, for tests
	var c *imapclient.Client
	switch ic.Security {
	case "none":
		c, err = imapclient.DialInsecure(ic.Addr, opts)
	case "starttls":
		c, err = imapclient.DialStartTLS(ic.Addr, opts)
	default:
		c, err = imapclient.DialTLS(ic.Addr, opts)
	}
	if err != nil {
		return worked, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Login(ic.Username, ic.Password).Wait(); err != nil {
		return worked, fmt.Errorf("log in: %w", err)
	}
	mailbox := ic.Mailbox
	if mailbox == "" {
		mailbox = "INBOX"
	}
	if ic.MoveTo != "" {
		_ = c.Create(ic.MoveTo, nil).Wait() // exists already, most often
	}
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		return worked, fmt.Errorf("select %s: %w", mailbox, err)
	}
	idle := c.Caps().Has(imap.CapIdle)
	a.log.Info("reading mailbox", "addr", ic.Addr, "mailbox", mailbox, "idle", idle)
	worked = true
	for {
		if err := a.imapPass(ctx, c); err != nil {
			return worked, err
		}
		wait := time.NewTimer(a.opts.Poll)
		if idle {
			// RFC 2177: the server tells of new mail while idling; the
			// poll timer ends the IDLE well before servers drop it (29 min).
			cmd, err := c.Idle()
			if err != nil {
				wait.Stop()
				return worked, fmt.Errorf("idle: %w", err)
			}
			select {
			case <-ctx.Done():
			case <-news:
			case <-wait.C:
			}
			if err := cmd.Close(); err != nil && ctx.Err() == nil {
				wait.Stop()
				return worked, fmt.Errorf("end idle: %w", err)
			}
			if err := cmd.Wait(); err != nil && ctx.Err() == nil {
				wait.Stop()
				return worked, fmt.Errorf("idle: %w", err)
			}
		} else {
			select {
			case <-ctx.Done():
			case <-news:
			case <-wait.C:
			}
		}
		wait.Stop()
		if ctx.Err() != nil {
			return worked, nil
		}
	}
}

// imapPass takes every mail not yet flagged done, one at a time.
func (a *Adapter) imapPass(ctx context.Context, c *imapclient.Client) error {
	res, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{flagDone, imap.FlagDeleted}}, nil).Wait()
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	for _, uid := range res.AllUIDs() {
		if ctx.Err() != nil {
			return nil
		}
		set := imap.UIDSetNum(uid)
		section := &imap.FetchItemBodySection{Peek: true}
		msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return fmt.Errorf("fetch %d: %w", uid, err)
		}
		if len(msgs) == 0 {
			continue // expunged meanwhile
		}
		flags := []imap.Flag{flagDone, imap.FlagSeen}
		if msgs[0].RFC822Size > a.opts.MaxBytes {
			a.log.Error("mail too large: left in the mailbox, flagged "+string(flagRejected), "uid", uid, "bytes", msgs[0].RFC822Size, "max_bytes", a.opts.MaxBytes)
			flags = append(flags, flagRejected)
		} else {
			raw := msgs[0].FindBodySection(section)
			err = a.take(ctx, raw, "", nil)
			switch {
			case errors.Is(err, errDeferred):
				a.log.Info("mail left for later", "uid", uid, "why", err)
				continue
			case errors.Is(err, errRejected):
				a.log.Error("mail not taken: left in the mailbox, flagged "+string(flagRejected), "uid", uid, "err", err)
				flags = append(flags, flagRejected)
			case err != nil:
				return err
			}
		}
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags}, nil).Close(); err != nil {
			return fmt.Errorf("flag %d: %w", uid, err)
		}
		if a.opts.IMAP.MoveTo != "" && len(flags) == 2 {
			if _, err := c.Move(set, a.opts.IMAP.MoveTo).Wait(); err != nil {
				return fmt.Errorf("move %d to %s: %w", uid, a.opts.IMAP.MoveTo, err)
			}
		}
	}
	return nil
}
