// Package web is the built-in web chat: a bot.Platform named "web" whose
// chats live in a store (so history survives reloads and is shared by
// replicas) and reach every open tab of their members by Server-Sent Events.
//
// It serves the chat page at "/" (employees talk to the bot, agents get their
// ticket cards, Start Chat opens a room, End Service closes it), JSON
// endpoints under /chat/api/, the embeddable widget /chat/widget.js, the demo
// sign-in page /auth/demo and the visitor sign-in for desks available to
// everyone. Every event handed to the engine carries the user of the signed-in
// session, never an id from the request, and a user reads and posts only in
// chats they belong to.
//
// Like every adapter it has one lifecycle, Run(ctx, handler): it hands events
// to the handler (and, with PostgreSQL, relays other replicas' changes) until
// ctx ends.
//
// Pages, script and styles are embedded; nothing is loaded from a CDN. It
// imports bot, config, auth and tickets (for error codes), never a store
// driver: the store is the small webchat.Store interface.
package web
