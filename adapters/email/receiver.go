package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// receiver is the SMTP server a forwarding rule delivers to.
type receiver struct {
	a   *Adapter
	srv *smtp.Server
	ln  net.Listener
}

func (a *Adapter) listen() (*receiver, error) {
	rc := a.opts.Receiver
	r := &receiver{a: a}
	r.srv = smtp.NewServer(r)
	r.srv.Domain = rc.Domain
	if r.srv.Domain == "" {
		r.srv.Domain = "localhost"
	}
	r.srv.MaxMessageBytes = a.opts.MaxBytes
	r.srv.MaxRecipients = 50
	r.srv.ReadTimeout, r.srv.WriteTimeout = 5*time.Minute, time.Minute
	if rc.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(rc.CertFile, rc.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("email receiver certificate: %w", err)
		}
		r.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", rc.Listen)
	if err != nil {
		return nil, fmt.Errorf("email receiver: listen on %s: %w", rc.Listen, err)
	}
	r.ln = ln
	a.log.Info("email receiver listening", "addr", ln.Addr().String(), "starttls", r.srv.TLSConfig != nil)
	if a.opts.ReceiverAddr != nil {
		a.opts.ReceiverAddr(ln.Addr().String())
	}
	return r, nil
}

func (r *receiver) serve(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		r.srv.Close()
	}()
	err := r.srv.Serve(r.ln)
	wg.Wait()
	if ctx.Err() != nil || errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("email receiver: %w", err)
}

// NewSession is go-smtp's Backend.
func (r *receiver) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{r: r}, nil }

type session struct {
	r     *receiver
	from  string
	rcpts []string
}

func (s *session) Reset()        { s.from, s.rcpts = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	if from == "" {
		s.from = "<>" // RFC 5321 4.5.5: a bounce
	}
	return nil
}

// Rcpt takes only the desks' addresses: the receiver is no open relay.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.r.a.deskOf(to) == "" {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No help desk has this address"}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // go-smtp answers 552 past MaxMessageBytes
	}
	a := s.r.a
	a.mu.Lock()
	ctx := a.hctx
	a.mu.Unlock()
	err = a.take(ctx, raw, s.from, s.rcpts)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errDeferred):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Try again later"}
	case errors.Is(err, errRejected):
		a.log.Warn("mail refused", "from", s.from, "err", err)
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "The mail cannot be read"}
	default:
		a.log.Error("take mail", "from", s.from, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
	}
}
