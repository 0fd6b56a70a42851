package sqlite

import (
	"context"
	"sync"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// The accounts' verified addresses (identities) are read to render every
// ticket card (the requester's earlier tickets on other channels) and
// written only when a platform tells a link: IdentityOf is kept in memory,
// a found link and a missing one alike, with the same rule as the other
// copies of memo.go (every write goes through this Store, which drops the
// copy before and after it; a read that races a write does not put back
// what it read).

// maxMemoIdentities bounds the accounts kept (the copy is dropped whole
// when full).
const maxMemoIdentities = 10000

type identityMemo struct {
	mu  sync.Mutex
	gen uint64 // counts writes started and ended
	m   map[identityKey]identityRead
}

type identityKey struct{ platform, user string }

// identityRead is what IdentityOf returned: a link, or ENOTFOUND.
type identityRead struct {
	id  tickets.Identity
	err error
}

func (t *identityMemo) get(k identityKey) (identityRead, bool, uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.m[k]
	return r, ok, t.gen
}

func (t *identityMemo) fill(k identityKey, r identityRead, gen uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gen != gen {
		return
	}
	if t.m == nil || len(t.m) >= maxMemoIdentities {
		t.m = make(map[identityKey]identityRead)
	}
	t.m[k] = r
}

func (t *identityMemo) drop() {
	t.mu.Lock()
	t.gen++
	t.m = nil
	t.mu.Unlock()
}

// IdentityOf returns the account's link (errs.ENOTFOUND if none).
func (s *Store) IdentityOf(ctx context.Context, platform, userID string) (tickets.Identity, error) {
	k := identityKey{platform, userID}
	r, ok, gen := s.identities.get(k)
	if ok {
		return r.id, r.err
	}
	id, err := s.core.IdentityOf(ctx, platform, userID)
	if err == nil || errs.Code(err) == errs.ENOTFOUND {
		s.identities.fill(k, identityRead{id, err}, gen)
	}
	return id, err
}

// LinkIdentity records the account's verified address (an empty one removes
// the link).
func (s *Store) LinkIdentity(ctx context.Context, id tickets.Identity) error {
	s.identities.drop()
	defer s.identities.drop()
	return s.core.LinkIdentity(ctx, id)
}
