-- One row per interval of $minutes (aligned on $origin), from the first interval of the range to the
-- last, arrivals or not (an interval with none is 0, never missing): interval_start, interval_end
-- (UTC), principal, family (applications submitted in it by principals and by spouses and dependants),
-- under the shared filters. The range runs from $range_first (default: the first arrival) to
-- $range_last or the last arrival, whichever is later, and stops after $max_intervals + 1 intervals.
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses, $minutes,
-- $origin, $range_first, $range_last, $max_intervals.
with arrivals as (
    select
        submitted_at,
        time_bucket(to_minutes($minutes::bigint), submitted_at, $origin::timestamptz) as interval_start,
        applicant_role = 'principal' as is_principal
    from filtered_states($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
),

range_bounds as (
    select
        time_bucket(to_minutes($minutes::bigint), coalesce($range_first::timestamptz, min(submitted_at)),
                    $origin::timestamptz) as first_start,
        time_bucket(to_minutes($minutes::bigint), greatest($range_last::timestamptz, max(submitted_at)),
                    $origin::timestamptz) as last_start
    from arrivals
),

intervals as (
    select unnest(generate_series(
        first_start,
        least(last_start, first_start + to_minutes($minutes::bigint * $max_intervals::bigint)),
        to_minutes($minutes::bigint)
    )) as interval_start
    from range_bounds
),

counts as (
    select
        interval_start,
        count(*) filter (where is_principal) as principal,
        count(*) filter (where not is_principal) as family
    from arrivals
    group by all
),

filled as (
    select
        i.interval_start,
        i.interval_start + to_minutes($minutes::bigint) as interval_end,
        coalesce(c.principal, 0) as principal,
        coalesce(c.family, 0) as family
    from intervals as i
    left join counts as c using (interval_start)
)

select interval_start, interval_end, principal, family
from filled
order by interval_start
