package center

import (
	"net/http"
	"strings"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

var errNoDesk = errs.Errorf(errs.EINVALID, "Name a desk (?desk=<id>) or a ticket (?ticket=<key>).")

// SnippetView is a canned reply as the pages and the API show it: Text
// with its variables filled in for a ticket (as written without one).
type SnippetView struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// expandSnippet fills in a snippet's variables for ticket t, as agent.
func expandSnippet(text string, desk *config.Desk, t *tickets.Ticket, agent string) string {
	if t == nil {
		return text
	}
	if agent == "" {
		agent = t.Assignee
	}
	return strings.NewReplacer("{requester}", t.Requester.Name, "{ticket}", t.Key, "{subject}", t.Subject,
		"{agent}", agent, "{desk}", desk.Name).Replace(text)
}

// findSnippets returns the desk's snippets whose id, title or text hold
// every word of q (all for an empty q), in config order, filled in for t.
func findSnippets(desk *config.Desk, q string, t *tickets.Ticket, agent string) []SnippetView {
	words := strings.Fields(strings.ToLower(q))
	out := []SnippetView{}
	if desk == nil {
		return out
	}
	for _, sn := range desk.Snippets {
		hay := strings.ToLower(sn.ID + "\n" + sn.Title + "\n" + sn.Text)
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(hay, w)
		}
		if ok {
			title := sn.Title
			if title == "" {
				title = sn.ID
			}
			out = append(out, SnippetView{ID: sn.ID, Title: title, Text: expandSnippet(sn.Text, desk, t, agent)})
		}
	}
	return out
}

// apiSnippets is GET /api/v1/snippets?desk=it&q=words[&ticket=IT-3]: the
// desk's canned replies matching q, filled in for the ticket when one is named.
func (c *Center) apiSnippets(w http.ResponseWriter, r *http.Request, cl client) {
	q := r.URL.Query()
	var t *tickets.Ticket
	deskID := q.Get("desk")
	if q.Get("ticket") != "" {
		r.SetPathValue("key", q.Get("ticket"))
		var err error
		if t, err = c.apiTicket(r, cl); err != nil {
			c.apiFail(w, err)
			return
		}
		deskID = t.Desk
	}
	desk := cl.cfg.Desk(deskID)
	if desk == nil {
		c.apiFail(w, errNoDesk)
		return
	}
	if !cl.allowed(desk.ID) {
		c.apiFail(w, errOtherDesk)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"snippets": findSnippets(desk, q.Get("q"), t, "")})
}
