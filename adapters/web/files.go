package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/internal/download"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// FileRef is a file shown in a chat message: kept with the ticket, fetched
// through /chat/api/file by the chat's members.
type FileRef struct {
	ID   int64  `json:"id"` // attachment id
	Name string `json:"name"`
	Size int64  `json:"size"`
	Type string `json:"type"` // sniffed content type
}

// FileView is a FileRef as the page shows it.
type FileView struct {
	Name  string `json:"name"`
	Size  string `json:"size"` // "1.5 MB"
	Type  string `json:"type"`
	URL   string `json:"url"`
	Image bool   `json:"image,omitempty"` // shown inline
}

func fileViews(m int64, chat string, fs []FileRef) []FileView {
	var out []FileView
	for _, f := range fs {
		out = append(out, FileView{Name: f.Name, Size: tickets.FormatBytes(f.Size), Type: f.Type, Image: download.InlineImages[f.Type],
			URL: "/chat/api/file?chat=" + urlQuery(chat) + "&message=" + strconv.FormatInt(m, 10) + "&file=" + strconv.FormatInt(f.ID, 10)})
	}
	return out
}

var _ bot.FileSender = (*Platform)(nil)

// SendsFiles implements bot.FileSender: an agent's files show in the chat
// as the requester's do, fetched by the chat's members (handleFile), when
// files are kept at all.
func (p *Platform) SendsFiles() bool { return p.filesFn != nil }

func urlQuery(s string) string { return url.QueryEscape(s) }

// uploadOverhead is what a multipart request carries besides the file.
const uploadOverhead = 64 << 10

// handleUpload takes one file (field "file", with an optional "text") sent
// in a ticket's group chat: the engine keeps it with the ticket, and the
// chat shows it to its members. A file too large or of a type not accepted
// is refused with a message saying so (413, 415), and nothing is posted.
func (p *Platform) handleUpload(w http.ResponseWriter, r *http.Request, s auth.Session) {
	files := p.files()
	if files == nil {
		writeError(w, http.StatusNotFound, "This help desk keeps no files.")
		return
	}
	limit := files.Limit()
	r.Body = http.MaxBytesReader(w, r.Body, limit+uploadOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, http.StatusBadRequest, "Send the file as multipart/form-data (field file).")
		return
	}
	var chat, text, name string
	var data []byte
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			p.uploadReadError(w, err, name, files)
			return
		}
		switch part.FormName() {
		case "chat", "text":
			b, err := io.ReadAll(io.LimitReader(part, maxText*4+1))
			if err != nil {
				p.uploadReadError(w, err, name, files)
				return
			}
			if part.FormName() == "chat" {
				chat = string(b)
			} else {
				text = strings.TrimSpace(string(b))
			}
		case "file":
			if data != nil {
				writeError(w, http.StatusBadRequest, "Send one file at a time.")
				return
			}
			name = tickets.CleanFileName(part.FileName())
			data, err = readAtMost(part, limit)
			if err != nil {
				p.uploadReadError(w, err, name, files)
				return
			}
		}
		part.Close()
	}
	if data == nil {
		writeError(w, http.StatusBadRequest, "Choose a file first.")
		return
	}
	if !utf8.ValidString(text) || utf8.RuneCountInString(text) > maxText {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Messages are limited to %d characters.", maxText))
		return
	}
	user := s.Identity.UserID
	kind, err := p.access(r.Context(), user, chat)
	if err != nil {
		p.writeErr(w, err)
		return
	}
	if kind != bot.ChatGroup {
		writeError(w, http.StatusBadRequest, name+" was not kept: files are kept with a ticket; send it in the ticket's chat once an agent has started it.")
		return
	}
	if err := p.checkPostable(r.Context(), chat); err != nil {
		p.writeErr(w, err)
		return
	}
	if err := files.Check(name, int64(len(data)), data); err != nil {
		writeError(w, http.StatusUnsupportedMediaType, errs.Message(err))
		return
	}
	var kept tickets.Attachment
	var keepErr error
	ev := p.event(r, s, chat, kind, "")
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	id := hex.EncodeToString(rnd[:])
	ev.ID, ev.Kind = "upload:"+id, bot.EventMessage
	ev.Files = []bot.File{{ID: "upload:" + id, Name: name, Size: int64(len(data)),
		Fetch: func(context.Context, int64) ([]byte, error) { return data, nil },
		Kept:  func(a tickets.Attachment, err error) { kept, keepErr = a, err }}}
	if err := p.dispatch(r, ev); err != nil {
		p.writeErr(w, err)
		return
	}
	if keepErr != nil {
		p.writeErr(w, keepErr)
		return
	}
	if kept.ID == 0 {
		writeError(w, http.StatusConflict, name+" was not kept: this chat belongs to no ticket.")
		return
	}
	m, err := p.post(r.Context(), chat, "", Body{From: Author{ID: user, Name: s.Identity.Name}, Text: text,
		Files: []FileRef{{ID: kept.ID, Name: kept.Name, Size: kept.Size, Type: kept.ContentType}}})
	if err != nil {
		p.writeErr(w, err)
		return
	}
	if text != "" {
		// The words sent with the file are a message of the transcript.
		tev := p.event(r, s, chat, kind, "")
		tev.ID, tev.Kind, tev.Text = "msg:"+strconv.FormatInt(m.ID, 10), bot.EventMessage, text
		if err := p.dispatch(r, tev); err != nil {
			p.writeErr(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": m.ID, "file": kept.ID})
}

// readAtMost reads r whole, or fails with bot.ErrFileTooLarge past max bytes.
func readAtMost(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, bot.ErrFileTooLarge
	}
	return b, nil
}

func (p *Platform) uploadReadError(w http.ResponseWriter, err error, name string, files *tickets.Attachments) {
	var mbe *http.MaxBytesError
	if errors.Is(err, bot.ErrFileTooLarge) || errors.As(err, &mbe) {
		if name == "" {
			name = "The file"
		}
		writeError(w, http.StatusRequestEntityTooLarge, errs.Message(files.TooLarge(name, -1)))
		return
	}
	if errors.Is(err, multipart.ErrMessageTooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, "The request is too large.")
		return
	}
	writeError(w, http.StatusBadRequest, "The upload was cut off; please try again.")
}

// handleFile sends a file of a chat message to a member of the chat who
// can see the message, as a download (images may be shown inline), with
// a content type that cannot run in the page.
func (p *Platform) handleFile(w http.ResponseWriter, r *http.Request, s auth.Session) {
	files := p.files()
	q := r.URL.Query()
	msg, _ := strconv.ParseInt(q.Get("message"), 10, 64)
	id, _ := strconv.ParseInt(q.Get("file"), 10, 64)
	if files == nil || id == 0 {
		writeError(w, http.StatusNotFound, "No such file.")
		return
	}
	_, _, b, err := p.memberMessage(r.Context(), s.Identity.UserID, q.Get("chat"), msg)
	if err != nil {
		p.writeErr(w, err)
		return
	}
	found := false
	for _, f := range b.Files {
		found = found || f.ID == id
	}
	if !found {
		writeError(w, http.StatusNotFound, "No such file.")
		return
	}
	a, data, err := files.Open(r.Context(), id)
	if err != nil {
		p.writeErr(w, err)
		return
	}
	download.Serve(w, r, a, data)
}
