-- The incoming states not stored yet (see _merge_incoming.sql), copied once: the merge reads them three
-- times and `stored` holds states of the incoming applications.
create temp table new_states as
select i.* exclude (line, file, seq, bad)
from incoming as i
anti join stored as s
  on s.application_id = i.application_id and s.status_at = i.status_at
