-- Version 7: outgoing messages a platform did not take (rate limited, down,
-- unreachable) wait here, in order per chat, to be sent again. A row is
-- claimed with a lease (lease_owner, lease_until) by the replica sending it.
CREATE TABLE deliveries (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	platform     TEXT   NOT NULL,
	chat         TEXT   NOT NULL,
	kind         TEXT   NOT NULL,
	payload      TEXT   NOT NULL,
	ticket_id    BIGINT NOT NULL DEFAULT 0,
	attempts     INTEGER NOT NULL DEFAULT 0,
	created_at   BIGINT NOT NULL,
	next_attempt BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	last_error   TEXT   NOT NULL DEFAULT '',
	lease_owner  TEXT   NOT NULL DEFAULT '',
	lease_until  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX deliveries_by_chat ON deliveries (platform, chat, id);
