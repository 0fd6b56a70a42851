package platformtest

import "sync"

// Signal tells waiters that something may have changed on the platform
// (typically: the engine finished handling an event). A waiter takes C,
// checks its condition, and waits on the channel only if it does not hold
// yet, so no change between the check and the wait is missed.
type Signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// C returns a channel closed at the next Notify.
func (s *Signal) C() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// Notify wakes every waiter.
func (s *Signal) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}
