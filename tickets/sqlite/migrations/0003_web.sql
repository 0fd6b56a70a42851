-- Web sign-in (one-time links, sessions) and the built-in web chat.
-- Tokens and session ids are stored only as SHA-256 hashes.
CREATE TABLE auth_links (
	token_hash TEXT    PRIMARY KEY,
	platform   TEXT    NOT NULL,
	user_id    TEXT    NOT NULL,
	name       TEXT    NOT NULL DEFAULT '',
	expires    INTEGER NOT NULL
);
CREATE INDEX auth_links_expires ON auth_links (expires);

CREATE TABLE auth_sessions (
	id       TEXT    PRIMARY KEY,
	platform TEXT    NOT NULL,
	user_id  TEXT    NOT NULL,
	name     TEXT    NOT NULL DEFAULT '',
	csrf     TEXT    NOT NULL,
	expires  INTEGER NOT NULL
);
CREATE INDEX auth_sessions_expires ON auth_sessions (expires);

-- One counter orders every change of the web chat (new or updated message,
-- new or archived chat), so a browser asks for "everything after N".
CREATE TABLE web_seq (n INTEGER NOT NULL);
INSERT INTO web_seq (n) VALUES (0);

-- Group chats (a ticket's chat room). DMs and agent channels have no row:
-- who may see them follows from the user id and the config.
CREATE TABLE web_chats (
	id       TEXT    PRIMARY KEY,
	name     TEXT    NOT NULL,
	title    TEXT    NOT NULL DEFAULT '',
	topic    TEXT    NOT NULL DEFAULT '',
	archived INTEGER NOT NULL DEFAULT 0,
	created  INTEGER NOT NULL,
	seq      INTEGER NOT NULL
);
CREATE INDEX web_chats_seq ON web_chats (seq);

CREATE TABLE web_members (
	chat    TEXT NOT NULL REFERENCES web_chats (id),
	user_id TEXT NOT NULL,
	PRIMARY KEY (chat, user_id)
);
CREATE INDEX web_members_user ON web_members (user_id);

CREATE TABLE web_messages (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	chat    TEXT    NOT NULL,
	viewer  TEXT    NOT NULL DEFAULT '',  -- '' = every member; else only this user (ephemeral)
	body    TEXT    NOT NULL,             -- JSON, as the web adapter renders it
	created INTEGER NOT NULL,
	updated INTEGER NOT NULL,
	seq     INTEGER NOT NULL
);
CREATE INDEX web_messages_chat ON web_messages (chat, id);
CREATE INDEX web_messages_seq ON web_messages (seq);
