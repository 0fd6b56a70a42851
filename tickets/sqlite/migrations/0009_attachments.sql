-- Version 9: files kept with a ticket (web chat uploads, files posted in a
-- group chat, email attachments). data holds the bytes unless they are in
-- the attachments folder (path, relative to it). Erase deletes the rows.
CREATE TABLE attachments (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	ticket_id    INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	platform_id  TEXT,                        -- NULL when the platform gives none
	name         TEXT    NOT NULL,
	content_type TEXT    NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT    NOT NULL,
	author       TEXT    NOT NULL,            -- JSON Actor
	at           INTEGER NOT NULL,            -- Unix nanoseconds
	path         TEXT    NOT NULL DEFAULT '',
	data         BLOB,
	UNIQUE (ticket_id, platform_id)
);
CREATE INDEX attachments_by_ticket ON attachments (ticket_id, at);
