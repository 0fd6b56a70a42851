-- The tables of version 5 both engines spell alike; each store's own
-- 0005 file (applied after this one, in the same transaction) holds the rest.

-- One row per answered field of the pre-inquiry form, for search.
CREATE TABLE ticket_form (
	ticket_id BIGINT  NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	position  INTEGER NOT NULL,
	field     TEXT    NOT NULL,
	label     TEXT    NOT NULL,
	value     TEXT    NOT NULL,
	PRIMARY KEY (ticket_id, position)
);

-- A desk an admin switched off was a fake agent "desk:<id>" in presence.
CREATE TABLE desk_presence (
	desk   TEXT   PRIMARY KEY,
	status TEXT   NOT NULL,
	at     BIGINT NOT NULL
);
INSERT INTO desk_presence (desk, status, at)
	SELECT substr(agent, 6), status, at FROM presence WHERE agent LIKE 'desk:%';
DELETE FROM presence WHERE agent LIKE 'desk:%';
