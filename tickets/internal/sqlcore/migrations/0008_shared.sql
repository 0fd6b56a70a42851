-- Version 8: one requester across channels. Each row links a platform
-- account to the email address its platform verified (Slack's profile email
-- under users:read.email, a Mattermost address the server marks verified, the
-- web sign-in address); the accounts with one address are one person.
CREATE TABLE identities (
	platform TEXT   NOT NULL,
	user_id  TEXT   NOT NULL,
	name     TEXT   NOT NULL DEFAULT '',
	email    TEXT   NOT NULL,
	at       BIGINT NOT NULL,
	PRIMARY KEY (platform, user_id)
);
CREATE INDEX identities_by_email ON identities (email, platform, user_id);
