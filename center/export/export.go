// Package export writes ticket history as CSV (one row per ticket, for
// spreadsheets) or JSON (every ticket with its transcript, notes and audit
// events, for other systems). It does no I/O beyond the writer and the
// store reads its Load helper makes.
package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Record is one exported ticket with its history.
type Record struct {
	*tickets.Ticket
	Messages []tickets.Message `json:"messages"`
	Events   []tickets.Event   `json:"events"`
	Files    []File            `json:"attachments"`
}

// File is an attachment of an exported ticket: what it is and where the
// Ticket Center serves it (a path under the Center's address; an agent of
// the desk signs in to download).
type File struct {
	ID          int64         `json:"id"`
	Name        string        `json:"name"`
	Size        int64         `json:"size"`
	ContentType string        `json:"content_type"`
	SHA256      string        `json:"sha256"`
	Author      tickets.Actor `json:"author"`
	At          time.Time     `json:"at"`
	URL         string        `json:"url"`
}

// FileURL is where the Ticket Center serves attachment id of ticket key.
func FileURL(key string, id int64) string {
	return "/center/tickets/" + key + "/files/" + strconv.FormatInt(id, 10)
}

// MarshalJSON writes the ticket as the CSV reads it: the priority as its
// name (low, normal, high, urgent), and a time that never happened (not
// assigned, never answered) as null instead of year 1; times are RFC 3339
// (ISO 8601 with the offset, UTC).
func (r Record) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(r.Ticket)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	m := map[string]any{}
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if r.Ticket != nil {
		m["priority"] = r.Ticket.Priority.String()
	}
	for k, v := range m {
		if s, ok := v.(string); ok && s == zeroTime {
			m[k] = nil
		}
	}
	m["messages"], m["events"], m["attachments"] = nonNil(r.Messages), nonNil(r.Events), nonNil(r.Files)
	return json.Marshal(m)
}

// zeroTime is how encoding/json writes time.Time{}.
var zeroTime = time.Time{}.Format(time.RFC3339Nano)

// Reader is what Load needs of a store.
type Reader interface {
	Messages(ctx context.Context, ticketID int64) ([]tickets.Message, error)
	Events(ctx context.Context, ticketID int64) ([]tickets.Event, error)
}

// FileReader is what Load needs of a store to list attachments (every
// tickets.Store has it).
type FileReader interface {
	Attachments(ctx context.Context, ticketID int64) ([]tickets.Attachment, error)
}

// Load adds each ticket's messages, events and attachments.
func Load(ctx context.Context, r Reader, ts []*tickets.Ticket) ([]Record, error) {
	out := make([]Record, 0, len(ts))
	for _, t := range ts {
		ms, err := r.Messages(ctx, t.ID)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", t.Key, err)
		}
		evs, err := r.Events(ctx, t.ID)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", t.Key, err)
		}
		rec := Record{Ticket: t, Messages: nonNil(ms), Events: nonNil(evs), Files: []File{}}
		if fr, ok := r.(FileReader); ok {
			as, err := fr.Attachments(ctx, t.ID)
			if err != nil {
				return nil, fmt.Errorf("export %s: %w", t.Key, err)
			}
			for _, a := range as {
				rec.Files = append(rec.Files, File{ID: a.ID, Name: a.Name, Size: a.Size, ContentType: a.ContentType,
					SHA256: a.SHA256, Author: a.Author, At: a.At, URL: FileURL(t.Key, a.ID)})
			}
		}
		out = append(out, rec)
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Columns are the CSV header, in order.
var Columns = []string{"key", "desk", "status", "priority", "category", "subject", "platform",
	"requester_id", "requester_name", "assignee", "created_at", "assigned_at", "first_response_at",
	"ended_at", "first_response_minutes", "resolution_minutes", "rating", "rating_scale", "rating_reasons",
	"rating_comment", "merged_into", "form", "messages", "notes", "close_reason", "tags", "attachments"}

// WriteCSV writes one row per record. Cells that a spreadsheet would run as
// a formula (starting with = + - @ or a tab) are prefixed with a quote.
func WriteCSV(w io.Writer, recs []Record) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	for _, r := range recs {
		t := r.Ticket
		var form []string
		for _, a := range t.Form {
			form = append(form, a.Label+": "+a.Value)
		}
		msgs, notes := 0, 0
		for _, m := range r.Messages {
			if m.Kind == tickets.KindNote {
				notes++
			} else {
				msgs++
			}
		}
		rating, scale, reasons, comment := "", "", "", ""
		if ev := t.Evaluation; ev != nil {
			rating, scale = strconv.Itoa(ev.Rating), strconv.Itoa(ev.Scale)
			reasons, comment = strings.Join(ev.Reasons, "; "), ev.Comment
		}
		var files []string
		for _, f := range r.Files {
			files = append(files, fmt.Sprintf("%s (%s)", f.Name, tickets.FormatBytes(f.Size)))
		}
		row := []string{t.Key, t.Desk, string(t.Status), t.Priority.String(), t.Category, t.Subject, t.Platform,
			t.Requester.ID, t.Requester.Name, t.Assignee, stamp(t.CreatedAt), stamp(t.AssignedAt),
			stamp(t.FirstResponseAt), stamp(t.EndedAt), minutes(t.CreatedAt, t.FirstResponseAt),
			minutes(t.CreatedAt, t.EndedAt), rating, scale, reasons, comment, t.MergedInto,
			strings.Join(form, "\n"), strconv.Itoa(msgs), strconv.Itoa(notes), t.CloseReason, strings.Join(t.Tags, " "),
			strings.Join(files, "\n")}
		for i, cell := range row {
			row[i] = defuse(cell)
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

// WriteJSON writes {"tickets": [...]} with every record's history.
func WriteJSON(w io.Writer, recs []Record) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		Tickets []Record `json:"tickets"`
	}{nonNil(recs)}); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// Write writes recs in format "csv" or "json".
func Write(w io.Writer, format string, recs []Record) error {
	switch format {
	case "csv":
		return WriteCSV(w, recs)
	case "json":
		return WriteJSON(w, recs)
	}
	return fmt.Errorf("unknown export format %q (want csv or json)", format)
}

// ContentType is the MIME type of a format.
func ContentType(format string) string {
	if format == "csv" {
		return "text/csv; charset=utf-8"
	}
	return "application/json"
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func minutes(from, to time.Time) string {
	if from.IsZero() || to.IsZero() {
		return ""
	}
	return strconv.FormatFloat(to.Sub(from).Minutes(), 'f', 1, 64)
}

// defuse keeps spreadsheet programs from running a cell as a formula.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// ParseRange reads a date range: each bound is a date (YYYY-MM-DD, in loc;
// until is inclusive, so the range ends at the next midnight) or an RFC 3339
// time (until exclusive). An empty bound is open.
func ParseRange(since, until string, loc *time.Location) (from, to time.Time, err error) {
	if loc == nil {
		loc = time.UTC
	}
	parse := func(name, s string, end bool) (time.Time, error) {
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}, nil
		}
		if d, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
			if end {
				d = d.AddDate(0, 0, 1)
			}
			return d.UTC(), nil
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%s %q is not a date (2026-03-31) or a time (2026-03-31T18:00:00Z)", name, s)
		}
		return t.UTC(), nil
	}
	if from, err = parse("since", since, false); err != nil {
		return
	}
	if to, err = parse("until", until, true); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, fmt.Errorf("since %s is not before until %s", since, until)
	}
	return from, to, nil
}
