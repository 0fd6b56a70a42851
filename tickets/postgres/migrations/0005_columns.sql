-- Version 5, PostgreSQL's part (internal/sqlcore/migrations has the shared
-- part): search reads columns instead of the JSON model, and adapter
-- checkpoints get a table of their own.
ALTER TABLE tickets
	ADD COLUMN requester_name TEXT NOT NULL DEFAULT '',
	ADD COLUMN subject        TEXT NOT NULL DEFAULT '',
	ADD COLUMN category       TEXT NOT NULL DEFAULT '';
UPDATE tickets SET
	requester_name = COALESCE(data->'requester'->>'name', ''),
	subject        = COALESCE(data->>'subject', ''),
	category       = COALESCE(data->>'category', '');

-- The Mattermost catch-up cursor was the conversation state "mattermost:cursor".
CREATE TABLE checkpoints (name TEXT PRIMARY KEY, value BYTEA NOT NULL, version BIGINT NOT NULL);
INSERT INTO checkpoints (name, value, version)
	SELECT key, data, version FROM states WHERE key = 'mattermost:cursor';
DELETE FROM states WHERE key = 'mattermost:cursor';

-- Form answers of existing tickets, into the shared part's ticket_form.
INSERT INTO ticket_form (ticket_id, position, field, label, value)
	SELECT t.id, f.n - 1, COALESCE(f.v->>'id', ''), COALESCE(f.v->>'label', ''), COALESCE(f.v->>'value', '')
	FROM tickets t,
		json_array_elements(CASE WHEN json_typeof(t.data->'form') = 'array' THEN t.data->'form' END)
			WITH ORDINALITY AS f (v, n);
