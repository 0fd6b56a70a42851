// Package webtest starts the web chat on a real engine, store and HTTP server
// (127.0.0.1, port 0) for tests: the Go tests of adapters/web, the browser
// tests in e2e/, and the Ticket Center's tests, which add their routes.
package webtest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/web"
	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// Options configure Start.
type Options struct {
	// Config is the path of helpdesk.yaml.
	Config string
	// Now is the clock of the engine and of sign-in (default time.Now).
	Now func() time.Time
	// Routes, when set, adds handlers to the server's mux (e.g. the Ticket
	// Center) before it starts.
	Routes func(mux *http.ServeMux, s *Server)
	// CenterURL is passed to the web chat (a link in its header).
	CenterURL string
	Logger    *slog.Logger
	// WebStore, when set, wraps the store the web chat uses (e.g. to count
	// its queries); the engine and sign-in use the store itself.
	WebStore func(web.Store) web.Store
	// PollInterval is passed to the web chat (0: its default).
	PollInterval time.Duration
}

// Server is a running web chat.
type Server struct {
	URL      string // http://127.0.0.1:port
	Store    *sqlite.Store
	Engine   *bot.Engine
	Web      *web.Platform
	Auth     *auth.Manager
	Mux      *http.ServeMux
	HTTP     *http.Server
	cfg      atomic.Pointer[config.Config]
	listener net.Listener
}

// Config returns the live config.
func (s *Server) Config() *config.Config { return s.cfg.Load() }

// Start loads the config, opens a fresh SQLite store in a temp dir, and
// serves the web chat until the test ends.
func Start(tb testing.TB, o Options) *Server {
	tb.Helper()
	ctx := context.Background()
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := config.Load(o.Config)
	if err != nil {
		tb.Fatalf("load config: %v", err)
	}
	set, err := faq.BuildSet(cfg)
	if err != nil {
		tb.Fatalf("build FAQ: %v", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "helpdesk.db"))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), Store: st, listener: ln, Mux: http.NewServeMux()}
	s.cfg.Store(cfg)
	s.Auth, err = auth.New(auth.Options{Store: st, Now: o.Now, BaseURL: s.URL, Logger: o.Logger,
		Demo: func() bool { c := s.Config(); return c.Platforms.Web != nil && c.Platforms.Web.Demo }})
	if err != nil {
		tb.Fatalf("new auth: %v", err)
	}
	var ws web.Store = st
	if o.WebStore != nil {
		ws = o.WebStore(st)
	}
	s.Web, err = web.New(web.Options{Store: ws, Auth: s.Auth, Config: s.Config, Now: o.Now, Logger: o.Logger,
		CenterURL: o.CenterURL, PollInterval: o.PollInterval,
		Files: func() *tickets.Attachments { return s.Engine.Attachments() }})
	if err != nil {
		tb.Fatalf("new web chat: %v", err)
	}
	s.Engine, err = bot.New(bot.Options{Store: st, Runtime: &bot.Runtime{Config: cfg, FAQ: set},
		Platforms: []bot.Platform{s.Web}, Now: o.Now, Logger: o.Logger, SignInLink: s.Auth.SignInLink})
	if err != nil {
		tb.Fatalf("new engine: %v", err)
	}
	s.Web.SetHandler(s.Engine.Handle)
	if err := s.Engine.Recover(ctx); err != nil {
		tb.Fatalf("recover: %v", err)
	}
	s.Auth.Routes(s.Mux)
	s.Web.Routes(s.Mux)
	if o.Routes != nil {
		o.Routes(s.Mux, s)
	}
	// Cancelling the base context ends the open event streams at cleanup.
	base, stop := context.WithCancel(context.Background())
	s.HTTP = &http.Server{Handler: s.Mux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return base }}
	go s.HTTP.Serve(ln)
	tb.Cleanup(func() {
		stop()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.HTTP.Shutdown(sctx)
		s.HTTP.Close()
		st.Close()
	})
	return s
}

// Link returns a one-time sign-in link for a web user.
func (s *Server) Link(tb testing.TB, user, name string) string {
	tb.Helper()
	l, err := s.Auth.Link(context.Background(), auth.Identity{Platform: web.Name, UserID: user, Name: name}, "/")
	if err != nil {
		tb.Fatalf("sign-in link for %s: %v", user, err)
	}
	return l
}
