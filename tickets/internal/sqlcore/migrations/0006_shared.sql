-- Version 6: the free tags of a ticket, one row each, for the tag filter of
-- the list and the API (the JSON model keeps them too, as the API shape).
CREATE TABLE ticket_tags (
	ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
	tag       TEXT   NOT NULL,
	PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_by_tag ON ticket_tags (tag, ticket_id);
