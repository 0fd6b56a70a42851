package center

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/helpdesk-chat/helpdesk/center/export"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/internal/download"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// transcriptLine is a message of the conversation or a file sent in it,
// in time order on the ticket page.
type transcriptLine struct {
	tickets.Message
	File *fileView
}

// fileView is an attachment as the ticket page shows it.
type fileView struct {
	Name, Size, Type, URL string
	Image                 bool // a raster image, shown as a thumbnail
}

// files returns the keeper of attachments (nil when the service keeps none).
func (c *Center) files() *tickets.Attachments { return c.svc.Files }

// withFiles merges the ticket's attachments into its transcript by time.
func (c *Center) withFiles(r *http.Request, t *tickets.Ticket, ms []tickets.Message) ([]transcriptLine, error) {
	out := make([]transcriptLine, 0, len(ms))
	for _, m := range ms {
		out = append(out, transcriptLine{Message: m})
	}
	k := c.files()
	if k == nil {
		return out, nil
	}
	as, err := k.Store.Attachments(r.Context(), t.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		out = append(out, transcriptLine{Message: tickets.Message{TicketID: t.ID, Kind: tickets.KindTranscript, Author: a.Author, At: a.At},
			File: &fileView{Name: a.Name, Size: tickets.FormatBytes(a.Size), Type: a.ContentType, URL: export.FileURL(t.Key, a.ID),
				Image: download.InlineImages[a.ContentType]}})
	}
	slices.SortStableFunc(out, func(a, b transcriptLine) int { return a.At.Compare(b.At) })
	return out, nil
}

// handleFile serves an attachment to who may see its ticket (its desk's
// staff, and the requester); to anyone else it does not exist (404).
func (c *Center) handleFile(w http.ResponseWriter, r *http.Request) {
	v := c.viewer(r)
	t, err := c.ticketFor(r.Context(), v, r.PathValue("key"))
	if err != nil {
		c.fail(w, v, err)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	k := c.files()
	if k == nil || id <= 0 {
		c.fail(w, v, errs.Errorf(errs.ENOTFOUND, "No such file on %s.", t.Key))
		return
	}
	a, data, err := k.Open(r.Context(), id)
	if err == nil && a.TicketID != t.ID {
		err = errs.Errorf(errs.ENOTFOUND, "No such file on %s.", t.Key)
	}
	if err != nil {
		c.fail(w, v, err)
		return
	}
	c.log.Info("attachment downloaded", "ticket", t.Key, "file", a.ID, "platform", v.id.Platform, "user", v.id.UserID)
	download.Serve(w, r, a, data)
}
