-- Per program holding records: its application states, how many came from the demo build, and
-- whether every one did (synthetic). An ingest recorded without an origin (an earlier version) counts
-- as real. Read through to_json so a snapshot written before the origin column existed still answers.
-- The states are counted per ingest first and only those few rows meet the ingests (joining every
-- state to its ingest's JSON took 24 s at 10M rows, on the first page of every process: issue 17).
with per_ingest as (
    select program_id, ingest_id, count(*) as records
    from application_states
    group by program_id, ingest_id
)
select
    s.program_id,
    sum(s.records)::bigint as records,
    coalesce(sum(s.records) filter (where to_json(i) ->> 'origin' = 'demo'), 0)::bigint as demo_records,
    bool_and(coalesce(to_json(i) ->> 'origin', 'export') = 'demo') as synthetic
from per_ingest as s
left join ingests as i using (ingest_id)
group by s.program_id
order by s.program_id
