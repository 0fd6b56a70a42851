package tickets

import "time"

// Snapshot is the whole content of a store, row by row, for copying a help
// desk from one store to another ("helpdesk migrate --from ... --to ...").
// Rows keep their ids, so events, messages, card index rows and questions
// still point at the right tickets, and desk counters keep numbering where
// they were. Card index rows are not listed: they follow from Ticket.Cards.
type Snapshot struct {
	Tickets   []*Ticket
	Counters  map[string]int64 // desk id → the number its next ticket gets
	Events    []Event
	Messages  []Message
	States    []SavedState
	Seen      []SeenEvent
	Presence  []AgentPresence
	Questions []Question
	// DeskPresence: desks an admin switched on or off (Agent is the desk id).
	DeskPresence []AgentPresence
	// Checkpoints: where adapters' readers got to (Key is the checkpoint name).
	Checkpoints []SavedState
	// Identities: accounts linked to their verified addresses.
	Identities []Identity
}

// SavedState is one conversation's persisted state.
type SavedState struct {
	Key     string
	Data    []byte
	Version int64
}

// SeenEvent is one claimed platform event id: handled (Done) or being
// handled by Owner until LeaseUntil.
type SeenEvent struct {
	Key        string
	At         time.Time
	Owner      string
	LeaseUntil time.Time
	Done       bool
}

// AgentPresence is an agent's last recorded status.
type AgentPresence struct {
	Agent  string
	Status string
	At     time.Time
}

// Counts returns the number of rows of each kind, keyed by table name, for
// verifying a copy.
func (s *Snapshot) Counts() map[string]int {
	return map[string]int{
		"tickets":       len(s.Tickets),
		"desk_counters": len(s.Counters),
		"events":        len(s.Events),
		"messages":      len(s.Messages),
		"states":        len(s.States),
		"seen":          len(s.Seen),
		"presence":      len(s.Presence),
		"questions":     len(s.Questions),
		"desk_presence": len(s.DeskPresence),
		"checkpoints":   len(s.Checkpoints),
		"identities":    len(s.Identities),
	}
}
