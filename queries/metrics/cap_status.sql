-- One row, program-wide (the shared filters do not narrow it, only $as_of): counted (applications
-- that count toward the cap), cap_reached_at (submission time of the $cap-th, or null), over_cap,
-- remaining, family (applications that do not count), latest_submission.
-- Params: $program, $as_of, $cap, $cap_roles, $opens_at.

-- Two plain scans rather than one shared intake: DuckDB would materialise a shared CTE (millions of
-- rows at scale), which cost more than reading the few columns twice.
with totals as (
    select
        count(*) filter (where list_contains($cap_roles, applicant_role) and submitted_at >= $opens_at) as counted,
        count(*) filter (where not list_contains($cap_roles, applicant_role)) as family,
        max(submitted_at) as latest_submission
    from states_as_of($program, $as_of)
),

-- The $cap-th submission time: ties share a time, so ordering by time alone gives the same moment.
cap_moment as (
    select submitted_at as cap_reached_at
    from states_as_of($program, $as_of)
    where list_contains($cap_roles, applicant_role)
      and submitted_at >= $opens_at
    order by submitted_at
    limit 1 offset $cap - 1
)

select
    counted,
    (select cap_reached_at from cap_moment) as cap_reached_at,
    greatest(counted - $cap, 0) as over_cap,
    greatest($cap - counted, 0) as remaining,
    family,
    latest_submission
from totals
