-- The programs of the incoming rows that already hold records of another origin than this ingest's
-- ($origin): synthetic demo records and real ones are never mixed in one program. Records of ingests
-- from before the origin was recorded count as real ('export').
select distinct s.program_id
from application_states as s
join ingests as i using (ingest_id)
where s.program_id in (select distinct program_id from incoming)
  and coalesce(i.origin, 'export') <> $origin
order by s.program_id
