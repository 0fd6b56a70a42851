-- The built-in web chat, shared by every replica so a browser may be served
-- by any of them.

-- One counter orders every change of the web chat (new or updated message,
-- new chat, member added, chat archived), so a browser asks for "everything
-- after N". Writers take the next number with UPDATE ... RETURNING in the
-- statement that makes the change: the row lock queues them until commit, so
-- numbers become visible in the order they were given. Numbers may have gaps.
CREATE TABLE web_seq (n BIGINT NOT NULL);
INSERT INTO web_seq (n) VALUES (0);

-- Group chats (a ticket's chat room). DMs and agent channels have no row:
-- who may see them follows from the user id and the config.
CREATE TABLE web_chats (
	id       TEXT    PRIMARY KEY,
	name     TEXT    NOT NULL,
	title    TEXT    NOT NULL DEFAULT '',
	topic    TEXT    NOT NULL DEFAULT '',
	archived BOOLEAN NOT NULL DEFAULT FALSE,
	created  BIGINT  NOT NULL,
	seq      BIGINT  NOT NULL
);
CREATE INDEX web_chats_seq ON web_chats (seq);

CREATE TABLE web_members (
	chat    TEXT   NOT NULL REFERENCES web_chats (id),
	user_id TEXT   NOT NULL,
	pos     BIGINT GENERATED ALWAYS AS IDENTITY, -- members are listed in the order they joined
	PRIMARY KEY (chat, user_id)
);
CREATE INDEX web_members_user ON web_members (user_id);

CREATE TABLE web_messages (
	id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	chat    TEXT   NOT NULL,
	viewer  TEXT   NOT NULL DEFAULT '', -- '' = every member; else only this user (ephemeral)
	body    BYTEA  NOT NULL,            -- JSON, as the web adapter renders it; kept byte for byte
	created BIGINT NOT NULL,
	updated BIGINT NOT NULL,
	seq     BIGINT NOT NULL
);
CREATE INDEX web_messages_chat ON web_messages (chat, id);
CREATE INDEX web_messages_seq ON web_messages (seq);
