package center

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Auth guards the pages: Require lets through only signed-in requests with
// a valid CSRF token on changes, and puts the session in the context
// (auth.FromContext). *auth.Manager implements it.
type Auth interface {
	Require(next http.Handler) http.Handler
}

// Searcher is the optional store query for text search; stores without it
// are searched in memory.
type Searcher interface {
	// SearchTickets returns the tickets matching f whose key, subject,
	// requester, form answers or transcript (and notes, if notes) contain text.
	SearchTickets(ctx context.Context, f tickets.Filter, text string, notes bool) ([]*tickets.Ticket, error)
}

// StatusCounter is the optional store query behind the tickets-by-status metric.
type StatusCounter interface {
	CountByStatus(ctx context.Context) (map[string]map[tickets.Status]int, error)
}

// Options configure a Center. Store, Service, Config and Auth are required.
type Options struct {
	Store   Store            // read-only; writes go through Engine or Service
	Service *tickets.Service // the engine's: Engine.Tickets()
	Engine  Engine           // nil: changes through Service alone, no platform effects, no notifications
	Config  func() *config.Config
	Auth    Auth
	Metrics *Metrics // nil: /metrics is not served
	Logger  *slog.Logger
	Now     func() time.Time
	// DMLink returns a link that opens a direct message with the bot on a
	// platform, when the adapter knows one (the desk share page). Nil or
	// false: the page derives what it can from the config.
	DMLink func(ctx context.Context, platform string) (string, bool)
	// LiveEvery is how often the live updates read the store's change feed
	// for changes made elsewhere (the bot, another replica) while a page
	// listens; 0: every second. Changes made through this Center are read
	// at once.
	LiveEvery time.Duration
}

// Center serves the Ticket Center, the API, /metrics and the desk pages.
type Center struct {
	store   Store
	svc     *tickets.Service
	engine  Engine
	config  func() *config.Config
	auth    Auth
	metrics *Metrics
	log     *slog.Logger
	now     func() time.Time
	dmLink  func(ctx context.Context, platform string) (string, bool)
	pages   map[string]*template.Template
	static  http.Handler
	feed    ChangeFeed          // nil: no live updates
	hub     *hub                // nil without feed
	marks   tickets.Checkpoints // the read marks; nil: no unread markers
	kb      knowledgeBase       // the desks' FAQ full-text indexes
}

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// New returns a Center.
func New(o Options) (*Center, error) {
	switch {
	case o.Store == nil:
		return nil, errors.New("center: Options.Store is required")
	case o.Service == nil:
		return nil, errors.New("center: Options.Service is required")
	case o.Config == nil:
		return nil, errors.New("center: Options.Config is required")
	case o.Auth == nil:
		return nil, errors.New("center: Options.Auth is required")
	}
	c := &Center{store: o.Store, svc: o.Service, engine: o.Engine, config: o.Config, auth: o.Auth,
		metrics: o.Metrics, log: o.Logger, now: o.Now, dmLink: o.DMLink}
	if c.engine == nil {
		c.engine = serviceOnly{o.Service, o.Config}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if f, ok := o.Store.(ChangeFeed); ok {
		every := o.LiveEvery
		if every <= 0 {
			every = time.Second
		}
		c.feed = f
		c.hub = newHub(f, o.Store, every, c.log.Warn)
	}
	if m, ok := o.Store.(tickets.Checkpoints); ok {
		c.marks = m
	}
	var err error
	if c.pages, err = parsePages(); err != nil {
		return nil, fmt.Errorf("center: %w", err)
	}
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("center: %w", err)
	}
	c.static = http.StripPrefix("/center/static/", http.FileServerFS(sub))
	if c.metrics != nil {
		if err := c.metrics.watch(c); err != nil {
			return nil, fmt.Errorf("center: %w", err)
		}
	}
	return c, nil
}

// Routes registers the Ticket Center (/center/), the API (/api/v1/), the
// desk share pages (/desks/{id}) and, with Metrics, /metrics.
func (c *Center) Routes(mux *http.ServeMux) {
	page := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, c.auth.Require(h)) }
	mux.Handle("GET /center/static/", c.static)
	mux.Handle("GET /center", http.RedirectHandler("/center/", http.StatusMovedPermanently))
	page("GET /center/{$}", c.handleList)
	page("GET /center/tickets/{key}", c.handleTicket)
	page("GET /center/tickets/{key}/files/{id}", c.handleFile)
	mux.Handle("POST /center/tickets/{key}/{action}", c.limitUploads(c.auth.Require(http.HandlerFunc(c.handleAction))))
	page("GET /center/new", c.handleNewForm)
	page("POST /center/new", c.handleNew)
	page("GET /center/stats", c.handleStats)
	page("GET /center/export", c.handleExport)
	page("POST /center/status", c.handleStatus)
	page("POST /center/bulk", c.handleBulk)
	page("GET /center/live", c.handleLive)

	mux.HandleFunc("GET /api/v1/tickets", c.api(c.apiList))
	mux.HandleFunc("POST /api/v1/tickets", c.api(c.apiCreate))
	mux.HandleFunc("GET /api/v1/tickets/{key}", c.api(c.apiGet))
	mux.HandleFunc("POST /api/v1/tickets/{key}/transitions", c.api(c.apiTransition))
	mux.HandleFunc("GET /api/v1/export", c.api(c.apiExport))
	mux.HandleFunc("GET /api/v1/faq", c.api(c.apiFAQ))
	mux.HandleFunc("GET /api/v1/snippets", c.api(c.apiSnippets))

	mux.HandleFunc("GET /desks/{id}", c.handleDesk)
	mux.HandleFunc("GET /desks/{id}/qr.png", c.handleQR)
	if c.metrics != nil {
		mux.Handle("GET /metrics", c.metrics.Handler())
	}
}

// viewer is the signed-in person and what the config lets them do.
type viewer struct {
	id     auth.Identity
	csrf   string
	global bool                         // a global admin: admin of every desk
	roles  map[string]tickets.ActorRole // desk id -> agent or admin
	names  map[string]string            // desk id -> agent name from config
	desks  []string                     // desks with a staff role, in config order
	agent  string                       // the agent's name on their first desk ("" if no agent)
	status string                       // the agent's status (online if none recorded)
	own    map[string]bool              // desk ids where the viewer, an agent, sees only their tickets
}

// viewerFor resolves the identity against the config only.
func viewerFor(cfg *config.Config, s auth.Session) *viewer {
	v := &viewer{id: s.Identity, csrf: s.CSRF, roles: map[string]tickets.ActorRole{}, names: map[string]string{}, own: map[string]bool{}}
	v.global = cfg.Admins.Has(v.id.Platform, v.id.UserID)
	for _, d := range cfg.Desks {
		role := tickets.ActorRole("")
		if a := d.Agent(v.id.Platform, v.id.UserID); a != nil {
			role = tickets.RoleAgent
			v.names[d.ID] = a.Name
			if v.agent == "" {
				v.agent = a.Name
			}
		}
		if d.IsAdmin(v.id.Platform, v.id.UserID, cfg.Admins) {
			role = tickets.RoleAdmin
		}
		if role != "" {
			v.roles[d.ID] = role
			v.desks = append(v.desks, d.ID)
		}
		if role == tickets.RoleAgent && d.Visibility == "own" {
			v.own[d.ID] = true
		}
	}
	return v
}

func (v *viewer) staff(desk string) bool { return v.roles[desk] != "" }
func (v *viewer) isStaff() bool          { return len(v.desks) > 0 }

func (v *viewer) requested(t *tickets.Ticket) bool {
	return t.Requester.Platform == v.id.Platform && t.Requester.ID == v.id.UserID && v.id.UserID != ""
}

func (v *viewer) canSee(t *tickets.Ticket) bool { return v.staffSees(t) || v.requested(t) }

// staffSees reports whether the viewer sees t as staff of its desk: every
// ticket of the desk, or with `visibility: own` an agent only those
// assigned to them.
func (v *viewer) staffSees(t *tickets.Ticket) bool {
	return v.staff(t.Desk) && (!v.own[t.Desk] || (t.Assignee != "" && t.Assignee == v.names[t.Desk]))
}

// actor is who the viewer acts as on a ticket of desk.
func (v *viewer) actor(desk string) tickets.Actor {
	a := tickets.Actor{Role: tickets.RoleUser, Platform: v.id.Platform, ID: v.id.UserID, Name: v.id.Name}
	if r := v.roles[desk]; r != "" {
		a.Role = r
		if n := v.names[desk]; n != "" {
			a.Name = n
		}
	}
	return a
}

// actorOn is the viewer's actor for t: the requester acting on their own
// ticket acts as the requester unless they are its agent or an admin.
func (v *viewer) actorOn(t *tickets.Ticket) tickets.Actor {
	a := v.actor(t.Desk)
	if v.requested(t) && a.Role == tickets.RoleAgent && a.Name != t.Assignee {
		a.Role, a.Name = tickets.RoleUser, v.id.Name
	}
	return a
}

func (v *viewer) person() tickets.Person {
	return tickets.Person{Platform: v.id.Platform, ID: v.id.UserID, Name: v.id.Name}
}

// visible lists the tickets the viewer may see that match f and text:
// the staff desks' tickets (f.Desk narrowing them) and their own.
func (c *Center) visible(ctx context.Context, v *viewer, f tickets.Filter, text string) ([]*tickets.Ticket, error) {
	var out []*tickets.Ticket
	seen := map[int64]bool{}
	add := func(ts []*tickets.Ticket) {
		for _, t := range ts {
			if !seen[t.ID] {
				seen[t.ID] = true
				out = append(out, t)
			}
		}
	}
	desks := v.desks
	if f.Desk != "" {
		desks = nil
		if v.staff(f.Desk) {
			desks = []string{f.Desk}
		}
	}
	if len(desks) > 0 {
		sf := f
		sf.Desk, sf.Desks = "", desks
		ts, err := c.search(ctx, sf, text, true)
		if err != nil {
			return nil, err
		}
		add(slices.DeleteFunc(ts, func(t *tickets.Ticket) bool { return !v.staffSees(t) }))
	}
	own := f
	own.Requester = &tickets.Person{Platform: v.id.Platform, ID: v.id.UserID}
	ts, err := c.search(ctx, own, text, false)
	if err != nil {
		return nil, err
	}
	add(ts)
	slices.SortFunc(out, func(a, b *tickets.Ticket) int {
		if n := b.CreatedAt.Compare(a.CreatedAt); n != 0 {
			return n
		}
		return int(b.ID - a.ID)
	})
	return out, nil
}

// search runs a text search with the store's query, or in memory.
func (c *Center) search(ctx context.Context, f tickets.Filter, text string, notes bool) ([]*tickets.Ticket, error) {
	if s, ok := c.store.(Searcher); ok {
		return s.SearchTickets(ctx, f, text, notes)
	}
	ts, err := c.store.List(ctx, f)
	if err != nil || strings.TrimSpace(text) == "" {
		return ts, err
	}
	needle := strings.ToLower(strings.TrimSpace(text))
	var out []*tickets.Ticket
	for _, t := range ts {
		hay := []string{t.Key, t.Subject, t.Requester.Name, t.Category}
		for _, a := range t.Form {
			hay = append(hay, a.Value)
		}
		ms, err := c.store.Messages(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Kind == tickets.KindTranscript || notes {
				hay = append(hay, m.Text)
			}
		}
		if strings.Contains(strings.ToLower(strings.Join(hay, "\n")), needle) {
			out = append(out, t)
		}
	}
	return out, nil
}

// ticketFor loads the ticket by key if the viewer may see it; otherwise it
// reports ENOTFOUND, so a stranger learns nothing about it.
func (c *Center) ticketFor(ctx context.Context, v *viewer, key string) (*tickets.Ticket, error) {
	t, err := c.store.GetByKey(ctx, strings.ToUpper(strings.TrimSpace(key)))
	if err != nil {
		return nil, err
	}
	if !v.canSee(t) {
		c.log.Info("ticket refused", "ticket", t.Key, "platform", v.id.Platform, "user", v.id.UserID)
		return nil, errs.Errorf(errs.ENOTFOUND, "No ticket %s, or not one you may see.", t.Key)
	}
	return t, nil
}

// httpStatus maps a ticket error code to an HTTP status.
func httpStatus(err error) int {
	var se statusError
	if errors.As(err, &se) {
		return se.status
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	switch errs.Code(err) {
	case errs.ENOTFOUND:
		return http.StatusNotFound
	case errs.EFORBIDDEN:
		return http.StatusForbidden
	case errs.ECONFLICT:
		return http.StatusConflict
	case errs.EINVALID:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// tellFollowers tells the ticket's followers, except who made the change,
// what was done (the platform effects are the engine's, done already).
func (c *Center) tellFollowers(ctx context.Context, t *tickets.Ticket, actor tickets.Actor, what string) {
	for _, f := range t.Followers {
		if f.Platform == actor.Platform && f.ID == actor.ID {
			continue
		}
		text := fmt.Sprintf("%s (%s): %s by %s.", t.Key, t.Subject, what, actor.Name)
		if err := c.engine.Notify(ctx, f.Platform, f.ID, text); err != nil {
			c.log.Warn("notify follower", "ticket", t.Key, "follower", f.ID, "err", err)
		}
	}
}
