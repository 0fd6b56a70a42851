package center

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/center/export"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// maxBody caps API request bodies.
const maxBody = 1 << 20

// client is an authenticated API integration.
type client struct {
	in  *config.Integration
	cfg *config.Config
}

func (cl client) allowed(desk string) bool { return slices.Contains(cl.in.Desks, desk) }

// actor is how an integration appears in audit events: it acts with admin
// rights on its own desks, which is what its token was given for.
func (cl client) actor() tickets.Actor {
	return tickets.Actor{Role: tickets.RoleAdmin, Platform: "api", ID: cl.in.Name, Name: "api:" + cl.in.Name}
}

type apiHandler func(w http.ResponseWriter, r *http.Request, cl client)

// api authenticates the bearer token against the config's integrations.
func (c *Center) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cfg := c.config()
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		var found *config.Integration
		if ok && token != "" {
			// Compare hashes in constant time against every token, so timing
			// tells nothing about which one nearly matched.
			got := sha256.Sum256([]byte(strings.TrimSpace(token)))
			for _, in := range cfg.API {
				want := sha256.Sum256([]byte(in.Token))
				if subtle.ConstantTimeCompare(got[:], want[:]) == 1 && in.Token != "" {
					found = in
				}
			}
		}
		if found == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="helpdesk"`)
			writeJSON(w, http.StatusUnauthorized, apiError{"missing or unknown API token"})
			return
		}
		h(w, r, client{in: found, cfg: cfg})
	}
}

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (c *Center) apiFail(w http.ResponseWriter, err error) {
	status := httpStatus(err)
	msg := errs.Message(err)
	if status == http.StatusInternalServerError {
		c.log.Error("api", "err", err)
	}
	writeJSON(w, status, apiError{msg})
}

var errOtherDesk = errs.Errorf(errs.EFORBIDDEN, "This API token may not use that desk.")

// apiTicket loads a ticket of one of the client's desks: an unknown key is
// 404, a ticket of another desk 403.
func (c *Center) apiTicket(r *http.Request, cl client) (*tickets.Ticket, error) {
	t, err := c.store.GetByKey(r.Context(), strings.ToUpper(r.PathValue("key")))
	if err != nil {
		return nil, err
	}
	if !cl.allowed(t.Desk) {
		return nil, errOtherDesk
	}
	return t, nil
}

func (c *Center) apiList(w http.ResponseWriter, r *http.Request, cl client) {
	q := r.URL.Query()
	f := tickets.Filter{Desks: cl.in.Desks}
	if d := q.Get("desk"); d != "" {
		if !cl.allowed(d) {
			c.apiFail(w, errOtherDesk)
			return
		}
		f.Desks = []string{d}
	}
	for _, s := range q["status"] {
		f.Statuses = append(f.Statuses, tickets.Status(s))
	}
	f.Assignee = q.Get("assignee")
	if tag := q.Get("tag"); tag != "" {
		var err error
		if f.Tag, err = tickets.NormalizeTag(tag); err != nil {
			c.apiFail(w, err)
			return
		}
	}
	if p, id := q.Get("requester_platform"), q.Get("requester_id"); id != "" {
		f.Requester = &tickets.Person{Platform: p, ID: id}
	}
	var err error
	if f.Since, f.Until, err = export.ParseRange(q.Get("since"), q.Get("until"), time.UTC); err != nil {
		c.apiFail(w, errs.Errorf(errs.EINVALID, "%s", err.Error()))
		return
	}
	f.Limit = 500
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 && l < f.Limit {
		f.Limit = l
	}
	ts, err := c.search(r.Context(), f, q.Get("q"), true)
	if err != nil {
		c.apiFail(w, err)
		return
	}
	if ts == nil {
		ts = []*tickets.Ticket{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": ts})
}

func (c *Center) apiCreate(w http.ResponseWriter, r *http.Request, cl client) {
	var n newTicket
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n); err != nil {
		c.apiFail(w, errs.Errorf(errs.EINVALID, "Bad JSON body: %s", err.Error()))
		return
	}
	if !cl.allowed(n.Desk) {
		c.apiFail(w, errOtherDesk)
		return
	}
	if n.RequestKey != "" {
		n.RequestKey = "api:" + cl.in.Name + ":" + n.RequestKey
	}
	t, err := c.open(r, cl.cfg, n, cl.actor(), tickets.SourceAPI)
	if err != nil {
		c.apiFail(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tickets/"+t.Key)
	writeJSON(w, http.StatusCreated, t)
}

// ticketDetail is a ticket with its history, as GET returns it.
type ticketDetail struct {
	*tickets.Ticket
	Messages []tickets.Message `json:"messages"`
	Events   []tickets.Event   `json:"events"`
	Files    []export.File     `json:"attachments"`
}

func (c *Center) apiGet(w http.ResponseWriter, r *http.Request, cl client) {
	t, err := c.apiTicket(r, cl)
	if err != nil {
		c.apiFail(w, err)
		return
	}
	recs, err := export.Load(r.Context(), c.store, []*tickets.Ticket{t})
	if err != nil {
		c.apiFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ticketDetail{Ticket: t, Messages: recs[0].Messages, Events: recs[0].Events, Files: recs[0].Files})
}

func (c *Center) apiTransition(w http.ResponseWriter, r *http.Request, cl client) {
	t, err := c.apiTicket(r, cl)
	if err != nil {
		c.apiFail(w, err)
		return
	}
	var req request
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, c.maxReplyBody()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			c.apiFail(w, statusError{http.StatusRequestEntityTooLarge, errs.Errorf(errs.EINVALID,
				"The request is larger than %s: a reply carries at most %d files within the limit for files.", tickets.FormatBytes(mbe.Limit), tickets.MaxReplyFiles)})
			return
		}
		c.apiFail(w, errs.Errorf(errs.EINVALID, "Bad JSON body: %s", err.Error()))
		return
	}
	if len(req.Files) > 0 && req.Action != "reply" {
		c.apiFail(w, errs.Errorf(errs.EINVALID, "Only a reply carries files."))
		return
	}
	see := func(o *tickets.Ticket) bool { return cl.allowed(o.Desk) }
	actor := cl.actor()
	res, err := c.apply(r.Context(), cl.cfg, t, actor, tickets.SourceAPI, req, nil, see)
	if err != nil {
		c.apiFail(w, err)
		return
	}
	c.tell(r.Context(), res, actor)
	writeJSON(w, http.StatusOK, res.ticket)
}

func (c *Center) apiExport(w http.ResponseWriter, r *http.Request, cl client) {
	q := r.URL.Query()
	desks := cl.in.Desks
	if d := q.Get("desk"); d != "" {
		if !cl.allowed(d) {
			c.apiFail(w, errOtherDesk)
			return
		}
		desks = []string{d}
	}
	c.writeExport(w, r, desks, q.Get("since"), q.Get("until"), q.Get("format"))
}
