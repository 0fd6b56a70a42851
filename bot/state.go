package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Step is where a user's conversation with the bot is.
type Step string

const (
	StepIdle     Step = ""         // nothing pending
	StepMenu     Step = "menu"     // browsing the question menu
	StepAnswered Step = "answered" // answered, awaiting "Did this help?"
	StepForm     Step = "form"     // filling the pre-inquiry form
	StepOpening  Step = "opening"  // form complete, ticket being opened (write-ahead)
	StepWaiting  Step = "waiting"  // ticket open, waiting for / talking to an agent
	StepRating   Step = "rating"   // ticket resolved, evaluation prompt shown
	StepComment  Step = "comment"  // rated, awaiting an optional comment
	StepReopen   Step = "reopen"   // a reply after the end: offered to reopen Ticket with Question
)

// State is one user's conversation, persisted after every event.
type State struct {
	Step     Step   `json:"step"`
	Desk     string `json:"desk,omitempty"`
	Lang     string `json:"lang,omitempty"`
	Chat     string `json:"chat,omitempty"` // the DM chat where the conversation runs
	Question string `json:"question,omitempty"`
	// QuestionID is the question's record in the question log (0: none).
	QuestionID int64  `json:"question_id,omitempty"`
	Category   string `json:"category,omitempty"`
	// Suggested holds the FAQ items the bot offered for this question.
	Suggested []string `json:"suggested,omitempty"`
	// Picked: the answer shown came from a "Did you mean" pick.
	Picked bool `json:"picked,omitempty"`
	// Form being filled field by field (or awaiting a modal submission).
	Form        string               `json:"form,omitempty"`
	FormField   int                  `json:"form_field,omitempty"`
	FormAnswers []tickets.FormAnswer `json:"form_answers,omitempty"`
	// Opener is who submitted the form and how, saved with StepOpening, so
	// that the engine can finish the opening after a crash without an event
	// from the user.
	Opener *Opener `json:"opener,omitempty"`
	// Ticket is the user's current ticket (waiting, rating, comment).
	Ticket int64 `json:"ticket,omitempty"`
	Rating int   `json:"rating,omitempty"`
	// Seq numbers the tickets this user opened; with the user it forms the
	// ticket's request key, so a retried open never makes a second ticket.
	Seq     int64 `json:"seq"`
	Greeted bool  `json:"greeted,omitempty"`
	// Prompts are the form prompts shown while the form is being filled,
	// retired once it is not (see stale.go).
	Prompts   []Prompt  `json:"prompts,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`

	// asked is a question this step logs with the state's save (one
	// transaction, see askedStateStore); its id goes in QuestionID.
	asked *tickets.Question
}

// Opener is the submission a StepOpening state finishes.
type Opener struct {
	Name   string         `json:"name,omitempty"` // the user's display name
	Source tickets.Source `json:"source"`         // form (a dialog) or chat (field by field)
}

// StateStore keeps the conversations' states. The bot owns what a state
// means; the store keeps opaque bytes with a version, so two writers (two
// replicas, a web tab and a chat at once) cannot overwrite each other.
// tickets.Store implements it.
type StateStore interface {
	// GetState returns a conversation's saved state and its version
	// (errs.ENOTFOUND if none was saved).
	GetState(ctx context.Context, key string) (data []byte, version int64, err error)
	// PutState saves a state if its stored version is still version (0: not
	// saved yet) and returns the new version; errs.ECONFLICT if someone else
	// saved it in between.
	PutState(ctx context.Context, key string, data []byte, version int64) (int64, error)
}

var _ StateStore = tickets.Store(nil)

// askedStateStore is a store that records a question and saves the state of
// the step that asked it in one transaction (tickets/sqlite and
// tickets/postgres): a question costs one commit, not two, and a save that
// meets a conflict logs no question (the step runs again and logs it then).
type askedStateStore interface {
	PutStateAsked(ctx context.Context, key string, version int64, q *tickets.Question,
		encode func(questionID int64) ([]byte, error)) (int64, error)
}

// askedStore returns the store that logs questions with the state, or nil
// when questions are logged on their own (the states live elsewhere, or the
// store cannot).
func (e *Engine) askedStore() askedStateStore {
	if as, ok := e.states.(askedStateStore); ok && any(e.states) == any(e.store) {
		return as
	}
	return nil
}

func stateKey(platform, user string) string { return platform + ":" + user }

// loadState returns the saved state (or a fresh one) and its version.
func (e *Engine) loadState(ctx context.Context, key string) (*State, int64, error) {
	data, version, err := e.states.GetState(ctx, key)
	if errs.Code(err) == errs.ENOTFOUND {
		return &State{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load conversation %s: %w", key, err)
	}
	st := &State{}
	if err := json.Unmarshal(data, st); err != nil {
		// A state we cannot read is reset rather than blocking the user forever.
		e.log.Warn("unreadable conversation state reset", "key", key, "err", err)
		return &State{}, version, nil
	}
	return st, version, nil
}

func (e *Engine) saveState(ctx context.Context, key string, st *State, version int64) (int64, error) {
	st.UpdatedAt = e.now()
	if q := st.asked; q != nil {
		if as := e.askedStore(); as != nil {
			v, err := as.PutStateAsked(ctx, key, version, q, func(id int64) ([]byte, error) {
				st.QuestionID = id
				return json.Marshal(st)
			})
			if err != nil {
				return 0, fmt.Errorf("save conversation %s: %w", key, err)
			}
			q.ID, st.asked = st.QuestionID, nil
			return v, nil
		}
	}
	data, err := json.Marshal(st)
	if err != nil {
		return 0, fmt.Errorf("encode conversation %s: %w", key, err)
	}
	v, err := e.states.PutState(ctx, key, data, version)
	if err != nil {
		return 0, fmt.Errorf("save conversation %s: %w", key, err)
	}
	return v, nil
}

// State returns a user's saved conversation state (for tests and the Ticket Center).
func (e *Engine) State(ctx context.Context, platform, user string) (*State, error) {
	st, _, err := e.loadState(ctx, stateKey(platform, user))
	return st, err
}
