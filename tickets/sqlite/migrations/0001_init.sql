-- Tickets keep their whole model in data (JSON); the columns beside it are
-- copies of the fields that queries filter, sort or join on.
CREATE TABLE tickets (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	desk               TEXT    NOT NULL,
	number             INTEGER NOT NULL,
	key                TEXT    NOT NULL UNIQUE,
	request_key        TEXT    UNIQUE, -- NULL when the ticket has none
	platform           TEXT    NOT NULL DEFAULT '',
	status             TEXT    NOT NULL,
	prev_status        TEXT    NOT NULL DEFAULT '',
	priority           INTEGER NOT NULL DEFAULT 0,
	assignee           TEXT    NOT NULL DEFAULT '',
	requester_platform TEXT    NOT NULL DEFAULT '',
	requester_id       TEXT    NOT NULL DEFAULT '',
	group_chat         TEXT    NOT NULL DEFAULT '',
	created_at         INTEGER NOT NULL, -- Unix nanoseconds, UTC
	updated_at         INTEGER NOT NULL,
	assigned_at        INTEGER NOT NULL DEFAULT 0, -- 0: never
	data               TEXT    NOT NULL,
	UNIQUE (desk, number)
);
CREATE INDEX tickets_queue ON tickets (desk, status, priority DESC, created_at, id);
CREATE INDEX tickets_assignee ON tickets (desk, assignee);
CREATE INDEX tickets_created ON tickets (created_at, id);
CREATE INDEX tickets_requester ON tickets (requester_platform, requester_id);
CREATE INDEX tickets_group_chat ON tickets (platform, group_chat) WHERE group_chat <> '';

CREATE TABLE desk_counters (
	desk TEXT    PRIMARY KEY,
	next INTEGER NOT NULL -- the number the next ticket of the desk gets
);

CREATE TABLE events (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	ticket_id      INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	at             INTEGER NOT NULL,
	kind           TEXT    NOT NULL,
	actor_role     TEXT    NOT NULL DEFAULT '',
	actor_platform TEXT    NOT NULL DEFAULT '',
	actor_id       TEXT    NOT NULL DEFAULT '',
	actor_name     TEXT    NOT NULL DEFAULT '',
	source         TEXT    NOT NULL DEFAULT '',
	detail         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX events_ticket ON events (ticket_id, id);

CREATE TABLE messages (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	ticket_id       INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	kind            TEXT    NOT NULL,
	platform_id     TEXT    NOT NULL DEFAULT '',
	author_role     TEXT    NOT NULL DEFAULT '',
	author_platform TEXT    NOT NULL DEFAULT '',
	author_id       TEXT    NOT NULL DEFAULT '',
	author_name     TEXT    NOT NULL DEFAULT '',
	text            TEXT    NOT NULL,
	at              INTEGER NOT NULL
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);
-- A redelivered platform message is recorded once.
CREATE UNIQUE INDEX messages_platform_id ON messages (ticket_id, platform_id) WHERE platform_id <> '';

CREATE TABLE states (
	key     TEXT    PRIMARY KEY,
	data    BLOB    NOT NULL,
	version INTEGER NOT NULL
);

CREATE TABLE seen (
	key TEXT    PRIMARY KEY,
	at  INTEGER NOT NULL
);

CREATE TABLE presence (
	agent  TEXT    PRIMARY KEY,
	status TEXT    NOT NULL,
	at     INTEGER NOT NULL
);
