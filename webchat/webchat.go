// Package webchat holds what the built-in web chat persists: messages per
// chat and group chats with their members. It is a leaf package (no bot, no
// driver) so stores can implement Store without importing the adapter.
package webchat

import (
	"context"
	"time"
)

// Message is one stored chat message. Body is the adapter's JSON rendering
// input; the store does not look inside it.
type Message struct {
	ID      int64
	Chat    string
	Viewer  string // "" = every member of the chat; else only this user id (ephemeral)
	Body    []byte
	Created time.Time
	Updated time.Time
	// Seq orders every change (insert or update) across all chats.
	Seq int64
}

// Chat is a group chat (a ticket's room).
type Chat struct {
	ID       string
	Name     string
	Title    string
	Topic    string
	Members  []string
	Archived bool
	Created  time.Time
	Seq      int64 // bumped on create, member added, archive
}

// Store persists the web chat. Errors that callers branch on are
// errs.Error codes: ENOTFOUND, ECONFLICT.
type Store interface {
	// AddMessage stores a new message and returns it with ID and Seq set.
	AddMessage(ctx context.Context, chat, viewer string, body []byte, at time.Time) (Message, error)
	// UpdateMessage replaces a message's body (ENOTFOUND if the chat has no
	// such message) and gives it a new Seq.
	UpdateMessage(ctx context.Context, chat string, id int64, body []byte, at time.Time) (Message, error)
	// Message returns one message of a chat (ENOTFOUND).
	Message(ctx context.Context, chat string, id int64) (Message, error)
	// History returns up to limit messages of chat that viewer may see
	// (public ones and viewer's private ones) with ID < before (0: no bound),
	// the newest ones, oldest first.
	History(ctx context.Context, chat, viewer string, before int64, limit int) ([]Message, error)
	// CreateChat stores a group chat with its members (ECONFLICT if the id exists).
	CreateChat(ctx context.Context, c Chat) (Chat, error)
	// Chat returns a group chat with its members (ENOTFOUND).
	Chat(ctx context.Context, id string) (Chat, error)
	// AddMember adds a user to a group chat (ENOTFOUND if no chat); adding a
	// member twice is no error.
	AddMember(ctx context.Context, chat, user string) error
	// RemoveMember takes a user out of a group chat (ENOTFOUND if no chat);
	// removing someone who is not a member is no error.
	RemoveMember(ctx context.Context, chat, user string) error
	// ArchiveChat marks a group chat archived (ENOTFOUND).
	ArchiveChat(ctx context.Context, chat string) error
	// ChatsOf returns the group chats user is a member of, newest first.
	ChatsOf(ctx context.Context, user string) ([]Chat, error)
	// Changes returns, in Seq order, up to limit messages with Seq > after
	// that viewer may see, in the chats listed or in group chats viewer is a
	// member of, and the group chats of viewer with Seq > after.
	Changes(ctx context.Context, viewer string, chats []string, after int64, limit int) ([]Message, []Chat, error)
	// LastSeq returns the highest Seq given so far.
	LastSeq(ctx context.Context) (int64, error)
	// Feed returns, in Seq order, up to limit messages and up to limit group
	// chats (with their members) with Seq > after, whoever may see them: the
	// change feed one reader per process turns into every stream's events.
	Feed(ctx context.Context, after int64, limit int) ([]Message, []Chat, error)
}

// Notifier is implemented by stores that several processes share
// (PostgreSQL): it announces changes committed by any of them, so a replica
// can wake its open event streams at once instead of waiting for a poll.
type Notifier interface {
	// WatchChanges returns once it is listening: every change committed after
	// it returns is announced by a value on the channel (several changes may
	// share one value; the receiver asks Changes for what is new). When the
	// store loses and regains its listening connection it sends a value too,
	// as changes may have been missed. The channel is closed when ctx ends.
	WatchChanges(ctx context.Context) (<-chan struct{}, error)
}
