package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/discord"
	"github.com/helpdesk-chat/helpdesk/adapters/email"
	"github.com/helpdesk-chat/helpdesk/adapters/mattermost"
	slackad "github.com/helpdesk-chat/helpdesk/adapters/slack"
	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/center"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/examples"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/internal/redact"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// tickInterval is how often timers (Start Chat timeout, snooze, inactivity,
// SLA) and queue dispatch run.
const tickInterval = 15 * time.Second

// MainOptions configure a Main.
type MainOptions struct {
	ConfigPath string // "" = ./helpdesk.yaml, else ./helpdesk-data/helpdesk.yaml, written from the demo if missing
	Listen     string // overrides the config's listen address (tests use 127.0.0.1:0)
	ListenFrom string // where Listen came from, for errors ("-listen", "HELPDESK_LISTEN"; "" = the caller)
	Logger     *slog.Logger
	Stdout     io.Writer
	// Backoff paces the attempts to start a platform that cannot connect
	// (zero: 1s doubling to 5m, jittered).
	Backoff Backoff
	Now     func() time.Time // default time.Now
	// Slack, Discord and Mattermost, when set, adjust a platform's options
	// before it is built (tests point them at fakes).
	Slack      func(*slackad.Options)
	Discord    func(*discord.Options)
	Mattermost func(*mattermost.Options)
	Email      func(*email.Options)
}

// Main is the running program: config, store, engine, HTTP server, timers
// and the config watcher. Run starts it; Close stops it.
type Main struct {
	opts    MainOptions
	log     *slog.Logger    // redacts secrets: every log line of the program goes through it
	secrets *redact.Secrets // the platforms' tokens and secrets, added as they start
	store   tickets.Store
	auth    *auth.Manager // nil when the store keeps no sessions
	metrics *center.Metrics
	engine  *bot.Engine
	srv     *http.Server
	ln      net.Listener
	metSrv  *http.Server // /metrics on metrics.listen, if set
	metLn   net.Listener
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	platforms []*supervisor // one per platform, in config order

	genMu    sync.Mutex
	gen      int64     // config generation: 1 at start, +1 at every reload taken
	loadedAt time.Time // when the live config was taken
}

// NewMain returns a Main that has not started yet.
func NewMain(opts MainOptions) *Main {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	secrets := redact.New()
	log := slog.New(redact.NewHandler(opts.Logger.Handler(), secrets))
	return &Main{opts: opts, log: log, secrets: secrets}
}

// Run loads the config, opens the store, starts the engine, the timers, the
// config watcher and the HTTP server, and returns once they are running.
func (m *Main) Run(ctx context.Context) error {
	path, err := m.configPath()
	if err != nil {
		return err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return fmt.Errorf("load config:\n%w", err)
	}
	set, err := faq.BuildSet(cfg)
	if err != nil {
		return fmt.Errorf("build FAQ index: %w", err)
	}
	m.loaded(m.opts.Now())
	m.store, err = openStore(ctx, cfg.Store, filepath.Dir(path))
	if err != nil {
		return err
	}
	listen, from := cfg.Listen, "listen in "+path
	if m.opts.Listen != "" {
		listen, from = m.opts.Listen, cmp.Or(m.opts.ListenFrom, "the listen option")
	}
	m.ln, err = net.Listen("tcp", listen)
	if err != nil {
		// Name the setting: on a first run the demo config's 127.0.0.1:8080
		// may be taken, and the user has never seen that file.
		return fmt.Errorf("listen on %s (from %s): %w; free the port, or choose another address with -listen ADDR, %s=ADDR or listen in %s",
			listen, from, err, listenEnv, path)
	}
	if m.auth, err = m.newAuth(cfg); err != nil {
		m.ln.Close()
		return err
	}
	m.metrics = center.NewMetrics()
	// The platforms are built first and handed to the engine; each Run gets
	// the engine as its handler below.
	mux := m.routes()
	platforms, err := m.newPlatforms(cfg, mux)
	if err != nil {
		m.ln.Close()
		return err
	}
	opts := bot.Options{Store: m.store, Runtime: &bot.Runtime{Config: cfg, FAQ: set}, Logger: m.log, Observe: m.metrics.Observe,
		ObserveDelivery: m.metrics.ObserveDelivery}
	for _, p := range platforms {
		opts.Platforms = append(opts.Platforms, p)
	}
	if m.auth != nil {
		// A link sent from a chat platform opens the Ticket Center.
		opts.SignInLink = func(ctx context.Context, platform, user, name string) (string, error) {
			return m.auth.Link(ctx, auth.Identity{Platform: platform, UserID: user, Name: name}, "/center/")
		}
	}
	m.engine, err = bot.New(opts)
	if err != nil {
		m.ln.Close()
		return err
	}

	ctx, m.cancel = context.WithCancel(ctx)
	if err := m.runPlatforms(ctx, platforms); err != nil {
		m.ln.Close()
		return err
	}
	if err := m.startCenter(mux); err != nil {
		m.ln.Close()
		return err
	}
	// Recover posts cards a crash left unposted, so the platforms come first.
	if err := m.engine.Recover(ctx); err != nil {
		m.ln.Close()
		return err
	}
	// Requests (and open event streams) end when Main is closed.
	m.srv = &http.Server{Handler: m.guardMetrics(mux, cfg), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	if err := m.serveMetrics(ctx, cfg, path); err != nil {
		m.ln.Close()
		return err
	}

	m.wg.Add(3)
	go func() {
		defer m.wg.Done()
		if err := m.srv.Serve(m.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log.Error("http server stopped", "err", err)
		}
	}()
	go func() {
		defer m.wg.Done()
		m.engine.Run(ctx, tickInterval)
	}()
	go func() {
		defer m.wg.Done()
		if err := config.Watch(ctx, path, m.reload, func(err error) {
			m.log.Error("config change rejected; the last good config stays live", "problems", err.Error())
		}); err != nil {
			m.log.Error("config watcher stopped", "err", err)
		}
	}()
	m.log.Info("helpdesk running", "version", versionString(), "config", path, "summary", cfg.Summary(), "listen", m.ln.Addr().String())
	fmt.Fprintf(m.opts.Stdout, "helpdesk %s: %s; listening on http://%s\n", versionString(), cfg.Summary(), m.ln.Addr())
	return nil
}

// baseURL is the address people reach the web on: the base_url of the
// config, else the listen address.
func (m *Main) baseURL(cfg *config.Config) string {
	if cfg.BaseURL != "" {
		return strings.TrimRight(cfg.BaseURL, "/")
	}
	return "http://" + m.ln.Addr().String()
}

// newAuth returns the web sign-in manager, or nil if the store cannot keep
// sign-in links and sessions.
func (m *Main) newAuth(cfg *config.Config) (*auth.Manager, error) {
	st, ok := m.store.(auth.Store)
	if !ok {
		return nil, nil
	}
	return auth.New(auth.Options{Store: st, BaseURL: m.baseURL(cfg), Logger: m.log.With("component", "auth"),
		Demo: func() bool {
			c := m.engine.Runtime().Config
			return c.Platforms.Web != nil && c.Platforms.Web.Demo
		}})
}

// startCenter serves the Ticket Center, the JSON API, /metrics and the desk
// share pages.
func (m *Main) startCenter(mux *http.ServeMux) error {
	if m.auth == nil {
		return errors.New("the Ticket Center needs a store that keeps sessions")
	}
	c, err := center.New(center.Options{Store: m.store, Service: m.engine.Tickets(), Engine: m.engine,
		Config: func() *config.Config { return m.engine.Runtime().Config }, Auth: m.auth,
		Metrics: m.metrics, Logger: m.log.With("component", "center")})
	if err != nil {
		return err
	}
	c.Routes(mux)
	return nil
}

// Addr is the address the HTTP server listens on (after Run).
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Engine returns the running engine (after Run).
func (m *Main) Engine() *bot.Engine { return m.engine }

func (m *Main) reload(cfg *config.Config) {
	set, err := faq.BuildSet(cfg)
	if err != nil {
		m.log.Error("config change rejected: FAQ index failed; the last good config stays live", "err", err)
		return
	}
	old := m.engine.Runtime().Config
	if old.Store != cfg.Store || old.Listen != cfg.Listen {
		m.log.Warn("store and listen changes take effect after a restart")
	}
	// Events that started on the old snapshot keep searching it; it holds
	// only memory, freed when they are done.
	m.engine.Reload(&bot.Runtime{Config: cfg, FAQ: set})
	gen := m.loaded(m.opts.Now())
	m.log.Info("config reloaded", "summary", cfg.Summary(), "generation", gen)
}

// demoDir holds the demo config, its FAQ files and its database on a first run.
const demoDir = "helpdesk-data"

// configPath returns the config to load, writing the demo config when the
// default file does not exist yet.
func (m *Main) configPath() (string, error) {
	if m.opts.ConfigPath != "" {
		return m.opts.ConfigPath, nil
	}
	for _, p := range []string{"helpdesk.yaml", filepath.Join(demoDir, "helpdesk.yaml")} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	if err := os.MkdirAll(demoDir, 0o755); err != nil {
		return "", err
	}
	path, err := examples.WriteTo(demoDir)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(m.opts.Stdout, "No helpdesk.yaml here: wrote the demo config to %s (and its FAQ files beside it). Edit them; the bot reloads on save.\n", path)
	return path, nil
}

// openStore opens the store named in the config. Relative SQLite paths are
// relative to the config file's folder.
func openStore(ctx context.Context, dsn, dir string) (tickets.Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		// A "file:" URI (file:/srv/helpdesk.db?mode=ro) goes to SQLite as written.
		if !filepath.IsAbs(path) && !strings.HasPrefix(path, "file:") {
			path = filepath.Join(dir, path)
		}
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
		return st, nil
	case postgres.IsDSN(dsn):
		// Not "return postgres.Open(...)": a failed Open's nil *Store would
		// become a non-nil tickets.Store that Main.Close then closes.
		st, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	return nil, fmt.Errorf("unknown store %q (want sqlite:FILE or postgres://...)", dsn)
}

// Close stops the server, the timers and the watcher, and closes the store.
func (m *Main) Close() error {
	if m.cancel != nil {
		m.cancel()
	}
	var errs []error
	for _, srv := range []*http.Server{m.srv, m.metSrv} {
		if srv == nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := srv.Shutdown(ctx)
		cancel()
		if err != nil {
			errs = append(errs, err)
		}
	}
	m.wg.Wait()
	if m.store != nil {
		if err := m.store.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
