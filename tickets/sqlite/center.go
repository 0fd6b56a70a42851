package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// SearchTickets returns the tickets matching f whose key, subject, requester
// name, form answers or transcript contain text (case-insensitive for ASCII),
// oldest first. Internal notes are searched only when notes is true: a
// requester must not find a ticket by what agents wrote about it.
func (s *Store) SearchTickets(ctx context.Context, f tickets.Filter, text string, notes bool) ([]*tickets.Ticket, error) {
	text = strings.TrimSpace(text)
	limit := f.Limit
	f.Limit = 0
	all, err := s.List(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("search tickets: %w", err)
	}
	if text == "" {
		return capped(all, limit), nil
	}
	pattern := "%" + escapeLike(text) + "%"
	kinds := "'transcript'"
	if notes {
		kinds += ", 'note'"
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id FROM tickets WHERE key LIKE ?1 ESCAPE '\'
			OR json_extract(data, '$.subject') LIKE ?1 ESCAPE '\'
			OR json_extract(data, '$.requester.name') LIKE ?1 ESCAPE '\'
			OR json_extract(data, '$.category') LIKE ?1 ESCAPE '\'
			OR EXISTS (SELECT 1 FROM json_each(tickets.data, '$.form') AS f
				WHERE json_extract(f.value, '$.value') LIKE ?1 ESCAPE '\')
		UNION SELECT ticket_id FROM messages WHERE kind IN (`+kinds+`) AND text LIKE ?1 ESCAPE '\'`, pattern)
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

// CountByStatus returns, per desk, how many tickets are in each status.
func (s *Store) CountByStatus(ctx context.Context) (map[string]map[tickets.Status]int, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT desk, status, COUNT(*) FROM tickets GROUP BY desk, status`)
	if err != nil {
		return nil, fmt.Errorf("count tickets by status: %w", err)
	}
	defer rows.Close()
	out := map[string]map[tickets.Status]int{}
	for rows.Next() {
		var desk, status string
		var n int
		if err := rows.Scan(&desk, &status, &n); err != nil {
			return nil, fmt.Errorf("count tickets by status: %w", err)
		}
		if out[desk] == nil {
			out[desk] = map[tickets.Status]int{}
		}
		out[desk][tickets.Status(status)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count tickets by status: %w", err)
	}
	return out, nil
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func capped(ts []*tickets.Ticket, limit int) []*tickets.Ticket {
	if limit > 0 && len(ts) > limit {
		return ts[:limit]
	}
	return ts
}
