-- One row per calendar day in the zone $tz, from the first day of the range to the last, arrivals or
-- not (a day with none is 0, never missing): interval_start, interval_end (UTC: local midnight to the
-- next local midnight, so a day is 23, 24 or 25 hours long), principal, family (applications submitted
-- that day by principals and by spouses and dependants), under the shared filters. The range runs from
-- $range_first_day (default: the day of the first arrival) to $range_last_day or the day of the last
-- arrival, whichever is later, and stops after $max_intervals + 1 days.
-- Params: $program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses, $tz,
-- $range_first_day, $range_last_day, $max_intervals.
-- Counted by quarter hour of UTC first, then the quarters put in their local day: every zone's offset
-- is a whole number of quarter hours, so a quarter never straddles a local midnight, and converting a
-- few thousand quarters instead of every arrival costs a fifth (10 million rows: 40 against 213 ms).
with quarters as (
    select
        floor(epoch_us(submitted_at) / 900000000)::bigint as quarter,
        count(*) filter (where applicant_role = 'principal') as principal,
        count(*) filter (where applicant_role <> 'principal') as family
    from filtered_states($program, $as_of, $start_at, $end_at, $countries, $roles, $permits, $statuses)
    group by all
),

arrivals as (
    select timezone($tz, to_timestamp(quarter * 900))::date as day, principal, family
    from quarters
),

range_bounds as (
    select
        coalesce($range_first_day::date, min(day)) as first_day,
        greatest($range_last_day::date, max(day)) as last_day
    from arrivals
),

days as (
    select
        day::date as day,
        timezone($tz, day::timestamp) as interval_start,
        timezone($tz, (day + interval 1 day)::timestamp) as interval_end
    from range_bounds,
        generate_series(first_day, least(last_day, first_day + $max_intervals::integer), interval 1 day)
            as each_day(day)
),

counts as (
    select day, sum(principal)::bigint as principal, sum(family)::bigint as family
    from arrivals
    group by all
)

select *
from every_interval(days, counts)
order by interval_start
