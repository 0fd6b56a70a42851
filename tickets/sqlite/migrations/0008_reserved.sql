-- Version 8: reserved for another branch's migration (h-outbox 0007, h-identity 0008);
-- this placeholder only keeps the numbering whole on h-attach. Delete it when the real 0008 file is merged.
SELECT 1;
