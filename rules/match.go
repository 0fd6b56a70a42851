package rules

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Route is what the desk's rules ask for a ticket.
type Route struct {
	Rule     int      // index of the matching desk rule, -1 if none
	Skills   []string // required skills (an agent needs all of them)
	Agents   []string // restricted to these agent names, if non-empty
	Priority tickets.Priority
}

// Match returns the route of the first desk rule whose condition matches t
// (rules are tried in config order; first match wins). With no matching rule
// any agent may take the ticket at normal priority.
//
// A condition matches when every field it sets matches: category equals the
// ticket's category; each form field id has an answer with that value; any
// keyword occurs as a word (or run of words) in the subject; platform equals
// the ticket's platform. All comparisons ignore case.
func Match(d *config.Desk, t *tickets.Ticket) Route {
	none := Route{Rule: -1, Priority: tickets.PriorityNormal}
	if d == nil || t == nil {
		return none
	}
	for i, r := range d.Rules {
		if r == nil || !matches(r.When, t) {
			continue
		}
		p, err := tickets.ParsePriority(strings.ToLower(strings.TrimSpace(r.Priority)))
		if err != nil {
			// Validation rejects unknown priorities; a bad one must not stop routing.
			p = tickets.PriorityNormal
		}
		return Route{
			Rule:     i,
			Skills:   slices.Clone(r.Assign.Skills),
			Agents:   slices.Clone(r.Assign.Agents),
			Priority: p,
		}
	}
	return none
}

func matches(m config.Match, t *tickets.Ticket) bool {
	if m.Category != "" && !strings.EqualFold(strings.TrimSpace(m.Category), t.Category) {
		return false
	}
	if m.Platform != "" && !strings.EqualFold(strings.TrimSpace(m.Platform), t.Platform) {
		return false
	}
	for id, want := range m.Form {
		if !hasAnswer(t.Form, id, want) {
			return false
		}
	}
	if len(m.Keywords) > 0 {
		subject := words(t.Subject)
		if !slices.ContainsFunc(m.Keywords, func(k string) bool { return containsRun(subject, words(k)) }) {
			return false
		}
	}
	return true
}

func hasAnswer(form []tickets.FormAnswer, id, want string) bool {
	for _, a := range form {
		if a.ID == id && strings.EqualFold(strings.TrimSpace(a.Value), strings.TrimSpace(want)) {
			return true
		}
	}
	return false
}

// words splits s into lower-case words of letters and digits, so "VPN?" and
// "vpn," both give "vpn" while "vpnclient" does not.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// containsRun reports whether run occurs as consecutive words of ws.
func containsRun(ws, run []string) bool {
	if len(run) == 0 {
		return false
	}
	for i := 0; i+len(run) <= len(ws); i++ {
		if slices.Equal(ws[i:i+len(run)], run) {
			return true
		}
	}
	return false
}

// SortQueue orders tickets the way the queue is dispatched: highest priority
// first, then oldest, then lowest id.
func SortQueue(ts []*tickets.Ticket) {
	slices.SortStableFunc(ts, func(a, b *tickets.Ticket) int {
		return cmp.Or(
			cmp.Compare(b.Priority, a.Priority),
			a.CreatedAt.Compare(b.CreatedAt),
			cmp.Compare(a.ID, b.ID),
		)
	})
}
