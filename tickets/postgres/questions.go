package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// RecordQuestion saves a question asked to the bot.
func (s *Store) RecordQuestion(ctx context.Context, q *tickets.Question) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO questions
		(desk, platform, user_id, text, language, item_id, confidence, outcome, ticket_id, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		txt(q.Desk), txt(q.Platform), txt(q.UserID), txt(q.Text), txt(q.Language), txt(q.ItemID), q.Confidence,
		string(q.Outcome), q.TicketID, nanos(q.At)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record question: %w", err)
	}
	q.ID = id
	return id, nil
}

// SetQuestionOutcome updates what became of a question.
func (s *Store) SetQuestionOutcome(ctx context.Context, id int64, outcome tickets.Outcome, itemID string, ticketID int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE questions SET outcome = $1,
		item_id = CASE WHEN $2 <> '' THEN $2 ELSE item_id END,
		ticket_id = CASE WHEN $3 <> 0 THEN $3 ELSE ticket_id END
		WHERE id = $4`, string(outcome), txt(itemID), ticketID, id)
	if err != nil {
		return fmt.Errorf("set outcome of question %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return errs.Errorf(errs.ENOTFOUND, "No question %d.", id)
	}
	return nil
}

// Questions lists questions, oldest first.
func (s *Store) Questions(ctx context.Context, f tickets.QuestionFilter) ([]tickets.Question, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Desk != "" {
		where = append(where, "desk = "+arg(f.Desk))
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= "+arg(nanos(f.Since)))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < "+arg(nanos(f.Until)))
	}
	q := `SELECT id, desk, platform, user_id, text, language, item_id, confidence, outcome, ticket_id, at FROM questions`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY at, id"
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list questions: %w", err)
	}
	defer rows.Close()
	var out []tickets.Question
	for rows.Next() {
		var qu tickets.Question
		var outcome string
		var at int64
		if err := rows.Scan(&qu.ID, &qu.Desk, &qu.Platform, &qu.UserID, &qu.Text, &qu.Language, &qu.ItemID,
			&qu.Confidence, &outcome, &qu.TicketID, &at); err != nil {
			return nil, fmt.Errorf("list questions: %w", err)
		}
		qu.Outcome = tickets.Outcome(outcome)
		qu.At = fromNanos(at)
		out = append(out, qu)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list questions: %w", err)
	}
	return out, nil
}
