// Package rules decides who gets a ticket and when: it matches a ticket to a
// desk rule (skills, agents, priority), computes service hours across time
// zones, holidays and daylight-saving changes, picks an agent by strategy, and
// says which timers (assign timeout, snooze wake-up, inactivity, SLA) are due.
//
// Everything here is a pure function of its arguments: the time is passed in,
// and the package does no I/O, keeps no state and starts no goroutines. It
// imports only the config and tickets types of this module; it must not import
// a store, an adapter, the bot engine or any platform SDK.
package rules
