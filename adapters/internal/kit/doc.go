// Package kit is what the chat adapters (Slack, Mattermost, Discord) share:
// binding the engine's handler while Run runs (Dispatcher), handing events to
// it in order per chat without blocking the connection (Runner), forgetting
// deliveries already handled (Seen), caching user look-ups (Users), a typed
// chat reference instead of "channel/thread" strings (ChatRef), a
// ctx-aware Sleep, and the set of ticket group chats (GroupChats).
//
// It imports bot, tickets, errs and internal/textutil only; never a platform
// SDK. SplitMessage cuts a long message into several posts.
package kit
