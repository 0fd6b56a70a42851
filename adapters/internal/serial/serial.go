// Package serial runs work one at a time per key while different keys run in
// parallel: chat adapters use it so the messages of one chat reach the engine
// in the order the platform sent them. It imports nothing of ours.
package serial

import "sync"

// Queue runs functions in order per key. The zero value is ready to use.
type Queue struct {
	mu     sync.Mutex
	queues map[string][]func()
	wg     sync.WaitGroup
}

// Do queues fn behind the work already queued for key.
func (s *Queue) Do(key string, fn func()) {
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
func (s *Queue) Wait() { s.wg.Wait() }
