package main

import (
	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/center"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
	"github.com/helpdesk-chat/helpdesk/webchat"
)

// What the wiring finds by type assertion on the store it opened, checked
// here at compile time: a store that lost a method would otherwise turn a
// feature off silently (the cluster lock, web sign-in, the web chat, search).
var (
	_ tickets.Store        = (*sqlite.Store)(nil)
	_ auth.Store           = (*sqlite.Store)(nil)
	_ webchat.Store        = (*sqlite.Store)(nil)
	_ center.Searcher      = (*sqlite.Store)(nil)
	_ center.StatusCounter = (*sqlite.Store)(nil)
	_ versioned            = (*sqlite.Store)(nil)
	_ dumper               = (*sqlite.Store)(nil)

	_ tickets.Store        = (*postgres.Store)(nil)
	_ bot.ClusterLocker    = (*postgres.Store)(nil) // several replicas share it
	_ auth.Store           = (*postgres.Store)(nil)
	_ webchat.Store        = (*postgres.Store)(nil)
	_ webchat.Notifier     = (*postgres.Store)(nil)
	_ center.Searcher      = (*postgres.Store)(nil)
	_ center.StatusCounter = (*postgres.Store)(nil)
	_ versioned            = (*postgres.Store)(nil)
	_ restorer             = (*postgres.Store)(nil)
)
