package web

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Visitor sign-ins create sessions without any account, so they are limited
// per client address: a script cannot fill the session table. The limit is
// generous because many visitors may share one address (an office proxy).
const (
	visitorBurst  = 30
	visitorWindow = time.Minute
	// maxTrackedAddrs bounds the limiter's memory; past it, old windows are dropped.
	maxTrackedAddrs = 10000
)

// rateLimiter counts events per key in fixed windows.
type rateLimiter struct {
	mu     sync.Mutex
	now    func() time.Time
	limit  int
	window time.Duration
	seen   map[string]*rateWindow
}

type rateWindow struct {
	start time.Time
	n     int
}

func newRateLimiter(now func() time.Time, limit int, window time.Duration) *rateLimiter {
	return &rateLimiter{now: now, limit: limit, window: window, seen: map[string]*rateWindow{}}
}

// allow reports whether one more event for key fits in its current window.
func (l *rateLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.seen) >= maxTrackedAddrs {
		for k, w := range l.seen {
			if now.Sub(w.start) >= l.window {
				delete(l.seen, k)
			}
		}
	}
	w := l.seen[key]
	if w == nil || now.Sub(w.start) >= l.window {
		if w == nil && len(l.seen) >= maxTrackedAddrs {
			return false // every tracked window is live: refuse rather than grow
		}
		w = &rateWindow{start: now}
		l.seen[key] = w
	}
	if w.n >= l.limit {
		return false
	}
	w.n++
	return true
}

// clientAddr is the request's remote IP address (without the port).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
