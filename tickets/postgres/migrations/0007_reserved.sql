-- Version 7 is reserved for the durable outbox (branch h-outbox); this
-- placeholder keeps the versions contiguous until that branch is merged,
-- which replaces this file with its own 0007.
SELECT 1;
