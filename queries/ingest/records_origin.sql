-- Per program holding records: its application states, how many came from the demo build, and
-- whether every one did (synthetic). An ingest recorded without an origin (an earlier version) counts
-- as real. Read through to_json so a snapshot written before the origin column existed still answers.
select
    s.program_id,
    count(*) as records,
    count(*) filter (where to_json(i) ->> 'origin' = 'demo') as demo_records,
    bool_and(coalesce(to_json(i) ->> 'origin', 'export') = 'demo') as synthetic
from application_states as s
left join ingests as i using (ingest_id)
group by s.program_id
order by s.program_id
