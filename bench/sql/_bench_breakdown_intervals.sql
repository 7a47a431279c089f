-- Benchmark support (bench/storage.py): applications by citizenship and status at $as_of, read with
-- validity intervals (the warehouse's design: a range filter).
select citizenship, status, count(*) as applications
from application_states
where program_id = $program and submitted_at <= $as_of and valid_from <= $as_of and valid_to > $as_of
group by all
