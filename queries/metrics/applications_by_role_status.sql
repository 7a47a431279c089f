-- One row per (applicant_role, status) present under the shared filters: applications.
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses.
with filtered as (
    select applicant_role, status
    from filtered_states($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
)

select applicant_role, status, count(*) as applications
from filtered
group by all
order by applicant_role, status
