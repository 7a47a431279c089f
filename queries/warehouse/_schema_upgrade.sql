-- Brings a snapshot written by an earlier version up to the current schema (run by every writer).
-- Ingests recorded before the origin column existed keep NULL: their records count as real.
alter table ingests add column if not exists origin varchar;

-- Applications recorded before arrivals were part of the format keep NULL: no arrival known.
alter table application_states add column if not exists arrived_at timestamptz
