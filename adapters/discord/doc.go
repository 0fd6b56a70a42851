// Package discord connects the help desk engine to Discord: a gateway
// session (discordgo) turns DMs, mentions, the /helpdesk command, button and
// select presses and modal submissions into bot.Events, and the Adapter
// renders the engine's neutral messages as Discord components, embeds,
// modals, private threads (or private channels) and ephemeral replies.
//
// It imports bot, config and faq, never a store or another adapter. The
// discordfake subpackage is a protocol-level fake of Discord for tests only.
package discord
