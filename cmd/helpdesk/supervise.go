package main

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/discord"
	"github.com/helpdesk-chat/helpdesk/adapters/mattermost"
	slackad "github.com/helpdesk-chat/helpdesk/adapters/slack"
)

// Backoff is how long the supervisor waits before starting a platform
// again: Min, doubled after each failure in a row up to Max, jittered.
type Backoff struct {
	Min, Max time.Duration // default 1s and 5m
	// Jitter turns the nominal wait into the one taken (default: uniformly
	// random in [d/2, d]), so replicas restarted together do not retry in step.
	Jitter func(d time.Duration) time.Duration
	// Sleep waits d or until ctx ends (default: a timer); tests step it.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (b Backoff) withDefaults() Backoff {
	if b.Min <= 0 {
		b.Min = time.Second
	}
	if b.Max < b.Min {
		b.Max = max(5*time.Minute, b.Min)
	}
	if b.Jitter == nil {
		b.Jitter = func(d time.Duration) time.Duration { return d/2 + rand.N(d/2+1) }
	}
	if b.Sleep == nil {
		b.Sleep = sleep
	}
	return b
}

// wait is the pause after the failures-th failure in a row (1, 2, ...).
func (b Backoff) wait(failures int) time.Duration {
	d := b.Min
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	return b.Jitter(min(d, b.Max))
}

// Platform states as /readyz reports them.
const (
	stateStarting  = "starting"  // the first attempt is under way
	stateConnected = "connected" // Run is running and the platform accepted the bot
	stateRetrying  = "retrying"  // the last attempt failed; another comes after a pause
	stateStopped   = "stopped"   // the platform refused the token: dead until a restart
)

// platformStatus is one platform's state since a time, for /readyz.
type platformStatus struct {
	State string    `json:"state"`
	Since time.Time `json:"since"`
	// Failures in a row and the last one's error (redacted), while retrying or stopped.
	Failures int    `json:"failures,omitempty"`
	Error    string `json:"error,omitempty"`
}

// refused reports whether err says the platform refused the bot's token:
// retrying cannot help.
func refused(err error) bool {
	return errors.Is(err, slackad.ErrAuth) || errors.Is(err, mattermost.ErrAuth) || errors.Is(err, discord.ErrTokenRejected)
}

// supervisor runs one platform's Run again and again, with back-off, until
// ctx ends or the platform refuses the token.
type supervisor struct {
	name string
	run  func(ctx context.Context) error
	// ready is closed once the platform accepted the bot (nil: connected as
	// soon as Run runs). It closes once per adapter, so a Run started again
	// after a connected one counts as connected at once; the adapters log
	// their own reconnects.
	ready   <-chan struct{}
	backoff Backoff
	now     func() time.Time
	log     *slog.Logger
	redact  func(string) string

	mu      sync.Mutex
	st      platformStatus
	attempt int           // the number of the Run in progress
	changed chan struct{} // closed (and replaced) at every change of st
}

func newSupervisor(name string, run func(context.Context) error, ready <-chan struct{}, b Backoff, now func() time.Time,
	log *slog.Logger, redact func(string) string) *supervisor {
	return &supervisor{name: name, run: run, ready: ready, backoff: b.withDefaults(), now: now, log: log,
		redact: redact, st: platformStatus{State: stateStarting, Since: now()}, changed: make(chan struct{})}
}

// status returns the current state and a channel closed at the next change.
func (s *supervisor) status() (platformStatus, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st, s.changed
}

// set changes the state (keeping its since when the state stays the same)
// if attempt is still the Run in progress (0: any).
func (s *supervisor) set(attempt int, st platformStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if attempt != 0 && attempt != s.attempt {
		return
	}
	if st.State == s.st.State {
		st.Since = s.st.Since
	}
	s.st = st
	close(s.changed)
	s.changed = make(chan struct{})
}

// loop runs the platform until ctx ends or it refuses the token.
func (s *supervisor) loop(ctx context.Context) {
	failures := 0
	for {
		s.mu.Lock()
		s.attempt++
		attempt := s.attempt
		s.mu.Unlock()
		done := make(chan struct{})
		connected := make(chan struct{})
		go func() {
			if s.ready != nil {
				select {
				case <-s.ready:
				case <-done:
					return
				}
			}
			close(connected)
			s.set(attempt, platformStatus{State: stateConnected, Since: s.now()})
		}()
		err := s.run(ctx)
		close(done)
		if ctx.Err() != nil {
			return
		}
		select {
		case <-connected:
			failures = 0 // it worked for a while: start again at the short wait
		default:
		}
		failures++
		if err == nil {
			err = errors.New("stopped without an error")
		}
		msg := s.redact(err.Error())
		s.mu.Lock()
		s.attempt++ // a late ready of the finished Run changes nothing
		s.mu.Unlock()
		if refused(err) {
			s.set(0, platformStatus{State: stateStopped, Since: s.now(), Failures: failures, Error: msg})
			s.log.Error("platform stopped: it refused the token; fix the token and restart helpdesk (the rest keeps serving)",
				"err", msg)
			return
		}
		wait := s.backoff.wait(failures)
		s.set(0, platformStatus{State: stateRetrying, Since: s.now(), Failures: failures, Error: msg})
		s.log.Warn("platform unreachable; the rest keeps serving, retrying", "failures", failures, "retry_in", wait.String(), "err", msg)
		if s.backoff.Sleep(ctx, wait) != nil {
			return
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
