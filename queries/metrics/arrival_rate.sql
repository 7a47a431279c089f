-- One row at the moment $at (default: the program's newest submission as of $as_of), under the shared
-- filters: rate_at, principal and family (applications submitted by then), and applications per hour over
-- the hour and over the 6 hours before it (principal_per_hour_1h, family_per_hour_1h,
-- principal_per_hour_6h, family_per_hour_6h).
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses, $at.
with moment as (
    select coalesce($at::timestamptz, max(submitted_at)) as rate_at
    from states_as_of($program, $as_of)
),

arrivals as (
    select submitted_at, applicant_role = 'principal' as is_principal
    from filtered_states($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
    where submitted_at <= (select rate_at from moment)
),

windows as (
    select
        count(*) filter (where is_principal) as principal,
        count(*) filter (where not is_principal) as family,
        count(*) filter (where is_principal and submitted_at > m.rate_at - interval 1 hour) as principal_1h,
        count(*) filter (where not is_principal and submitted_at > m.rate_at - interval 1 hour) as family_1h,
        count(*) filter (where is_principal and submitted_at > m.rate_at - interval 6 hour) as principal_6h,
        count(*) filter (where not is_principal and submitted_at > m.rate_at - interval 6 hour) as family_6h
    from arrivals
    cross join moment as m
)

select
    m.rate_at,
    w.principal,
    w.family,
    w.principal_1h::double as principal_per_hour_1h,
    w.family_1h::double as family_per_hour_1h,
    w.principal_6h / 6.0 as principal_per_hour_6h,
    w.family_6h / 6.0 as family_per_hour_6h
from windows as w
cross join moment as m
