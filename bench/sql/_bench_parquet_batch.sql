-- Benchmark support (bench/storage.py): batch $i of $n of the stored states, split by application, for
-- the Parquet-batches layout (no validity interval: batches are never rewritten).
select * exclude (valid_from, valid_to)
from application_states
where hash(application_id) % $n = $i
