-- Web sign-in (one-time links, sessions), shared by every replica so a
-- browser may be served by any of them. Tokens and session ids are stored
-- only as SHA-256 hashes.
CREATE TABLE auth_links (
	token_hash TEXT   PRIMARY KEY,
	platform   TEXT   NOT NULL,
	user_id    TEXT   NOT NULL,
	name       TEXT   NOT NULL DEFAULT '',
	expires    BIGINT NOT NULL
);
CREATE INDEX auth_links_expires ON auth_links (expires);

CREATE TABLE auth_sessions (
	id       TEXT   PRIMARY KEY,
	platform TEXT   NOT NULL,
	user_id  TEXT   NOT NULL,
	name     TEXT   NOT NULL DEFAULT '',
	csrf     TEXT   NOT NULL,
	expires  BIGINT NOT NULL
);
CREATE INDEX auth_sessions_expires ON auth_sessions (expires);
