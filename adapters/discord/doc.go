// Package discord connects the help desk engine to Discord: a gateway
// session (discordgo) turns DMs, mentions, the /helpdesk command, button and
// select presses and modal submissions into bot.Events, and the Adapter
// renders the engine's neutral messages as Discord components, embeds,
// modals, private threads (or private channels) and ephemeral replies.
//
// It imports bot, config, faq and tickets (for error codes, and the
// Options.FormState interface the ticket store satisfies) and
// adapters/internal/kit (events in order per chat without blocking the
// gateway), never a store implementation or another adapter. The
// discordfake subpackage is a protocol-level fake of Discord for tests only.
package discord
