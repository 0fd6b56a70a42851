// Package center is the Ticket Center: the web pages where agents and admins
// list, read and act on tickets and see statistics, where users follow their
// own tickets, the JSON API for integrations, /metrics for Prometheus, and
// each desk's share page with links and QR codes.
//
// Who may see and do what is decided from the signed-in identity (package
// auth) or the API token against the config, never from the request: global
// admins see every desk, desk admins and agents their desks, users only the
// tickets they requested. Every change is made through the Engine, an
// interface owned here (engine.go) with one method per transition that the
// bot engine implements: it changes the ticket through tickets.Service,
// which decides who may, and carries the change out on the chat platforms,
// exactly as the bot's own buttons and commands do. The Center itself only
// reads the request and tells a ticket's followers. Without an engine the
// changes go to tickets.Service alone.
//
// It imports bot-neutral packages only (tickets, config, rules, auth); it
// never imports bot, an adapter or a store driver (its tests use the bot
// engine and its in-memory platform to see a change's effects).
package center
