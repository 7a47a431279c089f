-- Run by every writer on a copy of an existing snapshot: a warehouse written by an earlier version gains
-- what this version's schema (_schema.sql) added, empty, in its next snapshot.
alter table application_states add column if not exists arrived_at timestamptz
