// Package slack connects the help desk engine to Slack: it turns Socket Mode
// envelopes (or signed Events API, interactivity and slash command requests)
// into bot.Events, and renders the engine's neutral messages as Block Kit,
// modals, ephemeral messages and private channels through the Web API.
//
// It imports bot, config, tickets (for the narrow GroupChats lookup),
// adapters/internal/kit (handler, order per chat, de-duplication, user cache,
// chat references) and the slack-go SDK; the engine never imports it.
//
// A form opened as a modal carries its field rules (required, max length,
// the select's options as digests) in private_metadata, signed with a key
// derived from the bot token. A submission that breaks them is answered with
// response_action "errors" (in the Socket Mode ack or the HTTP response), so
// the modal stays open with the message under the field; only valid
// submissions reach the engine.
package slack
