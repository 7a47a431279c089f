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

-- Intervals numbered from the origin on epoch microseconds: the same intervals as time_bucket(), at a
-- third of its cost on timestamptz (the quotient is exact below a span of a century).
per_interval as (
    select floor((epoch_us(submitted_at) - epoch_us($origin::timestamptz))
                 / ($minutes::bigint * 60000000))::bigint as interval_number,
           count(*) as arrivals
    from counting
    group by all
)

select
    $origin::timestamptz + to_minutes(interval_number * $minutes::bigint) as interval_start,
    $origin::timestamptz + to_minutes((interval_number + 1) * $minutes::bigint) as interval_end,
    arrivals,
    sum(arrivals) over (order by interval_number)::bigint as cumulative
from per_interval
order by interval_start
