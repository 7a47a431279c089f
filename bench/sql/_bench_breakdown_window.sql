-- Benchmark support (bench/storage.py): the same breakdown as _bench_breakdown_intervals, the state at
-- $as_of found by a row_number() window per application over the same table (the alternative).
select citizenship, status, count(*) as applications
from (
    select *, row_number() over (partition by application_id order by status_at desc) as rn
    from application_states
    where program_id = $program and submitted_at <= $as_of and status_at <= $as_of
)
where rn = 1
group by all
