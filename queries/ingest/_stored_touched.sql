-- The stored states of the applications this ingest names, read once: the conflict check and the
-- merge work on this instead of scanning every stored state again (one scan, not four, at scale).
create temp table stored as
select *
from application_states
where application_id in (select application_id from incoming)
