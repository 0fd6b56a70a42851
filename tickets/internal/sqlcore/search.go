package sqlcore

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// SearchTickets returns the tickets matching f whose key, subject, requester
// name, category, form answers or transcript contain text (case-insensitive),
// oldest first. Internal notes are searched only when notes is true: a
// requester must not find a ticket by what agents wrote about it. It reads
// the search columns and ticket_form, never the JSON model.
func (c *Core) SearchTickets(ctx context.Context, f tickets.Filter, text string, notes bool) ([]*tickets.Ticket, error) {
	text = strings.TrimSpace(text)
	limit := f.Limit
	f.Limit = 0
	all, err := c.List(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("search tickets: %w", err)
	}
	if text == "" {
		return capped(all, limit), nil
	}
	like := c.Read.Dialect().ILike + ` ? ESCAPE '\'`
	kinds := []any{string(tickets.KindTranscript)}
	if notes {
		kinds = append(kinds, string(tickets.KindNote))
	}
	pattern := "%" + escapeLike(text) + "%"
	args := []any{pattern, pattern, pattern, pattern, pattern}
	args = append(append(args, kinds...), pattern)
	rows, err := c.Read.Query(ctx, `SELECT id FROM tickets WHERE key `+like+`
			OR subject `+like+` OR requester_name `+like+` OR category `+like+`
		UNION SELECT ticket_id FROM ticket_form WHERE value `+like+`
		UNION SELECT ticket_id FROM messages WHERE kind IN (`+placeholders(len(kinds))+`) AND text `+like, args...)
	if err != nil {
		return nil, fmt.Errorf("search tickets for %q: %w", text, err)
	}
	defer rows.Close()
	hit := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("search tickets for %q: %w", text, err)
		}
		hit[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search tickets for %q: %w", text, err)
	}
	out := all[:0]
	for _, t := range all {
		if hit[t.ID] {
			out = append(out, t)
		}
	}
	return capped(out, limit), nil
}

// CountByStatus returns, per desk, how many tickets are in each status (the
// Ticket Center's optional StatusCounter query, behind /metrics).
func (c *Core) CountByStatus(ctx context.Context) (map[string]map[tickets.Status]int, error) {
	rows, err := c.Read.Query(ctx, `SELECT desk, status, COUNT(*) FROM tickets GROUP BY desk, status`)
	if err != nil {
		return nil, fmt.Errorf("count tickets by status: %w", err)
	}
	defer rows.Close()
	out := map[string]map[tickets.Status]int{}
	for rows.Next() {
		var desk, status string
		var n int64
		if err := rows.Scan(&desk, &status, &n); err != nil {
			return nil, fmt.Errorf("count tickets by status: %w", err)
		}
		if out[desk] == nil {
			out[desk] = map[tickets.Status]int{}
		}
		out[desk][tickets.Status(status)] = int(n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count tickets by status: %w", err)
	}
	return out, nil
}

// escapeLike makes s match itself in a LIKE pattern escaped by backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func capped(ts []*tickets.Ticket, limit int) []*tickets.Ticket {
	if limit > 0 && len(ts) > limit {
		return ts[:limit]
	}
	return ts
}
