-- Version 10: the agents' loads (dispatch, on every queued ticket) read
-- index entries only: the open count seeks the few working statuses per
-- agent, the last assignment is one seek per agent, instead of reading the
-- row of every ticket the desk ever assigned. The two indexes start with
-- (desk, assignee) like the one they replace.
DROP INDEX tickets_assignee;
CREATE INDEX tickets_assignee_status ON tickets (desk, assignee, status, prev_status);
CREATE INDEX tickets_assignee_at ON tickets (desk, assignee, assigned_at);
