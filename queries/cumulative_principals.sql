-- One row per interval of $minutes (aligned on $origin) in which an application counting toward the
-- cap arrived, under the shared filters: interval_start, interval_end (UTC), arrivals, cumulative
-- (running total at the interval's end).
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses, $cap_roles,
-- $minutes, $origin.
with counting as (
    select submitted_at
    from filtered_states($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
    where list_contains($cap_roles, applicant_role)
),

per_interval as (
    select time_bucket(to_minutes($minutes::bigint), submitted_at, $origin::timestamptz) as interval_start,
           count(*) as arrivals
    from counting
    group by all
)

select
    interval_start,
    interval_start + to_minutes($minutes::bigint) as interval_end,
    arrivals,
    sum(arrivals) over (order by interval_start)::bigint as cumulative
from per_interval
order by interval_start
