package sqlite

import (
	"bytes"
	"context"
	"maps"
	"sync"
	"time"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// What every event reads and few events write is kept in memory: the
// agents' and the desks' presence (read to route and to tell whether a desk
// is offline) and the conversation states (read at the start of every
// conversation step). The copies stay exact because every write of those
// tables goes through this Store, which drops or replaces its copy with the
// write: SQLite is the store of one helpdesk process, and the other
// processes that may open the file (helpdesk tickets export, helpdesk
// migrate -from) only read it. A read that races a write never puts back
// what it read from before the write (see statusMemo and stateMemo).

// statusMemo keeps a whole status table (presence, desk_presence).
type statusMemo struct {
	mu  sync.Mutex
	gen uint64            // counts writes started and ended
	m   map[string]string // nil: not kept
}

// get returns a copy of the table, reading it with load when not kept.
func (t *statusMemo) get(load func() (map[string]string, error)) (map[string]string, error) {
	t.mu.Lock()
	if t.m != nil {
		m := maps.Clone(t.m)
		t.mu.Unlock()
		return m, nil
	}
	gen := t.gen
	t.mu.Unlock()
	m, err := load()
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if t.gen == gen { // no write began or ended meanwhile: what load read is current
		t.m = maps.Clone(m)
	}
	t.mu.Unlock()
	return m, nil
}

// write runs a write of the table; the copy is dropped before and after.
func (t *statusMemo) write(fn func() error) error {
	t.drop()
	defer t.drop()
	return fn()
}

func (t *statusMemo) drop() {
	t.mu.Lock()
	t.gen++
	t.m = nil
	t.mu.Unlock()
}

// maxMemoStates bounds the conversation states kept (a few hundred bytes each).
const maxMemoStates = 10000

// stateMemo keeps conversation states by key with their versions.
type stateMemo struct {
	mu  sync.Mutex
	gen uint64 // counts PutState calls started
	m   map[string]memoState
	// writing holds, per key with a PutState under way, how many there are
	// and the number of the last one begun.
	writing map[string]stateWrites
}

type memoState struct {
	data    []byte
	version int64
}

type stateWrites struct {
	n    int
	last uint64
}

func (s *stateMemo) get(key string) (memoState, bool, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[key]
	return st, ok, s.gen
}

// fill keeps what a read found, unless a write (of any key) began since
// the read did (gen) or a newer copy is kept already.
func (s *stateMemo) fill(key string, st memoState, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen {
		return
	}
	if _, ok := s.m[key]; !ok {
		s.keep(key, st)
	}
}

// begin notes that a write of key starts; it returns the write's number for done.
func (s *stateMemo) begin(key string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	if s.writing == nil {
		s.writing = make(map[string]stateWrites)
	}
	w := s.writing[key]
	w.n++
	w.last = s.gen
	s.writing[key] = w
	return s.gen
}

// done records a write's outcome: after a success with no other write of
// the same key begun meanwhile, st is the newest state of key; otherwise the
// copy is dropped (the next read goes to the database). Writes of other
// keys do not matter: each key is its own row.
func (s *stateMemo) done(key string, st memoState, ok bool, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.writing[key]
	w.n--
	if w.n <= 0 {
		delete(s.writing, key)
	} else {
		s.writing[key] = w
	}
	if ok && w.n <= 0 && w.last == gen {
		s.keep(key, st)
		return
	}
	delete(s.m, key)
}

func (s *stateMemo) keep(key string, st memoState) {
	if s.m == nil {
		s.m = make(map[string]memoState)
	}
	if _, ok := s.m[key]; !ok && len(s.m) >= maxMemoStates {
		for k := range s.m { // drop one at random
			delete(s.m, k)
			break
		}
	}
	s.m[key] = st
}

// GetState returns a conversation's saved state and its version.
func (s *Store) GetState(ctx context.Context, key string) ([]byte, int64, error) {
	st, ok, gen := s.states.get(key)
	if ok {
		return bytes.Clone(st.data), st.version, nil
	}
	data, version, err := s.core.GetState(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	s.states.fill(key, memoState{data: bytes.Clone(data), version: version}, gen)
	return data, version, nil
}

// PutState saves data if the stored version is still version (0: never
// saved); errs.ECONFLICT if another writer saved it in between.
func (s *Store) PutState(ctx context.Context, key string, data []byte, version int64) (int64, error) {
	gen := s.states.begin(key)
	v, err := s.core.PutState(ctx, key, data, version)
	if data == nil {
		data = []byte{}
	}
	s.states.done(key, memoState{data: bytes.Clone(data), version: v}, err == nil, gen)
	return v, err
}

// PutStateAsked records a question and saves the state of the step that
// asked it, in one transaction (see sqlcore.Core.PutStateAsked).
func (s *Store) PutStateAsked(ctx context.Context, key string, version int64, q *tickets.Question,
	encode func(questionID int64) ([]byte, error)) (int64, error) {
	gen := s.states.begin(key)
	var data []byte
	v, err := s.core.PutStateAsked(ctx, key, version, q, func(id int64) ([]byte, error) {
		var err error
		data, err = encode(id)
		return data, err
	})
	if data == nil {
		data = []byte{}
	}
	s.states.done(key, memoState{data: bytes.Clone(data), version: v}, err == nil, gen)
	return v, err
}

// Presence returns every agent's recorded status.
func (s *Store) Presence(ctx context.Context) (map[string]string, error) {
	return s.presence.get(func() (map[string]string, error) { return s.core.Presence(ctx) })
}

// SetPresence records an agent's status.
func (s *Store) SetPresence(ctx context.Context, agent, status string, at time.Time) error {
	return s.presence.write(func() error { return s.core.SetPresence(ctx, agent, status, at) })
}

// DeskPresence returns every desk's recorded status.
func (s *Store) DeskPresence(ctx context.Context) (map[string]string, error) {
	return s.deskPresence.get(func() (map[string]string, error) { return s.core.DeskPresence(ctx) })
}

// SetDeskPresence records a desk's status (online, offline).
func (s *Store) SetDeskPresence(ctx context.Context, desk, status string, at time.Time) error {
	return s.deskPresence.write(func() error { return s.core.SetDeskPresence(ctx, desk, status, at) })
}

// maxMemoSessions bounds the sign-in sessions kept (every web request reads one).
const maxMemoSessions = 10000

// sessionMemo keeps sign-in sessions by id. Every write of a session
// (PutSession, DeleteSession) drops its copy before and after; the sweep of
// expired sessions deletes only what GetSession refuses anyway by its
// expiry, which it checks on the copy too.
type sessionMemo struct {
	mu  sync.Mutex
	gen uint64 // counts drops
	m   map[string]auth.Session
}

func (s *sessionMemo) get(id string) (auth.Session, bool, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.m[id]
	return se, ok, s.gen
}

// fill keeps what a read found unless a session was written since (gen).
func (s *sessionMemo) fill(se auth.Session, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen {
		return
	}
	if s.m == nil {
		s.m = make(map[string]auth.Session)
	}
	if _, ok := s.m[se.ID]; !ok && len(s.m) >= maxMemoSessions {
		for k := range s.m { // drop one at random
			delete(s.m, k)
			break
		}
	}
	s.m[se.ID] = se
}

func (s *sessionMemo) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	delete(s.m, id)
}
