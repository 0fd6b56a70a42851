-- Questions asked to the bot and what became of them (statistics, FAQ gaps).
CREATE TABLE questions (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	desk       TEXT    NOT NULL,
	platform   TEXT    NOT NULL DEFAULT '',
	user_id    TEXT    NOT NULL DEFAULT '',
	text       TEXT    NOT NULL,
	language   TEXT    NOT NULL DEFAULT '',
	item_id    TEXT    NOT NULL DEFAULT '',
	confidence REAL    NOT NULL DEFAULT 0,
	outcome    TEXT    NOT NULL,
	ticket_id  INTEGER NOT NULL DEFAULT 0,
	at         INTEGER NOT NULL
);
CREATE INDEX questions_desk_at ON questions (desk, at);
CREATE INDEX questions_at ON questions (at);

-- Where each ticket's cards were posted, so a reply in a card's thread finds its ticket.
CREATE TABLE cards (
	ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	platform  TEXT    NOT NULL,
	chat      TEXT    NOT NULL,
	message   TEXT    NOT NULL,
	PRIMARY KEY (platform, chat, message, ticket_id)
);
CREATE INDEX cards_ticket ON cards (ticket_id);
