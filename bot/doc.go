// Package bot is the platform-neutral engine of the help desk: platform events
// come in as Event, replies go out through the Platform interface as neutral
// Messages, Forms and group chats. It keeps each user's conversation as a small
// state machine persisted through a StateStore (the ticket store by default),
// so a restart resumes every conversation where it was.
//
// A conversation decides first and acts after saving (outbox.go): one run of
// the state machine changes the state and queues its replies, forms, ticket
// opening and dispatch in an outbox; the state is saved with its version and
// only then is the outbox flushed. On a save conflict (another replica, or a
// web tab and a chat at once) the outbox is dropped and the run starts again,
// so nobody sees a message twice. The run and its buttons are in
// conversation.go, the desk choice and presence in desk.go, FAQ answers and
// the question menu in faqflow.go, the pre-inquiry form and the write-ahead
// ticket opening in form.go, event claims across replicas in claims.go. The
// texts the bot writes to employees are in catalog/<lang>.yaml (embedded,
// looked up in messages.go).
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
