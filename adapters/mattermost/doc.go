// Package mattermost connects the help desk engine to Mattermost: it reads
// posts from the WebSocket event stream (reconnecting with back-off and
// catching up on missed posts over REST), turns DMs, mentions, card-thread
// replies and ticket-channel posts into bot.Events, and renders the engine's
// neutral messages as message attachments with interactive buttons and
// select menus, interactive dialogs, ephemeral posts and private channels
// through the REST API (model.Client4).
//
// The create_at of the last post handed to the engine is saved in the store
// (Options.Cursor, key CursorKey), so that after a restart the adapter reads
// the posts made while the bot was down, at most CatchUpWindow (24 h) back
// and CatchUpMaxPosts (200) per channel; the engine's de-duplication by post
// id makes the overlap harmless.
//
// Interactive actions, dialog submissions and the /helpdesk slash command
// reach the bot over HTTP (Routes). Every action carries an HMAC-SHA256 of
// its content made with the action secret; a request whose HMAC does not
// verify is answered 403 and changes nothing.
//
// It imports bot, config, tickets (for the narrow GroupChats lookup),
// adapters/internal/kit (handler, order per chat, de-duplication, user cache,
// chat references) and Mattermost's server/public model package; the engine
// never imports it.
package mattermost
