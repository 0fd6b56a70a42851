package kit

import (
	"context"
	"log/slog"
	"sync"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Finder looks a group chat up in the ticket store (tickets.Store has it).
type Finder interface {
	FindByGroupChat(ctx context.Context, platform, chat string) (*tickets.Ticket, error)
}

// stateGetter is the part of a store that knows side conversations
// (tickets.SideChatKey); a Finder that has it recognises them too.
type stateGetter interface {
	GetState(ctx context.Context, key string) ([]byte, int64, error)
}

// GroupChats remembers which platform channels are tickets' group chats, for
// adapters that must tell a ticket chat from any other channel. A channel the
// adapter created is known at once; one created before a restart is looked up
// in the ticket store the first time it is seen.
type GroupChats struct {
	platform string
	find     Finder // nil: only channels added with Add are known
	log      *slog.Logger

	mu    sync.Mutex
	known map[string]bool
}

// NewGroupChats returns an empty set for platform; find may be nil.
func NewGroupChats(platform string, find Finder, log *slog.Logger) *GroupChats {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &GroupChats{platform: platform, find: find, log: log, known: map[string]bool{}}
}

// Add records a group chat the adapter created.
func (s *GroupChats) Add(channel string) {
	s.mu.Lock()
	s.known[channel] = true
	s.mu.Unlock()
}

// Has reports whether channel is a ticket's group chat. A store error is
// logged and answered "no", so a message is not mistaken for a ticket chat.
func (s *GroupChats) Has(ctx context.Context, channel string) bool {
	s.mu.Lock()
	known := s.known[channel]
	s.mu.Unlock()
	if known || s.find == nil || channel == "" {
		return known
	}
	_, err := s.find.FindByGroupChat(ctx, s.platform, channel)
	if st, ok := s.find.(stateGetter); ok && errs.Code(err) == errs.ENOTFOUND {
		// A side conversation about a ticket is a ticket chat too.
		_, _, err = st.GetState(ctx, tickets.SideChatKey(s.platform, channel))
	}
	switch {
	case err == nil:
		s.Add(channel)
		return true
	case errs.Code(err) != errs.ENOTFOUND:
		s.log.Warn("look up group chat", "channel", channel, "err", err)
	}
	return false
}
