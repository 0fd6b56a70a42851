-- Version 5, SQLite's part (internal/sqlcore/migrations has the shared
-- part): search reads columns instead of the JSON model, and adapter
-- checkpoints get a table of their own.
ALTER TABLE tickets ADD COLUMN requester_name TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN subject        TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN category       TEXT NOT NULL DEFAULT '';
UPDATE tickets SET
	requester_name = COALESCE(json_extract(data, '$.requester.name'), ''),
	subject        = COALESCE(json_extract(data, '$.subject'), ''),
	category       = COALESCE(json_extract(data, '$.category'), '');

-- The Mattermost catch-up cursor was the conversation state "mattermost:cursor".
CREATE TABLE checkpoints (name TEXT PRIMARY KEY, value BLOB NOT NULL, version INTEGER NOT NULL);
INSERT INTO checkpoints (name, value, version)
	SELECT key, data, version FROM states WHERE key = 'mattermost:cursor';
DELETE FROM states WHERE key = 'mattermost:cursor';

-- Form answers of existing tickets, into the shared part's ticket_form.
INSERT INTO ticket_form (ticket_id, position, field, label, value)
	SELECT tickets.id, f.key, COALESCE(json_extract(f.value, '$.id'), ''),
		COALESCE(json_extract(f.value, '$.label'), ''), COALESCE(json_extract(f.value, '$.value'), '')
	FROM tickets, json_each(tickets.data, '$.form') AS f
	WHERE json_type(tickets.data, '$.form') = 'array';
