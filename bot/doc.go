// Package bot is the platform-neutral engine of the help desk: platform events
// come in as Event, replies go out through the Platform interface as neutral
// Messages, Forms and group chats. It keeps each user's conversation as a small
// state machine persisted in the ticket store, so a restart resumes every
// conversation where it was.
//
// bot imports faq, tickets, rules and config. It never imports an adapter, a
// platform SDK or a SQL driver.
package bot
