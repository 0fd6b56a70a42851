// Package redact keeps secrets (tokens, signing secrets, connection
// tickets) out of logs and error texts: a Secrets set, and one slog.Handler
// that cleans every record before it is written. cmd/helpdesk builds the
// handler once; adapters add the secrets they learn while running. It
// imports nothing of ours.
package redact

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// Mask replaces a secret.
const Mask = "[redacted]"

// Secrets is a set of strings never to be shown. The zero value is empty and
// ready; a nil *Secrets redacts only connection tickets.
type Secrets struct {
	mu   sync.RWMutex
	list []string
}

// New returns a set holding secrets (empty ones are skipped).
func New(secrets ...string) *Secrets {
	s := &Secrets{}
	s.Add(secrets...)
	return s
}

// Add puts more secrets in the set; empty ones are skipped.
func (s *Secrets) Add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range secrets {
		if x != "" && !contains(s.list, x) {
			s.list = append(s.list, x)
		}
	}
}

func contains(list []string, x string) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// String returns text with every secret masked, and the query of a URL that
// carries a connection ticket ("?ticket=…", Slack's Socket Mode) cut.
func (s *Secrets) String(text string) string {
	if s != nil {
		s.mu.RLock()
		for _, x := range s.list {
			text = strings.ReplaceAll(text, x, Mask)
		}
		s.mu.RUnlock()
	}
	if i := strings.Index(text, "?ticket="); i >= 0 {
		end := strings.IndexAny(text[i:], " \"'")
		if end < 0 {
			text = text[:i] + "?" + Mask
		} else {
			text = text[:i] + "?" + Mask + text[i+end:]
		}
	}
	return text
}

// Errorf is fmt.Errorf whose text is redacted; errors.Is and errors.As still
// see the wrapped errors.
func (s *Secrets) Errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &redacted{msg: s.String(err.Error()), err: err}
}

type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// handler redacts the message and every attribute of a record.
type handler struct {
	next    slog.Handler
	secrets *Secrets
}

// NewHandler returns a handler that writes to next with secrets redacted
// from the message and from every attribute's value.
func NewHandler(next slog.Handler, secrets *Secrets) slog.Handler {
	return &handler{next: next, secrets: secrets}
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.secrets.String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(clean), secrets: h.secrets}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), secrets: h.secrets}
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.secrets.String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, x := range g {
			clean[i] = h.attr(x)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.secrets.String(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, h.secrets.String(x.String()))
		}
		return slog.String(a.Key, h.secrets.String(fmt.Sprint(v.Any())))
	}
	return slog.Attr{Key: a.Key, Value: v}
}
