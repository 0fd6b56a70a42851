package tickets

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
)

// Attachment is a file kept with a ticket: sent in the web chat, posted in
// a ticket's group chat, or attached to an inbound email. The bytes are in
// the store (Path empty) or in the attachments folder (Path, relative to it).
type Attachment struct {
	ID       int64 `json:"id"`
	TicketID int64 `json:"ticket_id"`
	// PlatformID is the platform's file id; the store keeps one attachment
	// per (ticket, platform id) so a redelivered file is kept once.
	PlatformID  string    `json:"platform_id,omitempty"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"` // sniffed from the content, not as declared
	Size        int64     `json:"size"`         // bytes
	SHA256      string    `json:"sha256"`       // hex
	Author      Actor     `json:"author"`
	At          time.Time `json:"at"`
	Path        string    `json:"-"`
}

// AttachmentStore persists attachments. Every Store implements it; Erase
// deletes a ticket's attachments with its transcript.
type AttachmentStore interface {
	// AddAttachment saves a (and data, when a.Path is empty) and fills
	// a.ID. errs.ECONFLICT if the ticket has an attachment with the same
	// PlatformID already; errs.ENOTFOUND if the ticket does not exist.
	AddAttachment(ctx context.Context, a *Attachment, data []byte) error
	// Attachments returns a ticket's attachments, oldest first.
	Attachments(ctx context.Context, ticketID int64) ([]Attachment, error)
	// Attachment returns one attachment and, when kept in the store, its
	// bytes. errs.ENOTFOUND if there is none.
	Attachment(ctx context.Context, id int64) (Attachment, []byte, error)
	// AttachmentByPlatformID returns a ticket's attachment by its platform
	// id (errs.ENOTFOUND if none), without its bytes.
	AttachmentByPlatformID(ctx context.Context, ticketID int64, platformID string) (Attachment, error)
}

// DefaultMaxAttachmentBytes is the largest file kept when the config sets no limit.
const DefaultMaxAttachmentBytes = 10 << 20

// DefaultAttachmentTypes is the content-type allow-list when the config sets
// none: images, PDF, plain text and office documents. An entry ending in
// "/*" allows a whole family.
var DefaultAttachmentTypes = []string{
	"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp",
	"application/pdf",
	"text/plain", "text/csv",
	"application/zip", // .docx, .xlsx, .pptx, .odt are zip files to a sniffer
	"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
	"application/x-ole-storage", // .doc, .xls, .ppt before 2007
}

// Attachments keeps files with tickets under a size limit and a
// content-type allow-list, in the store or in a folder.
type Attachments struct {
	Store    AttachmentStore
	MaxBytes int64    // 0: DefaultMaxAttachmentBytes
	Types    []string // nil: DefaultAttachmentTypes
	// Dir, when set, is the folder the bytes are written to (one folder
	// per ticket); the store keeps only the record.
	Dir string
	Now func() time.Time
}

// Limit is the largest file kept, in bytes.
func (k *Attachments) Limit() int64 {
	if k == nil || k.MaxBytes <= 0 {
		return DefaultMaxAttachmentBytes
	}
	return k.MaxBytes
}

func (k *Attachments) types() []string {
	if k == nil || k.Types == nil {
		return DefaultAttachmentTypes
	}
	return k.Types
}

// Sniff returns the content type of data as http.DetectContentType sees it
// (the declared type is not trusted), with a few office formats told apart
// by the file name when the sniffer only sees a zip or OLE file, without
// parameters.
func Sniff(name string, data []byte) string {
	ct, _, _ := strings.Cut(http.DetectContentType(data), ";")
	ct = strings.TrimSpace(ct)
	ext := strings.ToLower(filepath.Ext(name))
	switch ct {
	case "application/zip":
		if t, ok := zipOffice[ext]; ok {
			return t
		}
	case "application/octet-stream":
		// DetectContentType does not know OLE compound files (.doc, .xls).
		if len(data) >= 8 && string(data[:8]) == "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" {
			if t, ok := oleOffice[ext]; ok {
				return t
			}
			return "application/x-ole-storage"
		}
	case "text/plain":
		if ext == ".csv" {
			return "text/csv"
		}
	}
	return ct
}

var zipOffice = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
}

var oleOffice = map[string]string{
	".doc": "application/msword",
	".xls": "application/vnd.ms-excel",
	".ppt": "application/vnd.ms-powerpoint",
}

// Allowed reports whether content type ct is on the allow-list.
func (k *Attachments) Allowed(ct string) bool {
	for _, a := range k.types() {
		if a == ct || (strings.HasSuffix(a, "/*") && strings.HasPrefix(ct, strings.TrimSuffix(a, "*"))) {
			return true
		}
	}
	return false
}

// Check says why a file of size bytes and content data would be refused
// (errs.EINVALID with a message for the sender naming the file), or nil.
// Pass size < 0 when the size is not known yet (the content is checked
// alone). data may be the first 512 bytes only.
func (k *Attachments) Check(name string, size int64, data []byte) error {
	if size > k.Limit() {
		return k.TooLarge(name, size)
	}
	if size == 0 || (size < 0 && len(data) == 0) {
		return errs.Errorf(errs.EINVALID, "%s was not kept: the file is empty.", CleanFileName(name))
	}
	if data != nil {
		if ct := Sniff(name, data); !k.Allowed(ct) {
			return errs.Errorf(errs.EINVALID, "%s was not kept: files of type %s are not accepted (accepted: %s).",
				CleanFileName(name), ct, k.Accepted())
		}
	}
	return nil
}

// TooLarge is the refusal of a file above the limit; size < 0: how much
// above is not known (the download was cut at the limit).
func (k *Attachments) TooLarge(name string, size int64) error {
	if size < 0 {
		return errs.Errorf(errs.EINVALID, "%s was not kept: it is larger than %s, the limit for files.",
			CleanFileName(name), FormatBytes(k.Limit()))
	}
	return errs.Errorf(errs.EINVALID, "%s was not kept: it is %s, and files are limited to %s.",
		CleanFileName(name), FormatBytes(size), FormatBytes(k.Limit()))
}

// Accepted describes the allow-list for people.
func (k *Attachments) Accepted() string {
	if k.Types == nil {
		return "images, PDF, text and office documents"
	}
	return strings.Join(k.types(), ", ")
}

// Keep checks a file and keeps it with ticket t. A refused file is an
// errs.EINVALID error whose message is for the sender; a file already kept
// under the same platform id returns the kept one (a redelivery).
func (k *Attachments) Keep(ctx context.Context, t *Ticket, author Actor, platformID, name string, data []byte) (Attachment, error) {
	if err := k.Check(name, int64(len(data)), data); err != nil {
		return Attachment{}, err
	}
	if platformID != "" {
		if a, err := k.Store.AttachmentByPlatformID(ctx, t.ID, platformID); err == nil {
			return a, nil
		} else if errs.Code(err) != errs.ENOTFOUND {
			return Attachment{}, err
		}
	}
	sum := sha256.Sum256(data)
	a := Attachment{TicketID: t.ID, PlatformID: platformID, Name: CleanFileName(name), ContentType: Sniff(name, data),
		Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Author: author, At: k.now()}
	stored := data
	if k.Dir != "" {
		var rnd [8]byte
		_, _ = rand.Read(rnd[:])
		a.Path = filepath.Join(strconv.FormatInt(t.ID, 10), hex.EncodeToString(rnd[:]))
		full := filepath.Join(k.Dir, a.Path)
		if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
			return Attachment{}, fmt.Errorf("keep %s: %w", a.Name, err)
		}
		if err := writeFileSynced(full, data); err != nil {
			return Attachment{}, fmt.Errorf("keep %s: %w", a.Name, err)
		}
		stored = nil
	}
	if err := k.Store.AddAttachment(ctx, &a, stored); err != nil {
		if a.Path != "" {
			_ = os.Remove(filepath.Join(k.Dir, a.Path))
		}
		if errs.Code(err) == errs.ECONFLICT && platformID != "" {
			return k.Store.AttachmentByPlatformID(ctx, t.ID, platformID)
		}
		return Attachment{}, fmt.Errorf("keep %s with %s: %w", a.Name, t.Key, err)
	}
	return a, nil
}

// Open returns an attachment and its bytes, from the store or the folder.
func (k *Attachments) Open(ctx context.Context, id int64) (Attachment, []byte, error) {
	a, data, err := k.Store.Attachment(ctx, id)
	if err != nil || a.Path == "" {
		return a, data, err
	}
	if k.Dir == "" {
		return a, nil, fmt.Errorf("attachment %d is in a folder, and no attachments folder is configured", id)
	}
	data, err = os.ReadFile(filepath.Join(k.Dir, filepath.Clean(a.Path)))
	if os.IsNotExist(err) {
		return a, nil, errs.Errorf(errs.ENOTFOUND, "The file %s is gone.", a.Name)
	}
	return a, data, err
}

// EraseFiles deletes the folder of a ticket's attachments (the store's rows
// go with Erase).
func (k *Attachments) EraseFiles(ticketID int64) error {
	if k == nil || k.Dir == "" {
		return nil
	}
	return os.RemoveAll(filepath.Join(k.Dir, strconv.FormatInt(ticketID, 10)))
}

func (k *Attachments) now() time.Time {
	if k.Now != nil {
		return k.Now().UTC()
	}
	return time.Now().UTC()
}

func writeFileSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// MaxFileNameLen is the longest file name kept, in characters.
const MaxFileNameLen = 200

// CleanFileName makes a sender's file name safe to keep and show: the last
// path element, no control characters, at most MaxFileNameLen characters
// (the extension kept), "file" if nothing is left.
func CleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	if r := []rune(name); len(r) > MaxFileNameLen {
		ext := []rune(filepath.Ext(name))
		if len(ext) > 16 {
			ext = nil
		}
		name = string(r[:MaxFileNameLen-len(ext)-1]) + "…" + string(ext)
	}
	return name
}

// FormatBytes writes a size as people read it: "512 B", "1.5 KB", "10 MB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, suffix := float64(n)/unit, "KB"
	for _, s := range []string{"MB", "GB"} {
		if f < unit {
			break
		}
		f, suffix = f/unit, s
	}
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d %s", int64(f), suffix)
	}
	return fmt.Sprintf("%.1f %s", f, suffix)
}

// Configured returns a copy of k with the limit and allow-list of c (the
// live config; nil: the defaults). The folder stays k's: moving it needs a
// restart.
func (k *Attachments) Configured(c *config.Attachments) *Attachments {
	out := *k
	out.MaxBytes, out.Types = 0, nil
	if c != nil {
		out.MaxBytes = c.MaxBytes
		if len(c.Types) > 0 {
			out.Types = c.Types
		}
	}
	return &out
}

// Upload is a file an agent sends with a reply (the Ticket Center, the
// API): its name as sent and its bytes. The engine checks and keeps it.
type Upload struct {
	Name string
	Data []byte
}

// MaxReplyFiles is the most files one reply carries (Discord's limit per
// message, the tightest of the platforms').
const MaxReplyFiles = 10
