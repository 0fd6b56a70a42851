// Package sqlcore is the SQL both ticket stores share: the row structs and
// their scanners, the statements (written once with '?' placeholders, see
// Rebind), the List filter, and the checks of one migration numbering. A
// store (tickets/sqlite, tickets/postgres) keeps only what its engine does
// differently: connections, transactions and their retries, locks, and the
// translation of its driver's errors into ErrNoRows and ErrUnique.
//
// It imports no SQL driver.
package sqlcore
