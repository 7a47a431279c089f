-- One row per interval of $minutes (aligned on $origin) in which an application counting toward the
-- cap arrived, under the shared filters: interval_start, interval_end (UTC), arrivals, cumulative
-- (running total at the interval's end). $minutes null: the finest of 1, 5, 15, 60, 360 or 1440 minutes
-- that keeps the series under 2,500 intervals from the opening ($opens_at, or the first arrival if later) to
-- the last arrival, at least an hour (metrics.auto_minutes; chosen here, not in a query of its own).
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses, $cap_roles,
-- $minutes, $origin, $opens_at.
with counting as (
    select submitted_at
    from filtered_states($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
    where list_contains($cap_roles, applicant_role)
),

span as (
    select
        greatest(min(submitted_at), $opens_at::timestamptz) as first_at,
        max(submitted_at) as last_at
    from counting
),

grain as (
    select coalesce($minutes::bigint, case
        when span.first_at is null then 60
        else coalesce((
            select min(choice.m)
            from unnest([1, 5, 15, 60, 360, 1440]) as choice(m)
            where greatest(epoch_us(span.last_at) - epoch_us(span.first_at), 3600000000)
                  / (choice.m * 60000000.0) <= 2500
        ), 1440)
    end) as minutes
    from span
),

-- Intervals numbered from the origin on epoch microseconds: the same intervals as time_bucket(), at a
-- third of its cost on timestamptz (the quotient is exact below a span of a century).
per_interval as (
    select floor((epoch_us(submitted_at) - epoch_us($origin::timestamptz))
                 / (grain.minutes * 60000000))::bigint as interval_number,
           count(*) as arrivals
    from counting
    cross join grain
    group by all
)

select
    $origin::timestamptz + to_minutes(interval_number * grain.minutes) as interval_start,
    $origin::timestamptz + to_minutes((interval_number + 1) * grain.minutes) as interval_end,
    arrivals,
    sum(arrivals) over (order by interval_number)::bigint as cumulative
from per_interval
cross join grain
order by interval_start
