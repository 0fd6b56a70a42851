package center

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/center/export"
	"github.com/helpdesk-chat/helpdesk/center/stats"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/internal/markdown"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
	"github.com/helpdesk-chat/helpdesk/rules"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// listLimit caps the rows of one list page.
const listLimit = 200

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2 Jan 2006 15:04 UTC")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"dur": fmtDuration,
	"pct": func(a, b int) string {
		if b == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f%%", 100*float64(a)/float64(b))
	},
	"avg": func(s stats.Satisfaction) string {
		if s.Count == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f / %d", s.Average, s.Scale)
	},
	"statusText": statusText,
	"lower":      strings.ToLower,
	"inc":        func(n int) int { return n + 1 },
	// text renders a transcript line or note as the chat showed it: the
	// bot's words as markdown with links (admin-written FAQ answers), what
	// a person typed as markdown without [label](address) links, so no
	// typed link hides where it goes; nothing is raw HTML.
	"text": func(m tickets.Message) template.HTML {
		if m.Author.Role == tickets.RoleSystem {
			return template.HTML(markdown.Markdown(m.Text)) // escaped by the renderer
		}
		return template.HTML(markdown.Typed(m.Text)) // escaped by the renderer
	},
	"stars": func(n, scale int) string {
		n = min(max(n, 0), scale)
		return strings.Repeat("★", n) + strings.Repeat("☆", scale-n)
	},
}

// fmtDuration writes durations as people read them: 45s, 12m, 3h 5m, 2d 4h.
func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		m := int(math.Round(d.Minutes())) - 60*h
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh %dm", h, m)
	}
	days := int(d.Hours()) / 24
	return fmt.Sprintf("%dd %dh", days, int(d.Hours())-24*days)
}

func statusText(s tickets.Status) string {
	switch s {
	case tickets.StatusOpen:
		return "Queued"
	case tickets.StatusAssigned:
		return "Assigned"
	case tickets.StatusInService:
		return "In service"
	case tickets.StatusSnoozed:
		return "Snoozed"
	case tickets.StatusResolved:
		return "Resolved"
	}
	return string(s)
}

func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", base, err)
		}
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages, nil
}

// Me is the signed-in person as the pages show them.
type Me struct {
	Name, Platform, UserID string
	Staff                  bool
	CSRF                   string
	// Agent is set for agents, who switch their Status in the header.
	Agent, Status string
	Statuses      []string
}

type page struct {
	Title string
	Nav   string
	Me    Me
	Error string
	Data  any
	// Live is the change feed's position as the page was rendered: the
	// page's event stream starts there (0: no live updates). LiveKey is the
	// ticket the page shows, if one.
	Live    int64
	LiveOn  bool
	LiveKey string
}

// render writes a page; it buffers so a template error becomes a clean 500.
func (c *Center) render(w http.ResponseWriter, status int, name string, v *viewer, p page) {
	if v != nil {
		p.Me = Me{Name: v.id.Name, Platform: v.id.Platform, UserID: v.id.UserID, Staff: v.isStaff(), CSRF: v.csrf,
			Agent: v.agent, Status: v.status}
		if v.agent != "" {
			p.Me.Statuses = tickets.AgentStatuses
		}
		if p.Me.Name == "" {
			p.Me.Name = v.id.UserID
		}
	}
	var b bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		c.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func (c *Center) viewer(r *http.Request) *viewer {
	s, ok := auth.FromContext(r.Context())
	if !ok {
		return nil
	}
	v := viewerFor(c.config(), s)
	if v.agent != "" {
		v.status = "online"
		if ps, err := c.store.Presence(r.Context()); err == nil && ps[v.agent] != "" {
			v.status = ps[v.agent]
		}
	}
	return v
}

// maxBulk caps the tickets of one bulk action.
const maxBulk = 100

// handleBulk runs one action (assign, snooze, close, tag) on the tickets
// ticked in the list, each as the viewer through the engine, as if done on
// each ticket's page; it reports how many were done and why others were not.
func (c *Center) handleBulk(w http.ResponseWriter, r *http.Request) {
	v := c.viewer(r)
	ctx := r.Context()
	if err := r.ParseForm(); err != nil || !v.isStaff() {
		c.fail(w, v, errs.Errorf(errs.EFORBIDDEN, "Bulk actions are for agents."))
		return
	}
	keys := r.PostForm["key"]
	if len(keys) == 0 || len(keys) > maxBulk {
		c.fail(w, v, errs.Errorf(errs.EINVALID, "Tick between 1 and %d tickets.", maxBulk))
		return
	}
	req := request{Action: r.PostFormValue("action"), Agent: r.PostFormValue("agent"), For: r.PostFormValue("for")}
	switch req.Action {
	case "assign", "snooze", "tag":
	case "close":
		req.Action = "end"
	default:
		c.fail(w, v, errs.Errorf(errs.EINVALID, "Unknown bulk action %q.", textutil.ClipBytes(req.Action, 20)))
		return
	}
	tags := tagList(splitTags(r.PostFormValue("tags")))
	req.Tags = &tags
	cfg := c.config()
	me := v.person()
	done := 0
	var failed []string
	for _, key := range keys {
		t, err := c.ticketFor(ctx, v, key)
		if err == nil {
			var res result
			actor := v.actorOn(t)
			if res, err = c.apply(ctx, cfg, t, actor, tickets.SourceWeb, req, &me, v.canSee); err == nil {
				c.tell(ctx, res, actor)
				done++
				continue
			}
		}
		if httpStatus(err) == http.StatusInternalServerError {
			c.log.Error("bulk action", "ticket", key, "err", err)
		}
		c.log.Info("bulk action refused", "ticket", textutil.ClipBytes(key, 20), "action", req.Action, "user", v.id.UserID, "err", errs.Message(err))
		failed = append(failed, textutil.ClipBytes(key, 20))
	}
	http.Redirect(w, r, bulkDone(req.Action, done, len(keys), failed), http.StatusSeeOther)
}

// handleStatus switches the signed-in agent's status and goes back.
func (c *Center) handleStatus(w http.ResponseWriter, r *http.Request) {
	v := c.viewer(r)
	if v.agent == "" {
		c.fail(w, v, errs.Errorf(errs.EFORBIDDEN, "Only agents have a status."))
		return
	}
	actor := tickets.Actor{Role: tickets.RoleAgent, Platform: v.id.Platform, ID: v.id.UserID, Name: v.agent}
	if err := c.engine.SetAgentStatus(context.WithoutCancel(r.Context()), v.agent, r.PostFormValue("status"), actor); err != nil {
		c.fail(w, v, err)
		return
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/center/") || strings.HasPrefix(back, "//") {
		back = "/center/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (c *Center) fail(w http.ResponseWriter, v *viewer, err error) {
	status := httpStatus(err)
	msg := errs.Message(err)
	if status == http.StatusInternalServerError {
		c.log.Error("ticket center", "err", err)
	}
	c.render(w, status, "error", v, page{Title: http.StatusText(status), Error: msg})
}

// Option is an entry of a select.
type Option struct{ Value, Label string }

func deskOptions(cfg *config.Config, ids []string) []Option {
	var out []Option
	for _, id := range ids {
		if d := cfg.Desk(id); d != nil {
			out = append(out, Option{d.ID, d.Name})
		}
	}
	return out
}

// ListFilters are the list page's query parameters.
type ListFilters struct {
	View, Desk, Status, Assignee, Requester, Tag, Since, Until, Q string
}

// Row is one ticket in the list.
type Row struct {
	Key, Subject, Desk, Assignee, Requester, Priority string
	Status                                            tickets.Status
	Created                                           time.Time
	Mine                                              bool
	Tags                                              []string
	// Unread: the ticket changed since the viewer last opened it (staff).
	Unread bool
	// Channel is the ticket's platform (the context panel).
	Channel string
}

type listData struct {
	F         ListFilters
	Views     []Option
	Desks     []Option
	Statuses  []Option
	Agents    []string
	Rows      []Row
	Truncated bool
	Query     string // the filters as a query string, for the export links
	// Team is every agent of the viewer's desks with their status.
	Team []Option
	Done string // what a bulk action or a move did
}

// views are the saved views. Open (queued, assigned, in service) is where
// a bare /center/ lands; All is every status (also any filter query
// without a view).
var views = []Option{{"open", "Open"}, {"all", "All"}, {"unassigned", "Unassigned"}, {"mine", "Mine"}, {"snoozed", "Snoozed"}, {"closed", "Closed"}}

func (c *Center) handleList(w http.ResponseWriter, r *http.Request) {
	v := c.viewer(r)
	cfg := c.config()
	q := r.URL.Query()
	f := ListFilters{View: q.Get("view"), Desk: q.Get("desk"), Status: q.Get("status"), Assignee: q.Get("assignee"),
		Requester: strings.TrimSpace(q.Get("requester")), Tag: strings.TrimSpace(q.Get("tag")), Since: q.Get("since"), Until: q.Get("until"), Q: strings.TrimSpace(q.Get("q"))}
	switch {
	case r.URL.RawQuery == "" && !r.URL.ForceQuery && v.isStaff():
		f.View = "open" // an agent's landing page: what still needs work
	case f.View == "":
		f.View = "all"
	}
	since, until, err := export.ParseRange(f.Since, f.Until, time.UTC)
	errMsg := ""
	if err != nil {
		errMsg = err.Error()
	}
	filter := tickets.Filter{Desk: f.Desk, Since: since, Until: until}
	if f.Tag != "" {
		// A tag is matched as it is kept; a requester's own tickets are
		// not filtered by the agents' tags.
		if tag, terr := tickets.NormalizeTag(f.Tag); terr == nil && v.isStaff() {
			filter.Tag = tag
		}
	}
	if f.Status != "" {
		filter.Statuses = []tickets.Status{tickets.Status(f.Status)}
	}
	switch f.View {
	case "open":
		if f.Status == "" {
			filter.Statuses = []tickets.Status{tickets.StatusOpen, tickets.StatusAssigned, tickets.StatusInService}
		}
	case "unassigned":
		filter.Statuses = []tickets.Status{tickets.StatusOpen}
	case "snoozed":
		filter.Statuses = []tickets.Status{tickets.StatusSnoozed}
	case "closed":
		filter.Statuses = []tickets.Status{tickets.StatusResolved}
	case "mine":
		filter.Statuses = []tickets.Status{tickets.StatusAssigned, tickets.StatusInService, tickets.StatusSnoozed}
	}
	live := c.feedPosition(r.Context())
	ts, err := c.visible(r.Context(), v, filter, f.Q)
	if err != nil {
		c.fail(w, v, err)
		return
	}
	var marks map[string]int64
	if v.isStaff() {
		if marks, _, err = c.readMarks(r.Context(), v); err != nil {
			c.fail(w, v, err)
			return
		}
	}
	agents := map[string]bool{}
	for _, id := range v.desks {
		if d := cfg.Desk(id); d != nil {
			for _, a := range d.Agents {
				agents[a.Name] = true
			}
		}
	}
	data := listData{F: f, Views: views, Desks: deskOptions(cfg, v.desks), Query: r.URL.RawQuery, Done: listNotice(q)}
	for name := range agents {
		data.Agents = append(data.Agents, name)
	}
	slices.Sort(data.Agents)
	if len(data.Agents) > 0 {
		ps, err := c.store.Presence(r.Context())
		if err != nil {
			c.fail(w, v, err)
			return
		}
		for _, name := range data.Agents {
			st := ps[name]
			if st == "" {
				st = "online"
			}
			data.Team = append(data.Team, Option{name, st})
		}
	}
	for _, s := range []tickets.Status{tickets.StatusOpen, tickets.StatusAssigned, tickets.StatusInService, tickets.StatusSnoozed, tickets.StatusResolved} {
		data.Statuses = append(data.Statuses, Option{string(s), statusText(s)})
	}
	for _, t := range ts {
		mine := t.Assignee != "" && t.Assignee == v.names[t.Desk]
		switch {
		case f.View == "mine" && !mine:
			continue
		case f.Assignee == "-" && t.Assignee != "":
			continue
		case f.Assignee != "" && f.Assignee != "-" && t.Assignee != f.Assignee:
			continue
		case f.Requester != "" && !containsFold(t.Requester.Name+"\n"+t.Requester.ID, f.Requester):
			continue
		}
		if len(data.Rows) == listLimit {
			data.Truncated = true
			break
		}
		desk := t.Desk
		if d := cfg.Desk(t.Desk); d != nil {
			desk = d.Name
		}
		data.Rows = append(data.Rows, Row{Key: t.Key, Subject: t.Subject, Desk: desk, Assignee: t.Assignee,
			Requester: t.Requester.Name, Priority: t.Priority.String(), Status: t.Status, Created: t.CreatedAt, Mine: mine, Tags: t.Tags,
			Unread: v.staff(t.Desk) && unread(marks, t)})
	}
	title := "Tickets"
	if !v.isStaff() {
		title = "My tickets"
	}
	c.render(w, http.StatusOK, "list", v, page{Title: title, Nav: "list", Error: errMsg, Data: data, Live: live, LiveOn: live >= 0})
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// Detail is the ticket page's data.
type detailData struct {
	T          *tickets.Ticket
	DeskName   string
	Category   string
	Suggested  []string
	Transcript []transcriptLine
	Notes      []tickets.Message
	Events     []tickets.Event
	Staff      bool
	Agents     []string
	Following  bool
	Done       string
	CanEnd     bool
	CanReopen  bool
	Followers  []string
	// The edit form (staff): the desk's topics and the topic's form.
	Topics     []Option
	Priorities []string
	Fields     []EditField
	TagsText   string
	MaxSubject int
	// CloseReasons are the desk's, offered on End service (staff).
	CloseReasons []string
	MaxReason    int
	// MoveTo are the other desks (staff); CanDelete: the viewer is an admin of the desk.
	MoveTo    []Option
	CanDelete bool
	// ReplyVia are the channels the reply box offers (staff; the bot's).
	ReplyVia []tickets.Channel
	// ReplyFiles: the reply box takes files (the bot sends them), within these limits.
	ReplyFiles *replyFiles
	// The context panel (staff): the requester's other tickets on the
	// viewer's desks from every channel (their accounts linked by a
	// verified address), newest first, and their latest questions to the bot.
	Earlier   []Row
	Questions []tickets.Question
	// The knowledge panel (staff): a search of the desk's FAQ (?kq=words,
	// &kp=offset) and what "Insert into note" put in the note box.
	Knowledge *KnowledgeResults
	KnowErr   string
	NoteText  string
	// Canned replies (staff): the desk's snippets matching ?sq=, filled in
	// for this ticket; HasSnippets: the desk has any.
	Snippets    []SnippetView
	SnippetQ    string
	HasSnippets bool
	// Side conversations (staff, side.go): the group chat's guests, who can
	// be invited into it, who can be asked in a side chat, and the side chats.
	Guests    []string
	Invitable []string
	SideWith  []string
	Side      []SideView
}

// contextSize caps each list of the context panel.
const contextSize = 5

// EditField is a field of the ticket's form, with its answer, on the edit form.
type EditField struct {
	ID, Label, Type, Value string
	Options                []string
	Required               bool
	MaxLen                 int
}

func (c *Center) handleTicket(w http.ResponseWriter, r *http.Request) {
	v := c.viewer(r)
	t, err := c.ticketFor(r.Context(), v, r.PathValue("key"))
	if err != nil {
		c.fail(w, v, err)
		return
	}
	c.showTicket(w, r, v, t, http.StatusOK, "", r.URL.Query().Get("done"))
}

func (c *Center) showTicket(w http.ResponseWriter, r *http.Request, v *viewer, t *tickets.Ticket, status int, errMsg, done string) {
	cfg := c.config()
	live := c.feedPosition(r.Context())
	if live >= 0 {
		// The ticket as of the feed's position, so nothing after it is missed.
		if fresh, err := c.store.Get(r.Context(), t.ID); err == nil {
			t = fresh
		}
	}
	d := detailData{T: t, DeskName: t.Desk, Category: t.Category, Staff: v.staff(t.Desk)}
	if desk := cfg.Desk(t.Desk); desk != nil {
		d.DeskName = desk.Name
	}
	d.Done = ticketNotice(done, t, d.DeskName)
	if desk := cfg.Desk(t.Desk); desk != nil {
		if desk.FAQ != nil {
			if cat := desk.FAQ.Category(t.Category); cat != nil {
				d.Category = cat.Title
			}
			items := map[string]string{}
			for _, it := range desk.Items() {
				items[it.ID] = it.Question
			}
			for _, id := range t.Suggested {
				if q, ok := items[id]; ok {
					d.Suggested = append(d.Suggested, q)
				} else {
					d.Suggested = append(d.Suggested, id)
				}
			}
		}
		for _, a := range desk.Agents {
			d.Agents = append(d.Agents, a.Name)
		}
		if d.Staff {
			d.editForm(desk, t)
			d.CloseReasons = desk.CloseReasons
			for _, o := range cfg.Desks {
				if o.ID != t.Desk {
					d.MoveTo = append(d.MoveTo, Option{o.ID, o.Name})
				}
			}
			d.CanDelete = v.roles[t.Desk] == tickets.RoleAdmin && t.Erased.IsZero()
		}
	}
	ms, err := c.store.Messages(r.Context(), t.ID)
	if err != nil {
		c.fail(w, v, err)
		return
	}
	var said []tickets.Message
	for _, m := range ms {
		if m.Kind == tickets.KindNote {
			if d.Staff {
				d.Notes = append(d.Notes, m)
			}
		} else {
			said = append(said, m)
		}
	}
	if d.Transcript, err = c.withFiles(r, t, said); err != nil {
		c.fail(w, v, err)
		return
	}
	if d.Staff {
		sidePanel(cfg, t, &d)
		if d.Events, err = c.store.Events(r.Context(), t.ID); err != nil {
			c.fail(w, v, err)
			return
		}
		for _, f := range t.Followers {
			d.Followers = append(d.Followers, f.Name)
		}
	}
	for _, f := range t.Followers {
		if f.Platform == v.id.Platform && f.ID == v.id.UserID {
			d.Following = true
		}
	}
	if cr, ok := c.engine.(ChannelReplier); ok && d.Staff && t.Erased.IsZero() {
		if d.ReplyVia, err = cr.ReplyChannels(r.Context(), t); err != nil {
			c.fail(w, v, err)
			return
		}
	}
	if _, ok := c.engine.(FileReplier); ok && d.Staff && t.Erased.IsZero() {
		if k := c.uploadKeeper(c.config()); k != nil {
			d.ReplyFiles = &replyFiles{Count: tickets.MaxReplyFiles, Size: tickets.FormatBytes(k.Limit()), Types: k.Accepted()}
		}
	}
	if d.Staff && t.Requester.ID != "" {
		if err := c.contextPanel(r.Context(), v, t, &d); err != nil {
			c.fail(w, v, err)
			return
		}
	}
	if d.Staff {
		desk := cfg.Desk(t.Desk)
		c.knowledgePanel(r, desk, &d)
		if desk != nil && len(desk.Snippets) > 0 {
			q := r.URL.Query()
			d.HasSnippets, d.SnippetQ = true, textutil.ClipBytes(strings.TrimSpace(q.Get("sq")), 200)
			d.Snippets = findSnippets(desk, d.SnippetQ, t, v.names[t.Desk])
			if id := q.Get("snippet"); id != "" {
				for _, sn := range d.Snippets {
					if sn.ID == id {
						d.NoteText = sn.Text
					}
				}
			}
		}
	}
	actor := v.actorOn(t)
	// The buttons shown are the ones the service would accept.
	d.CanEnd = tickets.MayEnd(t, actor) == nil
	d.CanReopen = tickets.MayReopen(t, actor) == nil
	c.markRead(context.WithoutCancel(r.Context()), v, t)
	c.render(w, status, "ticket", v, page{Title: t.Key + " · " + t.Subject, Nav: "list", Error: errMsg, Data: d, Live: live, LiveOn: live >= 0, LiveKey: t.Key})
}

// knowledgePanel runs the ticket page's FAQ search (?kq=words&kp=offset)
// and fills the note box with the result to insert (&insert=item:lang).
func (c *Center) knowledgePanel(r *http.Request, desk *config.Desk, d *detailData) {
	q := r.URL.Query()
	words := strings.TrimSpace(textutil.ClipBytes(q.Get("kq"), 500))
	if words == "" {
		return
	}
	from, _ := strconv.Atoi(q.Get("kp"))
	res, err := c.searchKnowledge(r.Context(), desk, words, max(from, 0), knowledgePage)
	if err != nil {
		if httpStatus(err) == http.StatusInternalServerError {
			c.log.Error("knowledge search", "err", err)
		}
		d.KnowErr = errs.Message(err)
		return
	}
	d.Knowledge = &res
	if ins := q.Get("insert"); ins != "" {
		for _, h := range res.Hits {
			if h.Item+":"+h.Lang == ins {
				d.NoteText = h.Question + "\n\n" + h.Answer
			}
		}
	}
}

// contextPanel fills in the requester's earlier tickets (on desks the
// viewer works on) and their questions to the bot in the last 90 days.
func (c *Center) contextPanel(ctx context.Context, v *viewer, t *tickets.Ticket, d *detailData) error {
	cfg := c.config()
	ids, _ := c.store.(tickets.IdentityReader)
	accounts, err := tickets.Accounts(ctx, ids, t.Requester)
	if err != nil {
		return err
	}
	ts, err := c.store.List(ctx, tickets.Filter{Desks: v.desks, Requesters: accounts})
	if err != nil {
		return err
	}
	for i := len(ts) - 1; i >= 0 && len(d.Earlier) < contextSize; i-- {
		o := ts[i]
		if o.ID == t.ID || !v.staffSees(o) {
			continue
		}
		desk := o.Desk
		if dd := cfg.Desk(o.Desk); dd != nil {
			desk = dd.Name
		}
		d.Earlier = append(d.Earlier, Row{Key: o.Key, Subject: o.Subject, Desk: desk, Status: o.Status, Created: o.CreatedAt, Assignee: o.Assignee, Channel: o.Platform})
	}
	var qs []tickets.Question
	since := c.now().AddDate(0, 0, -90)
	for _, desk := range v.desks {
		for _, who := range accounts {
			if who.Platform == tickets.EmailPlatform {
				continue // mail asks no questions of the bot
			}
			dq, err := c.store.Questions(ctx, tickets.QuestionFilter{Desk: desk, Platform: who.Platform, UserID: who.ID, Since: since})
			if err != nil {
				return err
			}
			qs = append(qs, dq...)
		}
	}
	slices.SortFunc(qs, func(a, b tickets.Question) int { return b.At.Compare(a.At) })
	d.Questions = qs[:min(len(qs), contextSize)]
	return nil
}

// editForm fills in what the edit form offers for t on desk.
func (d *detailData) editForm(desk *config.Desk, t *tickets.Ticket) {
	d.TagsText = strings.Join(t.Tags, ", ")
	d.MaxSubject = tickets.MaxSubjectLen
	d.MaxReason = tickets.MaxCloseReasonLen
	for p := tickets.PriorityLow; p <= tickets.PriorityUrgent; p++ {
		d.Priorities = append(d.Priorities, p.String())
	}
	d.Topics = []Option{{"", "(no topic)"}}
	if desk.FAQ != nil {
		var walk func(cs []*config.Category, prefix string)
		walk = func(cs []*config.Category, prefix string) {
			for _, cat := range cs {
				d.Topics = append(d.Topics, Option{cat.ID, prefix + cat.Title})
				walk(cat.Children, prefix+cat.Title+" › ")
			}
		}
		walk(desk.FAQ.Menu, "")
	}
	if form := desk.FormFor(t.Category); form != nil {
		for _, fl := range form.Fields {
			ef := EditField{ID: fl.ID, Label: fl.Label, Type: fl.Type, Options: fl.Options, Required: fl.Required, MaxLen: fl.MaxLen}
			for _, a := range t.Form {
				if a.ID == fl.ID {
					ef.Value = a.Value
				}
			}
			// A field the ticket has no answer for (opened by hand, by
			// mail, before the form existed) may stay empty: required, it
			// would block every other edit, and a select would pick its
			// first option by itself.
			ef.Required = ef.Required && ef.Value != ""
			d.Fields = append(d.Fields, ef)
		}
	}
}

func (c *Center) handleAction(w http.ResponseWriter, r *http.Request) {
	v := c.viewer(r)
	ctx := r.Context()
	t, err := c.ticketFor(ctx, v, r.PathValue("key"))
	if err != nil {
		c.fail(w, v, err)
		return
	}
	req := request{Action: r.PathValue("action"), Agent: r.PostFormValue("agent"), For: r.PostFormValue("for"),
		Text: r.PostFormValue("text"), Into: r.PostFormValue("into"), Desk: r.PostFormValue("desk"), Via: r.PostFormValue("via"),
		Chat: r.PostFormValue("chat")}
	req.With = r.PostForm["with"] // parsed by PostFormValue above
	if req.Action == "edit" {
		req = editRequest(req, r.PostForm)
		// A field left empty that had no answer is no change (the form
		// offers every field of the topic's form).
		for id, v := range req.Form {
			if strings.TrimSpace(v) == "" && !slices.ContainsFunc(t.Form, func(a tickets.FormAnswer) bool { return a.ID == id }) {
				delete(req.Form, id)
			}
		}
	}
	if req.Action == "split" {
		req.Message, _ = strconv.ParseInt(r.PostFormValue("message"), 10, 64)
	}
	if req.Action == "reply" {
		if req.Files, err = c.formUploads(r); err != nil && httpStatus(err) == http.StatusInternalServerError {
			c.fail(w, v, err)
			return
		}
	}
	if req.Action == "end" {
		// The agent's own words win over the list's choice.
		req.Reason = r.PostFormValue("reason")
		if own := strings.TrimSpace(r.PostFormValue("reason_text")); own != "" {
			req.Reason = own
		}
	}
	actor := v.actorOn(t)
	var res result
	if err == nil {
		me := v.person()
		res, err = c.apply(ctx, c.config(), t, actor, tickets.SourceWeb, req, &me, v.canSee)
	}
	if err != nil {
		status := httpStatus(err)
		if status == http.StatusInternalServerError {
			c.fail(w, v, err)
			return
		}
		c.log.Info("ticket center action refused", "ticket", t.Key, "action", req.Action, "user", v.id.UserID, "err", err)
		// Show the ticket as it is, unchanged, with the reason.
		if fresh, gerr := c.store.Get(ctx, t.ID); gerr == nil {
			t = fresh
		}
		c.showTicket(w, r, v, t, status, errs.Message(err), "")
		return
	}
	c.tell(ctx, res, actor)
	if !v.canSee(res.ticket) {
		// Moved to a desk the viewer is not on: back to their list.
		http.Redirect(w, r, "/center/?"+url.Values{"done": {"moved"}, "ticket": {res.ticket.Key}}.Encode(), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/center/tickets/"+url.PathEscape(res.ticket.Key)+"?done="+url.QueryEscape(doneID(req.Action, res)), http.StatusSeeOther)
}

// editRequest reads the edit form: the fields it posts are the ones changed
// (the service leaves a field posted unchanged alone); form answers come as
// form.<field id>.
func editRequest(req request, f url.Values) request {
	if f.Has("subject") {
		v := f.Get("subject")
		req.Subject = &v
	}
	if f.Has("category") {
		v := f.Get("category")
		req.Category = &v
	}
	req.Priority = f.Get("priority")
	if f.Has("tags") {
		tags := tagList(splitTags(f.Get("tags")))
		req.Tags = &tags
	}
	for k, vs := range f {
		if id, ok := strings.CutPrefix(k, "form."); ok && len(vs) > 0 {
			if req.Form == nil {
				req.Form = map[string]string{}
			}
			req.Form[id] = vs[0]
		}
	}
	return req
}

type newData struct {
	Desks      []Option
	Categories []Option
	Platforms  []string
	Form       url.Values
}

func (c *Center) handleNewForm(w http.ResponseWriter, r *http.Request) {
	v := c.viewer(r)
	if !v.isStaff() {
		c.fail(w, v, errs.Errorf(errs.EFORBIDDEN, "Only agents can create tickets by hand."))
		return
	}
	c.render(w, http.StatusOK, "new", v, page{Title: "New ticket", Nav: "new", Data: c.newData(v, url.Values{})})
}

func (c *Center) newData(v *viewer, form url.Values) newData {
	cfg := c.config()
	d := newData{Desks: deskOptions(cfg, v.desks), Form: form}
	for _, id := range v.desks {
		desk := cfg.Desk(id)
		if desk == nil || desk.FAQ == nil {
			continue
		}
		var walk func(cs []*config.Category, prefix string)
		walk = func(cs []*config.Category, prefix string) {
			for _, cat := range cs {
				d.Categories = append(d.Categories, Option{cat.ID, desk.Name + ": " + prefix + cat.Title})
				walk(cat.Children, prefix+cat.Title+" › ")
			}
		}
		walk(desk.FAQ.Menu, "")
	}
	d.Platforms = enabledPlatforms(cfg)
	return d
}

func enabledPlatforms(cfg *config.Config) []string {
	var out []string
	p := cfg.Platforms
	if p.Web != nil && p.Web.Enabled {
		out = append(out, "web")
	}
	if p.Slack != nil {
		out = append(out, "slack")
	}
	if p.Discord != nil {
		out = append(out, "discord")
	}
	if p.Mattermost != nil {
		out = append(out, "mattermost")
	}
	return out
}

// newTicket is a ticket to open by hand or through the API.
type newTicket struct {
	Desk      string               `json:"desk"`
	Requester tickets.Person       `json:"requester"`
	Category  string               `json:"category,omitempty"`
	Subject   string               `json:"subject"`
	Priority  string               `json:"priority,omitempty"`
	Status    string               `json:"status,omitempty"` // open (default), assigned (to Agent), resolved
	Agent     string               `json:"agent,omitempty"`
	Form      []tickets.FormAnswer `json:"form,omitempty"`
	// RequestKey makes a retried API call open one ticket.
	RequestKey string `json:"request_key,omitempty"`
}

// open creates the ticket and brings it to the wanted status, every step
// through tickets.Service.
func (c *Center) open(r *http.Request, cfg *config.Config, n newTicket, actor tickets.Actor, src tickets.Source) (*tickets.Ticket, error) {
	defer c.poke()
	ctx := r.Context()
	desk := cfg.Desk(n.Desk)
	if desk == nil {
		return nil, errs.Errorf(errs.EINVALID, "There is no desk %q.", textutil.ClipBytes(n.Desk, 40))
	}
	n.Subject = strings.TrimSpace(n.Subject)
	if n.Subject == "" {
		return nil, errs.Errorf(errs.EINVALID, "The ticket needs a subject.")
	}
	if n.Requester.ID == "" || !slices.Contains([]string{"slack", "discord", "mattermost", "web"}, n.Requester.Platform) {
		return nil, errs.Errorf(errs.EINVALID, "The requester needs a platform (slack, discord, mattermost or web) and a user id.")
	}
	if n.Requester.Name == "" {
		n.Requester.Name = n.Requester.ID
	}
	if n.Category != "" && (desk.FAQ == nil || desk.FAQ.Category(n.Category) == nil) {
		return nil, errs.Errorf(errs.EINVALID, "The %s has no topic %q.", desk.Name, textutil.ClipBytes(n.Category, 40))
	}
	prio, err := tickets.ParsePriority(n.Priority)
	if err != nil {
		return nil, errs.Errorf(errs.EINVALID, "%s", err.Error())
	}
	switch n.Status {
	case "", "open", "resolved":
	case "assigned":
		if desk.AgentByName(n.Agent) == nil {
			return nil, errs.Errorf(errs.EINVALID, "%q is not an agent of the %s.", textutil.ClipBytes(n.Agent, 40), desk.Name)
		}
	default:
		return nil, errs.Errorf(errs.EINVALID, "status %q: a new ticket is open, assigned or resolved.", textutil.ClipBytes(n.Status, 20))
	}
	// The subject is shortened to tickets.MaxSubjectLen by the service.
	t := &tickets.Ticket{Desk: desk.ID, Platform: n.Requester.Platform, Requester: n.Requester, Category: n.Category,
		Subject: n.Subject, Priority: prio, Form: n.Form, Language: desk.DefaultLanguage(), RequestKey: n.RequestKey}
	if strings.TrimSpace(n.Priority) == "" {
		// No priority given: the desk's rules set it, as for a ticket
		// opened in chat or by mail.
		t.Priority = rules.Match(desk, t).Priority
	}
	// The platforms hear of the last step only: a ticket assigned by hand
	// goes to its agent without passing through the queue, and one resolved
	// by hand has nothing to do there (no chat, no rating), so its steps go
	// to the service alone.
	ctx = context.WithoutCancel(ctx)
	switch n.Status {
	case "assigned":
		saved, created, err := c.svc.Open(ctx, t, desk.Prefix, actor, src)
		if err != nil || !created {
			return saved, err
		}
		return c.engine.Transfer(ctx, saved.ID, desk.AgentByName(n.Agent).Name, "assigned by "+actor.Name+" when opened by hand", actor, src)
	case "resolved":
		saved, created, err := c.svc.Open(ctx, t, desk.Prefix, actor, src)
		if err != nil || !created {
			return saved, err
		}
		// An agent resolves what they hold: they take the ticket first.
		if actor.Role == tickets.RoleAgent {
			if saved, err = c.svc.Transfer(ctx, saved.ID, actor.Name, "handled by "+actor.Name+" when opened by hand", actor, src); err != nil {
				return nil, err
			}
		}
		return c.svc.End(ctx, saved.ID, "resolved when opened by hand", actor, src)
	}
	saved, _, err := c.engine.Open(ctx, t, desk.Prefix, actor, src)
	return saved, err
}

func (c *Center) handleNew(w http.ResponseWriter, r *http.Request) {
	v := c.viewer(r)
	if err := r.ParseForm(); err != nil {
		c.fail(w, v, errs.Errorf(errs.EINVALID, "Bad form."))
		return
	}
	f := r.PostForm
	desk := f.Get("desk")
	if !v.staff(desk) {
		c.fail(w, v, errs.Errorf(errs.EFORBIDDEN, "Only agents of a desk can open its tickets by hand."))
		return
	}
	n := newTicket{Desk: desk, Category: f.Get("category"), Subject: f.Get("subject"), Priority: f.Get("priority"),
		Status: f.Get("status"), Agent: v.names[desk],
		Requester: tickets.Person{Platform: f.Get("platform"), ID: strings.TrimSpace(f.Get("user_id")), Name: strings.TrimSpace(f.Get("user_name"))}}
	if n.Status == "assigned" && n.Agent == "" {
		c.render(w, http.StatusBadRequest, "new", v, page{Title: "New ticket", Nav: "new", Error: "Only agents of the desk can take a ticket themselves.", Data: c.newData(v, f)})
		return
	}
	if details := strings.TrimSpace(f.Get("details")); details != "" {
		n.Form = []tickets.FormAnswer{{ID: "details", Label: "Details", Value: textutil.ClipBytes(details, 4000)}}
	}
	// A category of another desk is refused by open; the select offers all staff desks' topics.
	t, err := c.open(r, c.config(), n, v.actor(desk), tickets.SourceWeb)
	if err != nil {
		if httpStatus(err) == http.StatusInternalServerError {
			c.fail(w, v, err)
			return
		}
		c.render(w, httpStatus(err), "new", v, page{Title: "New ticket", Nav: "new", Error: errs.Message(err), Data: c.newData(v, f)})
		return
	}
	http.Redirect(w, r, "/center/tickets/"+url.PathEscape(t.Key)+"?done=opened", http.StatusSeeOther)
}

type statsData struct {
	Desks      []Option
	Desk       string
	Since      string
	Until      string
	R          stats.Report
	Volume     template.HTML
	Ratings    template.HTML
	Categories map[string]string
}

func (c *Center) handleStats(w http.ResponseWriter, r *http.Request) {
	v := c.viewer(r)
	if !v.isStaff() {
		c.fail(w, v, errs.Errorf(errs.EFORBIDDEN, "Statistics are for agents and admins."))
		return
	}
	cfg := c.config()
	q := r.URL.Query()
	desk := q.Get("desk")
	desks := v.desks
	if desk != "" {
		if !v.staff(desk) {
			c.fail(w, v, errs.Errorf(errs.EFORBIDDEN, "You are not an agent of that desk."))
			return
		}
		desks = []string{desk}
	}
	today := c.now().UTC().Truncate(24 * time.Hour)
	sinceS, untilS := q.Get("since"), q.Get("until")
	if sinceS == "" {
		sinceS = today.AddDate(0, 0, -29).Format(time.DateOnly)
	}
	if untilS == "" {
		untilS = today.Format(time.DateOnly)
	}
	since, until, err := export.ParseRange(sinceS, untilS, time.UTC)
	if err != nil {
		c.fail(w, v, errs.Errorf(errs.EINVALID, "%s", err.Error()))
		return
	}
	ctx := r.Context()
	ts, err := c.store.List(ctx, tickets.Filter{Desks: desks, Until: until})
	if err != nil {
		c.fail(w, v, err)
		return
	}
	var qs []tickets.Question
	for _, d := range desks {
		dq, err := c.store.Questions(ctx, tickets.QuestionFilter{Desk: d, Since: since, Until: until})
		if err != nil {
			c.fail(w, v, err)
			return
		}
		qs = append(qs, dq...)
	}
	rep := stats.Compute(stats.Period{Since: since, Until: until}, ts, qs)
	cats := map[string]string{"": "(no topic)"}
	for _, cr := range rep.Categories {
		if cr.ID == "" {
			continue
		}
		cats[cr.ID] = cr.ID
		for _, id := range desks {
			if d := cfg.Desk(id); d != nil && d.FAQ != nil {
				if cat := d.FAQ.Category(cr.ID); cat != nil {
					cats[cr.ID] = cat.Title
				}
			}
		}
	}
	data := statsData{Desks: deskOptions(cfg, v.desks), Desk: desk, Since: sinceS, Until: untilS, R: rep,
		// The charts are built by stats from numbers and escaped text only.
		Volume: template.HTML(stats.VolumeChart(rep.Daily)), Ratings: template.HTML(stats.RatingChart(rep.Satisfaction)),
		Categories: cats}
	c.render(w, http.StatusOK, "stats", v, page{Title: "Statistics", Nav: "stats", Data: data})
}

func (c *Center) handleExport(w http.ResponseWriter, r *http.Request) {
	v := c.viewer(r)
	if !v.isStaff() {
		c.fail(w, v, errs.Errorf(errs.EFORBIDDEN, "Exports are for agents and admins."))
		return
	}
	q := r.URL.Query()
	desks := v.desks
	if d := q.Get("desk"); d != "" {
		if !v.staff(d) {
			c.fail(w, v, errs.Errorf(errs.EFORBIDDEN, "You are not an agent of that desk."))
			return
		}
		desks = []string{d}
	}
	c.writeExport(w, r, desks, q.Get("since"), q.Get("until"), q.Get("format"))
}

// writeExport sends the desks' tickets created in the range as a download.
func (c *Center) writeExport(w http.ResponseWriter, r *http.Request, desks []string, sinceS, untilS, format string) {
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "json" {
		http.Error(w, "format must be csv or json", http.StatusBadRequest)
		return
	}
	since, until, err := export.ParseRange(sinceS, untilS, time.UTC)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	ts, err := c.store.List(ctx, tickets.Filter{Desks: desks, Since: since, Until: until})
	if err != nil {
		c.log.Error("export", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	recs, err := export.Load(ctx, c.store, ts)
	if err != nil {
		c.log.Error("export", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := export.Write(&b, format, recs); err != nil {
		c.log.Error("export", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	name := "tickets"
	if sinceS != "" {
		name += "-from-" + since.Format("20060102")
	}
	if untilS != "" {
		// until is exclusive (the midnight after the last day): the name says the last day.
		name += "-until-" + until.Add(-time.Nanosecond).Format("20060102")
	}
	w.Header().Set("Content-Type", export.ContentType(format))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, format))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
}
