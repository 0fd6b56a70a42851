package sqlcore

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// RecordQuestion saves a question asked to the bot.
func (c *Core) RecordQuestion(ctx context.Context, q *tickets.Question) (int64, error) {
	return recordQuestion(ctx, c.Writer, q)
}

func recordQuestion(ctx context.Context, db DB, q *tickets.Question) (int64, error) {
	var id int64
	err := db.QueryRow(ctx, `INSERT INTO questions
		(desk, platform, user_id, text, language, item_id, confidence, outcome, ticket_id, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		q.Desk, q.Platform, q.UserID, q.Text, q.Language, q.ItemID, q.Confidence,
		string(q.Outcome), q.TicketID, Nanos(q.At)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record question: %w", err)
	}
	q.ID = id
	return id, nil
}

// SetQuestionOutcome updates what became of a question.
func (c *Core) SetQuestionOutcome(ctx context.Context, id int64, outcome tickets.Outcome, itemID string, ticketID int64) error {
	n, err := c.Writer.Exec(ctx, `UPDATE questions SET outcome = ?,
		item_id = CASE WHEN ? <> '' THEN ? ELSE item_id END,
		ticket_id = CASE WHEN ? <> 0 THEN ? ELSE ticket_id END
		WHERE id = ?`, string(outcome), itemID, itemID, ticketID, ticketID, id)
	if err != nil {
		return fmt.Errorf("set outcome of question %d: %w", id, err)
	}
	if n == 0 {
		return errs.Errorf(errs.ENOTFOUND, "No question %d.", id)
	}
	return nil
}

// Questions lists questions, oldest first.
func (c *Core) Questions(ctx context.Context, f tickets.QuestionFilter) ([]tickets.Question, error) {
	var where []string
	var args []any
	if f.Desk != "" {
		where = append(where, "desk = ?")
		args = append(args, f.Desk)
	}
	if f.UserID != "" {
		where = append(where, "platform = ? AND user_id = ?")
		args = append(args, f.Platform, f.UserID)
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, Nanos(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < ?")
		args = append(args, Nanos(f.Until))
	}
	q := `SELECT id, desk, platform, user_id, text, language, item_id, confidence, outcome, ticket_id, at FROM questions`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY at, id"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := c.Read.Query(ctx, q, args...)
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
		qu.At = FromNanos(at)
		out = append(out, qu)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list questions: %w", err)
	}
	return out, nil
}
