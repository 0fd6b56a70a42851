package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// File is a file sent with a message: an upload in the web chat, a file
// posted in a ticket's group chat. The adapter downloads it only when the
// engine keeps it.
type File struct {
	ID   string // the platform's file id: a redelivered file is kept once
	Name string
	Size int64 // as the platform says; -1 if it does not say
	// Fetch downloads the file; more than max bytes is ErrFileTooLarge.
	Fetch func(ctx context.Context, max int64) ([]byte, error)
	// Kept, when set, is told what became of the file (the attachment kept,
	// or the refusal), and the adapter tells the sender; when nil, the
	// engine tells the sender of a refusal privately.
	Kept func(a tickets.Attachment, err error)
}

// ErrFileTooLarge is what File.Fetch returns for a file above the limit.
var ErrFileTooLarge = errors.New("file too large")

// Attachments is the engine's keeper of files, with the live config's
// limit and allow-list.
func (e *Engine) Attachments() *tickets.Attachments {
	return e.svc.Files.Configured(e.rt.Load().Config.Attachments)
}

// keepFiles keeps the files of a group chat message with its ticket while
// the ticket is in service. A refused file is never dropped in silence:
// the sender is told why.
func (e *Engine) keepFiles(ctx context.Context, rt *Runtime, t *tickets.Ticket, actor tickets.Actor, ev Event) error {
	k := e.svc.Files.Configured(rt.Config.Attachments)
	for _, f := range ev.Files {
		a, err := e.keepFile(ctx, k, t, actor, f)
		if err != nil && errs.Code(err) == errs.EINTERNAL {
			if f.Kept != nil {
				f.Kept(a, err)
			}
			return err
		}
		if f.Kept != nil {
			f.Kept(a, err)
			continue
		}
		if err != nil {
			if perr := e.private(ctx, ev, errs.Message(err)); perr != nil {
				return perr
			}
		}
	}
	return nil
}

func (e *Engine) keepFile(ctx context.Context, k *tickets.Attachments, t *tickets.Ticket, actor tickets.Actor, f File) (tickets.Attachment, error) {
	name := tickets.CleanFileName(f.Name)
	if t.Status != tickets.StatusInService {
		return tickets.Attachment{}, errs.Errorf(errs.EINVALID, "%s was not kept: %s is %s; files are kept while the chat is in service.",
			name, t.Key, t.Status.Describe())
	}
	if f.Size > 0 {
		if err := k.Check(name, f.Size, nil); err != nil {
			return tickets.Attachment{}, err
		}
	}
	if f.Fetch == nil {
		return tickets.Attachment{}, fmt.Errorf("file %s has no way to download it", name)
	}
	data, err := f.Fetch(ctx, k.Limit())
	if errors.Is(err, ErrFileTooLarge) {
		return tickets.Attachment{}, k.TooLarge(name, -1)
	}
	if err != nil {
		// The platform would not give the file (gone, no permission): the
		// sender hears of it, and the message goes on without it.
		e.log.Warn("file not downloaded", "ticket", t.Key, "file", f.ID, "err", err)
		return tickets.Attachment{}, errs.Errorf(errs.EINVALID, "%s was not kept: it could not be downloaded from %s; please send it again.", name, actor.Platform)
	}
	return k.Keep(ctx, t, actor, f.ID, name, data)
}

// filesOutsideTicket tells the sender of files in a DM with the bot that
// they were not kept: files belong to a ticket's chat.
func (e *Engine) filesOutsideTicket(ctx context.Context, ev Event) error {
	for _, f := range ev.Files {
		err := errs.Errorf(errs.EINVALID, "%s was not kept: files are kept with a ticket; send it in the ticket's chat once an agent has started it.",
			tickets.CleanFileName(f.Name))
		if f.Kept != nil {
			f.Kept(tickets.Attachment{}, err)
			continue
		}
		if perr := e.private(ctx, ev, errs.Message(err)); perr != nil {
			return perr
		}
	}
	return nil
}

// OutFile is a file kept with a ticket that goes out with a message: an
// agent's reply with files from the Ticket Center.
type OutFile struct {
	tickets.Attachment
	Data []byte
}

// FileSender is a platform that sends Message.Files with a message. A file
// it cannot send (too large for the platform, one too many) is named in a
// FilesRefused returned with the ref of what was sent: the text and the
// other files went. A platform without it gets no files, and the engine
// says so.
type FileSender interface {
	SendsFiles() bool
}

// FileRefusal is a file a platform would not take, and why, in words for
// the agent ("Discord takes files up to 10 MB").
type FileRefusal struct {
	Name, Reason string
}

// FilesRefused is a platform's refusal of some of a message's files; the
// rest of the message was sent.
type FilesRefused []FileRefusal

func (r FilesRefused) Error() string {
	var b strings.Builder
	for i, f := range r {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Name + ": " + f.Reason)
	}
	return "files refused: " + b.String()
}

// checkUploads refuses a reply's files that the attachments' limit or
// allow-list would not keep, before anything is kept or sent.
func checkUploads(k *tickets.Attachments, files []tickets.Upload) error {
	if len(files) > tickets.MaxReplyFiles {
		return errs.Errorf(errs.EINVALID, "A reply carries at most %d files; this one has %d.", tickets.MaxReplyFiles, len(files))
	}
	for _, f := range files {
		if err := k.Check(f.Name, int64(len(f.Data)), f.Data); err != nil {
			return err
		}
	}
	return nil
}

// keepUploads keeps a reply's files with t as the agent's (checked already).
func keepUploads(ctx context.Context, k *tickets.Attachments, t *tickets.Ticket, actor tickets.Actor, files []tickets.Upload) ([]OutFile, error) {
	var out []OutFile
	for _, f := range files {
		var rnd [8]byte
		_, _ = rand.Read(rnd[:])
		a, err := k.Keep(ctx, t, actor, "reply:"+hex.EncodeToString(rnd[:]), f.Name, f.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, OutFile{Attachment: a, Data: f.Data})
	}
	return out, nil
}

func fileCount(n int) string {
	if n == 1 {
		return "a file"
	}
	return fmt.Sprintf("%d files", n)
}
