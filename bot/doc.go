// Package bot is the platform-neutral engine of the help desk: platform events
// come in as Event, replies go out through the Platform interface as neutral
// Messages, Forms and group chats. It keeps each user's conversation as a small
// state machine persisted in the ticket store, so a restart resumes every
// conversation where it was.
//
// Every change of a ticket goes through one engine method per transition
// (transitions.go: Open, Assign, Transfer, StartChat, EndService, Reopen,
// Snooze, Wake, Merge, Evaluate, AddNote, Follow), which calls
// tickets.Service and then does the platform effects: cards, the group chat,
// DMs, dispatch and the rating prompt. Buttons (actions.go), commands
// (commands.go), the group chat (groupchat.go), timers (timers.go) and the
// Ticket Center and its API (through center.Engine) all call these; who may
// do what is decided in tickets.Service alone. Cards are rendered in
// cards.go, the queue is dispatched in dispatch.go, the rating, comment and
// reopen after End Service are in evaluation.go.
//
// bot imports faq, tickets, rules and config. It never imports an adapter, a
// platform SDK, a SQL driver or the Ticket Center.
package bot
