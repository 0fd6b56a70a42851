// Package postgres is the tickets.Store on PostgreSQL (pgx v5), for help desks
// that run several replicas of the bot on one database.
//
// Every write that changes a ticket runs in one transaction that locks the
// ticket row (SELECT ... FOR UPDATE), so replicas changing the same ticket
// queue instead of losing each other's change; unique keys (platform event
// ids, request keys, platform message ids, state versions) turn duplicates
// into ECONFLICT or no-ops. ClusterLock gives replicas a named lock
// (a PostgreSQL advisory lock) for work that reads several rows and then
// decides, such as dispatching a desk's queue under max_open.
//
// It also keeps the built-in web chat (webchat.Store) and web sign-in
// (auth.Store), so a browser may be served by any replica. Every web chat
// change takes the next number of one counter row in the statement that
// makes it, which orders changes by commit, and announces itself with
// NOTIFY helpdesk_web; WatchChanges (webchat.Notifier) LISTENs so each
// replica wakes its open event streams at once.
//
// The schema is created and upgraded by embedded, numbered migrations recorded
// in schema_migrations; Open refuses a database written by a newer helpdesk.
// All tables live in the connection's search_path, so one database can hold
// several help desks (or test runs) in separate schemas. The SQL it shares
// with tickets/sqlite lives in tickets/internal/sqlcore, written with '?'
// placeholders that coreDB numbers; time comes only from the clock given
// with WithClock.
//
// This package must not import the bot, the adapters, the Ticket Center or any
// platform SDK, and it holds no business rules (those live in tickets.Service).
package postgres
