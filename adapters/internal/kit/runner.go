package kit

import "sync"

// Runner runs functions one at a time per key while different keys run in
// parallel, so the messages of one chat reach the engine in the order the
// platform sent them. Queues are unbounded: Do never blocks the connection
// that delivered the event. The zero value is ready to use.
type Runner struct {
	mu     sync.Mutex
	queues map[string][]func()
	wg     sync.WaitGroup
}

// Do queues fn behind the work already queued for key.
func (s *Runner) Do(key string, fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queues == nil {
		s.queues = map[string][]func(){}
	}
	q, running := s.queues[key]
	s.queues[key] = append(q, fn)
	if running {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			s.mu.Lock()
			q := s.queues[key]
			if len(q) == 0 {
				delete(s.queues, key)
				s.mu.Unlock()
				return
			}
			next := q[0]
			s.queues[key] = q[1:]
			s.mu.Unlock()
			next()
		}
	}()
}

// Wait blocks until every queued function has run.
func (s *Runner) Wait() { s.wg.Wait() }
