package sqlcore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

const attachmentColumns = `id, ticket_id, COALESCE(platform_id, ''), name, content_type, size, sha256, author, at, path`

// AddAttachment saves an attachment's record and, when it is not in the
// attachments folder, its bytes.
func (c *Core) AddAttachment(ctx context.Context, a *tickets.Attachment, data []byte) error {
	author, err := json.Marshal(a.Author)
	if err != nil {
		return fmt.Errorf("add attachment: %w", err)
	}
	if data == nil && a.Path == "" {
		data = []byte{}
	}
	var blob any = data
	if a.Path != "" {
		blob = nil
	}
	err = c.Write(ctx, func(tx DB) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM tickets WHERE id = ?`, a.TicketID).Scan(&one); err != nil {
			if errors.Is(err, ErrNoRows) {
				return errs.Errorf(errs.ENOTFOUND, "No ticket %d.", a.TicketID)
			}
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO attachments
			(ticket_id, platform_id, name, content_type, size, sha256, author, at, path, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.TicketID, Nullable(a.PlatformID), a.Name, a.ContentType, a.Size, a.SHA256, string(author),
			Nanos(a.At), a.Path, blob).Scan(&a.ID)
	})
	if errors.Is(err, ErrUnique) {
		return errs.Errorf(errs.ECONFLICT, "Ticket %d has file %s already.", a.TicketID, a.PlatformID)
	}
	if err != nil && errs.Code(err) == errs.EINTERNAL {
		return fmt.Errorf("add attachment %s to ticket %d: %w", a.Name, a.TicketID, err)
	}
	return err
}

// Attachments lists a ticket's attachments, oldest first.
func (c *Core) Attachments(ctx context.Context, ticketID int64) ([]tickets.Attachment, error) {
	rows, err := c.Read.Query(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE ticket_id = ? ORDER BY at, id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("list attachments of ticket %d: %w", ticketID, err)
	}
	defer rows.Close()
	var out []tickets.Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, fmt.Errorf("list attachments of ticket %d: %w", ticketID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attachments of ticket %d: %w", ticketID, err)
	}
	return out, nil
}

// Attachment returns one attachment with its bytes (nil when in the folder).
func (c *Core) Attachment(ctx context.Context, id int64) (tickets.Attachment, []byte, error) {
	var a tickets.Attachment
	var author string
	var at int64
	var data []byte
	err := c.Read.QueryRow(ctx, `SELECT `+attachmentColumns+`, data FROM attachments WHERE id = ?`, id).Scan(
		&a.ID, &a.TicketID, &a.PlatformID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &author, &at, &a.Path, &data)
	if errors.Is(err, ErrNoRows) {
		return a, nil, errs.Errorf(errs.ENOTFOUND, "No attachment %d.", id)
	}
	if err != nil {
		return a, nil, fmt.Errorf("get attachment %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(author), &a.Author); err != nil {
		return a, nil, fmt.Errorf("get attachment %d: %w", id, err)
	}
	a.At = FromNanos(at)
	if a.Path == "" && data == nil {
		data = []byte{}
	}
	return a, data, nil
}

// AttachmentByPlatformID finds a ticket's attachment by its platform id.
func (c *Core) AttachmentByPlatformID(ctx context.Context, ticketID int64, platformID string) (tickets.Attachment, error) {
	row := c.Read.QueryRow(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE ticket_id = ? AND platform_id = ?`, ticketID, platformID)
	a, err := scanAttachment(row)
	if errors.Is(err, ErrNoRows) {
		return a, errs.Errorf(errs.ENOTFOUND, "Ticket %d has no file %s.", ticketID, platformID)
	}
	if err != nil {
		return a, fmt.Errorf("get attachment %s of ticket %d: %w", platformID, ticketID, err)
	}
	return a, nil
}

func scanAttachment(r Row) (tickets.Attachment, error) {
	var a tickets.Attachment
	var author string
	var at int64
	if err := r.Scan(&a.ID, &a.TicketID, &a.PlatformID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &author, &at, &a.Path); err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(author), &a.Author); err != nil {
		return a, err
	}
	a.At = FromNanos(at)
	return a, nil
}
