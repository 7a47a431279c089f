-- One row: last_ingest_at (when the newest ingest of this snapshot finished), ingest_id, file_hash,
-- latest_submission (newest submitted_at of the program), applications (current count).
-- Params: $program.
with last_ingest as (
    select ingest_id, finished_at, file_hash
    from ingests
    order by ingest_id desc
    limit 1
),

program_rows as (
    -- one current state per application: counting them counts applications
    select max(submitted_at) as latest_submission,
           count(*) filter (where valid_to = 'infinity'::timestamptz) as applications
    from application_states
    where program_id = $program
)

select l.finished_at as last_ingest_at, l.ingest_id, l.file_hash, p.latest_submission, p.applications
from program_rows as p
left join last_ingest as l on true
