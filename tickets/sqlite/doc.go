// Package sqlite is the embedded tickets.Store on modernc.org/sqlite (pure Go,
// no cgo): the default store of a single helpdesk process.
//
// The database runs in WAL mode with one writer connection (write
// transactions take the lock up front, so concurrent writers queue on the busy
// timeout instead of failing) and a separate pool of read connections. The
// schema is created and upgraded by embedded, numbered migrations recorded in
// schema_migrations; Open refuses a database written by a newer helpdesk.
// The SQL it shares with tickets/postgres (tickets, states, presence,
// checkpoints, questions, search, dump, and the part of each migration from
// version 5 on) lives in tickets/internal/sqlcore; this package keeps the
// connections, the write transaction, the event ledger, sign-in and the web
// chat's writes. Time comes only from the clock given with WithClock.
//
// Queries run as statements prepared once. Commits use synchronous=NORMAL
// (they survive a crash of the process, not a power loss) except the one
// that creates a ticket, which is synced to the disk. Presence, desk
// presence, conversation states (memo.go), checkpoints (checkpoint.go) and
// the accounts' verified addresses (identity.go) are kept in memory: exact,
// because this Store makes every write of them in this one process.
//
// This package implements tickets.Store and nothing more: it must not import
// the bot, the adapters, the Ticket Center or any platform SDK, and it holds
// no business rules (those live in tickets.Service).
package sqlite
