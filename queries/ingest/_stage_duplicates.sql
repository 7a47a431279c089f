-- Rows whose (application_id, status_at) another row has, and whether each is the first of its set of
-- identical rows (one state, stored once). In a clean export the table is empty. Bad rows count too.
create table shared as
with keys as (
    select application_id, status_at
    from staged
    group by all
    having count(*) > 1
)

select
    s.*,
    s.seq = min(s.seq) over (
        partition by s.application_id, s.program_id, s.submitted_at, s.applicant_role,
        s.principal_application_id, s.permit_type, s.citizenship, s.birth_country, s.us_state,
        s.intended_province, s.status, s.status_at, s.arrived_at
    ) as first
from staged as s
semi join keys as k
  on s.application_id = k.application_id and s.status_at is not distinct from k.status_at
