// Package storetest is the one contract test suite that every tickets.Store
// implementation must pass (SQLite, PostgreSQL, and any later one). A store's
// own test calls Run with a function that opens it.
//
// The suite speaks only to the tickets.Store interface and tickets.Service
// (RunClock also to auth.Store, for the sweep of expired sign-in links); it
// must not import any store implementation or SQL driver.
package storetest
