-- Brings a snapshot written by an earlier version up to the current schema (run by every writer).
-- Ingests recorded before the origin column existed keep NULL: their records count as real.
alter table ingests add column if not exists origin varchar
