// Package clocktest is the one settable clock of the tests: code under test
// takes its time from a func() time.Time (clocktest.Clock.Now), and a test
// moves the time with Advance or Set instead of sleeping.
//
// It is a leaf package: it imports only the standard library, so a test of
// any package may use it.
package clocktest

import (
	"sync"
	"time"
)

// Clock is a time source that moves only when told. It is safe for
// concurrent use: the code under test may read it from its goroutines while
// the test moves it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock standing at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d (back, if d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
