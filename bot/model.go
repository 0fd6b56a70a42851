package bot

import (
	"context"
	"errors"
)

// ChatKind says what kind of chat an event happened in.
type ChatKind string

const (
	ChatDirect  ChatKind = "direct"  // a DM between the user and the bot
	ChatGroup   ChatKind = "group"   // a ticket's group chat
	ChatChannel ChatKind = "channel" // a public or private channel (mention, agent channel)
)

// EventKind says what happened.
type EventKind string

const (
	EventMessage EventKind = "message" // text typed by a person
	EventCommand EventKind = "command" // /helpdesk <args> (Text holds the args)
	EventAction  EventKind = "action"  // a button pressed or a select option chosen
	EventForm    EventKind = "form"    // a submitted form (modal, dialog, web form)
)

// User is the person behind an event, as the platform verified them.
type User struct {
	ID       string // platform user id (verified by the adapter)
	Name     string // display name
	Locale   string // e.g. "de-DE"; empty if unknown
	Timezone string // IANA name; empty if unknown
	// Email is the address the platform verified for the user (Slack's
	// profile email under users:read.email, a Mattermost address the server
	// marks verified, the web sign-in address); empty if it gives none. The
	// engine links the accounts with one address as one requester.
	Email string
}

// Chat is where an event happened.
type Chat struct {
	ID     string
	Kind   ChatKind
	Thread string // thread/parent message id, if the event is in a thread
}

// Action is a pressed button or chosen select option.
type Action struct {
	ID    string // which control (e.g. "start", "rate", "menu")
	Value string // the button's value or the chosen option
	// Message is the message the control belongs to, so it can be updated.
	Message MessageRef
}

// Event is one thing that happened on a platform, turned neutral by its adapter.
type Event struct {
	ID       string // the platform's event id, for de-duplication ("" = none)
	Platform string
	Kind     EventKind
	User     User
	Chat     Chat
	Text     string
	Action   Action
	// FormID and Values carry a submitted form.
	FormID string
	Values map[string]string
	// Trigger is the platform's handle for opening a form in reply (Slack and
	// Mattermost trigger_id, a Discord interaction); empty if none.
	Trigger string
	// Desk is an optional hint from the adapter (a channel bound to a desk).
	Desk string
	// Files are the files sent with a message (see attachments.go).
	Files []File
}

// ButtonStyle hints how a button is drawn.
type ButtonStyle string

const (
	StyleDefault ButtonStyle = ""
	StylePrimary ButtonStyle = "primary"
	StyleDanger  ButtonStyle = "danger"
)

// Button is a pressable control. Its Value is never trusted for permissions.
type Button struct {
	ID    string
	Label string
	Value string
	Style ButtonStyle
	// URL, when set, makes a link button that opens the address instead of
	// sending an action.
	URL string
}

// Option is one entry of a select menu.
type Option struct {
	Label string
	Value string
}

// Select is a drop-down menu; choosing an option sends an EventAction with ID.
type Select struct {
	ID          string
	Placeholder string
	Options     []Option
}

// Field is a labelled value on a card. Label and Value are plain text:
// adapters show them literally (no markup, no links, no mentions), so form
// answers and subjects can go in as they were typed.
type Field struct {
	Label string
	Value string
}

// Message is a neutral message: markdown text, an optional card title and
// fields, buttons and at most one select menu. Adapters render it natively.
type Message struct {
	Title string // plain text, shown literally
	// Text is markdown: **bold**, _italic_, `code`, [link](url), lists.
	// Untrusted text goes in through Literal.
	Text    string
	Fields  []Field
	Buttons []Button
	Select  *Select
	// Files go with the message (an agent's reply from the Ticket Center);
	// the engine sets them only for a FileSender platform.
	Files []OutFile
}

// MessageRef points at a sent message so it can be updated.
type MessageRef struct {
	Chat string
	ID   string
}

// FormFieldType is the kind of a form input.
type FormFieldType string

const (
	FieldText      FormFieldType = "text"
	FieldParagraph FormFieldType = "paragraph"
	FieldSelect    FormFieldType = "select"
)

// FormField is one input of a form.
type FormField struct {
	ID       string
	Label    string
	Type     FormFieldType
	Options  []string
	Required bool
	MaxLen   int
}

// Form is a dialog to open (a Slack modal, a Discord modal, a Mattermost
// interactive dialog, an HTML form). Its submission comes back as EventForm
// with the same ID.
type Form struct {
	ID     string
	Title  string
	Submit string
	Fields []FormField
}

// GroupChat describes the chat created by Start Chat.
type GroupChat struct {
	Name    string   // slug, e.g. "it-1042-vpn-drops"
	Title   string   // human title
	Topic   string   // short description
	Members []string // platform user ids (requester, agent)
}

// ErrFormsUnsupported is returned by Platform.OpenForm when the platform (or
// this event) cannot show a form; the engine then asks field by field in chat.
var ErrFormsUnsupported = errors.New("forms are not supported here")

// ErrUnreachable is wrapped by a platform's error when the person does not
// take direct messages from the bot (Discord's 50007, DMs closed): the
// engine then tells the agents, who must reach them another way.
var ErrUnreachable = errors.New("the person does not accept direct messages from the bot")

// Platform renders neutral messages on one chat platform.
type Platform interface {
	// Name is the platform name used in config and events: slack, discord, mattermost, web.
	Name() string
	// Send posts a message to a chat and returns where it went.
	Send(ctx context.Context, chat string, msg Message) (MessageRef, error)
	// Update replaces a posted message in place.
	Update(ctx context.Context, ref MessageRef, msg Message) error
	// SendPrivate shows a message to one user only in a chat (an ephemeral message).
	SendPrivate(ctx context.Context, chat, user string, msg Message) error
	// DirectChat returns the id of the DM chat between the bot and user.
	DirectChat(ctx context.Context, user string) (string, error)
	// OpenForm opens a form in reply to the event with the trigger; it returns
	// ErrFormsUnsupported when that cannot be done.
	OpenForm(ctx context.Context, trigger string, form Form) error
	// CreateGroupChat creates a private chat with the members and the bot.
	CreateGroupChat(ctx context.Context, gc GroupChat) (string, error)
	// InviteToGroupChat adds a user to a group chat (after a transfer).
	InviteToGroupChat(ctx context.Context, chat, user string) error
	// ArchiveGroupChat closes a group chat so no more messages can be sent.
	ArchiveGroupChat(ctx context.Context, chat string) error
}

// SelectLimiter is implemented by a platform whose select menus show at most
// MaxSelectOptions options (Discord: 25). The engine pages a longer list:
// the entries a page at a time, with "‹ Previous" and "More…" entries. A
// platform without it shows any number of options in one select.
type SelectLimiter interface {
	MaxSelectOptions() int
}
