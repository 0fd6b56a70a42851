// Package email is the email channel: mail to a desk's addresses opens a
// ticket on that desk, read from an IMAP mailbox (IDLE where the server has
// it) or taken by an SMTP receiver for forwarding setups; replies to the
// ticket's mails are added to it; what the bot and the agents say goes back
// by mail through an SMTP server, from a durable outbox, with threading
// headers.
//
// The protocols are spoken by github.com/emersion/go-imap/v2 (IMAP),
// github.com/emersion/go-smtp (receiver and sender) and
// github.com/emersion/go-message (MIME). Everything the channel must keep
// across restarts and replicas (threads, the outbox, mails handled) is kept
// in the ticket store: threads and the outbox as checkpoints, handled mails
// and sent mails in the event ledger.
//
// It imports bot, tickets, config and faq; never another adapter.
package email
