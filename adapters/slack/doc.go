// Package slack connects the help desk engine to Slack: it turns Socket Mode
// envelopes (or signed Events API, interactivity and slash command requests)
// into bot.Events, and renders the engine's neutral messages as Block Kit,
// modals, ephemeral messages and private channels through the Web API.
//
// It imports bot, config and tickets (for the narrow GroupChats lookup) and
// the slack-go SDK; the engine never imports it.
package slack
