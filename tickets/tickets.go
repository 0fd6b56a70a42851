// Package tickets is the ticket domain: types, statuses, transitions, and the
// interfaces that persist them, each sized to its users (TicketReader,
// TicketStore, StateStore, EventLedger, PresenceStore, QuestionLog,
// Checkpoints; Store embeds them all for wiring). It imports no SQL driver
// and no platform SDK.
package tickets

import (
	"context"
	"fmt"
	"time"
)

// Status is where a ticket is in its life.
type Status string

const (
	StatusOpen      Status = "open"       // queued, nobody assigned
	StatusAssigned  Status = "assigned"   // an agent has it, chat not started
	StatusInService Status = "in_service" // group chat running
	StatusSnoozed   Status = "snoozed"    // parked until SnoozedUntil
	StatusResolved  Status = "resolved"   // End Service (or auto-close)
)

// Active reports whether the ticket still needs work.
func (s Status) Active() bool { return s != StatusResolved }

// Priority orders the queue.
type Priority int

const (
	PriorityLow Priority = iota
	PriorityNormal
	PriorityHigh
	PriorityUrgent
)

var priorityNames = []string{"low", "normal", "high", "urgent"}

func (p Priority) String() string {
	if p < 0 || int(p) >= len(priorityNames) {
		return "normal"
	}
	return priorityNames[p]
}

// ParsePriority parses "low", "normal", "high", "urgent"; "" is normal.
func ParsePriority(s string) (Priority, error) {
	if s == "" {
		return PriorityNormal, nil
	}
	for i, n := range priorityNames {
		if n == s {
			return Priority(i), nil
		}
	}
	return PriorityNormal, fmt.Errorf("unknown priority %q (want low, normal, high or urgent)", s)
}

// Person is someone on a platform.
type Person struct {
	Platform string `json:"platform"`
	ID       string `json:"id"`
	Name     string `json:"name"`
}

// FormAnswer is one answered field of the pre-inquiry form.
type FormAnswer struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Value string `json:"value"`
}

// Evaluation is the requester's rating after End Service.
type Evaluation struct {
	Rating  int       `json:"rating"`
	Scale   int       `json:"scale"`
	Reasons []string  `json:"reasons,omitempty"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// CardRef points at a posted ticket card so it can be updated in place.
type CardRef struct {
	Platform string `json:"platform"`
	Chat     string `json:"chat"`
	Message  string `json:"message"`
}

// Flags record which one-shot timers have fired for a ticket.
type Flags uint32

const (
	FlagFirstResponseWarned Flags = 1 << iota
	FlagFirstResponseBreached
	FlagResolutionWarned
	FlagResolutionBreached
	FlagInactivityWarned
	FlagEvaluationAsked
)

// Ticket is one request for help.
type Ticket struct {
	ID       int64  `json:"id"`     // store row id
	Key      string `json:"key"`    // human id, "IT-1042"
	Desk     string `json:"desk"`   // desk id
	Number   int64  `json:"number"` // per-desk number
	Platform string `json:"platform"`
	// RequestKey makes Create idempotent: a second Create with the same key
	// returns the first ticket (a replayed event or a retry after a crash).
	RequestKey    string       `json:"request_key,omitempty"`
	Requester     Person       `json:"requester"`
	RequesterChat string       `json:"requester_chat"` // where to reach the requester (DM)
	Language      string       `json:"language"`
	Category      string       `json:"category"`
	Subject       string       `json:"subject"`
	Form          []FormAnswer `json:"form,omitempty"`
	Suggested     []string     `json:"suggested,omitempty"` // FAQ item ids the bot offered
	Status        Status       `json:"status"`
	PrevStatus    Status       `json:"prev_status,omitempty"` // status before snooze
	Priority      Priority     `json:"priority"`
	Assignee      string       `json:"assignee,omitempty"` // agent name from config
	AssignReason  string       `json:"assign_reason,omitempty"`
	Declined      []string     `json:"declined,omitempty"` // agents who let the ticket time out
	GroupChat     string       `json:"group_chat,omitempty"`
	Cards         []CardRef    `json:"cards,omitempty"`
	Flags         Flags        `json:"flags"`
	Evaluation    *Evaluation  `json:"evaluation,omitempty"`
	// EarlierRatings are the ratings given before a reopen, oldest first:
	// the evaluation of each service, kept for the history and the statistics.
	EarlierRatings []Evaluation `json:"earlier_ratings,omitempty"`
	// MergedInto is the key of the ticket this duplicate was merged into.
	MergedInto string `json:"merged_into,omitempty"`
	// Followers are notified when the ticket changes (Ticket Center).
	Followers []Person `json:"followers,omitempty"`
	// CloseReason says why the service ended (End Service), if given.
	CloseReason string `json:"close_reason,omitempty"`
	// Erased is when the ticket's content was erased (Delete); the ticket
	// stays as a record without content.
	Erased time.Time `json:"erased,omitzero"`
	// SplitFrom is the key of the ticket this one was split from; Splits
	// are the keys of the tickets split from this one.
	SplitFrom string   `json:"split_from,omitempty"`
	Splits    []string `json:"splits,omitempty"`
	// Tags are the desk's free tags on the ticket, normalized (NormalizeTags).
	Tags []string `json:"tags,omitempty"`
	// Guests are the people an agent invited into the group chat besides
	// the requester and the assignee (another agent, an expert).
	Guests []Person `json:"guests,omitempty"`
	// SideChats are the private side conversations about the ticket, which
	// the requester is not in (side.go).
	SideChats []SideChat `json:"side_chats,omitempty"`

	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	AssignedAt      time.Time `json:"assigned_at"`
	FirstResponseAt time.Time `json:"first_response_at"`
	StartedAt       time.Time `json:"started_at"`
	EndedAt         time.Time `json:"ended_at"`
	SnoozedUntil    time.Time `json:"snoozed_until"`
	LastActivityAt  time.Time `json:"last_activity_at"`
}

// Clone returns a deep copy, so callers may change it without touching a cached value.
func (t *Ticket) Clone() *Ticket {
	c := *t
	c.Form = append([]FormAnswer(nil), t.Form...)
	c.Suggested = append([]string(nil), t.Suggested...)
	c.Declined = append([]string(nil), t.Declined...)
	c.Cards = append([]CardRef(nil), t.Cards...)
	c.Followers = append([]Person(nil), t.Followers...)
	c.Tags = append([]string(nil), t.Tags...)
	c.Splits = append([]string(nil), t.Splits...)
	c.Guests = append([]Person(nil), t.Guests...)
	c.SideChats = nil
	for _, sc := range t.SideChats {
		sc.Members = append([]Person(nil), sc.Members...)
		c.SideChats = append(c.SideChats, sc)
	}
	if t.Evaluation != nil {
		e := *t.Evaluation
		e.Reasons = append([]string(nil), t.Evaluation.Reasons...)
		c.Evaluation = &e
	}
	c.EarlierRatings = nil
	for _, ev := range t.EarlierRatings {
		ev.Reasons = append([]string(nil), ev.Reasons...)
		c.EarlierRatings = append(c.EarlierRatings, ev)
	}
	return &c
}

// NormalizeTimes puts every time of the ticket in UTC (zero stays zero), so
// what a store reads back equals what was written.
func (t *Ticket) NormalizeTimes() {
	for _, p := range []*time.Time{&t.CreatedAt, &t.UpdatedAt, &t.AssignedAt, &t.FirstResponseAt,
		&t.StartedAt, &t.EndedAt, &t.SnoozedUntil, &t.LastActivityAt, &t.Erased} {
		*p = utc(*p)
	}
	if t.Evaluation != nil {
		t.Evaluation.At = utc(t.Evaluation.At)
	}
	for i := range t.EarlierRatings {
		t.EarlierRatings[i].At = utc(t.EarlierRatings[i].At)
	}
	for i := range t.SideChats {
		t.SideChats[i].OpenedAt = utc(t.SideChats[i].OpenedAt)
		t.SideChats[i].ClosedAt = utc(t.SideChats[i].ClosedAt)
	}
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// ActorRole says in which capacity someone acted.
type ActorRole string

const (
	RoleUser   ActorRole = "user"
	RoleAgent  ActorRole = "agent"
	RoleAdmin  ActorRole = "admin"
	RoleSystem ActorRole = "system" // the bot itself: timers, routing
)

// Actor is who caused a change.
type Actor struct {
	Role     ActorRole `json:"role"`
	Platform string    `json:"platform,omitempty"`
	ID       string    `json:"id,omitempty"`   // verified platform user id
	Name     string    `json:"name,omitempty"` // agent name from config, or display name
}

// System is the actor for changes made by the bot (routing, timers).
var System = Actor{Role: RoleSystem, Name: "helpdesk"}

// Source says what triggered a change.
type Source string

const (
	SourceButton  Source = "button"
	SourceCommand Source = "command"
	SourceChat    Source = "chat"
	SourceForm    Source = "form"
	SourceWeb     Source = "web"
	SourceTimer   Source = "timer"
	SourceRouting Source = "routing"
	SourceAPI     Source = "api" // the JSON API, by an integration
)

// Event is one audit record, written in the same transaction as the change.
type Event struct {
	ID       int64     `json:"id"`
	TicketID int64     `json:"ticket_id"`
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"` // open, assign, start, end, reopen, snooze, wake, transfer, evaluate, note, message, requeue, flag, cards, edit
	Actor    Actor     `json:"actor"`
	Source   Source    `json:"source"`
	Detail   string    `json:"detail,omitempty"`
}

// MessageKind distinguishes the transcript from internal notes.
type MessageKind string

const (
	KindTranscript MessageKind = "transcript"
	KindNote       MessageKind = "note" // internal, never shown to the requester
)

// Message is one line of a ticket's transcript or an internal note.
type Message struct {
	ID       int64       `json:"id"`
	TicketID int64       `json:"ticket_id"`
	Kind     MessageKind `json:"kind"`
	// PlatformID is the platform's message id; the store keeps one message
	// per (ticket, platform id) so a redelivered message is recorded once.
	PlatformID string    `json:"platform_id,omitempty"`
	Author     Actor     `json:"author"`
	Text       string    `json:"text"`
	At         time.Time `json:"at"`
}

// Change is what a transition writes besides the ticket itself.
type Change struct {
	Event   Event    // audit event (TicketID and ID are filled by the store)
	Message *Message // optional transcript line or note
}

// Filter selects tickets for List. Zero fields match everything.
type Filter struct {
	Desk      string
	Desks     []string // any of these desks
	Statuses  []Status
	Assignee  string
	Requester *Person // platform + id
	// Requesters: any of these accounts (platform + id), e.g. a person's
	// accounts on every channel (Accounts); with Requester, any of all.
	Requesters []Person
	Tag        string // tickets with this tag
	Since      time.Time
	Until      time.Time
	Limit      int
}

// AgentLoad is what routing needs to know about an agent's current work.
type AgentLoad struct {
	Open         int       // tickets assigned or in service
	LastAssigned time.Time // for round robin
}

// The store is split into interfaces sized to their users: the engine and
// the service need TicketStore, the Ticket Center only a TicketReader, the
// de-duplication of platform events an EventLedger, and so on. Every method
// that changes a ticket writes the change and its audit event in one
// transaction.

// TicketReader reads tickets, their audit events, transcripts and agent loads.
type TicketReader interface {
	// Get returns errs.ENOTFOUND if there is no ticket with the id.
	Get(ctx context.Context, id int64) (*Ticket, error)
	// GetByKey returns errs.ENOTFOUND if there is no ticket with the human key.
	GetByKey(ctx context.Context, key string) (*Ticket, error)
	// FindByGroupChat returns the ticket whose group chat is chat (errs.ENOTFOUND if none).
	FindByGroupChat(ctx context.Context, platform, chat string) (*Ticket, error)
	// FindByCard returns the ticket whose card was posted as message in chat
	// (errs.ENOTFOUND if none); replies in a card's thread are internal notes.
	FindByCard(ctx context.Context, platform, chat, message string) (*Ticket, error)
	// List returns tickets matching f, oldest first.
	List(ctx context.Context, f Filter) ([]*Ticket, error)
	// Queue returns the desk's open tickets by priority (highest first), then age.
	Queue(ctx context.Context, desk string) ([]*Ticket, error)
	// Events returns a ticket's audit events, oldest first.
	Events(ctx context.Context, ticketID int64) ([]Event, error)
	// Messages returns a ticket's transcript and notes, oldest first.
	Messages(ctx context.Context, ticketID int64) ([]Message, error)
	// Loads returns, per agent name, the open load of the desk's agents.
	Loads(ctx context.Context, desk string) (map[string]AgentLoad, error)
}

// TicketStore persists tickets: it reads them and writes each change with
// its audit event in one transaction.
type TicketStore interface {
	TicketReader
	// Create inserts t with the next number of its desk (t.Key becomes
	// "<prefix>-<number>") and writes ev. If t.RequestKey is set and a ticket
	// with that key exists, it returns that ticket and created=false.
	Create(ctx context.Context, t *Ticket, prefix string, ev Event) (saved *Ticket, created bool, err error)
	// Update loads the ticket in a transaction, calls fn to change it, and
	// writes the ticket with the returned change. An error from fn aborts and
	// is returned unchanged. errs.ENOTFOUND if the ticket does not exist; errs.ECONFLICT
	// if change.Message repeats a recorded (ticket, platform id).
	Update(ctx context.Context, id int64, fn func(t *Ticket) (*Change, error)) (*Ticket, error)
	// Erase is Update for a privacy request: in the same transaction it
	// deletes the ticket's transcript and notes and blanks the details of
	// its earlier events, so that only the ticket as fn leaves it and the
	// change's event remain. errs.ENOTFOUND if the ticket does not exist.
	Erase(ctx context.Context, id int64, fn func(t *Ticket) (*Change, error)) (*Ticket, error)
}

// StateStore keeps each conversation's state under optimistic versioning.
type StateStore interface {
	// GetState returns a conversation's saved state and its version
	// (errs.ENOTFOUND if none was saved).
	GetState(ctx context.Context, key string) (data []byte, version int64, err error)
	// PutState saves a conversation state if its stored version is still
	// version (0: not saved yet), and returns the new version. errs.ECONFLICT if
	// someone else saved it in between.
	PutState(ctx context.Context, key string, data []byte, version int64) (int64, error)
}

// EventLedger de-duplicates platform events across redeliveries and replicas.
type EventLedger interface {
	// ClaimEvent claims a platform event (key) for owner until leaseUntil,
	// so that of several replicas receiving the same event, or one receiving
	// it twice, one handles it. It returns ClaimTaken if the key is new, if
	// the previous owner's lease ran out (lease_until <= now) before it
	// finished, or if owner already holds it (a renewal: the lease becomes
	// leaseUntil); ClaimDone if the event was handled; ClaimBusy if another
	// owner holds a live lease. The check and the claim are atomic: of
	// concurrent claims of one key exactly one is ClaimTaken.
	ClaimEvent(ctx context.Context, key, owner string, now, leaseUntil time.Time) (Claim, error)
	// FinishEvent marks an event owner holds as handled; a later claim gets
	// ClaimDone. errs.ECONFLICT if owner does not hold it (its lease ran out and
	// another owner took it, or it never claimed it).
	FinishEvent(ctx context.Context, key, owner string, at time.Time) error
	// ReleaseEvent gives up owner's claim of an unfinished event (handling
	// failed), so a redelivery or another replica may take it at once. It
	// does nothing if owner does not hold the event or it is done.
	ReleaseEvent(ctx context.Context, key, owner string) error
	// PruneEvents forgets handled events claimed before a time (platforms
	// redeliver within minutes, so old keys only take space) and returns how
	// many it forgot. Unfinished claims are kept.
	PruneEvents(ctx context.Context, before time.Time) (int64, error)
}

// PresenceStore records who is online: agents, and desks an admin switched
// on or off.
type PresenceStore interface {
	// SetPresence records an agent's status (online, away, offline).
	SetPresence(ctx context.Context, agent, status string, at time.Time) error
	// Presence returns every agent's recorded status.
	Presence(ctx context.Context) (map[string]string, error)
	// SetDeskPresence records a desk's status (online, offline).
	SetDeskPresence(ctx context.Context, desk, status string, at time.Time) error
	// DeskPresence returns every desk's recorded status.
	DeskPresence(ctx context.Context) (map[string]string, error)
}

// Checkpoints keep where a long-running reader got to (an adapter's
// catch-up cursor), apart from conversation state.
type Checkpoints interface {
	// GetCheckpoint returns the saved value of name and its version
	// (errs.ENOTFOUND if none was saved).
	GetCheckpoint(ctx context.Context, name string) (value []byte, version int64, err error)
	// PutCheckpoint saves value if the stored version is still version (0:
	// not saved yet) and returns the new version; errs.ECONFLICT if another
	// writer saved it in between.
	PutCheckpoint(ctx context.Context, name string, value []byte, version int64) (int64, error)
}

// Store is everything a store implements, for wiring in cmd. Code that uses
// a store asks for the smallest of the interfaces above that it needs.
type Store interface {
	TicketStore
	StateStore
	EventLedger
	PresenceStore
	QuestionLog
	Checkpoints
	IdentityStore
	AttachmentStore
	DeliveryQueue
	Close() error
}

// Claim is what ClaimEvent found.
type Claim int

const (
	// ClaimTaken: the caller owns the event now and must handle it, then
	// FinishEvent (or ReleaseEvent if handling failed).
	ClaimTaken Claim = iota + 1
	// ClaimDone: the event was handled already; drop it.
	ClaimDone
	// ClaimBusy: another owner is handling it under a live lease.
	ClaimBusy
)

func (c Claim) String() string {
	switch c {
	case ClaimTaken:
		return "taken"
	case ClaimDone:
		return "done"
	case ClaimBusy:
		return "busy"
	}
	return fmt.Sprintf("Claim(%d)", int(c))
}

// Outcome is what became of a question asked to the bot.
type Outcome string

const (
	OutcomeAnswered   Outcome = "answered"    // answered directly, no feedback yet
	OutcomeHelpful    Outcome = "helpful"     // answered and the user said it helped
	OutcomeNotHelpful Outcome = "not_helpful" // answered and the user said it did not
	OutcomeSuggested  Outcome = "suggested"   // "Did you mean" shown, nothing picked yet
	OutcomePicked     Outcome = "picked"      // the user picked a suggestion
	// OutcomePickedHelpful: the user picked a suggestion and said it
	// helped; the question's text is a candidate alternate of the item.
	OutcomePickedHelpful Outcome = "picked_helpful"
	OutcomeUnanswered    Outcome = "unanswered" // the bot did not know
	OutcomeEscalated     Outcome = "escalated"  // the question became a ticket
)

// Question is one question asked to the bot, kept for statistics and for
// improving the FAQ (what was asked, what the bot did, how it ended).
type Question struct {
	ID         int64     `json:"id"`
	Desk       string    `json:"desk"`
	Platform   string    `json:"platform"`
	UserID     string    `json:"user_id"`
	Text       string    `json:"text"`
	Language   string    `json:"language"`
	ItemID     string    `json:"item_id,omitempty"` // the FAQ item answered, suggested first, or picked
	Confidence float64   `json:"confidence"`
	Outcome    Outcome   `json:"outcome"`
	TicketID   int64     `json:"ticket_id,omitempty"`
	At         time.Time `json:"at"`
}

// QuestionFilter selects questions. Zero fields match everything.
type QuestionFilter struct {
	Desk string
	// Platform and UserID select one person's questions (both or neither).
	Platform, UserID string
	Since            time.Time // inclusive
	Until            time.Time // exclusive
	Limit            int
}

// QuestionLog records questions asked to the bot. Every Store implements it.
type QuestionLog interface {
	// RecordQuestion saves q and returns its id.
	RecordQuestion(ctx context.Context, q *Question) (int64, error)
	// SetQuestionOutcome changes the outcome (and item and ticket, when not
	// empty/zero) of a recorded question. errs.ENOTFOUND if there is none.
	SetQuestionOutcome(ctx context.Context, id int64, outcome Outcome, itemID string, ticketID int64) error
	// Questions returns the questions matching f, oldest first.
	Questions(ctx context.Context, f QuestionFilter) ([]Question, error)
}

// Delivery is an outgoing message a platform did not take (rate limited,
// down, unreachable) and that waits in its chat's queue to be sent again.
// Deliveries of one chat go out in the order they were queued (by ID).
type Delivery struct {
	ID       int64
	Platform string
	Chat     string // the queue: every delivery of a chat waits behind the earlier ones
	// Kind says what to do with Payload ("send", "private", "update"); the
	// engine defines both.
	Kind    string
	Payload []byte
	// Ticket is the ticket the message belongs to (0: none), so that the
	// agent side can be told if it never arrives.
	Ticket      int64
	Attempts    int
	CreatedAt   time.Time
	NextAttempt time.Time
	ExpiresAt   time.Time
	LastError   string
}

// DeliveryQueue keeps the deliveries that wait to be sent again. A delivery
// is sent by whoever claims it with a lease (ClaimDelivery), like events:
// of several replicas one sends it, and one that dies while sending leaves
// a lease that runs out.
type DeliveryQueue interface {
	// QueueDelivery appends d to the queue of its (platform, chat) and
	// returns its id; ids grow in the order deliveries are queued.
	QueueDelivery(ctx context.Context, d Delivery) (int64, error)
	// DeliveriesWaiting reports whether a chat has deliveries queued.
	DeliveriesWaiting(ctx context.Context, platform, chat string) (bool, error)
	// DueDeliveries returns, oldest first and at most limit, the first
	// delivery of each chat's queue when it is due (NextAttempt <= now) and
	// no live lease holds it. A chat whose first delivery is not due
	// returns nothing: what waits behind it waits for it.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// ClaimDelivery leases a delivery to owner until leaseUntil if no other
	// owner holds a live lease on it (lease_until > now); false if one does
	// or the delivery is gone. Of concurrent claims exactly one wins.
	ClaimDelivery(ctx context.Context, id int64, owner string, now, leaseUntil time.Time) (bool, error)
	// FinishDelivery removes a delivery owner holds (sent, or given up).
	// errs.ECONFLICT if owner does not hold it.
	FinishDelivery(ctx context.Context, id int64, owner string) error
	// RetryDelivery records a failed attempt of a delivery owner holds:
	// one more attempt, the next one not before next, the error, the
	// payload replaced by payload unless it is nil (what is left to send,
	// when part of it went out), and the lease given up. errs.ECONFLICT if
	// owner does not hold it.
	RetryDelivery(ctx context.Context, id int64, owner string, next time.Time, lastErr string, payload []byte) error
	// CountDeliveries returns how many deliveries are queued.
	CountDeliveries(ctx context.Context) (int64, error)
}
