package center

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/helpdesk-chat/helpdesk/center/export"
	"github.com/helpdesk-chat/helpdesk/config"
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
	Sent                  bool // sent to the requester with an agent's reply
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
				Image: download.InlineImages[a.ContentType], Sent: strings.HasPrefix(a.PlatformID, "reply:")}})
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

// replyFiles are the reply box's limits for files, as the page says them.
type replyFiles struct {
	Count       int
	Size, Types string
}

// statusError is a refusal with its own HTTP status (413, 415).
type statusError struct {
	status int
	err    error
}

func (e statusError) Error() string { return e.err.Error() }
func (e statusError) Unwrap() error { return e.err }

// uploadKeeper is the keeper of attachments with cfg's live limits, nil
// when the Center keeps no files.
func (c *Center) uploadKeeper(cfg *config.Config) *tickets.Attachments {
	if c.svc.Files == nil {
		return nil
	}
	return c.svc.Files.Configured(cfg.Attachments)
}

// checkUploads refuses a reply's files as an inbound file would be: too
// large 413, a type not accepted 415, empty or one too many 400; each
// refusal names the file.
func (c *Center) checkUploads(cfg *config.Config, files []fileJSON) ([]tickets.Upload, error) {
	k := c.uploadKeeper(cfg)
	if k == nil {
		return nil, errs.Errorf(errs.EINVALID, "This help desk keeps no files.")
	}
	if len(files) > tickets.MaxReplyFiles {
		return nil, errs.Errorf(errs.EINVALID, "A reply carries at most %d files; this one has %d.", tickets.MaxReplyFiles, len(files))
	}
	out := make([]tickets.Upload, 0, len(files))
	for _, f := range files {
		name := tickets.CleanFileName(f.Name)
		switch err := k.Check(name, int64(len(f.Data)), f.Data); {
		case err == nil:
		case int64(len(f.Data)) > k.Limit():
			return nil, statusError{http.StatusRequestEntityTooLarge, err}
		case len(f.Data) == 0:
			return nil, err
		default:
			return nil, statusError{http.StatusUnsupportedMediaType, err}
		}
		out = append(out, tickets.Upload{Name: name, Data: f.Data})
	}
	return out, nil
}

// uploadOverhead is what a reply's form or JSON carries besides its files.
const uploadOverhead = 1 << 20

// maxReplyBody is the largest reply request: MaxReplyFiles files at the
// limit (as base64 in JSON, a third more) and the form.
func (c *Center) maxReplyBody() int64 {
	k := c.uploadKeeper(c.config())
	if k == nil {
		return maxBody
	}
	return tickets.MaxReplyFiles*k.Limit()*4/3 + uploadOverhead
}

// limitUploads caps a multipart post to the ticket actions before its form
// is read (the CSRF check reads it): a body announced larger than a reply
// with files can be is refused at once with 413, and one that grows past
// it is cut.
func (c *Center) limitUploads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			max := c.maxReplyBody()
			if r.ContentLength > max {
				k := c.uploadKeeper(c.config())
				writeJSON(w, http.StatusRequestEntityTooLarge, apiError{fmt.Sprintf("The files were not kept: a reply carries at most %d files of %s each.",
					tickets.MaxReplyFiles, tickets.FormatBytes(k.Limit()))})
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		next.ServeHTTP(w, r)
	})
}

// formUploads reads the files of the reply form (field "file", repeated);
// the form was parsed by the CSRF check. A file above the limit is refused
// without being read.
func (c *Center) formUploads(r *http.Request) ([]fileJSON, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []fileJSON
	k := c.uploadKeeper(c.config())
	for _, fh := range r.MultipartForm.File["file"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the field left empty
		}
		if k != nil && fh.Size > k.Limit() {
			return nil, statusError{http.StatusRequestEntityTooLarge, k.TooLarge(fh.Filename, fh.Size)}
		}
		f, err := fh.Open()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", fh.Filename, err)
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", fh.Filename, err)
		}
		out = append(out, fileJSON{Name: fh.Filename, Data: data})
	}
	return out, nil
}
