// Package center is the Ticket Center: the web pages where agents and admins
// list, read and act on tickets and see statistics, where users follow their
// own tickets, the JSON API for integrations, /metrics for Prometheus, and
// each desk's share page with links and QR codes.
//
// Who may see and do what is decided from the signed-in identity (package
// auth) or the API token against the config, never from the request: global
// admins see every desk, desk admins and agents their desks, users only the
// tickets they requested. Every change goes through tickets.Service, and the
// engine (an interface owned here) carries out what it means on the chat
// platforms.
//
// It imports bot-neutral packages only (tickets, config, rules, auth); it
// never imports an adapter or a store driver.
package center
