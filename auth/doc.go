// Package auth signs people into the web (web chat and Ticket Center) without
// passwords: a chat platform vouches for who someone is, the bot sends them a
// one-time, short-lived sign-in link in a DM, and the link starts a session
// kept in an HttpOnly cookie. Every state-changing request must carry the
// session's CSRF token.
//
// Only SHA-256 hashes of link tokens and session ids are stored, so a copy of
// the database signs nobody in. The package imports no SQL driver: a Store is
// implemented by tickets/sqlite (and other stores).
package auth
