-- Benchmark support (bench/storage.py): $n stored applications in their current state, not withdrawn,
-- picked by a hash of their id, to become the status changes of a test batch.
select * exclude (valid_from, valid_to, ingest_id)
from application_states
where valid_to = 'infinity'::timestamptz and status <> 'withdrawn'
order by hash(application_id)
limit $n
