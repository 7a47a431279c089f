-- One row, program-wide (the shared filters do not narrow it, only $as_of): counted (applications
-- that count toward the cap), cap_reached_at (submission time of the $cap-th, or null), over_cap,
-- remaining, family (applications that do not count), latest_submission.
-- Params: $program, $as_of, $cap, $cap_roles, $opens_at.
with intake as (
    select application_id, applicant_role, submitted_at
    from states_as_of($program, $as_of)
),

counting as (
    select application_id, submitted_at
    from intake
    where list_contains($cap_roles, applicant_role)
      and submitted_at >= $opens_at
),

cap_moment as (
    select submitted_at
    from counting
    order by submitted_at, application_id
    limit 1 offset $cap - 1
),

totals as (
    select
        (select count(*) from counting) as counted,
        (select submitted_at from cap_moment) as cap_reached_at,
        (select count(*) from intake where not list_contains($cap_roles, applicant_role)) as family,
        (select max(submitted_at) from intake) as latest_submission
)

select
    counted,
    cap_reached_at,
    greatest(counted - $cap, 0) as over_cap,
    greatest($cap - counted, 0) as remaining,
    family,
    latest_submission
from totals
