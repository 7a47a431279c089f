-- One row per interval of $minutes (aligned on $origin), from the first interval of the range to the
-- last, arrivals or not (an interval with none is 0, never missing): interval_start, interval_end
-- (UTC), principal, family (applications submitted in it by principals and by spouses and dependants),
-- under the shared filters. The range runs from $range_first (default: the first arrival) to
-- $range_last or the last arrival, whichever is later, and stops after $max_intervals + 1 intervals.
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses, $minutes,
-- $origin, $range_first, $range_last, $max_intervals.
-- Intervals numbered from the origin on epoch microseconds: the same intervals as time_bucket(), at a
-- third of its cost on timestamptz (the quotient is exact below a span of a century).
with arrivals as (
    select
        floor((epoch_us(submitted_at) - epoch_us($origin::timestamptz))
              / ($minutes::bigint * 60000000))::bigint as interval_number,
        applicant_role = 'principal' as is_principal
    from filtered_states($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
),

range_bounds as (
    select
        coalesce(floor((epoch_us($range_first::timestamptz) - epoch_us($origin::timestamptz))
                       / ($minutes::bigint * 60000000))::bigint, min(interval_number)) as first_number,
        greatest(floor((epoch_us($range_last::timestamptz) - epoch_us($origin::timestamptz))
                       / ($minutes::bigint * 60000000))::bigint, max(interval_number)) as last_number
    from arrivals
),

intervals as (
    select
        interval_number,
        $origin::timestamptz + to_minutes(interval_number * $minutes::bigint) as interval_start,
        $origin::timestamptz + to_minutes((interval_number + 1) * $minutes::bigint) as interval_end
    from range_bounds,
        generate_series(first_number, least(last_number, first_number + $max_intervals::bigint))
            as numbers(interval_number)
),

counts as (
    select *
    from principal_and_family(arrivals)
)

select *
from every_interval(intervals, counts)
order by interval_start
