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
