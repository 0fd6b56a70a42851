-- Platform events are claimed with a lease instead of only marked seen: a
-- replica that dies while handling an event leaves a claim that runs out,
-- and a redelivery or another replica takes the event over. Rows recorded
-- before this migration were handled.
ALTER TABLE seen
	ADD COLUMN owner       TEXT    NOT NULL DEFAULT '',
	ADD COLUMN lease_until BIGINT  NOT NULL DEFAULT 0,
	ADD COLUMN done        BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE seen SET done = TRUE;
