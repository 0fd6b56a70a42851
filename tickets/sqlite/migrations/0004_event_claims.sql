-- Platform events are claimed with a lease instead of only marked seen: a
-- replica that dies while handling an event leaves a claim that runs out,
-- and a redelivery or another replica takes the event over. Rows recorded
-- before this migration were handled.
ALTER TABLE seen ADD COLUMN owner       TEXT    NOT NULL DEFAULT '';
ALTER TABLE seen ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE seen ADD COLUMN done        INTEGER NOT NULL DEFAULT 0;
UPDATE seen SET done = 1;
